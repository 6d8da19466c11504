#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/impl/channel_interface.h>
#include <grpcpp/impl/service_type.h>

#include "kiln/util/result.h"

namespace kiln::session {

/// HTTP headers by name, each with its values in order.
using Headers = std::map<std::string, std::vector<std::string>>;

/// Opens a connection on which the daemon calls the session that
/// `headers` describe, and returns its socket, handed over to the
/// session.
using Dialer = std::function<util::Result<int>(const Headers& headers)>;

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

  /// Opens a connection of its own with `dial`, announcing the session
  /// in its headers, and serves the daemon on it (the Docker Engine's
  /// `POST /session`, where the Engine is the HTTP/2 client).
  util::Result<util::Unit> start(const Dialer& dial);

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
