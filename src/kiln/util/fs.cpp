#include "kiln/util/fs.h"

#include <cctype>
#include <cerrno>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <stdlib.h> // NOLINT: mkostemp is not in <cstdlib>
#include <sys/stat.h>
#include <unistd.h>

namespace kiln::util {

namespace {

// Owns a temp file until it has been renamed into place: closes the
// descriptor and unlinks the file unless told it was committed.
class TempFile {
public:
  TempFile(int fd, std::string path) : m_fd(fd), m_path(std::move(path)) {}
  ~TempFile()
  {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
    if (!m_committed) {
      ::unlink(m_path.c_str());
    }
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  [[nodiscard]] int fd() const { return m_fd; }
  [[nodiscard]] const std::string& path() const { return m_path; }

  // Closes the descriptor; returns the errno of a failed close, or 0.
  int close()
  {
    int rc = ::close(m_fd);
    m_fd = -1;
    return rc == 0 ? 0 : errno;
  }

  void commit() { m_committed = true; }

private:
  int m_fd = -1;
  std::string m_path;
  bool m_committed = false;
};

// Writes all of `data` to `fd`; returns 0 or the errno that stopped it.
int write_all(int fd, std::string_view data)
{
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return errno;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

// Flushes a folder so that a rename in it survives a crash; a folder
// that cannot be opened or flushed is not worth failing the write for.
void sync_dir(const std::filesystem::path& dir)
{
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return;
  }
  ::fsync(fd);
  ::close(fd);
}

} // namespace

FileError::FileError(const std::string& action, std::filesystem::path path,
                     int err)
  : UserError("failed to " + action + " " + quote(path.string()) + ": " +
              errno_message(err)),
    m_path(std::move(path)), m_error(err)
{}

std::string FileError::reason() const
{
  return errno_message(m_error);
}

std::string errno_message(int err)
{
  std::string text = std::generic_category().message(err);
  if (!text.empty()) {
    text[0] =
      static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  }
  return text;
}

std::optional<std::string> read_file(const std::filesystem::path& path)
{
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    return std::nullopt;
  }
  if (fd < 0) {
    throw FileError("read", path, errno);
  }

  std::string data;
  std::vector<char> buffer(64 * 1024);
  int err = 0;
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      err = errno;
    }
    if (n <= 0) {
      break;
    }
    data.append(buffer.data(), static_cast<size_t>(n));
  }
  ::close(fd);

  if (err != 0) {
    throw FileError("read", path, err);
  }
  return data;
}

void write_file_atomic(const std::filesystem::path& path, std::string_view data,
                       mode_t mode)
{
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) {
    dir = ".";
  }
  std::string pattern =
    (dir / (std::string(temp_prefix) + path.filename().string() + "-XXXXXX"))
      .string();
  int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd < 0) {
    throw FileError("write", path, errno);
  }
  TempFile temp(fd, pattern);

  int err = write_all(temp.fd(), data);
  if (err == 0 && ::fchmod(temp.fd(), mode) != 0) {
    err = errno;
  }
  if (err == 0 && ::fsync(temp.fd()) != 0) {
    err = errno;
  }
  if (int close_err = temp.close(); err == 0) {
    err = close_err;
  }
  if (err == 0 && ::rename(temp.path().c_str(), path.c_str()) != 0) {
    err = errno;
  }
  if (err != 0) {
    throw FileError("write", path, err);
  }

  temp.commit();
  sync_dir(dir);
}

void make_private_dirs(const std::filesystem::path& path)
{
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      throw FileError("create folder", path, ENOTDIR);
    }
    return;
  }

  std::filesystem::path parent = path.parent_path();
  if (!parent.empty() && parent != path) {
    make_private_dirs(parent);
  }

  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    throw FileError("create folder", path, errno);
  }
}

bool remove_all(const std::filesystem::path& path)
{
  std::error_code ec;
  std::uintmax_t count = std::filesystem::remove_all(path, ec);
  if (ec) {
    throw FileError("remove", path, ec.value());
  }
  return count > 0;
}

} // namespace kiln::util
