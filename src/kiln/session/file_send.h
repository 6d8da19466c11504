#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string_view>

#include <grpcpp/impl/service_type.h>

namespace kiln::session {

/// The method path the daemon calls to hand over an export.
inline constexpr const char* k_file_send_method =
  "/moby.filesync.v1.FileSend/DiffCopy";

/// Where one exporter's output goes: a folder (fsutil packets), or a
/// byte stream (tar, docker) given to `write` chunk by chunk and ended
/// with `close`; both may throw to fail the transfer.
struct OutputTarget {
  /// The folder to fill, for a folder output.
  std::filesystem::path dir;
  /// Takes the next bytes of a stream output.
  std::function<void(std::string_view)> write;
  /// Ends a stream output once the daemon has sent everything.
  std::function<void()> close;
};

/// Serves FileSend/DiffCopy for `targets`, keyed by the exporter's
/// position in the solve request.
std::unique_ptr<grpc::Service>
make_file_send(std::map<int, OutputTarget> targets);

} // namespace kiln::session
