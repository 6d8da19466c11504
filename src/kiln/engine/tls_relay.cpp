#include "kiln/engine/tls_relay.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>
#include <thread>

#include "kiln/util/fd.h"

namespace kiln::engine {

namespace {

using util::Error;
using util::ErrorKind;

using CtxPtr = std::unique_ptr<SSL_CTX, decltype(&::SSL_CTX_free)>;
using SslPtr = std::unique_ptr<SSL, decltype(&::SSL_free)>;

// How much each direction holds before it stops reading.
constexpr std::size_t k_buffer_bytes = 256 * 1024;

std::string openssl_reason()
{
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) {
    return "the connection was closed";
  }
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? reason : "error " + std::to_string(code);
}

bool is_ip(const std::string& name)
{
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 ||
         inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

// Loads what the Docker client would use: the CA bundle when verifying,
// the client key pair when there is one.
util::Result<CtxPtr> make_context(const Host& host)
{
  CtxPtr ctx(SSL_CTX_new(TLS_client_method()), &::SSL_CTX_free);
  if (!ctx) {
    return Error{ErrorKind::internal, "tls: " + openssl_reason()};
  }
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  if (host.tls_verify) {
    if (SSL_CTX_load_verify_locations(ctx.get(), host.ca.c_str(), nullptr) !=
        1) {
      return Error{ErrorKind::tls, "tls: cannot load the CA bundle " + host.ca +
                                     ": " + openssl_reason()};
    }
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  }
  if (!host.cert.empty() && !host.key.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), host.cert.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx.get(), host.key.c_str(),
                                    SSL_FILETYPE_PEM) != 1) {
      return Error{ErrorKind::tls, "tls: cannot load the key pair " +
                                     host.cert + ", " + host.key + ": " +
                                     openssl_reason()};
    }
  }
  return ctx;
}

// Waits until `fd` is ready for what `ssl` asked for after `rc`; false
// when the call failed for good or `deadline` passed.
bool wait_for_ssl(SSL* ssl, int rc, int fd, Deadline deadline)
{
  int err = SSL_get_error(ssl, rc);
  if (err == SSL_ERROR_WANT_READ) {
    return util::wait_fd(fd, POLLIN, deadline);
  }
  if (err == SSL_ERROR_WANT_WRITE) {
    return util::wait_fd(fd, POLLOUT, deadline);
  }
  return false;
}

// Copies between the TLS connection on `fd` and the plain socket
// `plain` until either side is done, all non-blocking on one thread.
class Relay {
public:
  Relay(CtxPtr ctx, SslPtr ssl, util::Fd fd, util::Fd plain)
    : m_ctx(std::move(ctx)), m_ssl(std::move(ssl)), m_fd(std::move(fd)),
      m_plain(std::move(plain))
  {}

  void run()
  {
    while (step()) {
    }
    SSL_shutdown(m_ssl.get());
  }

private:
  // Moves what can move without waiting, then waits; false once done.
  bool step()
  {
    short tls_events = 0;
    short plain_events = 0;
    bool moved = false;

    if (!m_tls_done && m_down.size() < k_buffer_bytes) {
      char buf[16 * 1024];
      int n = SSL_read(m_ssl.get(), buf, sizeof buf);
      if (n > 0) {
        m_down.append(buf, static_cast<std::size_t>(n));
        moved = true;
      } else {
        tls_events |= wanted(n, m_tls_done);
      }
    }
    if (!m_down.empty()) {
      ssize_t n =
        ::send(m_plain.get(), m_down.data(), m_down.size(), MSG_NOSIGNAL);
      if (n > 0) {
        m_down.erase(0, static_cast<std::size_t>(n));
        moved = true;
      } else if (errno == EAGAIN || errno == EINTR) {
        plain_events |= POLLOUT;
      } else {
        return false;
      }
    }
    if (m_tls_done && m_down.empty()) {
      // The Engine hung up and everything it sent was passed on.
      return false;
    }

    if (!m_plain_done && m_up.size() < k_buffer_bytes) {
      char buf[64 * 1024];
      ssize_t n = ::recv(m_plain.get(), buf, sizeof buf, 0);
      if (n > 0) {
        m_up.append(buf, static_cast<std::size_t>(n));
        moved = true;
      } else if (n == 0) {
        m_plain_done = true;
      } else if (errno == EAGAIN || errno == EINTR) {
        plain_events |= POLLIN;
      } else {
        return false;
      }
    }
    if (!m_up.empty()) {
      int n =
        SSL_write(m_ssl.get(), m_up.data(),
                  static_cast<int>(std::min(m_up.size(), k_buffer_bytes)));
      if (n > 0) {
        m_up.erase(0, static_cast<std::size_t>(n));
        moved = true;
      } else {
        bool failed = false;
        tls_events |= wanted(n, failed);
        if (failed) {
          return false;
        }
      }
    }
    if (m_plain_done && m_up.empty()) {
      // kiln closed its side: the connection is over.
      return false;
    }

    if (moved) {
      return true;
    }
    pollfd fds[] = {{m_fd.get(), tls_events, 0},
                    {m_plain.get(), plain_events, 0}};
    int rc = ::poll(fds, 2, -1);
    return rc >= 0 || errno == EINTR;
  }

  // Returns what `m_fd` must become ready for after the OpenSSL call
  // that returned `rc`; sets `done` when the connection ended instead.
  short wanted(int rc, bool& done)
  {
    int err = SSL_get_error(m_ssl.get(), rc);
    if (err == SSL_ERROR_WANT_READ) {
      return POLLIN;
    }
    if (err == SSL_ERROR_WANT_WRITE) {
      return POLLOUT;
    }
    ERR_clear_error();
    done = true;
    return 0;
  }

  CtxPtr m_ctx;
  SslPtr m_ssl;
  util::Fd m_fd;
  util::Fd m_plain;
  std::string m_down;
  std::string m_up;
  bool m_tls_done = false;
  bool m_plain_done = false;
};

} // namespace

util::Result<int> relay_tls(int fd, const Host& host, const Endpoint& endpoint,
                            Deadline deadline)
{
  util::Fd owned(fd);
  auto ctx = make_context(host);
  if (!ctx) {
    return ctx.error();
  }
  SslPtr ssl(SSL_new(ctx->get()), &::SSL_free);
  SSL_set_mode(ssl.get(), SSL_MODE_ENABLE_PARTIAL_WRITE |
                            SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
  if (is_ip(endpoint.host)) {
    X509_VERIFY_PARAM_set1_ip_asc(param, endpoint.host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl.get(), endpoint.host.c_str());
    X509_VERIFY_PARAM_set1_host(param, endpoint.host.c_str(),
                                endpoint.host.size());
  }
  SSL_set_fd(ssl.get(), owned.get());

  while (true) {
    int rc = SSL_connect(ssl.get());
    if (rc == 1) {
      break;
    }
    if (wait_for_ssl(ssl.get(), rc, owned.get(), deadline)) {
      continue;
    }
    long verified = SSL_get_verify_result(ssl.get());
    if (verified != X509_V_OK) {
      return Error{ErrorKind::tls, std::string("tls: ") +
                                     X509_verify_cert_error_string(verified)};
    }
    if (util::Clock::now() >= deadline) {
      return Error{ErrorKind::timeout, "tls: timed out in the handshake"};
    }
    return Error{ErrorKind::tls, "tls: " + openssl_reason()};
  }

  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    return Error{ErrorKind::internal, "socketpair: " + describe_errno(errno)};
  }
  util::Fd plain(pair[0]);
  util::set_nonblocking(pair[0]);
  util::set_nonblocking(pair[1]);
  auto relay = std::make_shared<Relay>(std::move(*ctx), std::move(ssl),
                                       std::move(owned), std::move(plain));
  // The relay ends by itself when either side closes; nobody joins it.
  std::thread([relay] { relay->run(); }).detach();
  return pair[1];
}

} // namespace kiln::engine
