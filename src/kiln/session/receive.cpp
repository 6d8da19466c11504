// Receiving a folder as fsutil packets: STATs create entries as they
// arrive, each regular file is asked for with REQ and written from its
// DATA packets, and FIN goes out once the walk and all files are done.
#include "kiln/session/receive.h"

#include <algorithm>
#include <cerrno>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kiln/fsutil.pb.h"
#include "kiln/session/patterns.h"
#include "kiln/session/raw.h"
#include "kiln/session/walk.h"
#include "kiln/util/fd.h"
#include "kiln/util/fs.h"

namespace kiln::session {

namespace {

namespace fs = std::filesystem;
using fsutil::types::Packet;
using fsutil::types::Stat;

struct OpenFile {
  util::Fd fd;
  fs::path path;
  std::int64_t mtime = 0;
  mode_t mode = 0;
  google::protobuf::Map<std::string, std::string> xattrs;
};

timespec to_timespec(std::int64_t ns)
{
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(ns / 1000000000);
  ts.tv_nsec = static_cast<long>(ns % 1000000000);
  return ts;
}

void set_mtime(const fs::path& path, std::int64_t ns, bool follow)
{
  timespec times[2] = {to_timespec(ns), to_timespec(ns)};
  ::utimensat(AT_FDCWD, path.c_str(), times, follow ? 0 : AT_SYMLINK_NOFOLLOW);
}

// Sets the extended attributes of `stat` on `path` (not followed);
// those the file system refuses, such as user attributes on a link,
// are left out.
void set_xattrs(const fs::path& path,
                const google::protobuf::Map<std::string, std::string>& xattrs)
{
  for (const auto& [name, value] : xattrs) {
    ::lsetxattr(path.c_str(), name.c_str(), value.data(), value.size(), 0);
  }
}

class Receiver {
public:
  Receiver(RawStream& stream, fs::path dest)
    : m_stream(stream), m_dest(std::move(dest))
  {}

  grpc::Status run()
  {
    std::error_code ec;
    fs::create_directories(m_dest, ec);
    if (ec) {
      return {grpc::StatusCode::UNKNOWN,
              "failed to create " + m_dest.string() + ": " + ec.message()};
    }

    grpc::ByteBuffer buffer;
    Packet p;
    while (m_stream.Read(&buffer)) {
      if (!parse_raw(buffer, p)) {
        return {grpc::StatusCode::INVALID_ARGUMENT, "bad file packet"};
      }
      try {
        if (p.type() == Packet::PACKET_STAT) {
          on_stat(p);
        } else if (p.type() == Packet::PACKET_DATA) {
          on_data(p);
        } else if (p.type() == Packet::PACKET_ERR) {
          return {grpc::StatusCode::UNKNOWN, "error from sender: " + p.data()};
        } else if (p.type() == Packet::PACKET_FIN) {
          break;
        }
      } catch (const std::exception& e) {
        Packet err;
        err.set_type(Packet::PACKET_ERR);
        err.set_data(e.what());
        m_stream.Write(to_raw(err));
        return {grpc::StatusCode::UNKNOWN, e.what()};
      }
    }
    // Folder times last: writing into a folder changes its time.
    std::for_each(m_dirs.rbegin(), m_dirs.rend(), [&](const auto& dir) {
      set_mtime(dir.first, dir.second, true);
    });
    if (!m_fin_sent) {
      return {grpc::StatusCode::UNKNOWN, "the export ended early"};
    }
    return grpc::Status::OK;
  }

private:
  fs::path target_of(const std::string& raw)
  {
    std::string path = clean_path(raw);
    if (path == "." || path == ".." || path.starts_with("../")) {
      throw std::runtime_error("invalid path in export: " + raw);
    }
    return m_dest / path;
  }

  void on_stat(const Packet& p)
  {
    if (!p.has_stat()) {
      m_walk_done = true;
      maybe_finish();
      return;
    }
    std::uint32_t id = m_next_id++;
    const Stat& st = p.stat();
    fs::path path = target_of(st.path());
    mode_t mode = to_posix_mode(st.mode());

    if (S_ISDIR(mode)) {
      if (::mkdir(path.c_str(), mode & 07777) != 0 && errno != EEXIST) {
        throw util::FileError("create folder", path, errno);
      }
      ::chmod(path.c_str(), mode & 07777);
      set_xattrs(path, st.xattrs());
      m_dirs.emplace_back(path, st.modtime());
      return;
    }
    ::unlink(path.c_str());
    if (S_ISLNK(mode)) {
      if (::symlink(st.linkname().c_str(), path.c_str()) != 0) {
        throw util::FileError("create link", path, errno);
      }
      set_xattrs(path, st.xattrs());
      set_mtime(path, st.modtime(), false);
      return;
    }
    if (S_ISREG(mode) && !st.linkname().empty()) {
      fs::path first = target_of(st.linkname());
      if (::link(first.c_str(), path.c_str()) != 0) {
        throw util::FileError("create hard link", path, errno);
      }
      return;
    }
    if (!S_ISREG(mode)) {
      // Devices and pipes: best effort, as an unprivileged user cannot.
      ::mknod(path.c_str(), mode,
              makedev(static_cast<unsigned>(st.devmajor()),
                      static_cast<unsigned>(st.devminor())));
      return;
    }

    OpenFile file;
    file.fd.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                         mode & 07777));
    if (!file.fd) {
      throw util::FileError("create", path, errno);
    }
    ::fchmod(file.fd.get(), mode & 07777);
    file.path = path;
    file.mode = mode & 07777;
    file.xattrs = st.xattrs();
    file.mtime = st.modtime();
    m_files.emplace(id, std::move(file));

    Packet req;
    req.set_type(Packet::PACKET_REQ);
    req.set_id(id);
    m_stream.Write(to_raw(req));
  }

  void on_data(const Packet& p)
  {
    auto it = m_files.find(p.id());
    if (it == m_files.end()) {
      throw std::runtime_error("invalid file request " +
                               std::to_string(p.id()));
    }
    OpenFile& file = it->second;
    if (p.data().empty()) {
      // After the data: writing may drop set-id bits and capabilities.
      ::fchmod(file.fd.get(), file.mode);
      set_xattrs(file.path, file.xattrs);
      timespec times[2] = {to_timespec(file.mtime), to_timespec(file.mtime)};
      ::futimens(file.fd.get(), times);
      m_files.erase(it);
      maybe_finish();
      return;
    }
    if (!util::write_all(file.fd.get(), p.data())) {
      throw util::FileError("write", file.path, errno);
    }
  }

  void maybe_finish()
  {
    if (m_walk_done && m_files.empty() && !m_fin_sent) {
      Packet fin;
      fin.set_type(Packet::PACKET_FIN);
      m_stream.Write(to_raw(fin));
      m_fin_sent = true;
    }
  }

  RawStream& m_stream;
  fs::path m_dest;
  std::map<std::uint32_t, OpenFile> m_files;
  std::vector<std::pair<fs::path, std::int64_t>> m_dirs;
  std::uint32_t m_next_id = 0;
  bool m_walk_done = false;
  bool m_fin_sent = false;
};

} // namespace

grpc::Status receive_dir(RawStream& stream, const fs::path& dest)
{
  Receiver receiver(stream, dest);
  return receiver.run();
}

} // namespace kiln::session
