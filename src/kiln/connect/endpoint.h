#pragma once

#include <map>
#include <string>

namespace kiln::connect {

/// The ways kiln reaches a BuildKit daemon.
enum class Scheme {
  unix_socket,
  tcp,
  docker_container,
  kube_pod,
  ssh,
};

/// Returns the URL scheme of `scheme`, e.g. `docker-container`.
const char* to_string(Scheme scheme);

/// A parsed builder endpoint URL.
struct Endpoint {
  Scheme scheme = Scheme::unix_socket;
  /// The endpoint as the user wrote it.
  std::string raw;
  /// Host name or address (tcp, ssh), container (docker-container) or
  /// pod (kube-pod).
  std::string host;
  /// Port (tcp, ssh); 0 when absent.
  int port = 0;
  /// Socket path (unix; for ssh, the daemon's socket on the remote host).
  std::string path;
  /// User name (ssh).
  std::string user;
  /// Query parameters (docker-container, kube-pod).
  std::map<std::string, std::string> query;

  /// Returns `host:port` for tcp endpoints (IPv6 hosts in brackets).
  [[nodiscard]] std::string host_port() const;
};

/// Parses and validates `text`; throws `util::UserError` naming the
/// endpoint and what is wrong with it.
Endpoint parse_endpoint(const std::string& text);

} // namespace kiln::connect
