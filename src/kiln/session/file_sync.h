#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include <grpcpp/impl/service_type.h>

namespace kiln::session {

/// The method path the daemon calls to fetch a local folder.
inline constexpr const char* k_file_sync_method =
  "/moby.filesync.v1.FileSync/DiffCopy";

/// Serves FileSync/DiffCopy: sends the folder named by the `dir-name`
/// request metadata, filtered by its include and exclude patterns.
/// `dirs` maps names like `context` and `dockerfile` to folders.
std::unique_ptr<grpc::Service>
make_file_sync(std::map<std::string, std::filesystem::path> dirs);

} // namespace kiln::session
