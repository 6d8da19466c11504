#pragma once

#include <map>
#include <string>

namespace kiln::engine {

/// The address the Docker CLI uses when nothing else is configured.
inline constexpr const char* default_address = "unix:///var/run/docker.sock";

/// Where the Docker Engine listens and how to reach it, resolved the way
/// the Docker CLI resolves it.
struct Host {
  /// The Docker context name; "default" when none is selected.
  std::string context = "default";

  /// The Engine address, such as `unix:///var/run/docker.sock` or
  /// `tcp://host:2375`; `ssh://`, `fd://` and `npipe://` are kept as
  /// given but cannot be dialled by kiln.
  std::string address = default_address;

  /// Whether a `tcp://` address speaks TLS.
  bool tls = false;

  /// Whether the Engine's certificate is verified; only meaningful with
  /// `tls`.
  bool tls_verify = false;

  /// Path of the CA bundle PEM file; empty when there is none.
  std::string ca;

  /// Path of the client certificate PEM file; empty when there is none.
  std::string cert;

  /// Path of the client key PEM file; empty when there is none.
  std::string key;

  /// Extra HTTP headers from `HttpHeaders` in the Docker config file.
  std::map<std::string, std::string> headers;
};

/// Returns the Docker client config directory: `$DOCKER_CONFIG`, else
/// `~/.docker`.
std::string config_dir();

/// Returns `value` (a `DOCKER_HOST` value) in the Docker CLI's normal
/// form, filling in the default socket, host or port; `tls` picks the
/// default for an empty value; throws `util::UserError` when it cannot
/// be parsed.
std::string parse_host(const std::string& value, bool tls);

/// Returns the Engine to talk to: `DOCKER_HOST` (context "default"), else
/// the context named by `DOCKER_CONTEXT`, else `currentContext` in the
/// Docker config file, else the local socket; throws `util::UserError`
/// for a context that does not exist or unreadable TLS or config files.
Host current_host();

/// Returns the key Buildx files the current builder under for `host`:
/// the context name, or the address for the "default" context.
std::string store_key(const Host& host);

} // namespace kiln::engine
