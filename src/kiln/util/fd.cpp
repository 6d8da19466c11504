#include "kiln/util/fd.h"

#include <cerrno>
#include <cstdio>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace kiln::util {

Fd::~Fd()
{
  reset();
}

Fd& Fd::operator=(Fd&& other) noexcept
{
  if (this != &other) {
    reset(other.release());
  }
  return *this;
}

int Fd::release()
{
  int fd = m_fd;
  m_fd = -1;
  return fd;
}

void Fd::reset(int fd)
{
  if (m_fd >= 0) {
    ::close(m_fd);
  }
  m_fd = fd;
}

std::chrono::system_clock::time_point to_system(Deadline deadline)
{
  auto left = std::chrono::duration_cast<std::chrono::system_clock::duration>(
    deadline - Clock::now());
  return std::chrono::system_clock::now() + left;
}

int millis_left(Deadline deadline)
{
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
    deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

bool wait_fd(int fd, short events, Deadline deadline)
{
  while (true) {
    pollfd pfd{fd, events, 0};
    int n = ::poll(&pfd, 1, millis_left(deadline));
    if (n > 0) {
      return true;
    }
    if (n == 0) {
      return false;
    }
    if (errno != EINTR) {
      return true; // let the caller's next call report the error
    }
  }
}

bool set_nonblocking(int fd)
{
  int flags = ::fcntl(fd, F_GETFL, 0);
  return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

bool write_all(int fd, std::string_view data)
{
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string format_duration(std::chrono::milliseconds d)
{
  auto ms = d.count();
  if (ms < 1000) {
    return std::to_string(ms) + "ms";
  }
  if (ms % 1000 == 0) {
    return std::to_string(ms / 1000) + "s";
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
  return buf;
}

} // namespace kiln::util
