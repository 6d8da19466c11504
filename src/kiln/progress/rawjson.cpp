// The status stream as JSON lines, one per message from the daemon, in
// the form of BuildKit's `SolveStatus` (Buildx's `--progress rawjson`).
#include <cmath>
#include <cstdio>
#include <ctime>

#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "kiln/progress/display.h"

namespace kiln::progress {

namespace {

namespace v1 = moby::buildkit::v1;
using Json = nlohmann::ordered_json;

std::string base64(const std::string& bytes)
{
  static const char* k_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) {
      n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    }
    if (i + 2 < bytes.size()) {
      n |= static_cast<unsigned char>(bytes[i + 2]);
    }
    out += k_alphabet[(n >> 18) & 63];
    out += k_alphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? k_alphabet[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? k_alphabet[n & 63] : '=';
  }
  return out;
}

// Formats a time as Go's RFC 3339 with nanoseconds, trailing zeros of
// the fraction dropped, in UTC.
std::string rfc3339(std::int64_t secs, std::int32_t nanos)
{
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (nanos > 0) {
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%09d", nanos);
    std::string f = frac;
    f.erase(f.find_last_not_of('0') + 1);
    out += f;
  }
  return out + "Z";
}

std::string rfc3339(const google::protobuf::Timestamp& t)
{
  return rfc3339(t.seconds(), t.nanos());
}

std::string rfc3339(double seconds)
{
  double whole = std::floor(seconds);
  return rfc3339(static_cast<std::int64_t>(whole),
                 static_cast<std::int32_t>((seconds - whole) * 1e9));
}

Json vertex_json(const v1::Vertex& v)
{
  Json out = Json::object();
  out["digest"] = v.digest();
  if (v.inputs_size() > 0) {
    Json inputs = Json::array();
    for (const auto& input : v.inputs()) {
      inputs.push_back(input);
    }
    out["inputs"] = std::move(inputs);
  }
  if (!v.name().empty()) {
    out["name"] = v.name();
  }
  if (v.has_started()) {
    out["started"] = rfc3339(v.started());
  }
  if (v.has_completed()) {
    out["completed"] = rfc3339(v.completed());
  }
  if (v.cached()) {
    out["cached"] = true;
  }
  if (!v.error().empty()) {
    out["error"] = v.error();
  }
  return out;
}

Json status_json(const v1::VertexStatus& s)
{
  Json out = Json::object();
  out["id"] = s.id();
  if (!s.vertex().empty()) {
    out["vertex"] = s.vertex();
  }
  if (!s.name().empty()) {
    out["name"] = s.name();
  }
  if (s.total() != 0) {
    out["total"] = s.total();
  }
  out["current"] = s.current();
  out["timestamp"] = rfc3339(s.timestamp());
  if (s.has_started()) {
    out["started"] = rfc3339(s.started());
  }
  if (s.has_completed()) {
    out["completed"] = rfc3339(s.completed());
  }
  return out;
}

Json log_json(const v1::VertexLog& l)
{
  Json out = Json::object();
  if (!l.vertex().empty()) {
    out["vertex"] = l.vertex();
  }
  if (l.stream() != 0) {
    out["stream"] = l.stream();
  }
  out["data"] = base64(l.msg());
  out["timestamp"] = rfc3339(l.timestamp());
  return out;
}

Json warning_json(const v1::VertexWarning& w)
{
  Json out = Json::object();
  if (!w.vertex().empty()) {
    out["vertex"] = w.vertex();
  }
  if (w.level() != 0) {
    out["level"] = w.level();
  }
  if (!w.short_().empty()) {
    out["short"] = base64(w.short_());
  }
  if (w.detail_size() > 0) {
    Json detail = Json::array();
    for (const auto& d : w.detail()) {
      detail.push_back(base64(d));
    }
    out["detail"] = std::move(detail);
  }
  if (!w.url().empty()) {
    out["url"] = w.url();
  }
  return out;
}

// Returns a digest for a step kiln runs itself, as the daemon's steps
// have one.
std::string local_digest(const std::string& name, double started)
{
  std::string input = name + "@" + std::to_string(started);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), md, &len, EVP_sha256(), nullptr);
  std::string out = "sha256:";
  static const char* k_hex = "0123456789abcdef";
  for (unsigned int i = 0; i < len; ++i) {
    out += k_hex[md[i] >> 4];
    out += k_hex[md[i] & 15];
  }
  return out;
}

class RawJson : public Display {
public:
  explicit RawJson(std::ostream& out) : m_out(out) {}

  void update(const v1::StatusResponse& resp) override
  {
    Json line = Json::object();
    add_list(line, "vertexes", resp.vertexes(), vertex_json);
    add_list(line, "statuses", resp.statuses(), status_json);
    add_list(line, "logs", resp.logs(), log_json);
    add_list(line, "warnings", resp.warnings(), warning_json);
    write(line);
  }

  void local_step(const std::string& name, double started,
                  double completed) override
  {
    Json v = Json::object();
    v["digest"] = local_digest(name, started);
    v["name"] = name;
    v["started"] = rfc3339(started);
    write(Json{{"vertexes", Json::array({v})}});
    v["completed"] = rfc3339(completed);
    write(Json{{"vertexes", Json::array({v})}});
  }

  void finish() override { m_out.flush(); }

private:
  template <typename List, typename Fn>
  static void add_list(Json& line, const char* key, const List& items, Fn fn)
  {
    if (items.empty()) {
      return;
    }
    Json list = Json::array();
    for (const auto& item : items) {
      list.push_back(fn(item));
    }
    line[key] = std::move(list);
  }

  // One line per message, with `<`, `>` and `&` escaped as Go's encoder
  // escapes them (they occur only inside strings).
  void write(const Json& line)
  {
    std::string text =
      line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string out;
    for (char c : text) {
      if (c == '<') {
        out += "\\u003c";
      } else if (c == '>') {
        out += "\\u003e";
      } else if (c == '&') {
        out += "\\u0026";
      } else {
        out += c;
      }
    }
    m_out << out << '\n' << std::flush;
  }

  std::ostream& m_out;
};

} // namespace

namespace detail {

std::unique_ptr<Display> make_rawjson(std::ostream& out)
{
  return std::make_unique<RawJson>(out);
}

} // namespace detail

} // namespace kiln::progress
