#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/impl/service_type.h>

namespace kiln::session {

/// The method path the daemon calls for a secret's value.
inline constexpr const char* k_get_secret_method =
  "/moby.buildkit.secrets.v1.Secrets/GetSecret";

/// The largest secret the daemon is given, as in BuildKit.
inline constexpr std::size_t k_max_secret_bytes = 500 * 1024;

/// One build secret: its id and where its value comes from.
struct SecretSource {
  /// The id a `RUN --mount=type=secret,id=…` asks for.
  std::string id;
  /// A file holding the value, or empty.
  std::string file;
  /// An environment variable holding the value, or empty.
  std::string env;
};

/// Checks `sources` the way BuildKit's client does before a build: each
/// has an id; one with neither file nor variable reads the variable
/// named by its id when set, else the file of that name; files exist
/// and hold at most 500 KiB. Returns them by id, a later entry of an id
/// replacing an earlier one; throws `util::UserError` naming the
/// secret or file.
std::map<std::string, SecretSource>
check_secrets(const std::vector<SecretSource>& sources);

/// Serves Secrets/GetSecret from `secrets`, reading each value when it
/// is asked for; an unknown id is NOT_FOUND.
std::unique_ptr<grpc::Service>
make_secrets(std::map<std::string, SecretSource> secrets);

} // namespace kiln::session
