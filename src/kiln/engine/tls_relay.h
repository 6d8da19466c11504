#pragma once

// TLS to the Engine for hijacked connections: gRPC takes a plain
// descriptor, so a thread relays between the TLS connection and one end
// of a socket pair. Internal to engine/.

#include "kiln/engine/host.h"
#include "kiln/engine/socket.h"
#include "kiln/util/result.h"

namespace kiln::engine {

/// Runs the TLS handshake with the Engine at `host` (its CA, client key
/// pair and verification choice) on the connected socket `fd`, reached
/// as `endpoint`, by `deadline`. Returns one end of a socket pair that
/// carries the connection in the clear; a thread of its own relays it
/// until either side closes. Takes ownership of `fd` in every case.
util::Result<int> relay_tls(int fd, const Host& host, const Endpoint& endpoint,
                            Deadline deadline);

} // namespace kiln::engine
