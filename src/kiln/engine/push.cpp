#include "kiln/engine/push.h"

#include <chrono>
#include <sstream>

#include <nlohmann/json.hpp>

#include "kiln/engine/http.h"
#include "kiln/engine/socket.h"
#include "kiln/engine/tls_relay.h"
#include "kiln/util/base64.h"
#include "kiln/util/fd.h"
#include "kiln/util/log.h"

namespace kiln::engine {

namespace {

constexpr std::chrono::seconds k_connect_timeout{20};
constexpr std::chrono::minutes k_push_timeout{30};
// The push's progress stream is read whole; past this it is cut short.
constexpr std::size_t k_max_stream = 8 << 20;

// Returns the first error in the Engine's stream of JSON messages.
std::string stream_error(const std::string& body)
{
  std::istringstream lines(body);
  std::string line;
  while (std::getline(lines, line)) {
    auto message = nlohmann::json::parse(line, nullptr, false);
    if (!message.is_object()) {
      continue;
    }
    if (auto it = message.find("errorDetail");
        it != message.end() && it->is_object() && it->contains("message")) {
      return it->at("message").get<std::string>();
    }
    if (auto it = message.find("error");
        it != message.end() && it->is_string()) {
      return it->get<std::string>();
    }
  }
  return "";
}

util::Result<util::Unit> push_on(int fd, const Endpoint& endpoint,
                                 const Host& host, const std::string& name,
                                 const std::string& auth, Deadline deadline)
{
  auto [repo, tag] = split_tag(name);
  // HTTP/1.0: the Engine sends the stream unchunked and closes at its end.
  std::string request = "POST /images/" + repo + "/push?tag=" + tag +
                        " HTTP/1.0\r\nHost: " +
                        (endpoint.local ? std::string(local_host_header)
                                        : endpoint.host + ":" + endpoint.port) +
                        "\r\n";
  for (const auto& [key, value] : host.headers) {
    request += key + ": " + value + "\r\n";
  }
  request += "X-Registry-Auth: " + auth + "\r\nContent-Length: 0\r\n\r\n";
  auto sent = send_all(fd, request, deadline);
  if (!sent) {
    return sent.error();
  }

  auto raw = read_head(fd, deadline);
  if (!raw) {
    return raw.error();
  }
  auto head = parse_head(*raw);
  if (!head) {
    return head.error();
  }
  auto body = read_until(
    fd, k_max_stream, [](const std::string&) { return false; }, deadline);
  if (!body) {
    return body.error();
  }
  if (head->status != 200) {
    return util::Error{kind_of_status(head->status),
                       describe_status(*head, *body)};
  }
  if (std::string why = stream_error(*body); !why.empty()) {
    return util::Error{util::ErrorKind::unavailable, why};
  }
  return util::Unit{};
}

} // namespace

std::pair<std::string, std::string> split_tag(const std::string& name)
{
  auto colon = name.rfind(':');
  auto slash = name.rfind('/');
  if (colon == std::string::npos ||
      (slash != std::string::npos && colon < slash)) {
    return {name, "latest"};
  }
  return {name.substr(0, colon), name.substr(colon + 1)};
}

std::string registry_of(const std::string& name)
{
  auto slash = name.find('/');
  std::string first = name.substr(0, slash);
  bool is_host =
    first.find_first_of(".:") != std::string::npos || first == "localhost";
  if (slash == std::string::npos || !is_host) {
    return "registry-1.docker.io";
  }
  return first;
}

std::string registry_auth(const std::string& username,
                          const std::string& secret, const std::string& server)
{
  nlohmann::json login = nlohmann::json::object();
  if (username.empty() && !secret.empty()) {
    login["identitytoken"] = secret;
  } else if (!username.empty()) {
    login["username"] = username;
    login["password"] = secret;
  }
  if (!login.empty()) {
    login["serveraddress"] = server;
  }
  std::string text = util::encode_base64(login.dump());
  for (char& c : text) {
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  }
  return text;
}

util::Result<util::Unit> push_image(const Host& host, const std::string& name,
                                    const std::string& auth)
{
  auto start = util::Clock::now();
  std::string what = "POST /images/" + name + "/push at " + host.address;
  auto endpoint = parse_endpoint(host.address);
  if (!endpoint) {
    return endpoint.error();
  }
  auto fd = connect_to(*endpoint, start + k_connect_timeout);
  if (fd && !endpoint->local && host.tls) {
    fd = relay_tls(*fd, host, *endpoint, start + k_connect_timeout);
  }
  if (!fd) {
    util::debug_call(what, fd.error().message, start);
    return util::Error{fd.error().kind, "cannot connect to the Docker daemon "
                                        "at " +
                                          host.address + ": " +
                                          fd.error().message};
  }
  util::Fd owned(*fd);

  auto pushed =
    push_on(owned.get(), *endpoint, host, name, auth, start + k_push_timeout);
  util::debug_call(what, pushed ? "ok" : pushed.error().message, start);
  return pushed;
}

} // namespace kiln::engine
