#include "kiln/util/process.h"

#include "kiln/util/strings.h"

#include <cerrno>
#include <cstring>

#include <csignal>
#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace kiln::util {

namespace {

// Keeps at most this much of a helper's stderr: enough for its message.
constexpr size_t k_stderr_limit = 64 * 1024;

} // namespace

Result<std::unique_ptr<StdioProcess>>
StdioProcess::start(const std::vector<std::string>& argv)
{
  std::unique_ptr<StdioProcess> proc(new StdioProcess());
  proc->m_command = join(argv, " ");

  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    return Error{ErrorKind::internal,
                 std::string("socketpair: ") + std::strerror(errno)};
  }
  Fd ours(pair[0]);
  Fd theirs(pair[1]);
  int err_pipe[2];
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    return Error{ErrorKind::internal,
                 std::string("pipe: ") + std::strerror(errno)};
  }
  Fd err_read(err_pipe[0]);
  Fd err_write(err_pipe[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, theirs.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, theirs.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_write.get(), STDERR_FILENO);
  // A helper of its own process group gets no terminal signals: kiln
  // ends it itself, after closing the connection.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);

  std::vector<char*> args;
  for (const auto& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  int rc =
    posix_spawnp(&proc->m_pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    proc->m_reaped = true;
    return Error{ErrorKind::unavailable,
                 "cannot run " + argv[0] + ": " + std::strerror(rc)};
  }

  proc->m_connection = std::move(ours);
  int fd = err_read.release();
  proc->m_stderr_reader =
    std::thread([p = proc.get(), fd] { p->collect_stderr(fd); });
  return proc;
}

StdioProcess::~StdioProcess()
{
  m_connection.reset();
  stop();
  if (m_stderr_reader.joinable()) {
    m_stderr_reader.join();
  }
}

Fd StdioProcess::take_connection()
{
  return std::move(m_connection);
}

void StdioProcess::collect_stderr(int fd)
{
  char buf[4096];
  while (true) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    std::lock_guard<std::mutex> hold(m_mutex);
    if (m_stderr.size() < k_stderr_limit) {
      m_stderr.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
}

bool StdioProcess::exited()
{
  if (m_reaped) {
    return true;
  }
  pid_t r = waitpid(m_pid, &m_status, WNOHANG);
  if (r == m_pid) {
    m_reaped = true;
  }
  return m_reaped;
}

std::string StdioProcess::exit_text()
{
  if (!exited()) {
    return "";
  }
  if (WIFEXITED(m_status)) {
    return "exit status " + std::to_string(WEXITSTATUS(m_status));
  }
  if (WIFSIGNALED(m_status)) {
    return "killed by signal " + std::to_string(WTERMSIG(m_status));
  }
  return "ended";
}

void StdioProcess::stop(std::chrono::milliseconds grace)
{
  if (exited()) {
    return;
  }
  kill(m_pid, SIGTERM);
  auto until = Clock::now() + grace;
  while (!exited() && Clock::now() < until) {
    usleep(10000);
  }
  if (!exited()) {
    kill(m_pid, SIGKILL);
    waitpid(m_pid, &m_status, 0);
    m_reaped = true;
  }
}

std::string StdioProcess::last_error_line()
{
  std::lock_guard<std::mutex> hold(m_mutex);
  std::string text = m_stderr;
  while (!text.empty() &&
         (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  size_t nl = text.find_last_of('\n');
  return nl == std::string::npos ? text : text.substr(nl + 1);
}

} // namespace kiln::util
