#pragma once

#include <filesystem>

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/status.h>
#include <grpcpp/support/sync_stream.h>

namespace kiln::session {

/// A FileSend stream seen as raw messages.
using RawStream = grpc::ServerReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>;

/// Receives a folder the daemon sends as fsutil packets on `stream`
/// into `dest` (created if missing), merging with what is there: asks
/// for every regular file, writes it, and ends with FIN.
grpc::Status receive_dir(RawStream& stream, const std::filesystem::path& dest);

} // namespace kiln::session
