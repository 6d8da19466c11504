#pragma once

#include <map>
#include <string>

namespace kiln::cli {

/// Returns the JSON Buildx writes to `--metadata-file`: each key of the
/// exporter `response`, with values that are base64 of a JSON object or
/// non-empty list embedded as JSON, others kept as strings; keys
/// sorted, indented by two spaces.
std::string metadata_json(const std::map<std::string, std::string>& response);

} // namespace kiln::cli
