#pragma once

#include <chrono>
#include <string>

#include "kiln/connect/endpoint.h"
#include "kiln/connect/tls.h"
#include "kiln/util/fd.h"
#include "kiln/util/result.h"

namespace kiln::connect {

/// What a successful probe measured.
struct ProbeReport {
  /// Time from sending the HTTP/2 preface to the daemon's first frame.
  std::chrono::microseconds round_trip{0};
};

/// Walks the layers a gRPC connection to a unix or tcp `endpoint` needs:
/// name resolution, the socket connection, TLS when `tls.enabled`, and
/// the daemon's first HTTP/2 frame. Stops at the first layer that fails
/// and says why in one line that starts with the layer (`dns:`, `tcp:`,
/// `unix:`, `tls:`, `http2:`): refused, timed out, unknown authority,
/// name mismatch, client certificate required, plaintext/TLS mix-ups.
/// Returns before `deadline`.
util::Result<ProbeReport> probe(const Endpoint& endpoint, const TlsOptions& tls,
                                const TlsFiles& files, util::Deadline deadline);

namespace detail {

/// Connects a stream socket to `endpoint` (unix or tcp) before `deadline`.
util::Result<util::Fd> dial_socket(const Endpoint& endpoint,
                                   util::Deadline deadline);

/// Runs a TLS handshake on `fd` and checks the daemon's answer to an
/// HTTP/2 preface; the TLS layer of `probe`.
util::Result<ProbeReport> probe_tls(util::Fd fd, const Endpoint& endpoint,
                                    const TlsOptions& tls,
                                    const TlsFiles& files,
                                    util::Deadline deadline);

/// Returns whether the server at `endpoint` completes a TLS handshake
/// (certificates unchecked); used to explain a plaintext failure.
bool speaks_tls(const Endpoint& endpoint, util::Deadline deadline);

/// Returns whether the server at `endpoint` answers a plaintext HTTP/2
/// preface with a SETTINGS frame; used to explain a TLS failure.
bool speaks_plain_h2(const Endpoint& endpoint, util::Deadline deadline);

/// Returns `endpoint`'s address as reasons name it: `host:port` for tcp,
/// the quoted socket path for unix.
std::string where_of(const Endpoint& endpoint);

/// Returns `text` with its first letter in lower case, for messages
/// built from strerror() and OpenSSL texts.
std::string lower_first(std::string text);

/// The HTTP/2 client preface followed by an empty SETTINGS frame.
extern const char k_h2_preface[];
/// Length of `k_h2_preface` in bytes.
extern const size_t k_h2_preface_size;

} // namespace detail

} // namespace kiln::connect
