#include "kiln/engine/dial.h"

#include "kiln/engine/http.h"
#include "kiln/engine/socket.h"
#include "kiln/engine/tls_relay.h"
#include "kiln/util/log.h"
#include "kiln/util/strings.h"

#include <unistd.h>

#include <set>

namespace kiln::engine {

namespace {

using util::Error;

// Headers kiln sets itself, which config.json and `meta` cannot replace.
const std::set<std::string> reserved_headers = {
  "host", "connection", "upgrade", "content-length", "transfer-encoding"};

bool safe_header(const std::string& name, const std::string& value)
{
  bool clean = name.find_first_of(":\r\n") == std::string::npos &&
               value.find_first_of("\r\n") == std::string::npos;
  return clean && !name.empty() &&
         !reserved_headers.contains(util::to_lower(name));
}

std::string
request_text(const Host& host, const Endpoint& endpoint,
             const std::string& path, const std::string& proto,
             const std::map<std::string, std::vector<std::string>>& meta)
{
  // Like the Docker client: config.json headers first, then `meta`, then
  // a default User-Agent unless one was given, then the upgrade.
  std::string authority = endpoint.local ? local_host_header
                          : endpoint.host.find(':') != std::string::npos
                            ? "[" + endpoint.host + "]:" + endpoint.port
                            : endpoint.host + ":" + endpoint.port;
  std::string text =
    "POST " + path + " HTTP/1.1\r\nHost: " + authority + "\r\n";
  bool agent = false;
  for (const auto& [name, value] : host.headers) {
    if (safe_header(name, value)) {
      text += name + ": " + value + "\r\n";
      agent = agent || util::to_lower(name) == "user-agent";
    }
  }
  for (const auto& [name, values] : meta) {
    for (const auto& value : values) {
      if (safe_header(name, value)) {
        text += name + ": " + value + "\r\n";
        agent = agent || util::to_lower(name) == "user-agent";
      }
    }
  }
  if (!agent) {
    text += "User-Agent: kiln/" KILN_VERSION "\r\n";
  }
  text += "Content-Length: 0\r\nConnection: Upgrade\r\nUpgrade: " + proto +
          "\r\n\r\n";
  return text;
}

// Sends the upgrade request on the connected `fd` and reads the answer,
// leaving `fd` just past the 101 response.
util::Result<util::Unit> upgrade(int fd, const std::string& request,
                                 std::chrono::steady_clock::time_point deadline)
{
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
  if (head->status == 101) {
    return util::Unit{};
  }

  // An error body is best effort: the status alone still says enough.
  auto body = read_body(fd, *head, deadline);
  return Error{kind_of_status(head->status),
               describe_status(*head, body ? *body : "")};
}

} // namespace

util::Result<int>
dial_hijack(const Host& host, const std::string& path, const std::string& proto,
            const std::map<std::string, std::vector<std::string>>& meta,
            std::chrono::steady_clock::time_point deadline)
{
  auto start = std::chrono::steady_clock::now();
  std::string what =
    "POST " + path + " upgrade to " + proto + " at " + host.address;
  std::string place =
    "cannot connect to the Docker daemon at " + host.address + ": ";

  auto endpoint = parse_endpoint(host.address);
  if (!endpoint) {
    util::debug_call(what, endpoint.error().message, start);
    return Error{endpoint.error().kind, place + endpoint.error().message};
  }

  auto fd = connect_to(*endpoint, deadline);
  if (fd && !endpoint->local && host.tls) {
    // gRPC takes a plain descriptor: TLS goes through a relay.
    fd = relay_tls(*fd, host, *endpoint, deadline);
  }
  if (!fd) {
    util::debug_call(what, fd.error().message, start);
    return Error{fd.error().kind, place + fd.error().message};
  }

  auto done =
    upgrade(*fd, request_text(host, *endpoint, path, proto, meta), deadline);
  if (!done) {
    close(*fd);
    util::debug_call(what, done.error().message, start);
    return Error{done.error().kind, "cannot upgrade POST " + path + " to " +
                                      proto + " at " + host.address + ": " +
                                      done.error().message};
  }

  util::debug_call(what, "ok", start);
  return *fd;
}

util::Result<int> dial_grpc(const Host& host,
                            std::chrono::steady_clock::time_point deadline)
{
  return dial_hijack(host, "/grpc", "h2c", {}, deadline);
}

} // namespace kiln::engine
