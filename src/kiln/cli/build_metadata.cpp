// The build result as `--metadata-file` holds it.
#include "kiln/cli/build_metadata.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "kiln/util/base64.h"

namespace kiln::cli {

namespace {

// Returns the value as embedded JSON when it is base64 of a JSON object
// or a non-empty list, as Buildx decodes it.
std::optional<nlohmann::ordered_json> embedded_json(const std::string& key,
                                                    const std::string& value)
{
  // A sub-request's result is JSON already.
  util::Base64 decoded =
    key == "result.json" ? util::Base64{value} : util::decode_base64(value);
  if (!decoded.ok()) {
    return std::nullopt;
  }
  auto parsed = nlohmann::ordered_json::parse(decoded.bytes, nullptr, false);
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
