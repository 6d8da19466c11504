#include "kiln/engine/host.h"

#include "kiln/engine/context.h"
#include "kiln/util/error.h"
#include "kiln/util/strings.h"

#include <pwd.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>

namespace kiln::engine {

namespace {

namespace fs = std::filesystem;

constexpr const char* default_tcp_host = "localhost";
constexpr const char* default_tcp_port = "2375";
constexpr const char* default_tls_address = "tcp://localhost:2376";
constexpr const char* default_unix_path = "/var/run/docker.sock";
constexpr const char* default_npipe_path = "//./pipe/docker_engine";

std::string env(const char* name)
{
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

bool all_digits(const std::string& text)
{
  if (text.empty()) {
    return false;
  }
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) {
      return false;
    }
  }
  return true;
}

[[noreturn]] void bad_address(const std::string& value)
{
  throw util::UserError("invalid bind address format: " + value);
}

// Normalises the part after `tcp://` to `tcp://host:port[/path]`.
std::string parse_tcp(const std::string& rest, const std::string& value)
{
  if (rest.empty()) {
    return std::string("tcp://") + default_tcp_host + ":" + default_tcp_port;
  }
  if (rest.find("://") != std::string::npos) {
    throw util::UserError("invalid proto, expected tcp: " + value);
  }

  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "" : rest.substr(slash);

  std::string host;
  std::string port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) {
      bad_address(value);
    }
    host = authority.substr(1, close - 1);
    std::string tail = authority.substr(close + 1);
    if (tail.empty() || tail.front() != ':') {
      bad_address(value);
    }
    port = tail.substr(1);
  } else if (authority.find(':') == authority.rfind(':')) {
    auto colon = authority.find(':');
    host = authority.substr(0, colon);
    port = colon == std::string::npos ? "" : authority.substr(colon + 1);
  } else {
    // A bare IPv6 address: the whole of it is the host.
    host = authority;
  }

  if (host.empty()) {
    host = default_tcp_host;
  }
  if (port.empty()) {
    port = default_tcp_port;
  }
  if (!all_digits(port)) {
    bad_address(value);
  }

  bool v6 = host.find(':') != std::string::npos;
  return "tcp://" + (v6 ? "[" + host + "]" : host) + ":" + port + path;
}

// Normalises `unix://` and `npipe://` addresses, which carry a path only.
std::string parse_path(const std::string& proto, const std::string& rest,
                       const std::string& fallback)
{
  if (rest.find("://") != std::string::npos) {
    throw util::UserError("invalid proto, expected " + proto + ": " + rest);
  }
  return proto + "://" + (rest.empty() ? fallback : rest);
}

// The "default" context: DOCKER_HOST and the DOCKER_TLS* variables.
Host default_host()
{
  Host host;
  host.tls = !env("DOCKER_TLS").empty() || !env("DOCKER_TLS_VERIFY").empty();
  host.tls_verify = !env("DOCKER_TLS_VERIFY").empty();

  host.address = parse_host(env("DOCKER_HOST"), host.tls);
  if (!host.tls) {
    return host;
  }

  std::string dir = env("DOCKER_CERT_PATH");
  if (dir.empty()) {
    dir = config_dir();
  }
  host.ca = (fs::path(dir) / "ca.pem").string();
  if (!fs::exists(host.ca)) {
    throw util::UserError("open " + host.ca + ": no such file or directory");
  }
  host.cert = tls_file(dir, "cert.pem");
  host.key = tls_file(dir, "key.pem");
  return host;
}

} // namespace

std::string config_dir()
{
  std::string dir = env("DOCKER_CONFIG");
  if (!dir.empty()) {
    return dir;
  }

  std::string home = env("HOME");
  if (home.empty()) {
    const passwd* user = getpwuid(getuid());
    home = user != nullptr && user->pw_dir != nullptr ? user->pw_dir : "/";
  }
  return (fs::path(home) / ".docker").string();
}

std::string parse_host(const std::string& value, bool tls)
{
  std::string trimmed = util::trim(value);
  if (trimmed.empty()) {
    return tls ? default_tls_address : default_address;
  }

  std::string proto;
  std::string rest;
  auto sep = trimmed.find("://");
  if (sep != std::string::npos) {
    proto = trimmed.substr(0, sep);
    rest = trimmed.substr(sep + 3);
  } else {
    bool path = trimmed.starts_with("/") || trimmed.starts_with("./");
    proto = path ? "unix" : "tcp";
    rest = trimmed;
  }

  if (proto == "tcp") {
    return parse_tcp(rest, trimmed);
  }
  if (proto == "unix") {
    return parse_path(proto, rest, default_unix_path);
  }
  if (proto == "npipe") {
    return parse_path(proto, rest, default_npipe_path);
  }
  if (proto == "fd" || proto == "ssh") {
    return trimmed;
  }
  bad_address(trimmed);
}

Host current_host()
{
  std::string dir = config_dir();
  DockerConfig config = read_config(dir);

  // DOCKER_HOST selects the "default" context, whatever else is set.
  std::string name = "default";
  if (env("DOCKER_HOST").empty()) {
    name = env("DOCKER_CONTEXT");
    if (name.empty()) {
      name = config.current_context;
    }
    if (name.empty()) {
      name = "default";
    }
  }

  Host host = name == "default" ? default_host() : read_context(dir, name);
  host.headers = config.headers;
  return host;
}

std::string store_key(const Host& host)
{
  return host.context != "default" ? host.context : host.address;
}

} // namespace kiln::engine
