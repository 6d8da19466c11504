// Where a build's sources come from: a local folder, stdin, or a URL
// the daemon fetches itself, plus the named contexts of
// `--build-context`, resolved the way Buildx resolves them.
#include "kiln/cli/build_context.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <set>

#include <sys/stat.h>

#include "kiln/cli/build_values.h"
#include "kiln/session/session.h"
#include "kiln/session/upload.h"
#include "kiln/util/error.h"
#include "kiln/util/fd.h"
#include "kiln/util/fs.h"
#include "kiln/util/strings.h"

namespace kiln::cli {

namespace {

namespace fs = std::filesystem;
using util::quote;
using util::UserError;

// Buildx peeks at two tar blocks to tell a tar from a Dockerfile.
constexpr std::size_t k_peek_bytes = 1024;
constexpr std::size_t k_read_bytes = 1024 * 1024;

bool is_dir(const std::string& path)
{
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Reads up to `limit` bytes from `fd` (all of it when 0); throws on a
// read error.
std::string read_fd(int fd, std::size_t limit)
{
  std::string out;
  char buf[64 * 1024];
  while (limit == 0 || out.size() < limit) {
    std::size_t want = sizeof buf;
    if (limit != 0) {
      want = std::min(want, limit - out.size());
    }
    ssize_t n = ::read(fd, buf, want);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      throw util::FileError("read", "stdin", errno);
    }
    if (n == 0) {
      break;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

// Writes `text` as the only file, `Dockerfile`, of a new folder.
fs::path dockerfile_dir_of(const std::string& text, TempDirs& temp)
{
  fs::path dir = temp.make("dockerfile");
  util::write_file_atomic(dir / "Dockerfile", text, 0644);
  return dir;
}

// Reads the rest of stdin as a Dockerfile into a folder of its own.
fs::path stdin_dockerfile(int fd, const std::string& head, BuildPlan& plan)
{
  fs::path dir = dockerfile_dir_of(head + read_fd(fd, 0), *plan.temp_dirs);
  plan.frontend_attrs["dockerfilekey"] = "dockerfile";
  return dir;
}

// Adds the Git query-string capability when `url` needs it.
void note_git_query(const std::string& url, bool main_context,
                    std::set<std::string>& caps)
{
  if (!is_git_url(url)) {
    return;
  }
  auto q = url.find('?');
  if (q == std::string::npos || q + 1 >= url.size() || url[q + 1] == '#') {
    return;
  }
  caps.insert(main_context ? "moby.buildkit.frontend.gitquerystring"
                           : "moby.buildkit.frontend.gitquerystring+forward");
}

// The main context: sets context_dir, dockerfile_dir, the upload and
// the frontend's `context` and `filename`.
void resolve_main(const BuildFlags& flags, BuildPlan& plan, int stdin_fd,
                  std::set<std::string>& caps)
{
  const std::string& ctx = flags.context;
  const std::string& file = flags.file;
  std::string filename = file;
  if (ctx == "-") {
    if (file == "-") {
      throw UserError("invalid argument: can't use stdin for both build "
                      "context and dockerfile");
    }
    std::string head = read_fd(stdin_fd, k_peek_bytes);
    if (is_archive(head)) {
      plan.upload_id = session::random_id();
      plan.frontend_attrs["context"] = session::upload_url(plan.upload_id);
      auto first = std::make_shared<std::string>(std::move(head));
      plan.upload = [first, stdin_fd] {
        if (!first->empty()) {
          return std::exchange(*first, std::string());
        }
        return read_fd(stdin_fd, k_read_bytes);
      };
    } else {
      if (!file.empty()) {
        throw UserError("ambiguous Dockerfile source: both stdin and flag "
                        "correspond to Dockerfiles");
      }
      plan.dockerfile_dir = stdin_dockerfile(stdin_fd, head, plan);
      plan.context_dir = plan.temp_dirs->make("empty-dir");
      filename = "Dockerfile";
    }
  } else if (is_dir(ctx)) {
    plan.context_dir = fs::absolute(ctx).lexically_normal();
    if (file == "-") {
      plan.dockerfile_dir = stdin_dockerfile(stdin_fd, "", plan);
      filename = "Dockerfile";
    } else {
      fs::path dockerfile = file.empty()
                              ? plan.context_dir / "Dockerfile"
                              : fs::absolute(file).lexically_normal();
      struct stat st {};
      if (::stat(dockerfile.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) {
        throw UserError("unable to prepare context: Dockerfile " +
                        quote(dockerfile.string()) + " not found");
      }
      plan.dockerfile_dir = dockerfile.parent_path();
      filename = dockerfile.filename().string();
    }
  } else if (is_remote_url(ctx)) {
    plan.frontend_attrs["context"] = ctx;
    if (file == "-") {
      plan.dockerfile_dir = stdin_dockerfile(stdin_fd, "", plan);
      filename = "Dockerfile";
    } else if (fs::path(file).is_absolute()) {
      plan.dockerfile_dir = fs::path(file).parent_path();
      filename = fs::path(file).filename().string();
      plan.frontend_attrs["dockerfilekey"] = "dockerfile";
    }
    note_git_query(ctx, true, caps);
  } else {
    throw UserError("unable to prepare context: path " + quote(ctx) +
                    " not found");
  }
  plan.frontend_attrs["filename"] = filename.empty() ? "Dockerfile" : filename;
}

// One `--build-context` value: passed through for the daemon, or a
// local folder the session serves.
void resolve_named(const std::string& name, const std::string& value,
                   BuildPlan& plan, std::set<std::string>& caps)
{
  auto& attrs = plan.frontend_attrs;
  caps.insert("moby.buildkit.frontend.contexts+forward");
  if (is_remote_url(value) || value.starts_with("docker-image://") ||
      value.starts_with("target:")) {
    attrs["context:" + name] = value;
    note_git_query(value, false, caps);
    return;
  }
  if (value.starts_with("oci-layout://")) {
    throw UserError("build context " + quote(name) +
                    ": oci-layout:// "
                    "contexts are not supported by kiln yet");
  }
  struct stat st {};
  if (::stat(value.c_str(), &st) != 0) {
    throw UserError("failed to get build context " + name + ": stat " + value +
                    ": " + util::errno_message(errno));
  }
  if (!S_ISDIR(st.st_mode)) {
    throw UserError("failed to get build context path " + value +
                    ": not a directory");
  }
  std::string local = name;
  if (name == "context" || name == "dockerfile") {
    local = "_" + name;
  }
  fs::path dir = fs::absolute(value).lexically_normal();
  plan.named_dirs[local] = dir;
  attrs["context:" + name] = "local:" + local;
  // The node id is added once the builder's store is known.
  std::string base = dir.filename().string();
  attrs["sharedkey:localdir:" + name] =
    base.empty() ? dir.parent_path().filename().string() : base;
}

} // namespace

TempDirs::~TempDirs()
{
  for (const auto& dir : m_dirs) {
    util::remove_all(dir);
  }
}

fs::path TempDirs::make(const std::string& prefix)
{
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
    (tmp != nullptr && *tmp != '\0' ? std::string(tmp) : std::string("/tmp")) +
    "/" + prefix + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw util::FileError("create", pattern, errno);
  }
  m_dirs.emplace_back(pattern);
  return pattern;
}

bool is_git_url(const std::string& text)
{
  if (text.starts_with("./") || text.starts_with("../")) {
    return false;
  }
  if (text.starts_with("github.com/")) {
    return true;
  }
  auto scheme_end = text.find("://");
  bool scheme =
    scheme_end != std::string::npos && scheme_end > 0 &&
    std::all_of(text.begin(), text.begin() + scheme_end, [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0;
    });
  if (scheme) {
    std::string proto = util::to_lower(text.substr(0, scheme_end));
    if (proto == "git" || proto == "ssh") {
      return true;
    }
    if (proto != "http" && proto != "https") {
      return false;
    }
    std::string rest = text.substr(scheme_end + 3);
    rest = rest.substr(0, rest.find_first_of("?#"));
    auto slash = rest.find('/');
    return slash != std::string::npos && rest.ends_with(".git");
  }
  // The scp form, `user@host:path`.
  auto at = text.find('@');
  auto colon = text.find(':');
  if (at == std::string::npos || at == 0 || colon == std::string::npos ||
      colon < at + 2) {
    return false;
  }
  auto user_ok = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' ||
           c == '_';
  };
  auto host_ok = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' ||
           c == '.';
  };
  return std::all_of(text.begin(), text.begin() + at, user_ok) &&
         std::all_of(text.begin() + at + 1, text.begin() + colon, host_ok);
}

bool is_remote_url(const std::string& text)
{
  return text.starts_with("http://") || text.starts_with("https://") ||
         is_git_url(text);
}

bool is_archive(const std::string& header)
{
  for (std::string_view magic :
       {std::string_view("\x42\x5a\x68", 3),
        std::string_view("\x1f\x8b\x08", 3),
        std::string_view("\xfd\x37\x7a\x58\x5a\x00", 6)}) {
    if (std::string_view(header).starts_with(magic)) {
      return true;
    }
  }
  // A tar header: 512 bytes whose checksum field (octal, at 148) is the
  // sum of the block's bytes with that field counted as spaces.
  constexpr std::size_t k_block = 512;
  if (header.size() < k_block) {
    return false;
  }
  std::string field = header.substr(148, 8);
  auto first = field.find_first_not_of(std::string(" \0", 2));
  if (first == std::string::npos) {
    return false;
  }
  field = field.substr(first, field.find_last_not_of(std::string(" \0", 2)) -
                                first + 1);
  if (field.find_first_not_of("01234567") != std::string::npos) {
    return false;
  }
  long stored = std::strtol(field.c_str(), nullptr, 8);
  long unsigned_sum = 0;
  long signed_sum = 0;
  for (std::size_t i = 0; i < k_block; ++i) {
    char c = i >= 148 && i < 156 ? ' ' : header[i];
    unsigned_sum += static_cast<unsigned char>(c);
    signed_sum += static_cast<signed char>(c);
  }
  return stored == unsigned_sum || stored == signed_sum;
}

void resolve_context(const BuildFlags& flags, BuildPlan& plan, int stdin_fd)
{
  if (!plan.temp_dirs) {
    plan.temp_dirs = std::make_shared<TempDirs>();
  }
  std::set<std::string> caps;
  resolve_main(flags, plan, stdin_fd, caps);
  for (const auto& [name, value] : parse_context_names(flags.build_contexts)) {
    resolve_named(name, value, plan, caps);
  }
  if (!caps.empty()) {
    plan.frontend_attrs["frontend.caps"] =
      util::join(std::vector<std::string>(caps.begin(), caps.end()), ",");
  }
}

} // namespace kiln::cli
