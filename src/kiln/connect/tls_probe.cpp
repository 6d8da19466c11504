// The TLS layer of the connection probe: a handshake with OpenSSL that
// checks the daemon's certificate itself so it can say which check
// failed, then an HTTP/2 preface that makes a TLS 1.3 server report a
// missing or rejected client certificate.
#include <arpa/inet.h>
#include <cstring>
#include <memory>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>

#include "kiln/connect/probe.h"
#include "kiln/util/error.h"

namespace kiln::connect::detail {

namespace {

using util::Deadline;
using util::Error;
using util::ErrorKind;
using util::Fd;
using util::quote;

using CtxPtr = std::unique_ptr<SSL_CTX, decltype(&::SSL_CTX_free)>;
using SslPtr = std::unique_ptr<SSL, decltype(&::SSL_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&::BIO_free)>;

bool is_ip(const std::string& host)
{
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

BioPtr memory_bio(const std::string& pem)
{
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                &::BIO_free);
}

// Loads the CA bundle and client key pair into `ctx`; returns what is
// wrong with them, or nothing.
std::string load_credentials(SSL_CTX* ctx, const TlsOptions& tls,
                             const TlsFiles& files)
{
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  BioPtr ca = memory_bio(files.ca_cert);
  int added = 0;
  while (X509* cert = PEM_read_bio_X509(ca.get(), nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store, cert);
    X509_free(cert);
    ++added;
  }
  ERR_clear_error();
  if (added == 0 && !files.ca_cert.empty()) {
    return "tls: no certificate in cacert " + quote(tls.ca_cert);
  }
  if (files.cert.empty()) {
    return {};
  }
  BioPtr cert_bio = memory_bio(files.cert);
  X509* cert = PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr);
  if (cert == nullptr || SSL_CTX_use_certificate(ctx, cert) != 1) {
    X509_free(cert);
    return "tls: no certificate in cert " + quote(tls.cert);
  }
  X509_free(cert);
  BioPtr key_bio = memory_bio(files.key);
  EVP_PKEY* key =
    PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr);
  bool key_ok = key != nullptr && SSL_CTX_use_PrivateKey(ctx, key) == 1 &&
                SSL_CTX_check_private_key(ctx) == 1;
  EVP_PKEY_free(key);
  if (!key_ok) {
    return "tls: key " + quote(tls.key) + " does not match cert " +
           quote(tls.cert);
  }
  return {};
}

// Lists the DNS names and IP addresses a certificate is valid for.
std::string names_of(X509* cert)
{
  std::string out;
  auto* sans = static_cast<GENERAL_NAMES*>(
    X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); ++i) {
    GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
    std::string item;
    if (name->type == GEN_DNS) {
      const auto* data = ASN1_STRING_get0_data(name->d.dNSName);
      item.assign(reinterpret_cast<const char*>(data),
                  ASN1_STRING_length(name->d.dNSName));
    } else if (name->type == GEN_IPADD) {
      char text[INET6_ADDRSTRLEN] = "?";
      int len = ASN1_STRING_length(name->d.iPAddress);
      int family = len == 4 ? AF_INET : AF_INET6;
      inet_ntop(family, ASN1_STRING_get0_data(name->d.iPAddress), text,
                sizeof text);
      item = text;
    }
    if (!item.empty()) {
      out += (out.empty() ? "" : ", ") + item;
    }
  }
  GENERAL_NAMES_free(sans);
  return out.empty() ? "no names" : out;
}

Error verify_error(SSL* ssl, const TlsOptions& tls, const std::string& where)
{
  long result = SSL_get_verify_result(ssl);
  std::unique_ptr<X509, decltype(&::X509_free)> peer(
    SSL_get1_peer_certificate(ssl), &::X509_free);
  switch (result) {
  case X509_V_ERR_HOSTNAME_MISMATCH:
  case X509_V_ERR_IP_ADDRESS_MISMATCH:
    return Error{ErrorKind::tls,
                 "tls: certificate of " + where + " is valid for " +
                   (peer ? names_of(peer.get()) : "other names") + ", not " +
                   quote(tls.server_name) +
                   ": set the servername driver "
                   "option"};
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
  case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
  case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
  case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
  case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    return Error{ErrorKind::tls, "tls: certificate of " + where +
                                   " is signed by an unknown authority "
                                   "(not by cacert " +
                                   quote(tls.ca_cert) + ")"};
  default:
    return Error{ErrorKind::tls,
                 "tls: certificate of " + where + ": " +
                   lower_first(X509_verify_cert_error_string(result))};
  }
}

// Says that `where` asks for a client certificate kiln did not send.
Error wants_client_cert(const std::string& where)
{
  return {ErrorKind::tls, "tls: " + where +
                            " requires a client certificate: set the cert "
                            "and key driver options"};
}

// Says that `where` answers in plaintext while the builder uses TLS.
Error not_tls(const std::string& where)
{
  return {ErrorKind::tls, "tls: " + where +
                            " is not speaking TLS (it answers plaintext "
                            "HTTP/2): remove the cacert, cert, key and "
                            "servername driver options"};
}

// Explains a handshake or read failure from OpenSSL's error queue; when
// the server just hung up during the handshake, asks it in plaintext
// HTTP/2 to tell a plaintext daemon from a broken TLS one.
Error ssl_failure(const Endpoint& endpoint, const TlsOptions& tls,
                  bool handshake_done, Deadline deadline)
{
  std::string where = where_of(endpoint);
  unsigned long err = ERR_peek_last_error();
  int reason = ERR_GET_REASON(err);
  ERR_clear_error();
  bool sent_cert = !tls.cert.empty();
  switch (reason) {
  case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
    return wants_client_cert(where);
  case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
  case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
  case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
  case SSL_R_TLSV1_ALERT_DECRYPT_ERROR:
    if (!sent_cert) {
      return wants_client_cert(where);
    }
    return Error{ErrorKind::tls,
                 "tls: " + where + " rejected the client certificate " +
                   quote(tls.cert) + " (not signed by a CA it trusts)"};
  case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
    return Error{ErrorKind::tls,
                 "tls: " + where + " refused the handshake" +
                   (sent_cert ? "" : " (it may require a client certificate)")};
  case SSL_R_WRONG_VERSION_NUMBER:
  case SSL_R_PACKET_LENGTH_TOO_LONG:
    return not_tls(where);
  default:
    break;
  }
  if (!handshake_done && speaks_plain_h2(endpoint, deadline)) {
    return not_tls(where);
  }
  std::string detail;
  if (err != 0 && ERR_reason_error_string(err) != nullptr) {
    detail = std::string(" (") + ERR_reason_error_string(err) + ")";
  }
  if (!handshake_done) {
    return Error{ErrorKind::tls, "tls: " + where +
                                   " closed the connection during the "
                                   "handshake" +
                                   detail};
  }
  return Error{ErrorKind::tls,
               "tls: " + where + " closed the connection" + detail};
}

// Drives a non-blocking OpenSSL call until it completes or `deadline`.
template <typename Step>
int drive(SSL* ssl, int fd, Deadline deadline, Step step, bool& timed_out)
{
  while (true) {
    int rc = step();
    if (rc > 0) {
      return rc;
    }
    int err = SSL_get_error(ssl, rc);
    short events = 0;
    if (err == SSL_ERROR_WANT_READ) {
      events = POLLIN;
    } else if (err == SSL_ERROR_WANT_WRITE) {
      events = POLLOUT;
    } else {
      return rc;
    }
    if (!util::wait_fd(fd, events, deadline)) {
      timed_out = true;
      return -1;
    }
  }
}

} // namespace

namespace {

// The TLS probe on `fd`. With `speak_first` kiln sends the HTTP/2
// preface before it reads; without, it only listens (a BuildKit daemon
// sends its SETTINGS first). Sets `hung_up` when the daemon closed the
// connection after the handshake without saying why.
util::Result<ProbeReport> run_probe(Fd fd, const Endpoint& endpoint,
                                    const TlsOptions& tls,
                                    const TlsFiles& files, Deadline deadline,
                                    bool speak_first, bool& hung_up)
{
  hung_up = false;
  std::string where = where_of(endpoint);
  CtxPtr ctx(SSL_CTX_new(TLS_client_method()), &::SSL_CTX_free);
  std::string bad = load_credentials(ctx.get(), tls, files);
  if (!bad.empty()) {
    return Error{ErrorKind::invalid, bad};
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  static const unsigned char alpn[] = "\x02h2";
  SSL_CTX_set_alpn_protos(ctx.get(), alpn, sizeof alpn - 1);

  SslPtr ssl(SSL_new(ctx.get()), &::SSL_free);
  const std::string& name = tls.server_name;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
  if (is_ip(name)) {
    X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl.get(), name.c_str());
    X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
  }
  SSL_set_fd(ssl.get(), fd.get());

  // Certificates are checked after the handshake, by hand, so that a
  // failure can name the check that failed.
  bool timed_out = false;
  int rc = drive(
    ssl.get(), fd.get(), deadline, [&] { return SSL_connect(ssl.get()); },
    timed_out);
  if (timed_out) {
    return Error{ErrorKind::timeout, "tls: timed out in the handshake "
                                     "with " +
                                       where +
                                       " (it accepted the "
                                       "connection)"};
  }
  if (rc <= 0) {
    return ssl_failure(endpoint, tls, false, deadline);
  }
  if (SSL_get_verify_result(ssl.get()) != X509_V_OK) {
    return verify_error(ssl.get(), tls, where);
  }

  // In TLS 1.3 the daemon judges the client certificate only after the
  // client's handshake is done: its verdict arrives on the first read.
  auto start = util::Clock::now();
  rc = 1;
  if (speak_first) {
    rc = drive(
      ssl.get(), fd.get(), deadline,
      [&] {
        return SSL_write(ssl.get(), k_h2_preface,
                         static_cast<int>(k_h2_preface_size));
      },
      timed_out);
  }
  unsigned char head[9];
  if (rc > 0) {
    rc = drive(
      ssl.get(), fd.get(), deadline,
      [&] { return SSL_read(ssl.get(), head, sizeof head); }, timed_out);
  }
  if (timed_out) {
    return Error{ErrorKind::timeout, "http2: timed out waiting for " + where +
                                       " to answer over TLS"};
  }
  if (rc <= 0) {
    hung_up = ERR_peek_last_error() == 0;
    return ssl_failure(endpoint, tls, true, deadline);
  }
  ProbeReport report;
  report.round_trip = std::chrono::duration_cast<std::chrono::microseconds>(
    util::Clock::now() - start);
  return report;
}

} // namespace

util::Result<ProbeReport> probe_tls(Fd fd, const Endpoint& endpoint,
                                    const TlsOptions& tls,
                                    const TlsFiles& files, Deadline deadline)
{
  bool hung_up = false;
  auto first =
    run_probe(std::move(fd), endpoint, tls, files, deadline, true, hung_up);
  if (first.ok() || !hung_up) {
    return first;
  }

  // A daemon that rejects the client certificate while kiln's preface
  // is still unread resets the connection, and the reset can destroy
  // its alert before kiln reads it. Listening without writing lets the
  // alert arrive intact.
  auto again = dial_socket(endpoint, deadline);
  if (!again.ok()) {
    return first;
  }
  bool hung_up_again = false;
  auto second = run_probe(std::move(again.value()), endpoint, tls, files,
                          deadline, false, hung_up_again);
  if (second.ok() || hung_up_again) {
    return first;
  }
  return second;
}

bool speaks_tls(const Endpoint& endpoint, Deadline deadline)
{
  auto fd = dial_socket(endpoint, deadline);
  if (!fd.ok()) {
    return false;
  }
  CtxPtr ctx(SSL_CTX_new(TLS_client_method()), &::SSL_CTX_free);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  SslPtr ssl(SSL_new(ctx.get()), &::SSL_free);
  SSL_set_fd(ssl.get(), fd->get());
  bool timed_out = false;
  int rc = drive(
    ssl.get(), fd->get(), deadline, [&] { return SSL_connect(ssl.get()); },
    timed_out);
  if (rc > 0) {
    return true;
  }
  // A server that wants a client certificate may abort the handshake
  // with an alert: it still speaks TLS.
  unsigned long err = ERR_peek_last_error();
  ERR_clear_error();
  int reason = ERR_GET_REASON(err);
  return reason == SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE ||
         reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED ||
         reason == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE;
}

} // namespace kiln::connect::detail
