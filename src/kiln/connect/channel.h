#pragma once

#include <memory>

#include <grpcpp/channel.h>

#include "kiln/connect/endpoint.h"
#include "kiln/connect/tls.h"

namespace kiln::connect {

/// BuildKit's own clients accept messages up to 16 MiB.
inline constexpr int k_max_message_bytes = 16 << 20;

/// Opens a gRPC channel to a unix or tcp `endpoint`, with mutual TLS
/// when `tls.enabled`. The `:authority` is the TLS server name, else
/// `host:port`, so that proxies can route on it.
std::shared_ptr<grpc::Channel> open_channel(const Endpoint& endpoint,
                                            const TlsOptions& tls,
                                            const TlsFiles& files);

/// Wraps an already connected stream socket `fd` (owned by the channel
/// from then on) in a plaintext gRPC channel with `authority`.
std::shared_ptr<grpc::Channel> channel_from_fd(int fd,
                                               const std::string& authority);

} // namespace kiln::connect
