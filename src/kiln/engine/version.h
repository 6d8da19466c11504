#pragma once

#include "kiln/engine/host.h"
#include "kiln/util/result.h"

#include <chrono>
#include <string>

namespace kiln::engine {

/// The newest Engine API version kiln asks for, as Buildx v0.36.1's
/// Docker client does.
inline constexpr const char* max_api_version = "1.55";

/// The oldest Engine API version kiln accepts, as Buildx v0.36.1's
/// Docker client does.
inline constexpr const char* min_api_version = "1.40";

/// What `GET /_ping` says about the Engine.
struct Ping {
  /// The Engine's newest API version (`API-Version`); "" when absent.
  std::string api_version;

  /// The Engine's operating system (`OSType`), like "linux".
  std::string os_type;

  /// Whether the Engine runs with experimental features.
  bool experimental = false;

  /// The Engine's default builder (`Builder-Version`): "1", "2" or "".
  std::string builder_version;
};

/// What the Engine says about itself.
struct EngineVersion {
  /// The Engine's version, like "20.10.24+dfsg1".
  std::string version;

  /// The Engine's newest API version, like "1.41".
  std::string api_version;

  /// The Engine's oldest API version, like "1.12".
  std::string min_api_version;

  /// The API version kiln uses with this Engine.
  std::string negotiated_api_version;

  /// The Engine's operating system, like "linux".
  std::string os;

  /// The Engine's architecture, like "amd64".
  std::string arch;

  /// The Engine's answer to `GET /_ping`.
  Ping ping;
};

/// Compares the API versions `a` and `b` part by part, numerically;
/// returns a negative number, zero or a positive number.
int compare_api_versions(const std::string& a, const std::string& b);

/// Returns the API version to use with an Engine whose newest is
/// `server`: the lower of it and `max_api_version`, or
/// `max_api_version` when `server` is ""; fails when `server` is
/// malformed or older than `min_api_version`.
util::Result<std::string> negotiate_api_version(const std::string& server);

/// Asks the Engine at `host` for `GET /_ping` by `deadline`.
util::Result<Ping> ping(const Host& host,
                        std::chrono::steady_clock::time_point deadline);

/// Pings the Engine at `host`, settles the API version (or takes
/// `DOCKER_API_VERSION`, like the Docker client) and asks it for
/// `GET /v<version>/version`, all by `deadline`.
util::Result<EngineVersion>
version(const Host& host, std::chrono::steady_clock::time_point deadline);

} // namespace kiln::engine
