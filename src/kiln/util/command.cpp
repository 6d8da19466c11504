// Commands kiln runs for a build: credential helpers, ssh-agent and
// ssh-add. Each child gets a session of its own (no terminal to prompt
// on) and the default handling of the signals kiln blocks or ignores.
#include "kiln/util/command.h"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <map>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kiln/util/fd.h"
#include "kiln/util/fs.h"

extern char** environ;

namespace kiln::util {

namespace {

constexpr std::size_t k_stderr_limit = 64 * 1024;

// kiln's environment with `extra` entries replacing those of the same
// name.
std::vector<std::string> merged_env(const std::vector<std::string>& extra)
{
  std::map<std::string, std::string> vars;
  std::vector<std::string> order;
  auto put = [&](const std::string& entry) {
    std::string name = entry.substr(0, entry.find('='));
    if (vars.find(name) == vars.end()) {
      order.push_back(name);
    }
    vars[name] = entry;
  };
  for (char** e = environ; *e != nullptr; ++e) {
    put(*e);
  }
  for (const auto& entry : extra) {
    put(entry);
  }

  std::vector<std::string> out;
  out.reserve(order.size());
  for (const auto& name : order) {
    out.push_back(vars[name]);
  }
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& items)
{
  std::vector<char*> out;
  out.reserve(items.size() + 1);
  for (auto& item : items) {
    out.push_back(item.data());
  }
  out.push_back(nullptr);
  return out;
}

// Spawns `argv` with `actions` in a session of its own, signals reset.
Result<pid_t> spawn(const std::vector<std::string>& argv,
                    const std::vector<std::string>& env,
                    posix_spawn_file_actions_t& actions)
{
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  sigset_t reset;
  sigemptyset(&reset);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
    sigaddset(&reset, sig);
  }
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &reset);
  posix_spawnattr_setflags(&attr, static_cast<short>(POSIX_SPAWN_SETSID |
                                                     POSIX_SPAWN_SETSIGMASK |
                                                     POSIX_SPAWN_SETSIGDEF));

  std::vector<std::string> args = argv;
  std::vector<std::string> vars = merged_env(env);
  auto c_args = c_strings(args);
  auto c_vars = c_strings(vars);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, c_args[0], &actions, &attr, c_args.data(),
                        c_vars.data());
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return Error{ErrorKind::unavailable,
                 "cannot run " + argv.front() + ": " + std::strerror(rc)};
  }
  return pid;
}

std::string status_text(int status)
{
  if (WIFEXITED(status)) {
    return "exit status " + std::to_string(WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    return "killed by signal " + std::to_string(WTERMSIG(status));
  }
  return "ended";
}

// Reads what is ready on `fd` into `into`; returns false at its end.
bool drain(int fd, std::string& into, std::size_t limit)
{
  char buf[8192];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n < 0) {
    return errno == EINTR || errno == EAGAIN;
  }
  if (n == 0) {
    return false;
  }
  if (into.size() < limit) {
    into.append(buf, static_cast<std::size_t>(n));
  }
  return true;
}

// Feeds `input` to `in` and collects `out` and `err` until both end.
void exchange(Fd& in, Fd& out, Fd& err, const std::string& input,
              CommandOutput& result)
{
  std::size_t sent = 0;
  if (input.empty()) {
    in.reset();
  }
  while (out || err) {
    std::vector<pollfd> fds;
    if (in) {
      fds.push_back({in.get(), POLLOUT, 0});
    }
    if (out) {
      fds.push_back({out.get(), POLLIN, 0});
    }
    if (err) {
      fds.push_back({err.get(), POLLIN, 0});
    }
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;
    }
    for (const auto& p : fds) {
      if (p.revents == 0) {
        continue;
      }
      if (p.fd == in.get()) {
        ssize_t n = ::send(in.get(), input.data() + sent, input.size() - sent,
                           MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
          sent += static_cast<std::size_t>(n);
        }
        // A child that stops reading early just gets no more.
        if ((n < 0 && errno != EAGAIN && errno != EINTR) ||
            sent == input.size()) {
          in.reset();
        }
      } else if (p.fd == out.get() && !drain(out.get(), result.out, SIZE_MAX)) {
        out.reset();
      } else if (p.fd == err.get() &&
                 !drain(err.get(), result.err, k_stderr_limit)) {
        err.reset();
      }
    }
  }
}

} // namespace

Result<CommandOutput> run_command(const std::vector<std::string>& argv,
                                  const CommandInput& input)
{
  int in_pair[2];
  int out_pipe[2];
  int err_pipe[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_pair) != 0) {
    return Error{ErrorKind::internal, "socketpair: " + errno_message(errno)};
  }
  Fd in(in_pair[0]);
  Fd child_in(in_pair[1]);
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    return Error{ErrorKind::internal, "pipe: " + errno_message(errno)};
  }
  Fd out(out_pipe[0]);
  Fd child_out(out_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    return Error{ErrorKind::internal, "pipe: " + errno_message(errno)};
  }
  Fd err(err_pipe[0]);
  Fd child_err(err_pipe[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, child_in.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, child_out.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, child_err.get(), STDERR_FILENO);
  auto pid = spawn(argv, input.env, actions);
  posix_spawn_file_actions_destroy(&actions);
  if (!pid) {
    return pid.error();
  }
  child_in.reset();
  child_out.reset();
  child_err.reset();

  CommandOutput result;
  exchange(in, out, err, input.stdin_text, result);
  int status = 0;
  while (::waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.status = status_text(status);
  return result;
}

Result<std::unique_ptr<ChildProcess>>
ChildProcess::start(const std::vector<std::string>& argv,
                    const std::vector<std::string>& env)
{
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_RDWR, 0);
  }
  auto pid = spawn(argv, env, actions);
  posix_spawn_file_actions_destroy(&actions);
  if (!pid) {
    return pid.error();
  }
  return std::unique_ptr<ChildProcess>(new ChildProcess(*pid));
}

ChildProcess::~ChildProcess()
{
  stop();
}

bool ChildProcess::exited()
{
  if (m_reaped) {
    return true;
  }
  int status = 0;
  if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
    m_reaped = true;
  }
  return m_reaped;
}

void ChildProcess::stop(std::chrono::milliseconds grace)
{
  if (exited()) {
    return;
  }
  ::kill(m_pid, SIGTERM);
  auto until = std::chrono::steady_clock::now() + grace;
  while (!exited() && std::chrono::steady_clock::now() < until) {
    ::usleep(10 * 1000);
  }
  if (!exited()) {
    ::kill(m_pid, SIGKILL);
    int status = 0;
    ::waitpid(m_pid, &status, 0);
    m_reaped = true;
  }
}

} // namespace kiln::util
