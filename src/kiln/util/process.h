#pragma once

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

#include "kiln/util/fd.h"
#include "kiln/util/result.h"

namespace kiln::util {

/// A child process whose stdin and stdout are one end of a socket pair
/// and whose stderr is collected, for helpers such as `docker exec -i`
/// that carry a connection on their standard streams. The destructor
/// ends the child (SIGTERM, then SIGKILL after the grace period) and
/// reaps it, so no zombie or stray process outlives the object.
class StdioProcess {
public:
  /// Starts `argv` (looked up on PATH); fails when it cannot be run.
  static Result<std::unique_ptr<StdioProcess>>
  start(const std::vector<std::string>& argv);

  ~StdioProcess();
  StdioProcess(const StdioProcess&) = delete;
  StdioProcess& operator=(const StdioProcess&) = delete;

  /// Hands over kiln's end of the socket pair; the caller owns it.
  Fd take_connection();

  /// Returns whether the child has exited, reaping it if so.
  bool exited();

  /// Returns how the child ended, as "exit status 1" or "killed by
  /// signal 9"; empty while it runs.
  std::string exit_text();

  /// Ends the child: SIGTERM, then SIGKILL once `grace` has passed.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(3));

  /// Returns the last non-empty line the child wrote to stderr.
  std::string last_error_line();

  /// Returns the command line, for messages.
  [[nodiscard]] const std::string& command() const { return m_command; }

private:
  StdioProcess() = default;
  void collect_stderr(int fd);

  pid_t m_pid = -1;
  int m_status = 0;
  bool m_reaped = false;
  std::string m_command;
  Fd m_connection;
  std::thread m_stderr_reader;
  std::mutex m_mutex;
  std::string m_stderr;
};

} // namespace kiln::util
