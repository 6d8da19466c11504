#pragma once

#include <functional>
#include <memory>
#include <string>

#include <grpcpp/impl/service_type.h>

#include "kiln/session/credentials.h"

namespace kiln::session {

/// The method path the daemon calls for a registry's credentials.
inline constexpr const char* k_auth_credentials_method =
  "/moby.filesync.v1.Auth/Credentials";

/// Called the first time a registry's credentials go to the daemon,
/// with the registry's host.
using SharedHandler = std::function<void(const std::string& host)>;

/// Serves moby.filesync.v1.Auth: Credentials from `store`, and
/// UNIMPLEMENTED for the token methods, which makes the daemon fetch
/// registry tokens itself with those credentials.
std::unique_ptr<grpc::Service> make_auth(std::shared_ptr<CredentialStore> store,
                                         SharedHandler on_shared);

} // namespace kiln::session
