// Registry credentials from the Docker config file, looked up the way
// the Docker CLI does: a registry's own credential helper, else the
// default one (`credsStore`), else the `auths` entries.
#include "kiln/session/credentials.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "kiln/util/base64.h"
#include "kiln/util/command.h"
#include "kiln/util/error.h"
#include "kiln/util/fs.h"
#include "kiln/util/log.h"
#include "kiln/util/strings.h"

namespace kiln::session {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* k_hub_key = "https://index.docker.io/v1/";
constexpr const char* k_hub_host = "registry-1.docker.io";
constexpr const char* k_helper_prefix = "docker-credential-";
constexpr const char* k_not_found = "credentials not found in native keychain";
constexpr const char* k_token_user = "<token>";
// Cached logins expire as Buildx's do: some registries hand out
// passwords that last five minutes.
constexpr auto k_cache_life = std::chrono::seconds(4 * 60 + 50);

// Returns the member of object `obj` whose name matches `name` in any
// case, as Go's JSON decoder matches field names; null when none.
const json* field(const json& obj, const std::string& name)
{
  if (!obj.is_object()) {
    return nullptr;
  }
  if (auto it = obj.find(name); it != obj.end()) {
    return &*it;
  }
  std::string lower = util::to_lower(name);
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (util::to_lower(it.key()) == lower) {
      return &*it;
    }
  }
  return nullptr;
}

std::string string_field(const json& obj, const std::string& name)
{
  const json* v = field(obj, name);
  return v != nullptr && v->is_string() ? v->get<std::string>() : "";
}

// Decodes an `auth` field; throws with the Docker CLI's reason.
std::string decode_auth(const std::string& text)
{
  util::Base64 decoded = util::decode_base64(text);
  if (!decoded.ok()) {
    throw util::UserError("illegal base64 data at input byte " +
                          std::to_string(decoded.bad_at));
  }
  return decoded.bytes;
}

AuthEntry decode_entry(const json& entry)
{
  AuthEntry out;
  out.username = string_field(entry, "username");
  out.password = string_field(entry, "password");
  out.identity_token = string_field(entry, "identitytoken");
  std::string auth = string_field(entry, "auth");
  if (auth.empty()) {
    return out;
  }

  std::string decoded = decode_auth(auth);
  auto colon = decoded.find(':');
  if (colon == std::string::npos || colon == 0) {
    throw util::UserError("invalid auth configuration file");
  }
  out.username = decoded.substr(0, colon);
  out.password = decoded.substr(colon + 1);
  while (!out.password.empty() && out.password.back() == '\0') {
    out.password.pop_back();
  }
  while (!out.password.empty() && out.password.front() == '\0') {
    out.password.erase(0, 1);
  }
  return out;
}

// Returns whether `name` is an executable file in a folder of $PATH.
bool on_path(const std::string& name)
{
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0 &&
        !fs::is_directory(candidate)) {
      return true;
    }
  }
  return false;
}

} // namespace

CredentialStore::CredentialStore(const fs::path& dir, std::ostream& warnings)
{
  fs::path path = dir / "config.json";
  std::optional<std::string> text;
  try {
    text = util::read_file(path);
  } catch (const util::FileError& e) {
    warnings << "WARNING: Error loading config file: " << e.what() << '\n';
    return;
  }
  if (!text) {
    return;
  }

  try {
    json config = json::parse(*text);
    if (const json* auths = field(config, "auths");
        auths != nullptr && auths->is_object()) {
      for (auto it = auths->begin(); it != auths->end(); ++it) {
        m_auths[it.key()] = decode_entry(*it);
      }
    }
    m_store = string_field(config, "credsStore");
    if (const json* helpers = field(config, "credHelpers");
        helpers != nullptr && helpers->is_object()) {
      for (auto it = helpers->begin(); it != helpers->end(); ++it) {
        if (it->is_string()) {
          m_helpers[it.key()] = it->get<std::string>();
        }
      }
    }
  } catch (const std::exception& e) {
    warnings << "WARNING: Error parsing config file (" << path.string()
             << "): " << e.what() << '\n';
    m_auths.clear();
    m_helpers.clear();
    m_store.clear();
    return;
  }

  // With nothing configured, the Docker CLI uses the platform's helper
  // when one is installed.
  if (m_auths.empty() && m_helpers.empty() && m_store.empty()) {
    std::string platform = on_path("pass") ? "pass" : "secretservice";
    if (on_path(k_helper_prefix + platform)) {
      m_store = platform;
    }
  }
}

util::Result<Credentials> CredentialStore::lookup(const std::string& host)
{
  std::lock_guard lock(m_mutex);
  auto now = std::chrono::steady_clock::now();
  if (auto it = m_cache.find(host);
      it != m_cache.end() && now - it->second.created < k_cache_life) {
    return it->second.credentials;
  }

  auto found = lookup_key(config_key(host));
  if (!found) {
    return found;
  }
  // Docker's other registries that take Docker Hub logins.
  if (found->secret.empty() &&
      (host == "dhi.io" || host == "registry.scout.docker.com")) {
    if (auto hub = lookup_key(k_hub_key); hub) {
      found = hub;
    }
  }
  util::add_secret(found->secret);
  m_cache[host] = Cached{*found, now};
  return found;
}

util::Result<Credentials> CredentialStore::lookup_key(const std::string& key)
{
  std::string helper = m_store;
  if (auto it = m_helpers.find(key); it != m_helpers.end()) {
    helper = it->second;
  }
  if (!helper.empty()) {
    return from_helper(helper, key);
  }

  auto it = m_auths.find(key);
  if (it == m_auths.end()) {
    // Older files key entries by URL, like `https://host/v1/`.
    it = std::find_if(m_auths.begin(), m_auths.end(), [&](const auto& entry) {
      return key_hostname(entry.first) == key;
    });
  }
  if (it == m_auths.end()) {
    return Credentials{};
  }
  const AuthEntry& entry = it->second;
  if (!entry.identity_token.empty()) {
    return Credentials{"", entry.identity_token};
  }
  return Credentials{entry.username, entry.password};
}

util::Result<Credentials>
CredentialStore::from_helper(const std::string& helper, const std::string& key)
{
  std::string program = k_helper_prefix + helper;
  auto ran = util::run_command({program, "get"}, {key, {}});
  auto failed = [](const std::string& why, const std::string& out) {
    return util::Error{util::ErrorKind::auth,
                       "error getting credentials - err: " + why + ", out: `" +
                         util::trim(out) + "`"};
  };
  if (!ran) {
    return failed("exec: " + util::quote(program) +
                    ": executable file not found in $PATH",
                  "");
  }
  if (!ran->err.empty()) {
    util::debug(program + " get: " + util::trim(ran->err));
  }
  if (ran->exit_code != 0) {
    if (util::trim(ran->out) == k_not_found) {
      return Credentials{};
    }
    return failed(ran->status, ran->out);
  }

  json reply;
  try {
    reply = json::parse(ran->out);
  } catch (const json::exception& e) {
    return util::Error{util::ErrorKind::auth,
                       "error getting credentials from " + program + ": " +
                         e.what()};
  }
  Credentials out{string_field(reply, "Username"),
                  string_field(reply, "Secret")};
  if (out.username == k_token_user) {
    out.username.clear();
  }
  return out;
}

std::string config_key(const std::string& host)
{
  if (host == k_hub_host || host == "docker.io" || host == "index.docker.io") {
    return k_hub_key;
  }
  return host;
}

std::string key_hostname(const std::string& key)
{
  std::string rest = key;
  if (auto scheme = rest.find("://"); scheme != std::string::npos) {
    rest = rest.substr(scheme + 3);
  }
  return rest.substr(0, rest.find('/'));
}

AuthEntry parse_auth_entry(const std::string& json_text)
{
  json entry;
  try {
    entry = json::parse(json_text);
  } catch (const json::exception& e) {
    throw util::UserError(e.what());
  }
  return decode_entry(entry);
}

} // namespace kiln::session
