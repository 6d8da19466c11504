#include "kiln/engine/load.h"

#include <chrono>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "kiln/engine/http.h"
#include "kiln/engine/socket.h"
#include "kiln/util/log.h"

namespace kiln::engine {

namespace {

constexpr std::chrono::seconds k_connect_timeout{20};
// The Engine may pause reading while it unpacks layers.
constexpr std::chrono::minutes k_io_timeout{10};

// Collects the `stream` texts of the Engine's JSON lines, or fails with
// the first `error`.
util::Result<std::string> load_messages(const std::string& body)
{
  std::istringstream lines(body);
  std::string line;
  std::string out;
  while (std::getline(lines, line)) {
    auto doc = nlohmann::json::parse(line, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
      continue;
    }
    if (doc.contains("error") && doc["error"].is_string()) {
      return util::Error{util::ErrorKind::invalid,
                         doc["error"].get<std::string>()};
    }
    if (doc.contains("stream") && doc["stream"].is_string()) {
      out += doc["stream"].get<std::string>();
    }
  }
  while (!out.empty() && out.back() == '\n') {
    out.pop_back();
  }
  return out;
}

} // namespace

util::Result<ImageLoad> ImageLoad::open(const Host& host)
{
  auto start = util::Clock::now();
  auto endpoint = parse_endpoint(host.address);
  if (!endpoint) {
    return endpoint.error();
  }
  if (host.tls) {
    return util::Error{util::ErrorKind::unsupported,
                       "loading into a TLS Engine is not supported by kiln"};
  }
  auto fd = connect_to(*endpoint, util::Clock::now() + k_connect_timeout);
  if (!fd) {
    return util::Error{fd.error().kind, "failed to connect to the Docker "
                                        "Engine at " +
                                          host.address + ": " +
                                          fd.error().message};
  }
  util::Fd owned(*fd);

  std::string head = "POST /images/load?quiet=1 HTTP/1.1\r\n";
  head += "Host: " +
          (endpoint->local ? std::string(local_host_header)
                           : endpoint->host + ":" + endpoint->port) +
          "\r\n";
  for (const auto& [name, value] : host.headers) {
    head += name + ": " + value + "\r\n";
  }
  head += "Content-Type: application/x-tar\r\n";
  head += "Transfer-Encoding: chunked\r\n\r\n";
  auto sent = send_all(owned.get(), head, util::Clock::now() + k_io_timeout);
  if (!sent) {
    return sent.error();
  }
  util::debug_call("POST /images/load", "sending", start);
  return ImageLoad(std::move(owned), host.address);
}

void ImageLoad::write(std::string_view bytes)
{
  if (bytes.empty()) {
    return;
  }
  std::ostringstream size;
  size << std::hex << bytes.size() << "\r\n";
  auto deadline = util::Clock::now() + k_io_timeout;
  auto sent = send_all(m_fd.get(), size.str(), deadline);
  if (sent) {
    sent = send_all(m_fd.get(), bytes, deadline);
  }
  if (sent) {
    sent = send_all(m_fd.get(), "\r\n", deadline);
  }
  if (!sent) {
    throw std::runtime_error("failed to send the image to the Docker Engine "
                             "at " +
                             m_address + ": " + sent.error().message);
  }
}

util::Result<std::string> ImageLoad::finish()
{
  auto start = util::Clock::now();
  auto deadline = start + k_io_timeout;
  auto sent = send_all(m_fd.get(), "0\r\n\r\n", deadline);
  if (!sent) {
    return sent.error();
  }
  auto raw = read_head(m_fd.get(), deadline);
  if (!raw) {
    return raw.error();
  }
  auto head = parse_head(*raw);
  if (!head) {
    return head.error();
  }
  auto body = read_body(m_fd.get(), *head, deadline);
  if (!body) {
    return body.error();
  }
  util::debug_call("POST /images/load", std::to_string(head->status), start);
  if (head->status != 200) {
    return util::Error{kind_of_status(head->status),
                       describe_status(*head, *body)};
  }
  return load_messages(*body);
}

} // namespace kiln::engine
