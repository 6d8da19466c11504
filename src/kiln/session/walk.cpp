#include "kiln/session/walk.h"

#include <algorithm>
#include <cerrno>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kiln/util/fd.h"
#include "kiln/util/fs.h"

namespace kiln::session {

namespace {

namespace fs = std::filesystem;
using fsutil::types::Stat;

// Adds the extended attributes of `path` (not followed) to `stat`; a
// file system without them, or one that refuses, adds nothing.
void add_xattrs(const fs::path& path, Stat& stat)
{
  ssize_t size = ::llistxattr(path.c_str(), nullptr, 0);
  if (size <= 0) {
    return;
  }
  std::string names(static_cast<std::size_t>(size), '\0');
  size = ::llistxattr(path.c_str(), names.data(), names.size());
  if (size <= 0) {
    return;
  }
  names.resize(static_cast<std::size_t>(size));
  for (std::size_t at = 0; at < names.size();) {
    std::string name = names.c_str() + at;
    at += name.size() + 1;
    ssize_t n = ::lgetxattr(path.c_str(), name.c_str(), nullptr, 0);
    if (n < 0) {
      continue;
    }
    std::string value(static_cast<std::size_t>(n), '\0');
    n = ::lgetxattr(path.c_str(), name.c_str(), value.data(), value.size());
    if (n < 0) {
      continue;
    }
    value.resize(static_cast<std::size_t>(n));
    (*stat.mutable_xattrs())[name] = std::move(value);
  }
}

// One folder's walk state: entries still waiting for a visible child.
class Walker {
public:
  Walker(const WalkFilter& filter, const WalkVisitor& visit)
    : m_filter(filter), m_visit(visit)
  {}

  void walk_dir(const fs::path& abs, const std::string& rel)
  {
    for (const auto& name : sorted_names(abs)) {
      std::string path = rel.empty() ? name : rel + "/" + name;
      fs::path child = abs / name;
      struct stat st {};
      if (::lstat(child.c_str(), &st) != 0) {
        if (errno == ENOENT) {
          continue;
        }
        throw util::FileError("stat", child, errno);
      }
      visit_entry(child, path, st);
    }
  }

private:
  static std::vector<std::string> sorted_names(const fs::path& abs)
  {
    DIR* dir = ::opendir(abs.c_str());
    if (dir == nullptr) {
      throw util::FileError("open folder", abs, errno);
    }
    std::vector<std::string> names;
    while (dirent* e = ::readdir(dir)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") {
        names.push_back(std::move(name));
      }
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    return names;
  }

  void visit_entry(const fs::path& abs, const std::string& path,
                   const struct stat& st)
  {
    const WalkFilter& f = m_filter;
    bool included = f.include.empty() || f.include.matches(path);
    bool excluded = !f.exclude.empty() && f.exclude.matches(path);

    if (!S_ISDIR(st.st_mode)) {
      if (included && !excluded) {
        bool data = S_ISREG(st.st_mode) || S_ISSOCK(st.st_mode);
        emit(make_stat(abs, path, st), data ? abs : fs::path());
      }
      return;
    }

    if (excluded && !f.exclude.has_exceptions()) {
      return;
    }
    if (!included && !f.include.may_match_below(path)) {
      return;
    }
    // A folder shows up when it is wanted itself or, lazily, when
    // something below it does.
    m_pending.push_back(make_stat(abs, path, st));
    if (included && !excluded) {
      flush();
    }
    walk_dir(abs, path);
    m_pending.pop_back();
    m_flushed = std::min(m_flushed, m_pending.size());
  }

  void emit(Stat&& stat, const fs::path& file)
  {
    flush();
    m_visit(std::move(stat), file);
  }

  void flush()
  {
    for (std::size_t i = m_flushed; i < m_pending.size(); ++i) {
      Stat copy = m_pending[i];
      m_visit(std::move(copy), fs::path());
    }
    m_flushed = m_pending.size();
  }

  Stat make_stat(const fs::path& abs, const std::string& path,
                 const struct stat& st)
  {
    Stat out;
    out.set_path(path);
    // A socket goes as a file without its type bit, as Buildx sends it:
    // the daemon asks for its data and gets none.
    out.set_mode(to_go_mode(st.st_mode) & ~go_mode::socket);
    // Owners are left at root (0), as Buildx leaves them: the daemon
    // gives copied files to root unless a step says otherwise.
    out.set_modtime(static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 +
                    st.st_mtim.tv_nsec);
    if (S_ISREG(st.st_mode)) {
      // A hard link keeps its size; the daemon compares it with the
      // size of what it has.
      out.set_size(st.st_size);
      if (st.st_nlink > 1) {
        auto key = std::make_pair(st.st_dev, st.st_ino);
        auto [it, fresh] = m_links.emplace(key, path);
        if (!fresh) {
          out.set_linkname(it->second);
        }
      }
    } else if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<std::size_t>(st.st_size) + 256, '\0');
      ssize_t n = ::readlink(abs.c_str(), target.data(), target.size());
      if (n < 0) {
        throw util::FileError("read link", abs, errno);
      }
      target.resize(static_cast<std::size_t>(n));
      out.set_size(n);
      out.set_linkname(target);
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
      out.set_devmajor(major(st.st_rdev));
      out.set_devminor(minor(st.st_rdev));
    }
    add_xattrs(abs, out);
    return out;
  }

  const WalkFilter& m_filter;
  const WalkVisitor& m_visit;
  std::vector<Stat> m_pending;
  std::size_t m_flushed = 0;
  std::map<std::pair<dev_t, ino_t>, std::string> m_links;
};

} // namespace

std::uint32_t to_go_mode(mode_t mode)
{
  std::uint32_t out = mode & 0777;
  switch (mode & S_IFMT) {
  case S_IFDIR:
    out |= go_mode::dir;
    break;
  case S_IFLNK:
    out |= go_mode::symlink;
    break;
  case S_IFBLK:
    out |= go_mode::device;
    break;
  case S_IFCHR:
    out |= go_mode::device | go_mode::char_device;
    break;
  case S_IFIFO:
    out |= go_mode::named_pipe;
    break;
  case S_IFSOCK:
    out |= go_mode::socket;
    break;
  default:
    break;
  }
  if ((mode & S_ISUID) != 0) {
    out |= go_mode::setuid;
  }
  if ((mode & S_ISGID) != 0) {
    out |= go_mode::setgid;
  }
  if ((mode & S_ISVTX) != 0) {
    out |= go_mode::sticky;
  }
  return out;
}

mode_t to_posix_mode(std::uint32_t mode)
{
  mode_t out = mode & 0777;
  if ((mode & go_mode::dir) != 0) {
    out |= S_IFDIR;
  } else if ((mode & go_mode::symlink) != 0) {
    out |= S_IFLNK;
  } else if ((mode & go_mode::char_device) != 0) {
    out |= S_IFCHR;
  } else if ((mode & go_mode::device) != 0) {
    out |= S_IFBLK;
  } else if ((mode & go_mode::named_pipe) != 0) {
    out |= S_IFIFO;
  } else if ((mode & go_mode::socket) != 0) {
    out |= S_IFSOCK;
  } else {
    out |= S_IFREG;
  }
  if ((mode & go_mode::setuid) != 0) {
    out |= S_ISUID;
  }
  if ((mode & go_mode::setgid) != 0) {
    out |= S_ISGID;
  }
  if ((mode & go_mode::sticky) != 0) {
    out |= S_ISVTX;
  }
  return out;
}

void walk(const fs::path& root, const WalkFilter& filter,
          const WalkVisitor& visit)
{
  Walker walker(filter, visit);
  walker.walk_dir(root, "");
}

} // namespace kiln::session
