#include "kiln/connect/endpoint.h"

#include <algorithm>
#include <regex>

#include "kiln/util/error.h"
#include "kiln/util/log.h"

namespace kiln::connect {

namespace {

using util::quote;
using util::UserError;

// Throws the error for endpoint `text`, its user info hidden: whatever
// is wrong, a password in it must not reach the terminal or a log.
[[noreturn]] void reject(const std::string& text, const std::string& why)
{
  throw UserError("invalid endpoint " + quote(util::redact(text)) + ": " + why);
}

int hex_value(char c)
{
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::string percent_decode(const std::string& text, const std::string& raw)
{
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    int hi = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
    int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      reject(raw, "bad percent escape in " + quote(text));
    }
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::map<std::string, std::string> parse_query(const std::string& query,
                                               const std::string& raw)
{
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) {
      end = query.size();
    }
    std::string pair = query.substr(start, end - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key = percent_decode(pair.substr(0, eq), raw);
      std::string value =
        eq == std::string::npos ? "" : percent_decode(pair.substr(eq + 1), raw);
      out[key] = value;
    }
    start = end + 1;
  }
  return out;
}

int parse_port(const std::string& text, const std::string& raw)
{
  bool digits = !text.empty() && text.size() <= 5 &&
                std::all_of(text.begin(), text.end(),
                            [](char c) { return c >= '0' && c <= '9'; });
  int port = digits ? std::stoi(text) : 0;
  if (port < 1 || port > 65535) {
    reject(raw, "invalid port " + quote(text));
  }
  return port;
}

// Splits `authority` (after any user info) into host and port.
void split_host_port(const std::string& authority, Endpoint& ep)
{
  std::string port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string::npos) {
      reject(ep.raw, "unterminated IPv6 address");
    }
    ep.host = authority.substr(1, close - 1);
    std::string rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        reject(ep.raw, "unexpected " + quote(rest) + " after the host");
      }
      port = rest.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    ep.host = authority.substr(0, colon);
    if (colon != std::string::npos) {
      port = authority.substr(colon + 1);
    }
  }
  if (!port.empty() || authority.ends_with(":")) {
    ep.port = parse_port(port, ep.raw);
  }
}

// Kubernetes names: a pod is a DNS subdomain (lowercase letters, digits,
// '-' and '.', at most 253), a namespace or container a DNS label (no
// '.', at most 63).
void check_kube_name(const std::string& what, const std::string& value,
                     const std::string& raw)
{
  static const std::regex subdomain_re("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$");
  static const std::regex label_re("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
  bool pod = what == "pod";
  bool valid = pod
                 ? value.size() <= 253 && std::regex_match(value, subdomain_re)
                 : value.size() <= 63 && std::regex_match(value, label_re);
  if (!valid) {
    reject(raw, "invalid " + what + " name " + quote(value) +
                  (pod ? " (lowercase letters, digits, '-' and '.')"
                       : " (lowercase letters, digits and '-')"));
  }
}

void check_query_keys(const Endpoint& ep,
                      std::initializer_list<const char*> allowed)
{
  for (const auto& entry : ep.query) {
    const std::string& key = entry.first;
    bool known = std::any_of(allowed.begin(), allowed.end(),
                             [&key](const char* k) { return key == k; });
    if (!known) {
      reject(ep.raw, "unknown parameter " + quote(key));
    }
  }
}

void validate(Endpoint& ep, bool has_query, bool has_fragment)
{
  switch (ep.scheme) {
  case Scheme::unix_socket:
    if (ep.path.empty()) {
      reject(ep.raw, "missing socket path");
    }
    if (!ep.path.starts_with("/")) {
      reject(ep.raw, "socket path " + quote(ep.path) + " is not absolute");
    }
    check_query_keys(ep, {});
    break;
  case Scheme::tcp:
    if (ep.host.empty()) {
      reject(ep.raw, "missing host");
    }
    if (ep.port == 0) {
      reject(ep.raw, "missing port");
    }
    if (!ep.path.empty() && ep.path != "/") {
      reject(ep.raw, "unexpected path " + quote(ep.path));
    }
    ep.path.clear();
    check_query_keys(ep, {});
    break;
  case Scheme::docker_container:
    if (ep.host.empty()) {
      reject(ep.raw, "missing container name");
    }
    if (ep.port != 0 || !ep.path.empty()) {
      reject(ep.raw, "expected docker-container://NAME[?context=CTX]");
    }
    check_query_keys(ep, {"context"});
    break;
  case Scheme::kube_pod:
    if (ep.host.empty()) {
      reject(ep.raw, "missing pod name");
    }
    if (ep.port != 0 || !ep.path.empty()) {
      reject(ep.raw, "expected kube-pod://POD[?namespace=NS&container=C]");
    }
    check_query_keys(ep, {"context", "namespace", "container"});
    check_kube_name("pod", ep.host, ep.raw);
    for (const char* key : {"namespace", "container"}) {
      auto it = ep.query.find(key);
      if (it != ep.query.end() && !it->second.empty()) {
        check_kube_name(key, it->second, ep.raw);
      }
    }
    break;
  case Scheme::ssh:
    if (ep.host.empty()) {
      reject(ep.raw, "missing host");
    }
    if (has_query || has_fragment) {
      reject(ep.raw, "a query or fragment is not supported for ssh");
    }
    break;
  }
}

} // namespace

const char* to_string(Scheme scheme)
{
  switch (scheme) {
  case Scheme::unix_socket:
    return "unix";
  case Scheme::tcp:
    return "tcp";
  case Scheme::docker_container:
    return "docker-container";
  case Scheme::kube_pod:
    return "kube-pod";
  case Scheme::ssh:
    return "ssh";
  }
  return "unix";
}

std::string Endpoint::host_port() const
{
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

Endpoint parse_endpoint(const std::string& text)
{
  Endpoint ep;
  ep.raw = text;

  size_t sep = text.find("://");
  if (sep == std::string::npos) {
    reject(text, "expected scheme://address");
  }
  std::string scheme = text.substr(0, sep);
  static const std::map<std::string, Scheme> schemes = {
    {"unix", Scheme::unix_socket},
    {"tcp", Scheme::tcp},
    {"docker-container", Scheme::docker_container},
    {"kube-pod", Scheme::kube_pod},
    {"ssh", Scheme::ssh},
  };
  auto found = schemes.find(scheme);
  if (scheme == "npipe") {
    reject(text, "npipe endpoints exist only on Windows");
  }
  if (found == schemes.end()) {
    throw UserError("unrecognized url scheme " + quote(scheme) +
                    " in endpoint " + quote(util::redact(text)));
  }
  ep.scheme = found->second;

  std::string rest = text.substr(sep + 3);
  size_t hash = rest.find('#');
  bool has_fragment = hash != std::string::npos;
  rest = rest.substr(0, hash);
  size_t qmark = rest.find('?');
  bool has_query = qmark != std::string::npos;
  if (has_query) {
    ep.query = parse_query(rest.substr(qmark + 1), text);
    rest = rest.substr(0, qmark);
  }
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "" : rest.substr(slash);

  size_t at = authority.rfind('@');
  std::string userinfo;
  if (at != std::string::npos) {
    userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    if (ep.scheme != Scheme::ssh) {
      reject(text, "user info is only allowed for ssh");
    }
    if (userinfo.find(':') != std::string::npos) {
      reject(text, "a password in the URL is not supported; use an SSH key");
    }
    ep.user = percent_decode(userinfo.substr(0, userinfo.find(':')), text);
  }

  if (ep.scheme == Scheme::unix_socket) {
    ep.path = percent_decode(authority + path, text);
  } else {
    split_host_port(authority, ep);
    ep.host = percent_decode(ep.host, text);
    ep.path = percent_decode(path, text);
  }
  validate(ep, has_query, has_fragment);
  return ep;
}

} // namespace kiln::connect
