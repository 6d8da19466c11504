#include "kiln/buildkit/error_source.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include <nlohmann/json.hpp>

#include "kiln/rpc_status.pb.h"
#include "kiln/util/base64.h"

namespace kiln::buildkit {

namespace {

// BuildKit encodes its typed error details as JSON under this type.
constexpr const char* k_source_type = "errdefs.Source+json";

struct Range {
  int start = 0;
  int end = 0;
};

int line_of(const nlohmann::json& range, const char* end)
{
  if (!range.contains(end) || !range[end].is_object()) {
    return 0;
  }
  return range[end].value("line", 0);
}

std::vector<std::string> split_lines(const std::string& text)
{
  std::vector<std::string> out;
  std::size_t at = 0;
  while (true) {
    auto nl = text.find('\n', at);
    out.push_back(text.substr(at, nl == std::string::npos ? nl : nl - at));
    if (nl == std::string::npos) {
      return out;
    }
    at = nl + 1;
  }
}

// Formats one source as Buildx does: two lines of context around a
// range, four around a single line.
std::string format_source(const nlohmann::json& doc)
{
  if (!doc.contains("info") || !doc["info"].is_object()) {
    return "";
  }
  const auto& info = doc["info"];
  std::vector<std::string> lines =
    split_lines(util::decode_base64(info.value("data", "")).bytes);
  std::vector<Range> ranges;
  for (const auto& r : doc.value("ranges", nlohmann::json::array())) {
    int start = line_of(r, "start");
    ranges.push_back({start, std::max(start, line_of(r, "end"))});
  }
  if (ranges.empty()) {
    return "";
  }
  int start = ranges.front().start;
  int end = 0;
  for (const auto& r : ranges) {
    start = std::min(start, r.start);
    end = std::max(end, r.end);
  }
  int count = static_cast<int>(lines.size());
  if (start < 1 || start > count) {
    return "";
  }
  end = std::min(end, count);

  int first = start;
  int pad = end == start ? 4 : 2;
  for (int p = 0; p < pad; ++p) {
    if (start > 1) {
      --start;
      ++p;
    }
    if (end != count) {
      ++end;
      ++p;
    }
  }

  std::string out = info.value("filename", "") + ":" + std::to_string(first) +
                    "\n--------------------\n";
  for (int i = start; i <= end; ++i) {
    bool marked = std::any_of(ranges.begin(), ranges.end(), [i](auto& r) {
      return r.start <= i && r.end >= i;
    });
    char number[16];
    std::snprintf(number, sizeof number, " %3d | ", i);
    out += number + std::string(marked ? ">>>" : "   ") + " " +
           lines[static_cast<std::size_t>(i - 1)] + "\n";
  }
  return out + "--------------------\n";
}

} // namespace

std::string format_error_sources(const std::string& details)
{
  kiln::rpc::Status status;
  if (details.empty() || !status.ParseFromString(details)) {
    return "";
  }
  std::string out;
  for (const auto& any : status.details()) {
    if (!any.type_url().ends_with(k_source_type)) {
      continue;
    }
    auto doc = nlohmann::json::parse(any.value(), nullptr, false);
    if (doc.is_object()) {
      out += format_source(doc);
    }
  }
  return out;
}

} // namespace kiln::buildkit
