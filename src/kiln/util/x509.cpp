#include "kiln/util/x509.h"

#include <stdexcept>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

namespace kiln::util {

namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

[[noreturn]] void fail(const std::string& what)
{
  unsigned long code = ERR_get_error();
  char text[256] = "unknown error";
  if (code != 0) {
    ERR_error_string_n(code, text, sizeof text);
  }
  throw std::runtime_error(what + ": " + text);
}

Key new_key()
{
  Key key(EVP_EC_gen("P-256"));
  if (!key) {
    fail("cannot make a P-256 key");
  }
  return key;
}

std::string bio_text(BIO* bio)
{
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string key_pem(EVP_PKEY* key)
{
  Bio bio(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr,
                                nullptr)) {
    fail("cannot encode a key");
  }
  return bio_text(bio.get());
}

std::string cert_pem(X509* cert)
{
  Bio bio(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_X509(bio.get(), cert)) {
    fail("cannot encode a certificate");
  }
  return bio_text(bio.get());
}

Key read_key(const std::string& pem)
{
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    fail("cannot read the authority's key");
  }
  return key;
}

Cert read_cert(const std::string& pem)
{
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    fail("cannot read the authority's certificate");
  }
  return cert;
}

bool is_ip(const std::string& text)
{
  unsigned char buf[16];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& v)
{
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, v.c_str());
  if (ext == nullptr) {
    fail("cannot add extension " + v);
  }
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

void set_serial(X509* cert)
{
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    fail("cannot make a serial number");
  }
  bytes[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(bytes, sizeof bytes, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
  BN_free(bn);
}

void add_use_extensions(X509* cert, X509* issuer, const CertRequest& req)
{
  switch (req.use) {
  case CertUse::authority:
    add_extension(cert, issuer, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert, issuer, NID_key_usage,
                  "critical,keyCertSign,cRLSign,digitalSignature");
    break;
  case CertUse::server:
  case CertUse::client:
    add_extension(cert, issuer, NID_basic_constraints, "CA:FALSE");
    add_extension(cert, issuer, NID_key_usage,
                  "critical,digitalSignature,keyEncipherment");
    add_extension(cert, issuer, NID_ext_key_usage,
                  req.use == CertUse::server ? "serverAuth" : "clientAuth");
    break;
  }
  add_extension(cert, issuer, NID_subject_key_identifier, "hash");
  if (issuer != cert) {
    add_extension(cert, issuer, NID_authority_key_identifier, "keyid");
  }
  if (req.use == CertUse::server && !req.sans.empty()) {
    std::string sans;
    for (const auto& name : req.sans) {
      sans += (sans.empty() ? "" : ",") +
              std::string(is_ip(name) ? "IP:" : "DNS:") + name;
    }
    add_extension(cert, issuer, NID_subject_alt_name, sans);
  }
}

} // namespace

KeyPair make_certificate(const CertRequest& request, const KeyPair* issuer)
{
  Key key = new_key();
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  set_serial(cert.get());
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                  static_cast<long>(request.days) * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(
    name, "CN", MBSTRING_UTF8,
    reinterpret_cast<const unsigned char*>(request.common_name.c_str()), -1, -1,
    0);

  Key signer_key;
  Cert signer_cert;
  if (issuer != nullptr) {
    signer_key = read_key(issuer->key_pem);
    signer_cert = read_cert(issuer->cert_pem);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(signer_cert.get()));
  } else {
    X509_set_issuer_name(cert.get(), name);
  }
  X509* issuer_cert = signer_cert ? signer_cert.get() : cert.get();
  add_use_extensions(cert.get(), issuer_cert, request);

  EVP_PKEY* sign_with = signer_key ? signer_key.get() : key.get();
  if (X509_sign(cert.get(), sign_with, EVP_sha256()) == 0) {
    fail("cannot sign the certificate for " + request.common_name);
  }
  return {key_pem(key.get()), cert_pem(cert.get())};
}

} // namespace kiln::util
