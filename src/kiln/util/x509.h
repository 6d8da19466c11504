#pragma once

#include <memory>
#include <string>
#include <vector>

namespace kiln::util {

/// A private key and its certificate, both as PEM text.
struct KeyPair {
  std::string key_pem;
  std::string cert_pem;
};

/// What a new certificate is for.
enum class CertUse {
  authority,
  server,
  client,
};

/// Asks for one certificate: who it names and for how long.
struct CertRequest {
  std::string common_name;
  CertUse use = CertUse::server;
  /// Subject alternative names: IP addresses are told apart from DNS
  /// names by their form; only for `CertUse::server`.
  std::vector<std::string> sans;
  int days = 365;
};

/// Makes a new P-256 key and a certificate for `request`, self-signed
/// when `issuer` is null, else signed by `issuer` (an authority made by
/// this function). Throws `std::runtime_error` with OpenSSL's reason.
KeyPair make_certificate(const CertRequest& request, const KeyPair* issuer);

} // namespace kiln::util
