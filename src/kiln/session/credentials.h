#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <ostream>
#include <string>

#include "kiln/util/result.h"

namespace kiln::session {

/// A registry login as the daemon takes it; both empty for anonymous.
struct Credentials {
  /// The user name; empty with an identity token.
  std::string username;
  /// The password or identity token.
  std::string secret;
};

/// One `auths` entry of the Docker config file, decoded.
struct AuthEntry {
  /// The user name, from `username` or the decoded `auth`.
  std::string username;
  /// The password, from `password` or the decoded `auth`.
  std::string password;
  /// An OAuth refresh token that stands in for the password.
  std::string identity_token;
};

/// The registry credentials of the Docker config file (`config.json`):
/// `auths` entries, `credsStore` and per-registry `credHelpers`, read
/// and asked the way the Docker CLI does. Safe to use from several
/// threads.
class CredentialStore {
public:
  /// Reads `config.json` in `dir`; a missing file gives no credentials,
  /// and a malformed one the Docker CLI's warning on `warnings` and no
  /// credentials.
  CredentialStore(const std::filesystem::path& dir, std::ostream& warnings);

  /// Returns the credentials for registry `host` as the daemon names it
  /// (`registry-1.docker.io`, `127.0.0.1:5000`); empty ones when none
  /// are stored; an error when a credential helper fails.
  util::Result<Credentials> lookup(const std::string& host);

  CredentialStore(const CredentialStore&) = delete;
  CredentialStore& operator=(const CredentialStore&) = delete;
  ~CredentialStore() = default;

private:
  util::Result<Credentials> lookup_key(const std::string& key);
  util::Result<Credentials> from_helper(const std::string& helper,
                                        const std::string& key);

  struct Cached {
    Credentials credentials;
    std::chrono::steady_clock::time_point created;
  };

  std::map<std::string, AuthEntry> m_auths;
  std::string m_store;
  std::map<std::string, std::string> m_helpers;
  std::mutex m_mutex;
  std::map<std::string, Cached> m_cache;
};

/// Returns the `auths` key the Docker CLI files registry `host` under:
/// `https://index.docker.io/v1/` for Docker Hub, else `host` itself.
std::string config_key(const std::string& host);

/// Returns the host (and port) of an `auths` key that may be a URL,
/// like `https://host:5000/v1/`, as the Docker CLI matches old keys.
std::string key_hostname(const std::string& key);

/// Decodes one `auths` entry (its `auth`, `username`, `password` and
/// `identitytoken` fields; names match in any case); throws
/// `util::UserError` with the Docker CLI's reason when `auth` is bad.
AuthEntry parse_auth_entry(const std::string& json_text);

} // namespace kiln::session
