#pragma once

// Deadline-bounded socket steps for talking HTTP/1.1 to the Engine by
// hand. Internal to engine/; errors carry only the reason, and callers
// put the place in front.

#include "kiln/util/result.h"

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace kiln::engine {

/// The point in time by which a call to the Engine must be done.
using Deadline = std::chrono::steady_clock::time_point;

/// An Engine address split into what a socket needs.
struct Endpoint {
  /// Whether this is a Unix socket (else TCP).
  bool local = true;

  /// The Unix socket path.
  std::string path;

  /// The TCP host name or address, without IPv6 brackets.
  std::string host;

  /// The TCP port.
  std::string port;
};

/// Splits `address` (`unix://` or `tcp://`); other schemes give an
/// `unsupported` error.
util::Result<Endpoint> parse_endpoint(const std::string& address);

/// Returns `err` as a lowercase reason, like "connection refused".
std::string describe_errno(int err);

/// Returns the error kind for a failed system call's `err`.
util::ErrorKind kind_of_errno(int err);

/// Opens a non-blocking socket connected to `endpoint`, or fails by
/// `deadline`; the caller owns the returned descriptor.
util::Result<int> connect_to(const Endpoint& endpoint, Deadline deadline);

/// Writes all of `data` to `fd` by `deadline`.
util::Result<util::Unit> send_all(int fd, std::string_view data,
                                  Deadline deadline);

/// Reads an HTTP response head from `fd` through its blank line and not
/// one byte further, so that whatever the server sends next stays
/// queued on the socket.
util::Result<std::string> read_head(int fd, Deadline deadline);

/// Reads what `fd` sends by `deadline`, up to `limit` bytes or the end of
/// the stream; `done` says when enough has arrived.
util::Result<std::string>
read_until(int fd, std::size_t limit,
           const std::function<bool(const std::string&)>& done,
           Deadline deadline);

} // namespace kiln::engine
