// Which builder is current, and when builders were last used: the
// `current`, `defaults/` and `activity/` parts of Buildx's store.

#include <cstdio>
#include <ctime>
#include <stdexcept>

#include <openssl/evp.h>

#include "kiln/store/store.h"
#include "kiln/util/error.h"
#include "kiln/util/fs.h"

namespace kiln::store {

namespace {

using TimePoint = std::chrono::system_clock::time_point;

// Returns the name of `key`'s default file: the first 20 hex digits of
// its SHA-256, as Buildx names it.
std::string key_hash(const std::string& key)
{
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(key.data(), key.size(), digest, &size, EVP_sha256(), nullptr);

  std::string out;
  for (unsigned int i = 0; i < size && out.size() < 20; ++i) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", digest[i]);
    out += hex;
  }
  return out;
}

std::string format_rfc3339(TimePoint when)
{
  std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);

  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// Reads `count` digits at `pos` of `text`; -1 when they are not there.
int digits(const std::string& text, size_t pos, size_t count)
{
  if (pos + count > text.size()) {
    return -1;
  }
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return -1;
    }
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// Parses Go's RFC 3339 form: `2006-01-02T15:04:05[.frac](Z|+07:00)`.
std::optional<TimePoint> parse_rfc3339(const std::string& text)
{
  std::tm utc{};
  utc.tm_year = digits(text, 0, 4) - 1900;
  utc.tm_mon = digits(text, 5, 2) - 1;
  utc.tm_mday = digits(text, 8, 2);
  utc.tm_hour = digits(text, 11, 2);
  utc.tm_min = digits(text, 14, 2);
  utc.tm_sec = digits(text, 17, 2);
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
      text[13] != ':' || text[16] != ':' || utc.tm_year < -1900 ||
      utc.tm_mon < 0 || utc.tm_mday < 1 || utc.tm_hour < 0 || utc.tm_min < 0 ||
      utc.tm_sec < 0) {
    return std::nullopt;
  }

  size_t pos = 19;
  if (text[pos] == '.') {
    do {
      ++pos;
    } while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9');
  }

  long offset = 0;
  std::string zone = text.substr(pos);
  if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') &&
      zone[3] == ':' && digits(zone, 1, 2) >= 0 && digits(zone, 4, 2) >= 0) {
    offset = (digits(zone, 1, 2) * 60L + digits(zone, 4, 2)) * 60L;
    offset = zone[0] == '-' ? -offset : offset;
  } else if (zone != "Z") {
    return std::nullopt;
  }

  std::time_t seconds = ::timegm(&utc) - offset;
  return std::chrono::system_clock::from_time_t(seconds);
}

// Whether Buildx could load builder `name`: a valid name, a readable
// builder file and an activity record that is absent or parses.
std::optional<NodeGroup> loadable(const Store& store, const std::string& name)
{
  try {
    // Buildx reads the record named by the stored name and fails when
    // that is not a plain file name.
    std::optional<NodeGroup> group = store.get(name);
    if (!group || !is_valid_name(group->name)) {
      return std::nullopt;
    }
    std::optional<std::string> activity =
      util::read_file(store.dir() / "activity" / group->name);
    if (activity && !parse_rfc3339(*activity)) {
      return std::nullopt;
    }
    return group;
  } catch (const util::UserError&) {
    return std::nullopt;
  }
}

// What Buildx's lookup decides: the builder, and what it writes back.
struct Resolution {
  enum class Fix { none, reset, record_default };

  std::optional<std::string> name;
  Fix fix = Fix::none;
  std::string default_name;
};

Resolution resolve(const Store& store, const std::string& key)
{
  Resolution out;
  if (std::optional<Current> chosen = store.current_file();
      chosen && !chosen->name.empty()) {
    std::optional<NodeGroup> group = loadable(store, chosen->name);
    if (chosen->global && group) {
      out.name = group->name;
      return out;
    }
    if (chosen->key == key) {
      out.name = group ? std::optional(group->name) : std::nullopt;
      return out;
    }
  }

  // OpenSSL's first digest costs more than the rest of `ls`; with no
  // default recorded at all (the usual case) there is nothing to hash for.
  std::filesystem::path defaults = store.dir() / "defaults";
  std::error_code ec;
  if (std::filesystem::is_empty(defaults, ec) || ec) {
    out.fix = Resolution::Fix::reset;
    return out;
  }
  std::optional<std::string> fallback =
    util::read_file(defaults / key_hash(key));
  if (!fallback) {
    out.fix = Resolution::Fix::reset;
    return out;
  }

  // Buildx records the default as current even when it is gone.
  std::optional<NodeGroup> group = loadable(store, *fallback);
  out.name = group ? std::optional(group->name) : std::nullopt;
  out.fix = Resolution::Fix::record_default;
  out.default_name = *fallback;
  return out;
}

void write_current(const Store& store, const Current& current)
{
  nlohmann::ordered_json doc = nlohmann::ordered_json::object();
  doc["Key"] = current.key;
  doc["Name"] = current.name;
  doc["Global"] = current.global;
  util::write_file_atomic(store.dir() / "current", to_go_text(doc));
}

} // namespace

std::optional<Current> Store::current_file() const
{
  std::filesystem::path path = m_dir / "current";
  std::optional<std::string> text = util::read_file(path);
  if (!text) {
    return std::nullopt;
  }

  auto fail = [&path](const std::string& reason) {
    return util::UserError("failed to read current builder: " +
                           util::quote(path.string()) + ": " + reason);
  };
  nlohmann::json doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    throw fail("not a json object");
  }

  // Go leaves a field that is missing or null at its zero value.
  auto field = [&](const char* name, nlohmann::json::value_t type,
                   const char* wanted) -> const nlohmann::json* {
    const nlohmann::json* value = find_member(doc, name);
    if (value == nullptr || value->is_null()) {
      return nullptr;
    }
    if (value->type() != type) {
      throw fail(util::quote(name) + " must be " + wanted + ", not " +
                 value->type_name());
    }
    return value;
  };

  using Type = nlohmann::json::value_t;
  Current out;
  if (const auto* key = field("Key", Type::string, "a string")) {
    out.key = key->get<std::string>();
  }
  if (const auto* name = field("Name", Type::string, "a string")) {
    out.name = name->get<std::string>();
  }
  if (const auto* global = field("Global", Type::boolean, "a boolean")) {
    out.global = global->get<bool>();
  }
  return out;
}

std::optional<std::string> Store::current(const std::string& key) const
{
  return resolve(*this, key).name;
}

std::optional<std::string> Store::update_current(const std::string& key) const
{
  Resolution found = resolve(*this, key);
  if (found.fix == Resolution::Fix::reset) {
    write_current(*this, {key, "", false});
  } else if (found.fix == Resolution::Fix::record_default) {
    write_current(*this, {key, found.default_name, false});
  }
  return found.name;
}

void Store::set_current(const std::string& key, const std::string& name,
                        bool global, bool make_default) const
{
  write_current(*this, {key, name, global});

  std::filesystem::path path = m_dir / "defaults" / key_hash(key);
  if (make_default) {
    util::write_file_atomic(path, name);
    return;
  }
  try {
    util::remove_all(path);
  } catch (const util::FileError&) {
    // Buildx ignores a default that cannot be removed; so does kiln.
  }
}

void Store::reset_current(const std::string& key) const
{
  set_current(key, "", false, false);
}

void Store::touch_activity(const std::string& name) const
{
  validate_name(name);
  util::write_file_atomic(m_dir / "activity" / name,
                          format_rfc3339(std::chrono::system_clock::now()));
}

std::optional<std::chrono::system_clock::time_point>
Store::last_activity(const std::string& name) const
{
  if (!is_valid_name(name)) {
    return std::nullopt;
  }
  try {
    std::optional<std::string> text =
      util::read_file(m_dir / "activity" / name);
    return text ? parse_rfc3339(*text) : std::nullopt;
  } catch (const util::FileError&) {
    return std::nullopt;
  }
}

} // namespace kiln::store
