// The build result as `--metadata-file` holds it.
#include "kiln/cli/build_metadata.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace kiln::cli {

namespace {

int base64_value(char c)
{
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '+') {
    return 62;
  }
  if (c == '/') {
    return 63;
  }
  return -1;
}

// Returns the value as embedded JSON when it is base64 of a JSON object
// or a non-empty list, as Buildx decodes it.
std::optional<nlohmann::ordered_json> embedded_json(const std::string& key,
                                                    const std::string& value)
{
  // A sub-request's result is JSON already.
  std::optional<std::string> bytes =
    key == "result.json" ? std::optional(value) : decode_base64(value);
  if (!bytes) {
    return std::nullopt;
  }
  auto parsed = nlohmann::ordered_json::parse(*bytes, nullptr, false);
  if (parsed.is_discarded()) {
    return std::nullopt;
  }
  bool object = parsed.is_object() && !parsed.empty();
  bool list = parsed.is_array() && !parsed.empty() &&
              std::all_of(parsed.begin(), parsed.end(),
                          [](const auto& item) { return item.is_object(); });
  if (!object && !list) {
    return std::nullopt;
  }
  return parsed;
}

} // namespace

std::optional<std::string> decode_base64(const std::string& text)
{
  std::string clean;
  for (char c : text) {
    if (c != '\r' && c != '\n') {
      clean += c;
    }
  }
  if (clean.size() % 4 != 0) {
    return std::nullopt;
  }
  std::string out;
  for (std::size_t i = 0; i < clean.size(); i += 4) {
    bool last = i + 4 == clean.size();
    int pad = 0;
    unsigned bits = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      char c = clean[i + j];
      int v = base64_value(c);
      if (c == '=' && last && j >= 2) {
        ++pad;
        v = 0;
      } else if (v < 0 || pad > 0) {
        return std::nullopt;
      }
      bits = (bits << 6) | static_cast<unsigned>(v);
    }
    out += static_cast<char>((bits >> 16) & 0xff);
    if (pad < 2) {
      out += static_cast<char>((bits >> 8) & 0xff);
    }
    if (pad < 1) {
      out += static_cast<char>(bits & 0xff);
    }
  }
  return out;
}

std::string metadata_json(const std::map<std::string, std::string>& response)
{
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& [key, value] : response) {
    if (auto json = embedded_json(key, value)) {
      out[key] = std::move(*json);
    } else {
      out[key] = value;
    }
  }
  return out.dump(2);
}

} // namespace kiln::cli
