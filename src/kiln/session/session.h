#pragma once

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/impl/channel_interface.h>
#include <grpcpp/impl/service_type.h>

#include "kiln/util/result.h"

namespace kiln::session {

/// What the client serves back to the daemon during one build: a gRPC
/// server without a port, tunnelled through Control/Session.
class Session {
public:
  /// Creates a session called `name` whose local sources are cached
  /// under `shared_key`; it serves Health/Check from the start.
  Session(std::string name, std::string shared_key);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// Returns the random id that goes into the solve request.
  [[nodiscard]] const std::string& id() const;

  /// Adds `service`, whose method paths are `methods`; only before
  /// `start`.
  void add(std::unique_ptr<grpc::Service> service,
           std::vector<std::string> methods);

  /// Opens Control/Session on `channel` and starts serving through it.
  util::Result<util::Unit> start(grpc::ChannelInterface& channel);

  /// Stops serving and closes the tunnel; safe to call twice.
  void close();

private:
  class Impl;
  std::unique_ptr<Impl> m_impl;
};

/// Returns a random id in the form BuildKit uses for sessions and build
/// references (25 lowercase letters and digits).
std::string random_id();

} // namespace kiln::session
