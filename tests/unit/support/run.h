#pragma once

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ; // NOLINT: POSIX declares it nowhere else

namespace kiln::test {

/// What one run of the kiln binary printed and how it ended.
struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Returns the whole contents of `path`, or "" when it cannot be read.
inline std::string slurp(const std::filesystem::path& path)
{
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Runs the kiln binary against a store in a folder of its own: the
/// environment points `BUILDX_CONFIG` at `store`, `DOCKER_CONFIG` at a
/// sibling folder and `DOCKER_HOST` at a socket that does not exist.
class Kiln {
public:
  /// Uses `root` (an empty temp folder) for the store and Docker config.
  explicit Kiln(const std::filesystem::path& root)
    : m_root(root), m_store(root / "buildx"), m_docker(root / "docker")
  {
    std::filesystem::create_directories(m_docker);
  }

  /// Returns the store folder the binary uses.
  [[nodiscard]] const std::filesystem::path& store() const { return m_store; }

  /// Starts kiln with `args`, its output going to files named after
  /// `tag`; returns the process id.
  pid_t start(const std::vector<std::string>& args, const std::string& tag)
  {
    std::vector<std::string> env = environment();
    std::vector<char*> envp;
    for (std::string& item : env) {
      envp.push_back(item.data());
    }
    envp.push_back(nullptr);

    std::vector<std::string> argv_text = {KILN_BINARY};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& item : argv_text) {
      argv.push_back(item.data());
    }
    argv.push_back(nullptr);

    std::string out = (m_root / (tag + ".out")).string();
    std::string err = (m_root / (tag + ".err")).string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = 0;
    int rc =
      ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      throw std::runtime_error("cannot start " + argv_text[0]);
    }
    return pid;
  }

  /// Waits for process `pid` started with `tag` and returns its result.
  RunResult finish(pid_t pid, const std::string& tag)
  {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
      if (errno != EINTR) {
        throw std::runtime_error("waitpid failed");
      }
    }
    RunResult out;
    out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    out.out = slurp(m_root / (tag + ".out"));
    out.err = slurp(m_root / (tag + ".err"));
    std::filesystem::remove(m_root / (tag + ".out"));
    std::filesystem::remove(m_root / (tag + ".err"));
    return out;
  }

  /// Runs kiln with `args` to the end.
  RunResult run(const std::vector<std::string>& args)
  {
    return finish(start(args, "run"), "run");
  }

  /// Sets `name` to `value` in the environment of later runs.
  void set_env(const std::string& name, const std::string& value)
  {
    m_extra[name] = value;
  }

private:
  [[nodiscard]] std::vector<std::string> environment() const
  {
    std::map<std::string, std::string> vars;
    for (char** item = environ; *item != nullptr; ++item) {
      std::string text = *item;
      size_t eq = text.find('=');
      vars[text.substr(0, eq)] =
        eq == std::string::npos ? "" : text.substr(eq + 1);
    }
    for (const char* name :
         {"BUILDKIT_HOST", "BUILDX_BUILDER", "BUILDX_DEBUG", "DOCKER_CONTEXT",
          "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"}) {
      vars.erase(name);
    }
    vars["BUILDX_CONFIG"] = m_store.string();
    vars["DOCKER_CONFIG"] = m_docker.string();
    vars["DOCKER_HOST"] = "unix:///nonexistent";
    vars["HOME"] = m_root.string();
    for (const auto& [name, value] : m_extra) {
      vars[name] = value;
    }

    std::vector<std::string> out;
    for (const auto& [name, value] : vars) {
      out.push_back(name + "=" + value);
    }
    return out;
  }

  std::filesystem::path m_root;
  std::filesystem::path m_store;
  std::filesystem::path m_docker;
  std::map<std::string, std::string> m_extra;
};

/// Returns every file under `dir` (relative path → mode and bytes), to
/// show that a failed command changed nothing.
inline std::map<std::string, std::string>
snapshot(const std::filesystem::path& dir)
{
  std::map<std::string, std::string> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    struct stat st {};
    ::lstat(entry.path().c_str(), &st);
    std::string rel = std::filesystem::relative(entry.path(), dir).string();
    std::string mode = std::to_string(st.st_mode & 07777) + ":";
    out[rel] = entry.is_directory() ? mode + "dir" : mode + slurp(entry);
  }
  return out;
}

} // namespace kiln::test
