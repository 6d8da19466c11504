#pragma once

// The little HTTP/1.1 kiln speaks by hand to the Engine, and the
// translation of the Engine's HTTP errors. Internal to engine/.

#include "kiln/engine/socket.h"
#include "kiln/util/result.h"

#include <map>
#include <string>

namespace kiln::engine {

/// The `Host` header kiln sends over a Unix socket, as the Docker client
/// does.
inline constexpr const char* local_host_header = "api.moby.localhost";

/// An HTTP response's status line and headers.
struct ResponseHead {
  /// The status code, like 101.
  int status = 0;

  /// The reason phrase, like "Switching Protocols".
  std::string reason;

  /// The headers, by lowercase name.
  std::map<std::string, std::string> headers;
};

/// Parses `head` (status line and headers through the blank line).
util::Result<ResponseHead> parse_head(const std::string& head);

/// Reads the body that follows `head` on `fd`, by Content-Length or
/// chunked framing, keeping at most a few kilobytes.
util::Result<std::string> read_body(int fd, const ResponseHead& head,
                                    Deadline deadline);

/// Returns the error kind for an HTTP error `status` from the Engine.
util::ErrorKind kind_of_status(int status);

/// Returns the Engine's error text in `body`: the `message` of a JSON
/// body, else the body's first line, shortened.
std::string body_message(const std::string& body);

/// Returns "404 Not Found: page not found" for a failed response.
std::string describe_status(const ResponseHead& head, const std::string& body);

} // namespace kiln::engine
