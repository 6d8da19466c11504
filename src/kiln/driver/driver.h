#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/channel.h>

#include "kiln/buildkit/client.h"
#include "kiln/connect/endpoint.h"
#include "kiln/store/node_group.h"
#include "kiln/util/fd.h"
#include "kiln/util/process.h"
#include "kiln/util/result.h"

namespace kiln::driver {

/// What a status query of one node found.
struct NodeStatus {
  bool running = false;
  /// Why the node is not running, in one line; empty when running.
  std::string reason;
  util::ErrorKind kind = util::ErrorKind::internal;
  /// The daemon's BuildKit version, e.g. `v0.32.2`.
  std::string version;
  std::vector<store::Platform> platforms;
  std::map<std::string, std::string> labels;
  std::vector<buildkit::GcPolicy> gc_policy;
  /// The round trip of the daemon's first HTTP/2 answer, when measured.
  std::chrono::microseconds round_trip{0};
};

/// The status of a node whose query failed with `error`.
NodeStatus inactive(const util::Error& error);

/// The status of a running node whose daemon described itself as `info`:
/// its version, every worker's platforms, the first worker's labels and
/// GC policy.
NodeStatus running(const buildkit::DaemonInfo& info);

/// Opens a connection on which the daemon calls a build's session that
/// the HTTP headers `headers` describe; returns its socket.
using SessionDialer = std::function<util::Result<int>(
  const std::map<std::string, std::vector<std::string>>& headers)>;

/// What the Docker Engine's own builder can do beyond putting an image
/// into the Engine's image store, as Buildx tells it from the Engine's
/// workers.
struct EngineFeatures {
  /// Whether the Engine keeps images in the containerd image store,
  /// which brings the oci and docker exporters, multi-platform images
  /// and pushing from the builder.
  bool containerd_store = false;
};

/// How kiln reaches the daemon of one builder node. One implementation
/// per driver; only the factory below is public.
class Driver {
public:
  virtual ~Driver() = default;

  /// Queries the node's daemon; never blocks past `deadline`.
  virtual NodeStatus status(util::Deadline deadline) = 0;

  /// Returns whether builds load their result into the Docker Engine
  /// when no output is given.
  [[nodiscard]] virtual bool default_load() const = 0;

  /// Opens a gRPC channel to the node's daemon for a build.
  virtual util::Result<std::shared_ptr<grpc::Channel>> channel() = 0;

  /// Says what became of the connection under the last `channel()` when
  /// a call on it failed (a helper process that ended, and why); empty
  /// when there is nothing to add.
  virtual std::string connection_trouble() { return ""; }

  /// Returns how to open a build's session as a connection of its own;
  /// empty when the session goes through the channel's Control/Session.
  virtual SessionDialer session_dialer() { return {}; }

  /// Returns what the Docker Engine's own builder can export, asked on
  /// the last `channel()`; nullopt for the builders of other drivers.
  virtual std::optional<EngineFeatures> engine_features()
  {
    return std::nullopt;
  }
};

/// The driver names kiln knows.
const std::vector<std::string>& driver_names();

/// Checks `node`'s endpoint and options for driver `name`; throws
/// `util::UserError` naming the bad value.
void validate(const std::string& name, const store::Node& node);

/// Creates the driver `name` for `node`; throws `util::UserError` for an
/// unknown driver or bad options.
std::unique_ptr<Driver> make_driver(const std::string& name,
                                    const store::Node& node);

namespace detail {

/// Queries a node whose `endpoint` is reached through a helper process
/// (helper_status.cpp); the helper is ended before this returns.
NodeStatus status_via_helper(const connect::Endpoint& endpoint,
                             util::Deadline deadline);
/// Starts the helper process of `endpoint` for a build, kept in `helper`
/// for as long as the returned channel is used (helper_status.cpp).
util::Result<std::shared_ptr<grpc::Channel>>
channel_via_helper(const connect::Endpoint& endpoint,
                   std::unique_ptr<util::StdioProcess>& helper);
/// Says how the helper of a build's channel ended and what it last wrote
/// to stderr; empty while it still runs (helper_status.cpp).
std::string helper_trouble(util::StdioProcess& helper);
/// Creates the docker driver (docker.cpp).
std::unique_ptr<Driver> make_docker(const store::Node& node);
/// Creates the remote driver (remote.cpp).
std::unique_ptr<Driver> make_remote(const store::Node& node);
/// Validates remote driver options (remote.cpp).
void validate_remote(const store::Node& node);

} // namespace detail

} // namespace kiln::driver
