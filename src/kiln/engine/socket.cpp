#include "kiln/engine/socket.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstring>
#include <memory>
#include <system_error>
#include <thread>

namespace kiln::engine {

namespace {

using util::Error;
using util::ErrorKind;

constexpr std::size_t max_head = 64 * 1024;

Error timed_out()
{
  return Error{ErrorKind::timeout, "timed out"};
}

Error from_errno(int err)
{
  return Error{kind_of_errno(err), describe_errno(err)};
}

// Milliseconds left before `deadline`, rounded up so that poll never
// returns just short of it.
int remaining_ms(Deadline deadline)
{
  auto left = std::chrono::ceil<std::chrono::milliseconds>(
    deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) {
    return 0;
  }
  return left.count() > INT_MAX ? INT_MAX : static_cast<int>(left.count());
}

util::Result<util::Unit> wait_for(int fd, short events, Deadline deadline)
{
  while (true) {
    int left = remaining_ms(deadline);
    if (left == 0) {
      return timed_out();
    }

    pollfd entry{fd, events, 0};
    int rc = poll(&entry, 1, left);
    if (rc > 0) {
      return util::Unit{};
    }
    if (rc < 0 && errno != EINTR) {
      return from_errno(errno);
    }
  }
}

util::Result<int> connect_one(int family, const sockaddr* address,
                              socklen_t size, Deadline deadline)
{
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return from_errno(errno);
  }

  while (true) {
    if (connect(fd, address, size) == 0) {
      return fd;
    }
    int err = errno;

    // A Unix socket with a full backlog says EAGAIN and cannot be polled
    // for room, so try again shortly.
    if (err == EAGAIN && family == AF_UNIX) {
      if (remaining_ms(deadline) == 0) {
        close(fd);
        return timed_out();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }

    if (err == EINPROGRESS || err == EINTR) {
      auto ready = wait_for(fd, POLLOUT, deadline);
      if (!ready) {
        close(fd);
        return ready.error();
      }
      socklen_t len = sizeof(err);
      if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
        err = errno;
      }
      if (err == 0) {
        return fd;
      }
    }

    close(fd);
    return from_errno(err);
  }
}

util::Result<int> connect_unix(const std::string& path, Deadline deadline)
{
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    return Error{ErrorKind::invalid, "socket path is too long"};
  }
  std::memcpy(address.sun_path, path.data(), path.size());

  // Like Go, a leading '@' names a socket in the abstract namespace.
  socklen_t size = sizeof(address);
  if (path.starts_with("@")) {
    address.sun_path[0] = '\0';
    size =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
  }
  return connect_one(AF_UNIX, reinterpret_cast<const sockaddr*>(&address), size,
                     deadline);
}

// One name lookup in flight. It lives on the heap: a lookup that cannot
// be cancelled in time still writes into it after the caller gave up.
struct Lookup {
  std::string host;
  std::string port;
  addrinfo hints{};
  gaicb request{};
};

// Resolves `endpoint`'s host and port by `deadline`; getaddrinfo_a lets
// the deadline bound a slow resolver.
util::Result<addrinfo*> resolve(const Endpoint& endpoint, Deadline deadline)
{
  auto lookup = std::make_unique<Lookup>();
  lookup->host = endpoint.host;
  lookup->port = endpoint.port;
  lookup->hints.ai_family = AF_UNSPEC;
  lookup->hints.ai_socktype = SOCK_STREAM;
  lookup->request.ar_name = lookup->host.c_str();
  lookup->request.ar_service = lookup->port.c_str();
  lookup->request.ar_request = &lookup->hints;
  gaicb* list[] = {&lookup->request};
  if (getaddrinfo_a(GAI_NOWAIT, list, 1, nullptr) != 0) {
    return Error{ErrorKind::internal,
                 "lookup " + endpoint.host + ": cannot start the resolver"};
  }

  while (gai_error(&lookup->request) == EAI_INPROGRESS) {
    int left = remaining_ms(deadline);
    timespec wait{left / 1000, static_cast<long>(left % 1000) * 1000000};
    if (left == 0 || gai_suspend(list, 1, &wait) == EAI_AGAIN) {
      int cancelled = gai_cancel(&lookup->request);
      if (cancelled == EAI_NOTCANCELED) {
        // The resolver's thread still writes into the lookup.
        (void)lookup.release();
      } else if (cancelled == EAI_ALLDONE && gai_error(list[0]) == 0) {
        freeaddrinfo(lookup->request.ar_result);
      }
      return Error{ErrorKind::timeout,
                   "lookup " + endpoint.host + ": timed out"};
    }
  }
  int rc = gai_error(&lookup->request);
  if (rc != 0) {
    return Error{ErrorKind::unavailable,
                 "lookup " + endpoint.host + ": " + gai_strerror(rc)};
  }
  return lookup->request.ar_result;
}

util::Result<int> connect_tcp(const Endpoint& endpoint, Deadline deadline)
{
  auto resolved = resolve(endpoint, deadline);
  if (!resolved) {
    return resolved.error();
  }
  addrinfo* found = *resolved;

  util::Result<int> result = Error{ErrorKind::unavailable, "no address"};
  for (addrinfo* at = found; at != nullptr; at = at->ai_next) {
    result = connect_one(at->ai_family, at->ai_addr, at->ai_addrlen, deadline);
    if (result.ok() || result.error().kind == ErrorKind::timeout) {
      break;
    }
  }
  freeaddrinfo(found);
  if (!result) {
    return result;
  }

  // Like the Docker client: keep idle hijacked connections alive.
  int on = 1;
  int idle = 30;
  setsockopt(*result, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
  setsockopt(*result, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
  return result;
}

} // namespace

util::Result<Endpoint> parse_endpoint(const std::string& address)
{
  Endpoint endpoint;
  if (address.starts_with("unix://")) {
    endpoint.path = address.substr(7);
    return endpoint;
  }
  if (!address.starts_with("tcp://")) {
    auto scheme = address.substr(0, address.find("://"));
    return Error{ErrorKind::unsupported,
                 scheme + " addresses are not supported yet"};
  }

  endpoint.local = false;
  std::string authority = address.substr(6);
  authority = authority.substr(0, authority.find('/'));
  auto colon = authority.rfind(':');
  if (colon == std::string::npos) {
    return Error{ErrorKind::invalid, "missing port in address"};
  }
  endpoint.host = authority.substr(0, colon);
  endpoint.port = authority.substr(colon + 1);
  if (endpoint.host.starts_with("[") && endpoint.host.ends_with("]")) {
    endpoint.host = endpoint.host.substr(1, endpoint.host.size() - 2);
  }
  return endpoint;
}

std::string describe_errno(int err)
{
  std::string text = std::generic_category().message(err);
  if (!text.empty()) {
    text[0] =
      static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  }
  return text;
}

util::ErrorKind kind_of_errno(int err)
{
  switch (err) {
  case EACCES:
  case EPERM:
    return ErrorKind::auth;
  case ETIMEDOUT:
    return ErrorKind::timeout;
  default:
    return ErrorKind::unavailable;
  }
}

util::Result<int> connect_to(const Endpoint& endpoint, Deadline deadline)
{
  if (remaining_ms(deadline) == 0) {
    return timed_out();
  }
  return endpoint.local ? connect_unix(endpoint.path, deadline)
                        : connect_tcp(endpoint, deadline);
}

util::Result<util::Unit> send_all(int fd, std::string_view data,
                                  Deadline deadline)
{
  while (!data.empty()) {
    ssize_t sent = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent >= 0) {
      data.remove_prefix(static_cast<std::size_t>(sent));
      continue;
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      return from_errno(errno);
    }

    auto ready = wait_for(fd, POLLOUT, deadline);
    if (!ready) {
      return ready.error();
    }
  }
  return util::Unit{};
}

util::Result<std::string> read_head(int fd, Deadline deadline)
{
  // Peek at what has arrived, then consume only the bytes up to the end
  // of the head. Bytes peeked without finding the end are all part of
  // the head, so consuming them is safe and keeps poll from spinning.
  std::string head;
  std::array<char, 4096> chunk{};
  while (true) {
    auto ready = wait_for(fd, POLLIN, deadline);
    if (!ready) {
      return ready.error();
    }

    ssize_t peeked = recv(fd, chunk.data(), chunk.size(), MSG_PEEK);
    if (peeked < 0 && (errno == EINTR || errno == EAGAIN)) {
      continue;
    }
    if (peeked < 0) {
      return from_errno(errno);
    }
    if (peeked == 0) {
      return Error{ErrorKind::unavailable,
                   "connection closed before the response"};
    }

    std::size_t before = head.size();
    head.append(chunk.data(), static_cast<std::size_t>(peeked));
    auto end = head.find("\r\n\r\n", before >= 3 ? before - 3 : 0);
    if (end != std::string::npos) {
      head.resize(end + 4);
    }

    std::size_t take = head.size() - before;
    ssize_t got = recv(fd, chunk.data(), take, 0);
    if (got != static_cast<ssize_t>(take)) {
      return Error{ErrorKind::internal, "short read of peeked bytes"};
    }

    if (end != std::string::npos) {
      return head;
    }
    if (head.size() > max_head) {
      return Error{ErrorKind::invalid, "response head is too large"};
    }
  }
}

util::Result<std::string>
read_until(int fd, std::size_t limit,
           const std::function<bool(const std::string&)>& done,
           Deadline deadline)
{
  std::string data;
  std::array<char, 4096> chunk{};
  while (!done(data) && data.size() < limit) {
    auto ready = wait_for(fd, POLLIN, deadline);
    if (!ready) {
      return ready.error();
    }

    std::size_t want = std::min(chunk.size(), limit - data.size());
    ssize_t got = recv(fd, chunk.data(), want, 0);
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) {
      continue;
    }
    if (got < 0) {
      return from_errno(errno);
    }
    if (got == 0) {
      break;
    }
    data.append(chunk.data(), static_cast<std::size_t>(got));
  }
  return data;
}

} // namespace kiln::engine
