#include "kiln/session/secrets.h"

#include <cerrno>
#include <cstdlib>

#include <sys/stat.h>

#include "kiln/secrets.grpc.pb.h"
#include "kiln/util/error.h"
#include "kiln/util/fs.h"
#include "kiln/util/log.h"

namespace kiln::session {

namespace {

namespace pb = moby::buildkit::secrets::v1;

// Reads secret `source`: its variable (empty when unset, as in
// BuildKit) or its file.
grpc::Status read_secret(const SecretSource& source, std::string& value)
{
  if (!source.env.empty()) {
    const char* v = std::getenv(source.env.c_str());
    value = v != nullptr ? v : "";
    return grpc::Status::OK;
  }
  try {
    auto text = util::read_file(source.file);
    if (!text) {
      return {grpc::StatusCode::UNKNOWN,
              "open " + source.file + ": no such file or directory"};
    }
    value = std::move(*text);
  } catch (const util::FileError& e) {
    return {grpc::StatusCode::UNKNOWN,
            "open " + source.file + ": " + e.reason()};
  }
  return grpc::Status::OK;
}

class SecretsService : public pb::Secrets::Service {
public:
  explicit SecretsService(std::map<std::string, SecretSource> secrets)
    : m_secrets(std::move(secrets))
  {}

  grpc::Status GetSecret(grpc::ServerContext* /*ctx*/,
                         const pb::GetSecretRequest* req,
                         pb::GetSecretResponse* resp) override
  {
    auto it = m_secrets.find(req->id());
    if (it == m_secrets.end()) {
      util::debug("secret " + req->id() + ": not found");
      return {grpc::StatusCode::NOT_FOUND, "not found"};
    }

    std::string value;
    grpc::Status read = read_secret(it->second, value);
    if (!read.ok()) {
      util::debug("secret " + req->id() + ": " + read.error_message());
      return read;
    }
    if (value.size() > k_max_secret_bytes) {
      return {grpc::StatusCode::UNKNOWN,
              "invalid secret size " + std::to_string(value.size())};
    }

    // The value may come back in a step's error or log; hide it there.
    util::add_secret(value);
    if (!value.empty() && value.back() == '\n') {
      util::add_secret(value.substr(0, value.size() - 1));
    }
    util::debug("secret " + req->id() + ": " + std::to_string(value.size()) +
                " bytes");
    resp->set_data(value);
    return grpc::Status::OK;
  }

private:
  std::map<std::string, SecretSource> m_secrets;
};

} // namespace

std::map<std::string, SecretSource>
check_secrets(const std::vector<SecretSource>& sources)
{
  std::map<std::string, SecretSource> out;
  for (SecretSource source : sources) {
    if (source.id.empty()) {
      throw util::UserError("secret missing ID");
    }
    if (source.env.empty() && source.file.empty()) {
      if (std::getenv(source.id.c_str()) != nullptr) {
        source.env = source.id;
      } else {
        source.file = source.id;
      }
    }
    if (!source.file.empty()) {
      struct stat st {};
      if (::stat(source.file.c_str(), &st) != 0) {
        throw util::UserError("failed to stat " + source.file + ": stat " +
                              source.file + ": " + util::errno_message(errno));
      }
      if (static_cast<std::size_t>(st.st_size) > k_max_secret_bytes) {
        throw util::UserError("secret " + source.id +
                              " too big. max size 500KiB");
      }
    }
    out[source.id] = source;
  }
  return out;
}

std::unique_ptr<grpc::Service>
make_secrets(std::map<std::string, SecretSource> secrets)
{
  return std::make_unique<SecretsService>(std::move(secrets));
}

} // namespace kiln::session
