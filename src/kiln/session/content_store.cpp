// The content store the daemon reads and writes a local cache through.
// It follows containerd's content service: a blob is written in steps
// on one Write stream (STAT, WRITE..., COMMIT), hashed as it arrives,
// and appears under blobs/ only after its commit is checked.
#include "kiln/session/content_store.h"

#include <cerrno>
#include <chrono>
#include <mutex>

#include <fcntl.h>
#include <grpcpp/server_context.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kiln/content.grpc.pb.h"
#include "kiln/session/metadata.h"
#include "kiln/util/fd.h"
#include "kiln/util/fs.h"
#include "kiln/util/log.h"

namespace kiln::session {

namespace {

namespace fs = std::filesystem;
namespace api = containerd::services::content::v1;
using grpc::StatusCode;

constexpr const char* k_store_id_key = "buildkit-attachable-store-id";
constexpr std::size_t k_read_chunk = 1024 * 1024;

void set_time(google::protobuf::Timestamp* ts,
              std::chrono::system_clock::time_point at)
{
  auto ns =
    std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch())
      .count();
  ts->set_seconds(ns / 1000000000);
  ts->set_nanos(static_cast<int>(ns % 1000000000));
}

std::string to_hex(const unsigned char* data, unsigned int size)
{
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 0xf];
  }
  return out;
}

// Returns the hex part of a `sha256:` digest, or empty when it is not
// one.
std::string digest_hex(const std::string& digest)
{
  if (!digest.starts_with("sha256:") || digest.size() != 7 + 64) {
    return "";
  }
  for (char c : digest.substr(7)) {
    if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
      return "";
    }
  }
  return digest.substr(7);
}

// A SHA-256 over the bytes written so far.
class Hasher {
public:
  Hasher() { reset(); }
  ~Hasher() { EVP_MD_CTX_free(m_ctx); }
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void reset() { EVP_DigestInit_ex(m_ctx, EVP_sha256(), nullptr); }
  void update(const std::string& data)
  {
    EVP_DigestUpdate(m_ctx, data.data(), data.size());
  }

  // Returns `sha256:HEX` of the bytes so far; more may follow.
  [[nodiscard]] std::string digest() const
  {
    EVP_MD_CTX* copy = EVP_MD_CTX_new();
    EVP_MD_CTX_copy_ex(copy, m_ctx);
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(copy, out, &size);
    EVP_MD_CTX_free(copy);
    return "sha256:" + to_hex(out, size);
  }

private:
  EVP_MD_CTX* m_ctx = EVP_MD_CTX_new();
};

// One blob being written: a file under ingest/ and its progress.
struct Ingest {
  fs::path path;
  util::Fd fd;
  std::int64_t offset = 0;
  std::int64_t total = 0;
  std::string expected;
  std::chrono::system_clock::time_point started;
  std::chrono::system_clock::time_point updated;
  Hasher hash;
  bool busy = false;
};

class ContentStore : public api::Content::Service {
public:
  explicit ContentStore(std::map<std::string, fs::path> stores)
    : m_stores(std::move(stores))
  {}

  ~ContentStore() override
  {
    // Nothing half-written stays behind.
    for (auto& [key, ingest] : m_ingests) {
      ingest->fd.reset();
      ::unlink(ingest->path.c_str());
    }
  }

  ContentStore(const ContentStore&) = delete;
  ContentStore& operator=(const ContentStore&) = delete;

  grpc::Status Info(grpc::ServerContext* ctx, const api::InfoRequest* req,
                    api::InfoResponse* resp) override
  {
    const fs::path* dir = nullptr;
    if (grpc::Status s = choose(*ctx, dir); !s.ok()) {
      return s;
    }
    std::string hex = digest_hex(req->digest());
    if (hex.empty()) {
      return {StatusCode::INVALID_ARGUMENT,
              "\"" + req->digest() + "\" failed validation"};
    }
    struct stat st {};
    if (::stat(blob_path(*dir, hex).c_str(), &st) != 0) {
      return not_found(req->digest());
    }
    api::Info* info = resp->mutable_info();
    info->set_digest(req->digest());
    info->set_size(st.st_size);
    auto mtime = std::chrono::system_clock::from_time_t(st.st_mtime);
    set_time(info->mutable_created_at(), mtime);
    set_time(info->mutable_updated_at(), mtime);
    return grpc::Status::OK;
  }

  grpc::Status
  Read(grpc::ServerContext* ctx, const api::ReadContentRequest* req,
       grpc::ServerWriter<api::ReadContentResponse>* writer) override
  {
    const fs::path* dir = nullptr;
    if (grpc::Status s = choose(*ctx, dir); !s.ok()) {
      return s;
    }
    std::string hex = digest_hex(req->digest());
    if (hex.empty()) {
      return {StatusCode::INVALID_ARGUMENT,
              req->digest() + ": invalid checksum digest format"};
    }
    util::Fd fd(::open(blob_path(*dir, hex).c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st {};
    if (!fd || ::fstat(fd.get(), &st) != 0) {
      return not_found(req->digest());
    }

    std::int64_t offset = std::max<std::int64_t>(req->offset(), 0);
    if (offset > st.st_size) {
      return {StatusCode::OUT_OF_RANGE, "read past object length " +
                                          std::to_string(st.st_size) +
                                          " bytes"};
    }
    std::int64_t size = req->size();
    if (size <= 0 || offset + size > st.st_size) {
      size = st.st_size - offset;
    }
    api::ReadContentResponse chunk;
    std::string buf;
    while (size > 0) {
      buf.resize(std::min<std::size_t>(k_read_chunk, size));
      ssize_t n = ::pread(fd.get(), buf.data(), buf.size(), offset);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return {StatusCode::DATA_LOSS,
                "read " + req->digest() + ": " + util::errno_message(errno)};
      }
      chunk.set_offset(offset);
      chunk.set_data(buf.data(), static_cast<std::size_t>(n));
      if (!writer->Write(chunk)) {
        return {StatusCode::CANCELLED, "the reader went away"};
      }
      offset += n;
      size -= n;
    }
    return grpc::Status::OK;
  }

  grpc::Status Status(grpc::ServerContext* ctx, const api::StatusRequest* req,
                      api::StatusResponse* resp) override
  {
    const fs::path* dir = nullptr;
    if (grpc::Status s = choose(*ctx, dir); !s.ok()) {
      return s;
    }
    std::lock_guard lock(m_mutex);
    auto it = m_ingests.find(ingest_key(*dir, req->ref()));
    if (it == m_ingests.end()) {
      return {StatusCode::NOT_FOUND, "could not get status for ref \"" +
                                       req->ref() + "\": ref " + req->ref() +
                                       ": not found"};
    }
    const Ingest& in = *it->second;
    api::Status* out = resp->mutable_status();
    set_time(out->mutable_started_at(), in.started);
    set_time(out->mutable_updated_at(), in.updated);
    out->set_ref(req->ref());
    out->set_offset(in.offset);
    out->set_total(in.total);
    out->set_expected(in.expected);
    return grpc::Status::OK;
  }

  grpc::Status Abort(grpc::ServerContext* ctx, const api::AbortRequest* req,
                     google::protobuf::Empty* /*resp*/) override
  {
    const fs::path* dir = nullptr;
    if (grpc::Status s = choose(*ctx, dir); !s.ok()) {
      return s;
    }
    std::lock_guard lock(m_mutex);
    auto it = m_ingests.find(ingest_key(*dir, req->ref()));
    if (it == m_ingests.end() || it->second->busy) {
      return {StatusCode::NOT_FOUND, "ref " + req->ref() + ": not found"};
    }
    ::unlink(it->second->path.c_str());
    m_ingests.erase(it);
    return grpc::Status::OK;
  }

  grpc::Status
  Write(grpc::ServerContext* ctx,
        grpc::ServerReaderWriter<api::WriteContentResponse,
                                 api::WriteContentRequest>* stream) override;

private:
  static fs::path blob_path(const fs::path& dir, const std::string& hex)
  {
    return dir / "blobs" / "sha256" / hex;
  }

  static std::string ingest_key(const fs::path& dir, const std::string& ref)
  {
    return dir.string() + '\0' + ref;
  }

  static grpc::Status not_found(const std::string& digest)
  {
    return {StatusCode::NOT_FOUND, "content digest " + digest + ": not found"};
  }

  // Picks the folder the request's store id names.
  grpc::Status choose(const grpc::ServerContext& ctx, const fs::path*& dir)
  {
    auto ids = metadata_values(ctx, k_store_id_key);
    if (ids.empty()) {
      return {StatusCode::INVALID_ARGUMENT,
              std::string("request lacks metadata \"") + k_store_id_key + "\""};
    }
    auto it = m_stores.find(ids.front());
    if (it == m_stores.end()) {
      return {StatusCode::NOT_FOUND, "unknown store " + ids.front()};
    }
    dir = &it->second;
    return grpc::Status::OK;
  }

  // Returns the ingest of `ref`, opening its file when it is new; marks
  // it busy for one stream.
  grpc::Status open_ingest(const fs::path& dir, const std::string& ref,
                           std::shared_ptr<Ingest>& out);

  grpc::Status commit(const fs::path& dir, const std::string& ref, Ingest& in);

  std::map<std::string, fs::path> m_stores;
  std::mutex m_mutex;
  std::map<std::string, std::shared_ptr<Ingest>> m_ingests;
};

grpc::Status ContentStore::open_ingest(const fs::path& dir,
                                       const std::string& ref,
                                       std::shared_ptr<Ingest>& out)
{
  std::lock_guard lock(m_mutex);
  auto& slot = m_ingests[ingest_key(dir, ref)];
  if (slot && slot->busy) {
    return {StatusCode::UNAVAILABLE, "ref " + ref + " locked"};
  }
  if (!slot) {
    auto in = std::make_shared<Ingest>();
    std::error_code ec;
    fs::create_directories(dir / "ingest", ec);
    Hasher name;
    name.update(ref);
    in->path = dir / "ingest" / name.digest().substr(7);
    in->fd.reset(
      ::open(in->path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644));
    if (!in->fd) {
      m_ingests.erase(ingest_key(dir, ref));
      return {StatusCode::INTERNAL,
              "open " + in->path.string() + ": " + util::errno_message(errno)};
    }
    in->started = in->updated = std::chrono::system_clock::now();
    slot = std::move(in);
  }
  slot->busy = true;
  out = slot;
  return grpc::Status::OK;
}

grpc::Status ContentStore::commit(const fs::path& dir, const std::string& ref,
                                  Ingest& in)
{
  std::string actual = in.hash.digest();
  if (in.total > 0 && in.offset != in.total) {
    return {StatusCode::FAILED_PRECONDITION,
            "unexpected commit size " + std::to_string(in.offset) +
              ", expected " + std::to_string(in.total)};
  }
  if (!in.expected.empty() && actual != in.expected) {
    return {StatusCode::FAILED_PRECONDITION,
            "unexpected commit digest " + actual + ", expected " + in.expected};
  }
  if (::fsync(in.fd.get()) != 0) {
    return {StatusCode::INTERNAL,
            "sync " + in.path.string() + ": " + util::errno_message(errno)};
  }
  in.fd.reset();

  fs::path target = blob_path(dir, actual.substr(7));
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  grpc::Status result = grpc::Status::OK;
  if (fs::exists(target)) {
    ::unlink(in.path.c_str());
    result = {StatusCode::ALREADY_EXISTS,
              "content " + actual + ": already exists"};
  } else if (::rename(in.path.c_str(), target.c_str()) != 0) {
    result = {StatusCode::INTERNAL,
              "rename " + in.path.string() + ": " + util::errno_message(errno)};
    ::unlink(in.path.c_str());
  }
  std::lock_guard lock(m_mutex);
  m_ingests.erase(ingest_key(dir, ref));
  util::debug("content store: committed " + actual + " in " + dir.string());
  return result;
}

grpc::Status
ContentStore::Write(grpc::ServerContext* ctx,
                    grpc::ServerReaderWriter<api::WriteContentResponse,
                                             api::WriteContentRequest>* stream)
{
  const fs::path* dir = nullptr;
  if (grpc::Status s = choose(*ctx, dir); !s.ok()) {
    return s;
  }
  api::WriteContentRequest req;
  if (!stream->Read(&req)) {
    return {StatusCode::CANCELLED, "no first message"};
  }
  std::string ref = req.ref();
  if (ref.empty()) {
    return {StatusCode::INVALID_ARGUMENT,
            "first message must have a reference"};
  }
  std::shared_ptr<Ingest> in;
  if (grpc::Status s = open_ingest(*dir, ref, in); !s.ok()) {
    return s;
  }
  // Whatever ends the stream, the ingest is free for the next one.
  struct Release {
    Ingest& in;
    std::mutex& mutex;
    ~Release()
    {
      std::lock_guard lock(mutex);
      in.busy = false;
    }
  } release{*in, m_mutex};
  if (req.total() > 0) {
    in->total = req.total();
  }

  while (true) {
    api::WriteContentResponse resp;
    resp.set_action(req.action());
    resp.set_offset(in->offset);
    if (!req.expected().empty()) {
      in->expected = req.expected();
      std::string hex = digest_hex(req.expected());
      if (!hex.empty() && fs::exists(blob_path(*dir, hex))) {
        std::lock_guard lock(m_mutex);
        in->fd.reset();
        ::unlink(in->path.c_str());
        m_ingests.erase(ingest_key(*dir, ref));
        return {StatusCode::ALREADY_EXISTS,
                "blob with expected digest " + req.expected() + " exists"};
      }
    }
    if (req.total() > 0) {
      in->total = req.total();
    }

    if (req.action() == api::STAT) {
      resp.set_digest(in->hash.digest());
      set_time(resp.mutable_started_at(), in->started);
      set_time(resp.mutable_updated_at(), in->updated);
      resp.set_total(in->total);
    } else {
      if (req.offset() > 0 && req.offset() != in->offset) {
        return {StatusCode::OUT_OF_RANGE, "write @" +
                                            std::to_string(req.offset()) +
                                            " must occur at current offset " +
                                            std::to_string(in->offset)};
      }
      if (req.offset() == 0 && in->offset > 0) {
        // A write from the start begins the blob again.
        if (::ftruncate(in->fd.get(), 0) != 0 ||
            ::lseek(in->fd.get(), 0, SEEK_SET) != 0) {
          return {StatusCode::INTERNAL,
                  "truncate failed: " + util::errno_message(errno)};
        }
        in->offset = 0;
        in->hash.reset();
      }
      if (!req.data().empty()) {
        if (!util::write_all(in->fd.get(), req.data())) {
          return {StatusCode::INTERNAL, "write " + in->path.string() + ": " +
                                          util::errno_message(errno)};
        }
        in->hash.update(req.data());
        in->offset += static_cast<std::int64_t>(req.data().size());
        in->updated = std::chrono::system_clock::now();
      }
      resp.set_offset(in->offset);
      if (req.action() == api::COMMIT) {
        if (grpc::Status s = commit(*dir, ref, *in); !s.ok()) {
          return s;
        }
      }
      resp.set_digest(in->hash.digest());
    }
    if (!stream->Write(resp) || req.action() == api::COMMIT) {
      return grpc::Status::OK;
    }
    if (!stream->Read(&req)) {
      return grpc::Status::OK;
    }
  }
}

} // namespace

std::vector<std::string> content_store_methods()
{
  std::vector<std::string> out;
  for (const char* name : {"Info", "Read", "Status", "Write", "Abort"}) {
    out.push_back(std::string("/containerd.services.content.v1.Content/") +
                  name);
  }
  return out;
}

std::unique_ptr<grpc::Service>
make_content_store(std::map<std::string, std::filesystem::path> stores)
{
  return std::make_unique<ContentStore>(std::move(stores));
}

} // namespace kiln::session
