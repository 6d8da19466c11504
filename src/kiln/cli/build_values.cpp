// The values of `build` flags that Buildx checks itself, with its
// messages: labels, hosts, sizes, ulimits, network modes, named
// contexts and the progress mode.
#include "kiln/cli/build_values.h"

#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

#include <arpa/inet.h>

#include "kiln/util/error.h"
#include "kiln/util/strings.h"

namespace kiln::cli {

namespace {

using util::quote;
using util::UserError;

bool is_ip(const std::string& text)
{
  std::array<unsigned char, 16> buf{};
  return ::inet_pton(AF_INET, text.c_str(), buf.data()) == 1 ||
         ::inet_pton(AF_INET6, text.c_str(), buf.data()) == 1;
}

// Parses a whole decimal integer as Go's strconv.ParseInt does, with its
// message on failure.
std::int64_t parse_int(const std::string& text)
{
  std::int64_t value = 0;
  const char* begin = text.data();
  const char* end = begin + text.size();
  if (!text.empty() && *begin == '+') {
    ++begin;
  }
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec == std::errc::result_out_of_range) {
    throw std::invalid_argument("strconv.ParseInt: parsing " + quote(text) +
                                ": value out of range");
  }
  if (ec != std::errc() || ptr != end || begin == end) {
    throw std::invalid_argument("strconv.ParseInt: parsing " + quote(text) +
                                ": invalid syntax");
  }
  return value;
}

bool is_ulimit_name(const std::string& name)
{
  static const std::array<const char*, 15> k_names = {
    "core",    "cpu",      "data",   "fsize",      "locks",
    "memlock", "msgqueue", "nice",   "nofile",     "nproc",
    "rss",     "rtprio",   "rttime", "sigpending", "stack"};
  for (const char* known : k_names) {
    if (name == known) {
      return true;
    }
  }
  return false;
}

// Returns `name=soft:hard` for one ulimit, or throws the reason.
std::pair<std::string, std::string> parse_ulimit(const std::string& text)
{
  auto eq = text.find('=');
  if (eq == std::string::npos) {
    throw std::invalid_argument("invalid ulimit argument: " + text);
  }
  std::string name = text.substr(0, eq);
  if (!is_ulimit_name(name)) {
    throw std::invalid_argument("invalid ulimit type: " + name);
  }
  std::string limits = text.substr(eq + 1);
  auto colon = limits.find(':');
  if (colon != std::string::npos &&
      limits.find(':', colon + 1) != std::string::npos) {
    throw std::invalid_argument("too many limit value arguments - " + limits +
                                ", can only have up to two, `soft[:hard]`");
  }
  std::int64_t hard = 0;
  if (colon != std::string::npos) {
    hard = parse_int(limits.substr(colon + 1));
  }
  std::int64_t soft = parse_int(limits.substr(0, colon));
  if (colon == std::string::npos) {
    hard = soft;
  }
  if (hard != -1 && soft == -1) {
    throw std::invalid_argument(
      "ulimit soft limit must be less than or equal to hard limit: soft: -1 "
      "(unlimited), hard: " +
      std::to_string(hard));
  }
  if (hard != -1 && soft > hard) {
    throw std::invalid_argument(
      "ulimit soft limit must be less than or equal to hard limit: " +
      std::to_string(soft) + " > " + std::to_string(hard));
  }
  return {name, name + "=" + std::to_string(soft) + ":" + std::to_string(hard)};
}

// A path component of an image name: lowercase letters and digits
// joined by `.`, `_`, `__` or runs of `-`.
bool is_name_component(const std::string& part)
{
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  if (part.empty() || !alnum(part.front()) || !alnum(part.back())) {
    return false;
  }
  for (std::size_t i = 0; i < part.size(); ++i) {
    char c = part[i];
    if (alnum(c) || c == '-') {
      continue;
    }
    if (c == '.' && alnum(part[i + 1])) {
      continue;
    }
    if (c == '_' &&
        (alnum(part[i + 1]) ||
         (part[i + 1] == '_' && i + 2 < part.size() && alnum(part[i + 2])))) {
      i += part[i + 1] == '_' ? 1 : 0;
      continue;
    }
    return false;
  }
  return true;
}

bool is_tag(const std::string& tag)
{
  auto word = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  };
  if (tag.empty() || tag.size() > 128 || !word(tag.front())) {
    return false;
  }
  for (char c : tag) {
    if (!word(c) && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

// Checks `name` as an image reference without a digest and returns its
// short form; throws the reason.
std::string familiar_name(const std::string& name)
{
  std::string path = name;
  std::string tag;
  auto slash = path.rfind('/');
  auto colon = path.rfind(':');
  if (colon != std::string::npos &&
      (slash == std::string::npos || colon > slash)) {
    tag = path.substr(colon + 1);
    path = path.substr(0, colon);
    if (!is_tag(tag)) {
      throw std::invalid_argument("invalid reference format");
    }
  }
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    auto next = path.find('/', start);
    parts.push_back(path.substr(start, next - start));
    if (next == std::string::npos) {
      break;
    }
    start = next + 1;
  }
  const std::string& first = parts.front();
  bool domain = parts.size() > 1 &&
                (first.find_first_of(".:") != std::string::npos ||
                 first == "localhost" || first != util::to_lower(first));
  for (std::size_t i = domain ? 1 : 0; i < parts.size(); ++i) {
    if (is_name_component(parts[i])) {
      continue;
    }
    if (is_name_component(util::to_lower(parts[i]))) {
      std::string repo = path.substr(domain ? first.size() + 1 : 0);
      if (!domain && parts.size() == 1) {
        repo = "library/" + repo;
      }
      throw std::invalid_argument("invalid reference format: repository name "
                                  "(" +
                                  repo + ") must be lowercase");
    }
    throw std::invalid_argument("invalid reference format");
  }
  for (const char* hub : {"docker.io/", "index.docker.io/"}) {
    if (path.starts_with(hub)) {
      path = path.substr(std::string(hub).size());
      if (path.starts_with("library/") &&
          path.find('/', 8) == std::string::npos) {
        path = path.substr(8);
      }
      break;
    }
  }
  return tag.empty() || tag == "latest" ? path : path + ":" + tag;
}

} // namespace

std::map<std::string, std::string>
parse_labels(const std::vector<std::string>& values)
{
  std::map<std::string, std::string> out;
  for (const auto& value : values) {
    auto eq = value.find('=');
    std::string key = value.substr(0, eq);
    if (key.empty()) {
      throw UserError("invalid key-value pair " + quote(value) + ": empty key");
    }
    out[key] = eq == std::string::npos ? "" : value.substr(eq + 1);
  }
  return out;
}

std::string parse_add_hosts(const std::vector<std::string>& values)
{
  std::vector<std::string> hosts;
  for (const auto& entry : values) {
    auto sep = entry.find('=');
    if (sep == std::string::npos) {
      sep = entry.find(':');
    }
    std::string host = entry.substr(0, sep);
    std::string ips = sep == std::string::npos ? "" : entry.substr(sep + 1);
    if (host.empty() || ips.empty()) {
      throw UserError("invalid host " + entry);
    }
    if (ips == "host-gateway") {
      throw UserError("unable to derive the IP value for host-gateway: "
                      "host-gateway is not supported by the remote driver");
    }
    std::size_t start = 0;
    for (;;) {
      auto comma = ips.find(',', start);
      std::string ip = ips.substr(start, comma - start);
      if (ip.size() > 2 && ip.front() == '[' && ip.back() == ']') {
        ip = ip.substr(1, ip.size() - 2);
      }
      if (!is_ip(ip)) {
        throw UserError("invalid host " + entry);
      }
      hosts.push_back(host + "=" + ip);
      if (comma == std::string::npos) {
        break;
      }
      start = comma + 1;
    }
  }
  return util::join(hosts, ",");
}

std::int64_t parse_ram_bytes(const std::string& text)
{
  auto sep = text.find_last_of("0123456789. ");
  if (sep == std::string::npos) {
    throw std::invalid_argument("invalid size: '" + text + "'");
  }
  std::string num = text.substr(0, text[sep] == ' ' ? sep : sep + 1);
  std::string suffix = util::to_lower(text.substr(sep + 1));

  char* end = nullptr;
  errno = 0;
  double size = num.empty() || num.front() == ' '
                  ? std::nan("")
                  : std::strtod(num.c_str(), &end);
  if (std::isnan(size) || end != num.c_str() + num.size()) {
    throw std::invalid_argument("strconv.ParseFloat: parsing " + quote(num) +
                                ": invalid syntax");
  }
  if (size < 0) {
    throw std::invalid_argument("invalid size: '" + text + "'");
  }
  if (suffix.empty() || suffix == "b") {
    return static_cast<std::int64_t>(size);
  }
  const std::string units = "kmgtp";
  auto unit = units.find(suffix.front());
  bool tail_ok = suffix.size() == 1 ||
                 (suffix.size() == 2 && suffix[1] == 'b') ||
                 (suffix.size() == 3 && suffix.substr(1) == "ib");
  if (unit == std::string::npos || !tail_ok) {
    throw std::invalid_argument("invalid suffix: '" + suffix + "'");
  }
  for (std::size_t i = 0; i <= unit; ++i) {
    size *= 1024;
  }
  return static_cast<std::int64_t>(size);
}

std::string parse_ulimits(const std::vector<std::string>& values)
{
  std::map<std::string, std::string> limits;
  for (const auto& value : values) {
    try {
      auto [name, text] = parse_ulimit(value);
      limits[name] = text;
    } catch (const std::invalid_argument& e) {
      throw UserError("invalid argument " + quote(value) +
                      " for \"--ulimit\" flag: " + e.what());
    }
  }
  std::vector<std::string> out;
  for (const auto& [name, text] : limits) {
    out.push_back(text);
  }
  return util::join(out, ",");
}

std::string network_mode(const std::string& text)
{
  if (text == "host" || text == "none") {
    return text;
  }
  if (text.empty() || text == "default") {
    return "";
  }
  throw UserError("network mode " + quote(text) +
                  " not supported by buildkit - you can define a custom "
                  "network for your builder using the network driver-opt in "
                  "buildx create");
}

std::map<std::string, std::string>
parse_context_names(const std::vector<std::string>& values)
{
  std::map<std::string, std::string> out;
  for (const auto& value : values) {
    if (value.empty()) {
      continue;
    }
    auto eq = value.find('=');
    if (eq == std::string::npos) {
      throw UserError("invalid context value: " + value +
                      ", expected key=value");
    }
    std::string name = value.substr(0, eq);
    try {
      out[familiar_name(name)] = value.substr(eq + 1);
    } catch (const std::invalid_argument& e) {
      throw UserError("invalid context name " + name + ": " + e.what());
    }
  }
  return out;
}

ProgressChoice choose_progress(const std::string& progress, bool quiet,
                               const char* env)
{
  ProgressChoice out{progress.empty() ? "auto" : progress, quiet};
  if (out.mode == "quiet") {
    out.print_id = true;
  } else if (out.mode == "none") {
    out.mode = "quiet";
  }
  if (quiet) {
    if (out.mode != "auto" && out.mode != "quiet") {
      throw UserError("progress=" + progress +
                      " and quiet cannot be used together");
    }
    out.mode = "quiet";
  }
  if (out.mode == "auto" && env != nullptr && *env != '\0') {
    out.mode = env;
  }
  return out;
}

} // namespace kiln::cli
