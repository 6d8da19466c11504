#include "kiln/engine/http.h"

#include "kiln/util/strings.h"

#include <algorithm>
#include <cctype>
#include <cstddef>

#include <nlohmann/json.hpp>

namespace kiln::engine {

namespace {

using util::Error;
using util::ErrorKind;

// Error bodies are a line of JSON; keep no more than this of one.
constexpr std::size_t max_body = 16 * 1024;
constexpr std::size_t max_message = 300;

// A chunked body decoded as far as it has arrived.
struct Chunked {
  std::string body;
  bool complete = false;
};

Chunked decode_chunked(const std::string& raw)
{
  Chunked out;
  std::size_t at = 0;
  while (true) {
    auto line_end = raw.find("\r\n", at);
    if (line_end == std::string::npos) {
      return out;
    }
    std::size_t size = 0;
    try {
      size = std::stoul(raw.substr(at, line_end - at), nullptr, 16);
    } catch (const std::exception&) {
      out.complete = true;
      return out;
    }
    if (size == 0) {
      out.complete = true;
      return out;
    }

    at = line_end + 2;
    out.body += raw.substr(at, size);
    if (raw.size() < at + size + 2) {
      return out;
    }
    at += size + 2;
  }
}

} // namespace

util::Result<ResponseHead> parse_head(const std::string& head)
{
  auto line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  bool well_formed =
    status_line.starts_with("HTTP/1.") && status_line.size() >= 12 &&
    status_line[8] == ' ' &&
    std::all_of(status_line.begin() + 9, status_line.begin() + 12, [](char c) {
      return std::isdigit(static_cast<unsigned char>(c)) != 0;
    });
  if (!well_formed) {
    return Error{ErrorKind::invalid,
                 "malformed HTTP response: " + status_line.substr(0, 80)};
  }

  ResponseHead out;
  out.status = std::stoi(status_line.substr(9, 3));
  out.reason = util::trim(status_line.substr(12));

  std::size_t at = line_end + 2;
  while (at < head.size()) {
    auto end = head.find("\r\n", at);
    if (end == std::string::npos || end == at) {
      break;
    }
    std::string line = head.substr(at, end - at);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      out.headers[util::to_lower(line.substr(0, colon))] =
        util::trim(line.substr(colon + 1));
    }
    at = end + 2;
  }
  return out;
}

util::Result<std::string> read_body(int fd, const ResponseHead& head,
                                    Deadline deadline)
{
  if (head.status < 200 || head.status == 204 || head.status == 304) {
    return std::string();
  }

  auto encoding = head.headers.find("transfer-encoding");
  if (encoding != head.headers.end() &&
      util::to_lower(encoding->second).find("chunked") != std::string::npos) {
    auto raw = read_until(
      fd, max_body,
      [](const std::string& data) { return decode_chunked(data).complete; },
      deadline);
    if (!raw) {
      return raw.error();
    }
    return decode_chunked(*raw).body;
  }

  std::size_t length = max_body;
  auto declared = head.headers.find("content-length");
  if (declared != head.headers.end()) {
    try {
      length = std::min<std::size_t>(std::stoul(declared->second), max_body);
    } catch (const std::exception&) {
      return Error{ErrorKind::invalid, "malformed Content-Length"};
    }
  }
  return read_until(
    fd, length,
    [length](const std::string& data) { return data.size() >= length; },
    deadline);
}

util::ErrorKind kind_of_status(int status)
{
  if (status == 401 || status == 403) {
    return ErrorKind::auth;
  }
  if (status == 404 || status == 405 || status == 501) {
    return ErrorKind::unsupported;
  }
  if (status == 502 || status == 503 || status == 504) {
    return ErrorKind::unavailable;
  }
  if (status >= 400 && status < 500) {
    return ErrorKind::invalid;
  }
  return ErrorKind::internal;
}

std::string body_message(const std::string& body)
{
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_object() && json.contains("message") &&
      json["message"].is_string()) {
    return json["message"].get<std::string>();
  }

  std::string text = util::trim(body);
  text = text.substr(0, text.find('\n'));
  if (text.size() > max_message) {
    text = text.substr(0, max_message) + "…";
  }
  return util::trim(text);
}

std::string describe_status(const ResponseHead& head, const std::string& body)
{
  std::string text = std::to_string(head.status);
  if (!head.reason.empty()) {
    text += " " + head.reason;
  }
  std::string message = body_message(body);
  if (!message.empty()) {
    text += ": " + message;
  }
  return text;
}

} // namespace kiln::engine
