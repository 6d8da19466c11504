// Sending a local folder to the daemon: STAT packets in walk order on
// the handler's thread, REQs read on their own thread, and the
// requested files sent by a few workers, writes serialised. The method
// is served on raw buffers so that file data is read straight into the
// slices gRPC sends, never copied by kiln.
#include "kiln/session/file_sync.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <grpcpp/impl/rpc_service_method.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/method_handler.h>
#include <unistd.h>

#include "kiln/fsutil.pb.h"
#include "kiln/session/metadata.h"
#include "kiln/session/raw.h"
#include "kiln/session/receive.h"
#include "kiln/session/walk.h"
#include "kiln/util/error.h"
#include "kiln/util/fd.h"
#include "kiln/util/log.h"

namespace kiln::session {

namespace {

namespace fs = std::filesystem;
using fsutil::types::Packet;

// Larger chunks than the 32 KiB Buildx sends cut the client's CPU time
// by a quarter; the daemon takes messages up to 4 MiB.
constexpr std::size_t k_chunk_bytes = 256 * 1024;
constexpr int k_workers = 4;
// The number of `Packet.data`.
constexpr int k_data_field = 4;

// One transfer: the file table, the queue of requested files and the
// serialised stream writes.
class Transfer {
public:
  explicit Transfer(RawStream& stream) : m_stream(stream) {}

  bool write(const Packet& p, bool more) { return write(to_raw(p), more); }

  bool write(const grpc::ByteBuffer& buffer, bool more)
  {
    std::lock_guard lock(m_write_mutex);
    grpc::WriteOptions options;
    // The first write carries the headers and must go out at once.
    if (more && m_writes > 0) {
      options.set_buffer_hint();
    }
    ++m_writes;
    return m_stream.Write(buffer, options);
  }

  void add_file(std::uint32_t id, fs::path path)
  {
    std::lock_guard lock(m_mutex);
    m_files.emplace(id, std::move(path));
  }

  // Reads what the daemon sends until FIN; returns an error text or
  // nullopt on a clean end.
  std::optional<std::string> read_loop()
  {
    grpc::ByteBuffer buffer;
    Packet p;
    std::optional<std::string> error;
    while (m_stream.Read(&buffer)) {
      if (!parse_raw(buffer, p)) {
        error = "bad file packet from the daemon";
        break;
      }
      if (p.type() == Packet::PACKET_REQ) {
        if (!queue(p.id())) {
          error = "invalid file request " + std::to_string(p.id());
          break;
        }
      } else if (p.type() == Packet::PACKET_FIN) {
        Packet fin;
        fin.set_type(Packet::PACKET_FIN);
        write(fin, false);
        break;
      } else if (p.type() == Packet::PACKET_ERR) {
        error = "error from receiver: " + p.data();
        break;
      }
    }
    close_queue();
    return error;
  }

  void work()
  {
    ReadBuffer buf(k_chunk_bytes);
    while (auto job = next()) {
      send_file(job->first, job->second, buf);
    }
  }

private:
  bool queue(std::uint32_t id)
  {
    std::lock_guard lock(m_mutex);
    auto it = m_files.find(id);
    if (it == m_files.end()) {
      return false;
    }
    m_queue.emplace_back(id, std::move(it->second));
    m_files.erase(it);
    m_ready.notify_one();
    return true;
  }

  void close_queue()
  {
    std::lock_guard lock(m_mutex);
    m_closed = true;
    m_ready.notify_all();
  }

  std::optional<std::pair<std::uint32_t, fs::path>> next()
  {
    std::unique_lock lock(m_mutex);
    m_ready.wait(lock, [this] { return m_closed || !m_queue.empty(); });
    if (m_queue.empty()) {
      return std::nullopt;
    }
    auto job = std::move(m_queue.front());
    m_queue.pop_front();
    return job;
  }

  void send_file(std::uint32_t id, const fs::path& path, ReadBuffer& buf)
  {
    // The fields before `data`, encoded once per file.
    Packet head;
    head.set_type(Packet::PACKET_DATA);
    head.set_id(id);
    std::string prefix = head.SerializeAsString();
    // An unreadable file is sent as an empty one.
    util::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    while (fd) {
      ssize_t n = buf.read_from(fd.get());
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        break;
      }
      grpc::Slice data = buf.take(static_cast<std::size_t>(n));
      if (!write(bytes_field_message(prefix, k_data_field, std::move(data)),
                 true)) {
        return;
      }
    }
    write(bytes_field_message(prefix, k_data_field, grpc::Slice()), false);
  }

  RawStream& m_stream;
  std::mutex m_write_mutex;
  std::size_t m_writes = 0;
  std::mutex m_mutex;
  std::condition_variable m_ready;
  std::map<std::uint32_t, fs::path> m_files;
  std::deque<std::pair<std::uint32_t, fs::path>> m_queue;
  bool m_closed = false;
};

// Returns `paths` and, for those that are symlinks inside `root`, what
// they point at, followed link by link; these join the include patterns.
std::vector<std::string> follow_links(const fs::path& root,
                                      std::vector<std::string> paths)
{
  std::vector<std::string> out;
  for (std::size_t i = 0; i < paths.size() && out.size() < 256; ++i) {
    std::string path = clean_path(paths[i]);
    if (std::find(out.begin(), out.end(), path) != out.end()) {
      continue;
    }
    out.push_back(path);
    std::error_code ec;
    fs::path target = fs::read_symlink(root / path, ec);
    if (ec) {
      continue;
    }
    std::string next = target.is_absolute()
                         ? target.string()
                         : (fs::path(path).parent_path() / target).string();
    paths.push_back(clean_path(next));
  }
  return out;
}

class FileSyncService : public grpc::Service {
public:
  explicit FileSyncService(std::map<std::string, fs::path> dirs)
    : m_dirs(std::move(dirs))
  {
    using Handler =
      grpc::internal::BidiStreamingHandler<FileSyncService, grpc::ByteBuffer,
                                           grpc::ByteBuffer>;
    AddMethod(new grpc::internal::RpcServiceMethod(
      k_file_sync_method, grpc::internal::RpcMethod::BIDI_STREAMING,
      new Handler(
        [](FileSyncService* self, grpc::ServerContext* ctx, RawStream* stream) {
          return self->diff_copy(ctx, stream);
        },
        this)));
  }

private:
  grpc::Status diff_copy(grpc::ServerContext* ctx, RawStream* stream)
  {
    auto names = metadata_values(*ctx, "dir-name");
    std::string name = names.empty() ? "" : names.front();
    auto dir = m_dirs.find(name);
    if (dir == m_dirs.end()) {
      return {grpc::StatusCode::NOT_FOUND,
              "no access allowed to dir " + util::quote(name)};
    }
    WalkFilter filter;
    auto includes = metadata_values(*ctx, "include-patterns");
    auto follow = metadata_values(*ctx, "followpaths");
    if (!follow.empty()) {
      auto targets = follow_links(dir->second, follow);
      includes.insert(includes.end(), targets.begin(), targets.end());
    }
    filter.include = PatternMatcher(includes);
    filter.exclude = PatternMatcher(metadata_values(*ctx, "exclude-patterns"));
    util::debug("session: sending " + name + " from " + dir->second.string());

    Transfer transfer(*stream);
    std::optional<std::string> read_error;
    std::thread reader([&] { read_error = transfer.read_loop(); });
    std::vector<std::thread> workers;
    for (int i = 0; i < k_workers; ++i) {
      workers.emplace_back([&] { transfer.work(); });
    }

    std::optional<std::string> walk_error;
    try {
      std::uint32_t id = 0;
      walk(dir->second, filter,
           [&](fsutil::types::Stat&& stat, const fs::path& file) {
             if (!file.empty()) {
               transfer.add_file(id, file);
             }
             ++id;
             Packet p;
             p.set_type(Packet::PACKET_STAT);
             *p.mutable_stat() = std::move(stat);
             if (!transfer.write(p, true)) {
               throw std::runtime_error("the daemon closed the stream");
             }
           });
      Packet last;
      last.set_type(Packet::PACKET_STAT);
      transfer.write(last, false);
    } catch (const std::exception& e) {
      walk_error = e.what();
      Packet err;
      err.set_type(Packet::PACKET_ERR);
      err.set_data(e.what());
      transfer.write(err, false);
    }

    if (walk_error) {
      ctx->TryCancel();
    }
    reader.join();
    for (auto& w : workers) {
      w.join();
    }
    if (walk_error) {
      return {grpc::StatusCode::UNKNOWN, *walk_error};
    }
    if (read_error) {
      return {grpc::StatusCode::UNKNOWN, *read_error};
    }
    return grpc::Status::OK;
  }

  std::map<std::string, fs::path> m_dirs;
};

} // namespace

std::unique_ptr<grpc::Service>
make_file_sync(std::map<std::string, fs::path> dirs)
{
  return std::make_unique<FileSyncService>(std::move(dirs));
}

} // namespace kiln::session
