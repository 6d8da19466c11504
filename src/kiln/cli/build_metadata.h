#pragma once

#include <map>
#include <optional>
#include <string>

namespace kiln::cli {

/// Decodes standard, padded base64 as Go's `base64.StdEncoding` does;
/// nullopt when `text` is not base64.
std::optional<std::string> decode_base64(const std::string& text);

/// Returns the JSON Buildx writes to `--metadata-file`: each key of the
/// exporter `response`, with values that are base64 of a JSON object or
/// non-empty list embedded as JSON, others kept as strings; keys
/// sorted, indented by two spaces.
std::string metadata_json(const std::map<std::string, std::string>& response);

} // namespace kiln::cli
