// Streams a local byte source, such as a context tar read from stdin,
// to the daemon. Upload/Pull's messages have the same wire form as
// FileSend's, so the method is registered by hand on raw buffers.
#include "kiln/session/upload.h"

#include <mutex>

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

// The daemon's limit on one message is 4 MiB; BuildKit's own uploads
// stay under 3 MiB.
constexpr std::size_t k_max_chunk = 3 * 1024 * 1024;

class UploadService : public grpc::Service {
public:
  explicit UploadService(std::map<std::string, UploadSource> sources)
    : m_sources(std::move(sources))
  {
    using Handler =
      grpc::internal::BidiStreamingHandler<UploadService, grpc::ByteBuffer,
                                           grpc::ByteBuffer>;
    AddMethod(new grpc::internal::RpcServiceMethod(
      k_upload_method, grpc::internal::RpcMethod::BIDI_STREAMING,
      new Handler([](UploadService* self, grpc::ServerContext* ctx,
                     RawStream* stream) { return self->pull(*ctx, *stream); },
                  this)));
  }

private:
  grpc::Status pull(grpc::ServerContext& ctx, RawStream& stream)
  {
    auto paths = metadata_values(ctx, "urlpath");
    std::string id = paths.empty() ? "" : paths.front();
    id = id.substr(id.rfind('/') + 1);
    UploadSource source;
    {
      std::lock_guard lock(m_mutex);
      auto it = m_sources.find(id);
      if (it == m_sources.end()) {
        return {grpc::StatusCode::UNKNOWN,
                "no http response from session for " + id};
      }
      source = std::move(it->second);
      m_sources.erase(it);
    }
    util::debug("session: uploading " + id);

    try {
      moby::filesync::v1::BytesMessage msg;
      for (std::string bytes = source(); !bytes.empty(); bytes = source()) {
        for (std::size_t at = 0; at < bytes.size(); at += k_max_chunk) {
          msg.set_data(bytes.substr(at, k_max_chunk));
          if (!stream.Write(to_raw(msg))) {
            return {grpc::StatusCode::CANCELLED, "upload cancelled"};
          }
        }
      }
    } catch (const std::exception& e) {
      return {grpc::StatusCode::UNKNOWN, e.what()};
    }
    return grpc::Status::OK;
  }

  std::mutex m_mutex;
  std::map<std::string, UploadSource> m_sources;
};

} // namespace

std::string upload_url(const std::string& id)
{
  return "http://buildkit-session/" + id;
}

std::unique_ptr<grpc::Service>
make_upload(std::map<std::string, UploadSource> sources)
{
  return std::make_unique<UploadService>(std::move(sources));
}

} // namespace kiln::session
