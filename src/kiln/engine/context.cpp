#include "kiln/engine/context.h"

#include "kiln/util/error.h"

#include <openssl/evp.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

namespace kiln::engine {

namespace {

namespace fs = std::filesystem;

std::optional<std::string> read_text(const fs::path& path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

nlohmann::json parse_json(const fs::path& path, const std::string& text)
{
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw util::UserError(path.string() + ": " + e.what());
  }
}

} // namespace

DockerConfig read_config(const std::string& dir)
{
  fs::path path = fs::path(dir) / "config.json";
  auto text = read_text(path);
  if (!text) {
    return {};
  }

  auto json = parse_json(path, *text);
  DockerConfig config;
  try {
    config.current_context = json.value("currentContext", "");
    auto headers = json.value("HttpHeaders", nlohmann::json::object());
    for (auto& [name, value] : headers.items()) {
      config.headers[name] = value.get<std::string>();
    }
  } catch (const nlohmann::json::exception& e) {
    throw util::UserError(path.string() + ": " + e.what());
  }
  return config;
}

Host read_context(const std::string& dir, const std::string& name)
{
  std::string hash = sha256_hex(name);
  fs::path meta = fs::path(dir) / "contexts" / "meta" / hash / "meta.json";
  auto text = read_text(meta);
  if (!text) {
    throw util::UserError("unable to resolve docker endpoint: context " +
                          util::quote(name) + ": context not found: open " +
                          meta.string() + ": no such file or directory");
  }

  auto json = parse_json(meta, *text);
  auto endpoint = json.value("Endpoints", nlohmann::json::object())
                    .value("docker", nlohmann::json());
  if (!endpoint.is_object()) {
    throw util::UserError("unable to resolve docker endpoint: context " +
                          util::quote(name) +
                          ": cannot find docker endpoint in context");
  }

  Host host;
  host.context = name;
  bool skip_verify = false;
  try {
    host.address = endpoint.value("Host", "");
    skip_verify = endpoint.value("SkipTLSVerify", false);
  } catch (const nlohmann::json::exception& e) {
    throw util::UserError(meta.string() + ": " + e.what());
  }
  if (host.address.empty()) {
    host.address = default_address;
  }

  // The Docker CLI turns TLS on when the context holds any TLS file or
  // asks to skip verification.
  std::string tls_dir = (fs::path(dir) / "contexts" / "tls" / hash / "docker");
  host.ca = tls_file(tls_dir, "ca.pem");
  host.cert = tls_file(tls_dir, "cert.pem");
  host.key = tls_file(tls_dir, "key.pem");
  bool files = !host.ca.empty() || !host.cert.empty() || !host.key.empty();
  host.tls = files || skip_verify;
  host.tls_verify = host.tls && !skip_verify;
  return host;
}

std::string tls_file(const std::string& dir, const std::string& file)
{
  fs::path path = fs::path(dir) / file;
  std::error_code ec;
  return fs::is_regular_file(path, ec) ? path.string() : "";
}

std::string sha256_hex(const std::string& text)
{
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(),
             nullptr);

  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex += digits[digest[i] >> 4];
    hex += digits[digest[i] & 0x0f];
  }
  return hex;
}

} // namespace kiln::engine
