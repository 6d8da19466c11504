// Platform specifiers, parsed and normalised the way Buildx does it
// (containerd's rules followed by Buildx's normalisation), so that kiln
// stores the same platforms for the same `--platform` flags.

#include "kiln/store/node_group.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <tuple>

#include "kiln/util/error.h"
#include "kiln/util/strings.h"

namespace kiln::store {

namespace {

// What Buildx appends to every platform error (containerd's errdefs).
constexpr std::string_view invalid_argument = ": invalid argument";

// The patterns containerd names in its errors, quoted as it quotes them.
constexpr std::string_view os_pattern =
  R"(^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%-]*)((?:\+[A-Za-z0-9_.%-]+)*)\))?$)";
constexpr std::string_view part_pattern = "^[A-Za-z0-9_.-]+$";

bool is_name_char(char c)
{
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' ||
         c == '-';
}

bool is_option_char(char c)
{
  return is_name_char(c) || c == '.' || c == '%';
}

bool is_part(std::string_view part)
{
  return !part.empty() && std::all_of(part.begin(), part.end(), [](char c) {
    return is_name_char(c) || c == '.';
  });
}

std::string lower(std::string text)
{
  for (char& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

// The first component split as `name(version+feature+...)`.
struct OsPart {
  std::string name;
  std::string version;
  std::vector<std::string> features;
};

// Splits the OS component; nullopt when it does not match `os_pattern`.
std::optional<OsPart> split_os(std::string_view part)
{
  OsPart out;
  size_t open = part.find('(');
  out.name = std::string(part.substr(0, open));
  if (out.name.empty() ||
      !std::all_of(out.name.begin(), out.name.end(), is_name_char)) {
    return std::nullopt;
  }
  if (open == std::string_view::npos) {
    return out;
  }

  std::string_view options = part.substr(open + 1);
  if (options.empty() || options.back() != ')') {
    return std::nullopt;
  }
  options.remove_suffix(1);

  size_t plus = options.find('+');
  out.version = std::string(options.substr(0, plus));
  std::string_view rest =
    plus == std::string_view::npos ? std::string_view() : options.substr(plus);
  if (!std::all_of(out.version.begin(), out.version.end(), is_option_char)) {
    return std::nullopt;
  }
  while (!rest.empty()) {
    rest.remove_prefix(1);
    size_t next = rest.find('+');
    std::string_view feature = rest.substr(0, next);
    if (feature.empty() ||
        !std::all_of(feature.begin(), feature.end(), is_option_char)) {
      return std::nullopt;
    }
    out.features.emplace_back(feature);
    rest =
      next == std::string_view::npos ? std::string_view() : rest.substr(next);
  }
  return out;
}

// Undoes `%XX` escapes in an OS option; throws naming a bad escape.
std::string unescape(const std::string& text)
{
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    int high = i + 1 < text.size() ? util::hex_digit(text[i + 1]) : -1;
    int low = i + 2 < text.size() ? util::hex_digit(text[i + 2]) : -1;
    if (high < 0 || low < 0) {
      throw std::runtime_error("invalid URL escape " +
                               util::quote(text.substr(i, 3)));
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

std::string normalize_os(const std::string& os)
{
  std::string out = lower(os);
  return out == "macos" ? "darwin" : out;
}

// containerd's spelling rules for architectures and their variants.
std::pair<std::string, std::string> normalize_arch(const std::string& arch,
                                                   const std::string& variant)
{
  std::string a = lower(arch);
  std::string v = lower(variant);
  if (a == "i386") {
    return {"386", ""};
  }
  if (a == "x86_64" || a == "x86-64" || a == "amd64") {
    return {"amd64", v == "v1" ? "" : v};
  }
  if (a == "aarch64" || a == "arm64") {
    if (v == "8" || v == "v8" || v == "v8.0") {
      v.clear();
    } else if (v == "9" || v == "9.0" || v == "v9.0") {
      v = "v9";
    }
    return {"arm64", v};
  }
  if (a == "armhf") {
    return {"arm", "v7"};
  }
  if (a == "armel") {
    return {"arm", "v6"};
  }
  if (a == "arm" && (v.empty() || v == "7")) {
    return {"arm", "v7"};
  }
  if (a == "arm" && (v == "5" || v == "6" || v == "8")) {
    return {"arm", "v" + v};
  }
  return {a, v};
}

bool is_known_os(const std::string& os)
{
  static constexpr std::array<std::string_view, 17> known = {
    "aix",     "android", "darwin",  "dragonfly", "freebsd", "hurd",
    "illumos", "ios",     "js",      "linux",     "nacl",    "netbsd",
    "openbsd", "plan9",   "solaris", "windows",   "zos"};
  return std::find(known.begin(), known.end(), os) != known.end();
}

bool is_known_arch(const std::string& arch)
{
  static constexpr std::array<std::string_view, 24> known = {
    "386",     "amd64",    "amd64p32",  "arm",         "armbe",   "arm64",
    "arm64be", "ppc64",    "ppc64le",   "loong64",     "mips",    "mipsle",
    "mips64",  "mips64le", "mips64p32", "mips64p32le", "ppc",     "riscv",
    "riscv64", "s390",     "s390x",     "sparc",       "sparc64", "wasm"};
  return std::find(known.begin(), known.end(), arch) != known.end();
}

[[noreturn]] void fail(const std::string& message)
{
  throw util::UserError(message + std::string(invalid_argument));
}

} // namespace

std::string Platform::str() const
{
  if (os.empty()) {
    return "unknown";
  }
  std::string out = os;
  for (const std::string* part : {&architecture, &variant}) {
    if (!part->empty()) {
      out += "/" + *part;
    }
  }
  return out;
}

Platform host_platform()
{
  Platform out;
  out.os = "linux";
#if defined(__x86_64__)
  out.architecture = "amd64";
#elif defined(__aarch64__)
  out.architecture = "arm64";
#elif defined(__arm__)
  out.architecture = "arm";
  out.variant = "v7";
#elif defined(__i386__)
  out.architecture = "386";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  out.architecture = "ppc64le";
#elif defined(__s390x__)
  out.architecture = "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
  out.architecture = "riscv64";
#else
  out.architecture = "unknown";
#endif
  return out;
}

Platform parse_platform(const std::string& text)
{
  if (lower(text) == "local") {
    return host_platform();
  }
  if (text.find('*') != std::string::npos) {
    fail(util::quote(text) + ": wildcards not yet supported");
  }

  std::vector<std::string> parts;
  size_t start = 0;
  while (parts.size() < 3) {
    size_t slash = text.find('/', start);
    if (slash == std::string::npos) {
      break;
    }
    parts.push_back(text.substr(start, slash - start));
    start = slash + 1;
  }
  parts.push_back(text.substr(start));

  std::optional<OsPart> os = split_os(parts[0]);
  if (!os) {
    fail(util::quote(parts[0]) + " is an invalid OS component of " +
         util::quote(text) + ": OSAndVersion specifier component must match " +
         util::quote(std::string(os_pattern)));
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    if (!is_part(parts[i])) {
      fail(util::quote(parts[i]) + " is an invalid component of " +
           util::quote(text) + ": platform specifier component must match " +
           util::quote(std::string(part_pattern)));
    }
  }
  if (parts.size() == 4) {
    fail(util::quote(text) + ": cannot parse platform specifier");
  }

  Platform out;
  out.os = normalize_os(os->name);
  try {
    out.os_version = unescape(os->version);
  } catch (const std::runtime_error& e) {
    throw util::UserError(util::quote(text) + " has an invalid OS version " +
                          util::quote(os->version) + ": " + e.what());
  }
  for (const std::string& raw : os->features) {
    std::string feature;
    try {
      feature = unescape(raw);
    } catch (const std::runtime_error& e) {
      throw util::UserError(util::quote(text) +
                            " has invalid OS features: invalid os feature " +
                            util::quote(raw) + ": " + e.what());
    }
    if (!feature.empty()) {
      out.os_features.push_back(feature);
    }
  }
  std::sort(out.os_features.begin(), out.os_features.end());
  out.os_features.erase(
    std::unique(out.os_features.begin(), out.os_features.end()),
    out.os_features.end());

  if (parts.size() == 1 && is_known_os(out.os)) {
    Platform host = host_platform();
    out.architecture = host.architecture;
    out.variant = host.variant;
    return out;
  }
  if (parts.size() == 1) {
    std::tie(out.architecture, out.variant) = normalize_arch(parts[0], "");
    if (!is_known_arch(out.architecture)) {
      fail(util::quote(text) + ": unknown operating system or architecture");
    }
    out.os = "linux";
    return out;
  }

  std::string variant = parts.size() == 3 ? parts[2] : "";
  std::tie(out.architecture, out.variant) = normalize_arch(parts[1], variant);
  return out;
}

std::vector<Platform> parse_platforms(const std::vector<std::string>& texts)
{
  std::vector<Platform> out;
  for (const std::string& text : texts) {
    size_t start = 0;
    for (;;) {
      size_t comma = text.find(',', start);
      out.push_back(parse_platform(text.substr(start, comma - start)));
      if (comma == std::string::npos) {
        break;
      }
      start = comma + 1;
    }
  }
  return out;
}

} // namespace kiln::store
