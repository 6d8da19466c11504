#include "kiln/connect/probe.h"

#include <cerrno>
#include <cstring>
#include <memory>
#include <poll.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "kiln/util/error.h"

namespace kiln::connect {

namespace detail {

const char k_h2_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
                            "\x00\x00\x00\x04\x00\x00\x00\x00\x00";
const size_t k_h2_preface_size = 24 + 9;

} // namespace detail

namespace {

using util::Deadline;
using util::Error;
using util::ErrorKind;
using util::Fd;
using util::quote;


// Connects non-blockingly to one address; errno-style failure text.
util::Result<Fd> connect_addr(const sockaddr* addr, socklen_t len,
                              const std::string& where, Deadline deadline)
{
  Fd fd(::socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd || !util::set_nonblocking(fd.get())) {
    return Error{ErrorKind::internal,
                 std::string("socket: ") + std::strerror(errno)};
  }

  int rc = ::connect(fd.get(), addr, len);
  if (rc != 0 && errno != EINPROGRESS) {
    int err = errno;
    ErrorKind kind = ErrorKind::unavailable;
    std::string why = std::strerror(err);
    if (err == ENOENT) {
      why = "no such socket";
    } else if (err == ECONNREFUSED) {
      why = "connection refused";
    } else if (err == EACCES) {
      why = "permission denied";
    }
    return Error{kind, why + " at " + where};
  }
  if (rc != 0) {
    if (!util::wait_fd(fd.get(), POLLOUT, deadline)) {
      return Error{ErrorKind::timeout, "timed out connecting to " + where};
    }
    int err = 0;
    socklen_t err_len = sizeof err;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &err_len);
    if (err != 0) {
      std::string why =
        err == ECONNREFUSED ? "connection refused" : std::strerror(err);
      return Error{ErrorKind::unavailable, why + " at " + where};
    }
  }
  return fd;
}

std::string address_text(const sockaddr* addr, socklen_t len)
{
  char host[NI_MAXHOST];
  char port[NI_MAXSERV];
  if (::getnameinfo(addr, len, host, sizeof host, port, sizeof port,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return "?";
  }
  std::string h = addr->sa_family == AF_INET6 ? "[" + std::string(host) + "]"
                                              : std::string(host);
  return h + ":" + port;
}

util::Result<Fd> dial_tcp(const Endpoint& ep, Deadline deadline)
{
  // getaddrinfo_a lets a slow resolver be bounded by the deadline.
  std::string port = std::to_string(ep.port);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  gaicb request{};
  request.ar_name = ep.host.c_str();
  request.ar_service = port.c_str();
  request.ar_request = &hints;
  gaicb* list[] = {&request};
  if (::getaddrinfo_a(GAI_NOWAIT, list, 1, nullptr) != 0) {
    return Error{ErrorKind::internal, "cannot start name resolution"};
  }
  int millis = util::millis_left(deadline);
  timespec ts{millis / 1000, static_cast<long>(millis % 1000) * 1000000};
  int rc = ::gai_suspend(list, 1, &ts);
  if (rc == EAI_AGAIN && ::gai_error(&request) == EAI_INPROGRESS) {
    ::gai_cancel(&request);
    return Error{ErrorKind::timeout, "timed out resolving " + quote(ep.host)};
  }
  rc = ::gai_error(&request);
  if (rc != 0) {
    return Error{ErrorKind::unavailable, "cannot resolve host " +
                                           quote(ep.host) + ": " +
                                           ::gai_strerror(rc)};
  }

  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> result(
    request.ar_result, &::freeaddrinfo);
  Error last{ErrorKind::unavailable, "no address for " + quote(ep.host)};
  for (addrinfo* ai = result.get(); ai != nullptr; ai = ai->ai_next) {
    std::string where = address_text(ai->ai_addr, ai->ai_addrlen);
    auto fd = connect_addr(ai->ai_addr, ai->ai_addrlen, where, deadline);
    if (fd.ok()) {
      return std::move(fd.value());
    }
    last = fd.error();
  }
  return last;
}

util::Result<Fd> dial_unix(const Endpoint& ep, Deadline deadline)
{
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (ep.path.size() >= sizeof addr.sun_path) {
    return Error{ErrorKind::invalid,
                 "socket path " + quote(ep.path) + " is too long"};
  }
  std::memcpy(addr.sun_path, ep.path.c_str(), ep.path.size() + 1);
  return connect_addr(reinterpret_cast<const sockaddr*>(&addr), sizeof addr,
                      ep.path, deadline);
}

// Sends the HTTP/2 preface in the clear and waits for the first frame.
util::Result<ProbeReport> probe_plain(Fd fd, const Endpoint& ep,
                                      Deadline deadline)
{
  std::string where = ep.scheme == Scheme::tcp ? ep.host_port() : ep.path;
  auto start = util::Clock::now();
  if (::send(fd.get(), detail::k_h2_preface, detail::k_h2_preface_size,
             MSG_NOSIGNAL) < 0) {
    return Error{ErrorKind::unavailable,
                 where + ": " + std::string(std::strerror(errno))};
  }
  if (!util::wait_fd(fd.get(), POLLIN, deadline)) {
    return Error{ErrorKind::timeout, "connected to " + where +
                                       " but the daemon did not answer"};
  }
  unsigned char head[9];
  ssize_t n = ::recv(fd.get(), head, sizeof head, 0);
  ProbeReport report;
  report.round_trip = std::chrono::duration_cast<std::chrono::microseconds>(
    util::Clock::now() - start);
  if (n > 0 && (head[0] == 0x15 || head[0] == 0x16)) {
    return Error{ErrorKind::tls, where + " expects TLS: set the cacert "
                                         "(and cert, key) driver options"};
  }
  if (n >= 4 && head[3] == 0x04) {
    return report;
  }
  if (n > 0 && std::memcmp(head, "HTTP/", std::min<ssize_t>(n, 5)) == 0) {
    return Error{ErrorKind::unavailable,
                 where + " answered HTTP/1, not a BuildKit daemon"};
  }
  fd.reset();
  if (ep.scheme == Scheme::tcp && detail::speaks_tls(ep, deadline)) {
    return Error{ErrorKind::tls, where + " expects TLS: set the cacert "
                                         "(and cert, key) driver options"};
  }
  return Error{ErrorKind::unavailable,
               where + " closed the connection without speaking HTTP/2"};
}

} // namespace

namespace detail {

util::Result<Fd> dial_socket(const Endpoint& endpoint, Deadline deadline)
{
  if (endpoint.scheme == Scheme::tcp) {
    return dial_tcp(endpoint, deadline);
  }
  return dial_unix(endpoint, deadline);
}

} // namespace detail

util::Result<ProbeReport> probe(const Endpoint& endpoint,
                                const TlsOptions& tls, const TlsFiles& files,
                                Deadline deadline)
{
  auto fd = detail::dial_socket(endpoint, deadline);
  if (!fd.ok()) {
    return fd.error();
  }

  if (tls.enabled) {
    return detail::probe_tls(std::move(fd.value()), endpoint, tls, files,
                             deadline);
  }
  return probe_plain(std::move(fd.value()), endpoint, deadline);
}

} // namespace kiln::connect
