#pragma once

#include "kiln/engine/host.h"
#include "kiln/util/result.h"

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace kiln::engine {

/// Connects to the Engine at `host`, sends `POST <path>` asking to upgrade
/// to `proto` with the extra headers `meta`, and returns the socket once
/// the Engine answers 101, or fails by `deadline`.
///
/// The descriptor is non-blocking, close-on-exec and owned by the caller.
/// Its read position is just past the 101 response's blank line: the
/// response head is read with MSG_PEEK and only its own bytes are
/// consumed, so bytes the Engine sends right after it (the HTTP/2 server
/// preface, which the Engine writes at once) stay queued on the socket
/// for whoever reads next. `unix://` and `tcp://` addresses can be
/// dialled, the latter with TLS when `host.tls` (then the descriptor is
/// one end of a socket pair relayed to the TLS connection); other
/// schemes give an `unsupported` error.
util::Result<int>
dial_hijack(const Host& host, const std::string& path, const std::string& proto,
            const std::map<std::string, std::vector<std::string>>& meta,
            std::chrono::steady_clock::time_point deadline);

/// Connects to the Engine's embedded BuildKit: `POST /grpc` upgraded to
/// h2c, ready for `grpc::CreateCustomInsecureChannelFromFd`, which takes
/// ownership of the descriptor. The Engine does not check `:authority`;
/// Buildx's client sends "localhost", and kiln should too rather than
/// gRPC's "test.authority" default.
util::Result<int> dial_grpc(const Host& host,
                            std::chrono::steady_clock::time_point deadline);

} // namespace kiln::engine
