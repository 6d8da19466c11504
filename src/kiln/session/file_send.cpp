// Receiving exports. One method path carries two message types (bytes
// for tar-like outputs, fsutil packets for folders), so the method is
// registered by hand on raw buffers rather than generated.
#include "kiln/session/file_send.h"

#include <grpcpp/impl/rpc_service_method.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/method_handler.h>

#include "kiln/filesync.pb.h"
#include "kiln/session/metadata.h"
#include "kiln/session/raw.h"
#include "kiln/session/receive.h"
#include "kiln/util/log.h"

namespace kiln::session {

namespace {

class FileSendService : public grpc::Service {
public:
  explicit FileSendService(std::map<int, OutputTarget> targets)
    : m_targets(std::move(targets))
  {
    using Handler =
      grpc::internal::BidiStreamingHandler<FileSendService, grpc::ByteBuffer,
                                           grpc::ByteBuffer>;
    AddMethod(new grpc::internal::RpcServiceMethod(
      k_file_send_method, grpc::internal::RpcMethod::BIDI_STREAMING,
      new Handler(
        [](FileSendService* self, grpc::ServerContext* ctx, RawStream* stream) {
          return self->diff_copy(*ctx, *stream);
        },
        this)));
  }

private:
  grpc::Status diff_copy(grpc::ServerContext& ctx, RawStream& stream)
  {
    int id = 0;
    auto ids = metadata_values(ctx, "buildkit-attachable-exporter-id");
    if (!ids.empty()) {
      try {
        id = std::stoi(ids.front());
      } catch (const std::exception&) {
        id = 0;
      }
    }
    auto it = m_targets.find(id);
    if (it == m_targets.end()) {
      return {grpc::StatusCode::NOT_FOUND,
              "exporter " + std::to_string(id) + " not found"};
    }
    OutputTarget& target = it->second;
    util::debug("session: receiving export " + std::to_string(id));
    if (!target.dir.empty()) {
      return receive_dir(stream, target.dir);
    }

    try {
      grpc::ByteBuffer buffer;
      moby::filesync::v1::BytesMessage msg;
      while (stream.Read(&buffer)) {
        if (!parse_raw(buffer, msg)) {
          return {grpc::StatusCode::INVALID_ARGUMENT, "bad export message"};
        }
        target.write(msg.data());
      }
      if (ctx.IsCancelled()) {
        return {grpc::StatusCode::CANCELLED, "export cancelled"};
      }
      target.close();
    } catch (const std::exception& e) {
      return {grpc::StatusCode::UNKNOWN, e.what()};
    }
    return grpc::Status::OK;
  }

  std::map<int, OutputTarget> m_targets;
};

} // namespace

std::unique_ptr<grpc::Service>
make_file_send(std::map<int, OutputTarget> targets)
{
  return std::make_unique<FileSendService>(std::move(targets));
}

} // namespace kiln::session
