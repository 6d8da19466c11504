#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <sys/types.h>

#include "kiln/util/result.h"

namespace kiln::util {

/// What a command is given: its standard input and environment changes.
struct CommandInput {
  /// The bytes written to its stdin, which is then closed.
  std::string stdin_text;
  /// `NAME=VALUE` entries that replace or add to kiln's environment.
  std::vector<std::string> env;
};

/// How a command that ran to its end ended and what it wrote.
struct CommandOutput {
  /// Its exit code, or -1 when a signal ended it.
  int exit_code = -1;
  /// `exit status 1` or `killed by signal 9`, for messages.
  std::string status;
  /// Everything it wrote to stdout.
  std::string out;
  /// Everything it wrote to stderr, kept to 64 KiB.
  std::string err;
};

/// Runs `argv` (looked up on PATH) to its end, without a terminal and
/// with default signal handling; fails only when it cannot be started.
Result<CommandOutput> run_command(const std::vector<std::string>& argv,
                                  const CommandInput& input = {});

/// A long-running child process kiln started and ends itself: stdin,
/// stdout and stderr on /dev/null, in a session of its own. The
/// destructor ends it (SIGTERM, then SIGKILL) and reaps it.
class ChildProcess {
public:
  /// Starts `argv` (looked up on PATH) with `env` added to kiln's
  /// environment; fails when it cannot be started.
  static Result<std::unique_ptr<ChildProcess>>
  start(const std::vector<std::string>& argv,
        const std::vector<std::string>& env = {});

  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  /// Returns the child's process id.
  [[nodiscard]] pid_t pid() const { return m_pid; }

  /// Returns whether the child has exited, reaping it if so.
  bool exited();

  /// Ends the child: SIGTERM, then SIGKILL once `grace` has passed.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(3));

private:
  explicit ChildProcess(pid_t pid) : m_pid(pid) {}

  pid_t m_pid = -1;
  bool m_reaped = false;
};

} // namespace kiln::util
