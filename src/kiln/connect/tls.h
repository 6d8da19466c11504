#pragma once

#include <string>

namespace kiln::connect {

/// Mutual TLS settings of a tcp endpoint: file paths, not contents.
struct TlsOptions {
  bool enabled = false;
  std::string ca_cert;
  std::string cert;
  std::string key;
  /// The name the daemon's certificate must carry; defaults to the host.
  std::string server_name;
};

/// The PEM contents named by a `TlsOptions`.
struct TlsFiles {
  std::string ca_cert;
  std::string cert;
  std::string key;
};

/// Reads the files of `options`; throws `util::UserError` naming the file
/// that cannot be read.
TlsFiles load_tls_files(const TlsOptions& options);

} // namespace kiln::connect
