// The connection probe: name resolution, the socket and, for plaintext
// endpoints, the daemon's first HTTP/2 frame, each failure named by its
// layer (`dns:`, `tcp:`, `unix:`, `tls:`, `http2:`). The TLS layer is in
// tls_probe.cpp.
#include "kiln/connect/probe.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "kiln/util/error.h"

namespace kiln::connect {

namespace detail {

const char k_h2_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
                            "\x00\x00\x00\x04\x00\x00\x00\x00\x00";
const size_t k_h2_preface_size = 24 + 9;

std::string lower_first(std::string text)
{
  if (!text.empty()) {
    text[0] =
      static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  }
  return text;
}

std::string where_of(const Endpoint& endpoint)
{
  if (endpoint.scheme == Scheme::tcp) {
    return endpoint.host_port();
  }
  return util::quote(endpoint.path);
}

} // namespace detail

namespace {

using util::Deadline;
using util::Error;
using util::ErrorKind;
using util::Fd;
using util::quote;

// Says why connecting to `where` failed with `err`, for the socket
// layer `layer` (`tcp` or `unix`).
Error connect_error(int err, const std::string& layer, const std::string& where)
{
  switch (err) {
  case ECONNREFUSED:
    return {ErrorKind::unavailable,
            layer + ": connection refused by " + where +
              (layer == "unix" ? " (no daemon listens on it)" : "")};
  case ENOENT:
    return {ErrorKind::unavailable, layer + ": no socket at " + where};
  case EACCES:
  case EPERM:
    return {ErrorKind::unavailable, layer + ": permission denied for " + where};
  case ETIMEDOUT:
    return {ErrorKind::timeout, layer + ": timed out connecting to " + where};
  default:
    return {ErrorKind::unavailable, layer + ": cannot connect to " + where +
                                      ": " +
                                      detail::lower_first(std::strerror(err))};
  }
}

// Connects non-blockingly to one address before `deadline`.
util::Result<Fd> connect_addr(const sockaddr* addr, socklen_t len,
                              const std::string& layer,
                              const std::string& where, Deadline deadline)
{
  Fd fd(::socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd || !util::set_nonblocking(fd.get())) {
    return Error{ErrorKind::internal,
                 layer +
                   ": socket: " + detail::lower_first(std::strerror(errno))};
  }

  int rc = ::connect(fd.get(), addr, len);
  if (rc != 0 && errno != EINPROGRESS) {
    return connect_error(errno, layer, where);
  }
  if (rc != 0) {
    if (!util::wait_fd(fd.get(), POLLOUT, deadline)) {
      return Error{ErrorKind::timeout,
                   layer + ": timed out connecting to " + where};
    }
    int err = 0;
    socklen_t err_len = sizeof err;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &err_len);
    if (err != 0) {
      return connect_error(err, layer, where);
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

// Returns whether `host` is under the special-use domain `.invalid`,
// which never resolves (RFC 6761): kiln answers that itself, without
// asking a resolver and without waiting.
bool is_invalid_domain(std::string host)
{
  std::transform(host.begin(), host.end(), host.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  if (!host.empty() && host.back() == '.') {
    host.pop_back();
  }
  const std::string suffix = ".invalid";
  return host == "invalid" || (host.size() > suffix.size() &&
                               host.compare(host.size() - suffix.size(),
                                            suffix.size(), suffix) == 0);
}

// One asynchronous lookup. It lives on the heap because a lookup that
// cannot be cancelled in time still writes into it later.
struct Lookup {
  std::string name;
  std::string service;
  addrinfo hints{};
  gaicb request{};
};

// Resolves `ep`'s host and port before `deadline`.
util::Result<std::shared_ptr<addrinfo>> resolve(const Endpoint& ep,
                                                Deadline deadline)
{
  if (is_invalid_domain(ep.host)) {
    return Error{ErrorKind::unavailable,
                 "dns: cannot resolve " + quote(ep.host) +
                   ": names under .invalid never resolve"};
  }

  // getaddrinfo_a lets the deadline bound a slow resolver.
  auto lookup = std::make_unique<Lookup>();
  lookup->name = ep.host;
  lookup->service = std::to_string(ep.port);
  lookup->hints.ai_socktype = SOCK_STREAM;
  lookup->hints.ai_flags = AI_NUMERICSERV;
  lookup->request.ar_name = lookup->name.c_str();
  lookup->request.ar_service = lookup->service.c_str();
  lookup->request.ar_request = &lookup->hints;
  gaicb* list[] = {&lookup->request};
  if (::getaddrinfo_a(GAI_NOWAIT, list, 1, nullptr) != 0) {
    return Error{ErrorKind::internal,
                 "dns: cannot start resolving " + quote(ep.host)};
  }

  int millis = util::millis_left(deadline);
  timespec ts{millis / 1000, static_cast<long>(millis % 1000) * 1000000};
  while (::gai_error(&lookup->request) == EAI_INPROGRESS) {
    int rc = ::gai_suspend(list, 1, &ts);
    if (rc == EAI_AGAIN) {
      if (::gai_cancel(&lookup->request) == EAI_NOTCANCELED) {
        // The resolver thread still owns the request: leave it to it.
        (void)lookup.release();
      }
      return Error{ErrorKind::timeout,
                   "dns: timed out resolving " + quote(ep.host)};
    }
    millis = util::millis_left(deadline);
    ts = {millis / 1000, static_cast<long>(millis % 1000) * 1000000};
  }

  int rc = ::gai_error(&lookup->request);
  if (rc != 0) {
    return Error{ErrorKind::unavailable,
                 "dns: cannot resolve " + quote(ep.host) + ": " +
                   detail::lower_first(::gai_strerror(rc))};
  }
  return std::shared_ptr<addrinfo>(lookup->request.ar_result, &::freeaddrinfo);
}

util::Result<Fd> dial_tcp(const Endpoint& ep, Deadline deadline)
{
  auto addresses = resolve(ep, deadline);
  if (!addresses.ok()) {
    return addresses.error();
  }

  Error last{ErrorKind::unavailable, "dns: no address for " + quote(ep.host)};
  for (addrinfo* ai = addresses->get(); ai != nullptr; ai = ai->ai_next) {
    std::string where = address_text(ai->ai_addr, ai->ai_addrlen);
    auto fd = connect_addr(ai->ai_addr, ai->ai_addrlen, "tcp", where, deadline);
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
                 "unix: socket path " + quote(ep.path) + " is too long"};
  }
  std::memcpy(addr.sun_path, ep.path.c_str(), ep.path.size() + 1);
  return connect_addr(reinterpret_cast<const sockaddr*>(&addr), sizeof addr,
                      "unix", quote(ep.path), deadline);
}

// Says that `where` wants TLS while the builder has no TLS options.
Error wants_tls(const std::string& where)
{
  return {ErrorKind::tls, "tls: " + where +
                            " speaks TLS but the builder has no TLS "
                            "options: set the cacert, cert and key driver "
                            "options"};
}

// Sends the HTTP/2 preface in the clear and waits for the first frame.
util::Result<ProbeReport> probe_plain(Fd fd, const Endpoint& ep,
                                      Deadline deadline)
{
  std::string where = detail::where_of(ep);
  auto start = util::Clock::now();
  if (::send(fd.get(), detail::k_h2_preface, detail::k_h2_preface_size,
             MSG_NOSIGNAL) < 0) {
    return Error{ErrorKind::unavailable,
                 "http2: cannot send to " + where + ": " +
                   detail::lower_first(std::strerror(errno))};
  }
  if (!util::wait_fd(fd.get(), POLLIN, deadline)) {
    return Error{ErrorKind::timeout, "http2: timed out waiting for " + where +
                                       " to answer (it accepted the "
                                       "connection)"};
  }
  unsigned char head[9];
  ssize_t n = ::recv(fd.get(), head, sizeof head, 0);
  ProbeReport report;
  report.round_trip = std::chrono::duration_cast<std::chrono::microseconds>(
    util::Clock::now() - start);

  // A TLS alert (0x15) or handshake record (0x16) answers a TLS server.
  if (n > 0 && (head[0] == 0x15 || head[0] == 0x16)) {
    return wants_tls(where);
  }
  if (n >= 4 && head[3] == 0x04) {
    return report;
  }
  if (n > 0 && std::memcmp(head, "HTTP/", std::min<ssize_t>(n, 5)) == 0) {
    return Error{ErrorKind::unavailable,
                 "http2: " + where + " answered HTTP/1, not BuildKit's gRPC"};
  }
  fd.reset();

  // A TLS server drops a plaintext client without a word: ask it again
  // with a TLS handshake to tell that from any other hang-up.
  if (ep.scheme == Scheme::tcp && detail::speaks_tls(ep, deadline)) {
    return wants_tls(where);
  }
  if (n > 0) {
    return Error{ErrorKind::unavailable,
                 "http2: " + where + " answered something other than HTTP/2"};
  }
  return Error{ErrorKind::unavailable,
               "http2: " + where + " closed the connection without answering"};
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

bool speaks_plain_h2(const Endpoint& endpoint, Deadline deadline)
{
  auto fd = dial_socket(endpoint, deadline);
  if (!fd.ok()) {
    return false;
  }
  if (::send(fd->get(), k_h2_preface, k_h2_preface_size, MSG_NOSIGNAL) < 0 ||
      !util::wait_fd(fd->get(), POLLIN, deadline)) {
    return false;
  }
  unsigned char head[9];
  ssize_t n = ::recv(fd->get(), head, sizeof head, 0);
  return n >= 4 && head[3] == 0x04;
}

} // namespace detail

util::Result<ProbeReport> probe(const Endpoint& endpoint, const TlsOptions& tls,
                                const TlsFiles& files, Deadline deadline)
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
