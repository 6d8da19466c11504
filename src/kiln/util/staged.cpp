#include "kiln/util/staged.h"

#include <cerrno>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kiln/util/fs.h"

namespace kiln::util {

namespace {

namespace fs = std::filesystem;

bool is_real_dir(const fs::path& path)
{
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void move(const fs::path& from, const fs::path& to)
{
  if (::rename(from.c_str(), to.c_str()) != 0) {
    throw FileError("move into place", to, errno);
  }
}

// Moves every entry of folder `from` into folder `into`, folders into
// folders of the same name, and removes `from`.
void merge(const fs::path& from, const fs::path& into)
{
  std::error_code ec;
  for (fs::directory_iterator it(from, ec), end; !ec && it != end;
       it.increment(ec)) {
    fs::path target = into / it->path().filename();
    if (is_real_dir(it->path()) && is_real_dir(target)) {
      merge(it->path(), target);
      continue;
    }
    if (is_real_dir(target)) {
      util::remove_all(target);
    }
    move(it->path(), target);
  }
  if (ec) {
    throw FileError("read", from, ec.value());
  }

  // The folder takes the mode and times the writer gave it.
  struct stat st {};
  if (::lstat(from.c_str(), &st) == 0) {
    ::chmod(into.c_str(), st.st_mode & 07777);
    timespec times[2] = {st.st_atim, st.st_mtim};
    ::utimensat(AT_FDCWD, into.c_str(), times, AT_SYMLINK_NOFOLLOW);
  }
  ::rmdir(from.c_str());
}

} // namespace

Staged::Staged(const fs::path& dest, Kind kind)
  : m_dest(fs::absolute(dest).lexically_normal()), m_kind(kind)
{
  if (m_dest.filename().empty()) {
    m_dest = m_dest.parent_path();
  }
  fs::path dir = m_dest.parent_path();
  if (dir.empty()) {
    dir = ".";
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    throw FileError("create", dir, ec.value());
  }

  std::string pattern =
    (dir / (std::string(temp_prefix) + m_dest.filename().string() + "-XXXXXX"))
      .string();
  if (kind == Kind::file) {
    m_fd.reset(::mkostemp(pattern.data(), O_CLOEXEC));
    if (!m_fd || ::fchmod(m_fd.get(), 0644) != 0) {
      throw FileError("create", m_dest, errno);
    }
  } else if (::mkdtemp(pattern.data()) == nullptr ||
             ::chmod(pattern.c_str(), 0755) != 0) {
    throw FileError("create", m_dest, errno);
  }
  m_temp = pattern;
}

Staged::~Staged()
{
  if (m_done) {
    return;
  }
  m_fd.reset();
  try {
    util::remove_all(m_temp);
  } catch (const FileError&) {
    // Nothing more can be done about a leftover from a failed write.
  }
}

void Staged::commit()
{
  m_fd.reset();
  if (m_kind == Kind::folder && is_real_dir(m_dest)) {
    merge(m_temp, m_dest);
  } else {
    move(m_temp, m_dest);
  }
  m_done = true;
}

} // namespace kiln::util
