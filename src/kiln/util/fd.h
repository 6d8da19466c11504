#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <sys/types.h>

namespace kiln::util {

/// Owns a file descriptor and closes it on destruction.
class Fd {
public:
  Fd() = default;
  explicit Fd(int fd) : m_fd(fd) {}
  ~Fd();
  Fd(Fd&& other) noexcept : m_fd(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  /// Returns the descriptor, or -1.
  [[nodiscard]] int get() const { return m_fd; }
  /// Gives up ownership and returns the descriptor.
  int release();
  /// Closes the descriptor now.
  void reset(int fd = -1);
  explicit operator bool() const { return m_fd >= 0; }

private:
  int m_fd = -1;
};

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

/// Converts `deadline` to the wall-clock time gRPC deadlines take.
std::chrono::system_clock::time_point to_system(Deadline deadline);

/// Returns the milliseconds left until `deadline`, at least 0, for poll().
int millis_left(Deadline deadline);

/// Waits until `fd` is ready for `events` (POLLIN/POLLOUT) or `deadline`
/// passes; returns false on timeout. Retries on EINTR.
bool wait_fd(int fd, short events, Deadline deadline);

/// Makes `fd` non-blocking; returns false and leaves errno on failure.
bool set_nonblocking(int fd);

/// Writes all of `data` to the blocking descriptor `fd`, retrying on
/// EINTR; returns false and leaves errno on failure.
bool write_all(int fd, std::string_view data);

/// Formats `d` the way kiln prints durations: `250ms`, `5s`, `1.5s`.
std::string format_duration(std::chrono::milliseconds d);

} // namespace kiln::util
