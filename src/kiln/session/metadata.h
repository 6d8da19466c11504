#pragma once

#include <string>
#include <vector>

#include <grpcpp/server_context.h>

namespace kiln::session {

/// Returns every value of request metadata `key`, percent-decoded when
/// the daemon marked them with `<key>-encoded`.
std::vector<std::string> metadata_values(const grpc::ServerContext& ctx,
                                         const std::string& key);

} // namespace kiln::session
