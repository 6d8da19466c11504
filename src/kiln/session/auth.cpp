#include "kiln/session/auth.h"

#include <mutex>
#include <set>

#include "kiln/auth.grpc.pb.h"
#include "kiln/util/log.h"

namespace kiln::session {

namespace {

namespace pb = moby::filesync::v1;

// FetchToken, GetTokenAuthority and VerifyTokenAuthority keep the
// generated UNIMPLEMENTED answers: the daemon then asks Credentials and
// talks to the registry's token server itself.
class AuthService : public pb::Auth::Service {
public:
  AuthService(std::shared_ptr<CredentialStore> store, SharedHandler on_shared)
    : m_store(std::move(store)), m_on_shared(std::move(on_shared))
  {}

  grpc::Status Credentials(grpc::ServerContext* /*ctx*/,
                           const pb::CredentialsRequest* req,
                           pb::CredentialsResponse* resp) override
  {
    auto start = std::chrono::steady_clock::now();
    auto found = m_store->lookup(req->host());
    if (!found) {
      util::debug_call("auth " + req->host(), found.error().message, start);
      return {grpc::StatusCode::UNKNOWN, found.error().message};
    }

    resp->set_username(found->username);
    resp->set_secret(found->secret);
    bool shared = !found->secret.empty();
    util::debug_call("auth " + req->host(),
                     shared ? "credentials for " + (found->username.empty()
                                                      ? "a token"
                                                      : found->username)
                            : "anonymous",
                     start);
    if (shared && m_on_shared && first_share(req->host())) {
      m_on_shared(req->host());
    }
    return grpc::Status::OK;
  }

private:
  bool first_share(const std::string& host)
  {
    std::lock_guard lock(m_mutex);
    return m_shared.insert(host).second;
  }

  std::shared_ptr<CredentialStore> m_store;
  SharedHandler m_on_shared;
  std::mutex m_mutex;
  std::set<std::string> m_shared;
};

} // namespace

std::unique_ptr<grpc::Service> make_auth(std::shared_ptr<CredentialStore> store,
                                         SharedHandler on_shared)
{
  return std::make_unique<AuthService>(std::move(store), std::move(on_shared));
}

} // namespace kiln::session
