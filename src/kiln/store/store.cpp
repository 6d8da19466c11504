#include "kiln/store/store.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <stdexcept>

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <unistd.h>

#include "kiln/util/error.h"
#include "kiln/util/fs.h"

namespace kiln::store {

namespace {

// Whether this thread holds a store lock; flock(2) would deadlock on a
// second one, since each open of `.lock` is locked on its own.
thread_local bool t_lock_held = false;

std::string env(const char* name)
{
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

std::string home_dir()
{
  std::string home = env("HOME");
  if (!home.empty()) {
    return home;
  }

  passwd entry{};
  passwd* found = nullptr;
  std::vector<char> buffer(16 * 1024);
  if (::getpwuid_r(::getuid(), &entry, buffer.data(), buffer.size(), &found) ==
        0 &&
      found != nullptr) {
    return found->pw_dir;
  }
  return "/";
}

std::string builder_error(const std::string& name,
                          const std::filesystem::path& path,
                          const std::string& reason)
{
  return "failed to read builder " + util::quote(name) + ": " +
         util::quote(path.string()) + ": " + reason;
}

// Reads and decodes one builder file; nullopt when it is gone. Throws
// `util::UserError` with `builder_error`'s message otherwise.
std::optional<NodeGroup> read_group(const std::string& name,
                                    const std::filesystem::path& path)
{
  std::optional<std::string> text;
  try {
    text = util::read_file(path);
  } catch (const util::FileError& e) {
    throw util::UserError(builder_error(name, path, e.reason()));
  }
  if (!text) {
    return std::nullopt;
  }

  try {
    return from_store_text(*text);
  } catch (const std::runtime_error& e) {
    throw util::UserError(builder_error(name, path, e.what()));
  }
}

bool has_upper(const std::string& text)
{
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return c >= 'A' && c <= 'Z'; });
}

} // namespace

Store::Store(std::filesystem::path dir) : m_dir(std::move(dir))
{
  for (const char* sub : {"instances", "defaults", "activity"}) {
    util::make_private_dirs(m_dir / sub);
  }
}

std::filesystem::path Store::default_dir()
{
  if (std::string dir = env("BUILDX_CONFIG"); !dir.empty()) {
    return dir;
  }
  if (std::string dir = env("DOCKER_CONFIG"); !dir.empty()) {
    return std::filesystem::path(dir) / "buildx";
  }
  return std::filesystem::path(home_dir()) / ".docker" / "buildx";
}

Store::Lock::Lock(const std::filesystem::path& path)
{
  if (t_lock_held) {
    throw std::logic_error("the store lock is already held by this thread");
  }

  m_fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
  if (m_fd < 0) {
    throw util::FileError("lock", path, errno);
  }

  while (::flock(m_fd, LOCK_EX) != 0) {
    if (errno != EINTR) {
      int err = errno;
      ::close(m_fd);
      throw util::FileError("lock", path, err);
    }
  }
  t_lock_held = true;
}

Store::Lock::~Lock()
{
  ::close(m_fd);
  t_lock_held = false;
}

Store::Lock Store::lock() const
{
  return Lock(m_dir / ".lock");
}

Listing Store::list() const
{
  std::filesystem::path instances = m_dir / "instances";
  std::vector<std::string> names;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(instances, ec), end;
       !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  if (ec && ec != std::errc::no_such_file_or_directory) {
    throw util::FileError("read", instances, ec.value());
  }
  std::sort(names.begin(), names.end());

  Listing out;
  for (const std::string& name : names) {
    // In-progress writes by kiln or Buildx (`.tmp-NAME…`).
    if (name.starts_with(".")) {
      continue;
    }

    std::filesystem::path path = instances / name;
    try {
      validate_name(name);
      if (has_upper(name)) {
        throw util::UserError(builder_error(
          name, path, "file name is not lowercase, so buildx ignores it"));
      }
      if (std::optional<NodeGroup> group = read_group(name, path)) {
        out.groups.push_back(std::move(*group));
      }
    } catch (const util::UserError& e) {
      std::string message = e.what();
      if (!message.starts_with("failed to read builder ")) {
        message = builder_error(name, path, message);
      }
      out.bad.push_back({name, message});
    }
  }

  std::stable_sort(
    out.groups.begin(), out.groups.end(),
    [](const NodeGroup& a, const NodeGroup& b) { return a.name < b.name; });
  return out;
}

std::optional<NodeGroup> Store::get(const std::string& name) const
{
  std::string file = normalize_name(name);
  return read_group(name, m_dir / "instances" / file);
}

void Store::save(const NodeGroup& group) const
{
  std::string file = normalize_name(group.name);
  std::string text = to_store_text(group);

  touch_activity(group.name);
  util::write_file_atomic(m_dir / "instances" / file, text);
}

bool Store::remove(const std::string& name) const
{
  std::string file = normalize_name(name);
  std::filesystem::path path = m_dir / "instances" / file;

  // Buildx names the activity record by the stored name, case kept, but
  // removes it by the lowercase one; drop both so none is left behind.
  std::string stored = file;
  try {
    if (std::optional<NodeGroup> group = read_group(name, path)) {
      stored = group->name;
    }
  } catch (const util::UserError&) {
    // A corrupt builder is still removed; its stored name is unknown.
  }
  util::remove_all(m_dir / "activity" / file);
  if (stored != file && is_valid_name(stored)) {
    util::remove_all(m_dir / "activity" / stored);
  }

  return util::remove_all(path);
}

} // namespace kiln::store
