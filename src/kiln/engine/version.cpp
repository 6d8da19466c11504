#include "kiln/engine/version.h"

#include "kiln/engine/http.h"
#include "kiln/engine/socket.h"
#include "kiln/util/log.h"
#include "kiln/util/strings.h"

#include "kiln/engine/curl.h"

#include <cstdlib>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

namespace kiln::engine {

namespace {

using util::Error;
using util::ErrorKind;

// One plain HTTP response read by libcurl.
struct Reply {
  ResponseHead head;
  std::string body;
};

using Easy = std::unique_ptr<CURL, void (*)(CURL*)>;
using List = std::unique_ptr<curl_slist, void (*)(curl_slist*)>;

size_t on_body(char* data, size_t size, size_t count, void* user)
{
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t on_header(char* data, size_t size, size_t count, void* user)
{
  std::string line(data, size * count);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    auto value = line.substr(colon + 1);
    auto begin = value.find_first_not_of(" \t");
    auto end = value.find_last_not_of(" \t\r\n");
    value =
      begin == std::string::npos ? "" : value.substr(begin, end - begin + 1);
    auto& head = *static_cast<ResponseHead*>(user);
    head.headers[util::to_lower(line.substr(0, colon))] = value;
  }
  return size * count;
}

bool tls_failure(CURLcode code)
{
  return code == CURLE_SSL_CONNECT_ERROR ||
         code == CURLE_PEER_FAILED_VERIFICATION ||
         code == CURLE_SSL_CERTPROBLEM || code == CURLE_SSL_CIPHER ||
         code == CURLE_SSL_CACERT_BADFILE || code == CURLE_SSL_ENGINE_NOTFOUND;
}

// Turns a libcurl failure into kiln's error, naming the place first.
Error curl_error(const CurlApi& api, CURL* easy, CURLcode code,
                 const std::string& address, const std::string& path,
                 const char* detail)
{
  std::string place = "cannot connect to the Docker daemon at " + address;
  long os_errno = 0;
  api.easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
  if (code == CURLE_COULDNT_CONNECT && os_errno != 0) {
    int err = static_cast<int>(os_errno);
    return Error{kind_of_errno(err), place + ": " + describe_errno(err)};
  }

  std::string why = detail[0] != '\0' ? detail : api.easy_strerror(code);
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return Error{ErrorKind::timeout,
                 "GET " + path + " at " + address + ": timed out"};
  }
  if (tls_failure(code)) {
    return Error{ErrorKind::tls, place + ": " + why};
  }
  if (code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST) {
    return Error{ErrorKind::unavailable, place + ": " + why};
  }
  return Error{ErrorKind::unavailable,
               "GET " + path + " at " + address + ": " + why};
}

// Sends `GET path` to the Engine at `host` by `deadline`.
util::Result<Reply> get(const Host& host, const std::string& path,
                        Deadline deadline)
{
  auto start = std::chrono::steady_clock::now();
  auto endpoint = parse_endpoint(host.address);
  if (!endpoint) {
    return Error{endpoint.error().kind,
                 "cannot connect to the Docker daemon at " + host.address +
                   ": " + endpoint.error().message};
  }
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - start);
  if (left.count() <= 0) {
    return Error{ErrorKind::timeout,
                 "GET " + path + " at " + host.address + ": timed out"};
  }

  auto loaded = curl_api();
  if (!loaded) {
    return loaded.error();
  }
  const CurlApi& api = **loaded;
  Easy easy(api.easy_init(), api.easy_cleanup);
  if (!easy) {
    return Error{ErrorKind::internal, "cannot initialise libcurl"};
  }
  CURL* c = easy.get();
  std::string url;
  if (endpoint->local) {
    bool abstract = endpoint->path.starts_with("@");
    api.easy_setopt(
      c, abstract ? CURLOPT_ABSTRACT_UNIX_SOCKET : CURLOPT_UNIX_SOCKET_PATH,
      abstract ? endpoint->path.c_str() + 1 : endpoint->path.c_str());
    api.easy_setopt(c, CURLOPT_PROXY, "");
    url = std::string("http://") + local_host_header + path;
  } else {
    bool v6 = endpoint->host.find(':') != std::string::npos;
    url = std::string(host.tls ? "https://" : "http://") +
          (v6 ? "[" + endpoint->host + "]" : endpoint->host) + ":" +
          endpoint->port + path;
  }
  if (host.tls) {
    api.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, host.tls_verify ? 1L : 0L);
    api.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, host.tls_verify ? 2L : 0L);
    if (!host.ca.empty()) {
      api.easy_setopt(c, CURLOPT_CAINFO, host.ca.c_str());
    }
    if (!host.cert.empty() && !host.key.empty()) {
      api.easy_setopt(c, CURLOPT_SSLCERT, host.cert.c_str());
      api.easy_setopt(c, CURLOPT_SSLKEY, host.key.c_str());
    }
  }

  List headers(nullptr, api.slist_free_all);
  bool agent = false;
  for (const auto& [name, value] : host.headers) {
    // With a list already there, curl_slist_append returns that list.
    curl_slist* grown =
      api.slist_append(headers.get(), (name + ": " + value).c_str());
    if (grown != nullptr && headers == nullptr) {
      headers.reset(grown);
    }
    agent = agent || util::to_lower(name) == "user-agent";
  }
  if (!agent) {
    api.easy_setopt(c, CURLOPT_USERAGENT, "kiln/" KILN_VERSION);
  }

  Reply reply;
  char detail[CURL_ERROR_SIZE] = {};
  api.easy_setopt(c, CURLOPT_URL, url.c_str());
  api.easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  api.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  api.easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(left.count()));
  api.easy_setopt(c, CURLOPT_ERRORBUFFER, detail);
  api.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  api.easy_setopt(c, CURLOPT_WRITEDATA, &reply.body);
  api.easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  api.easy_setopt(c, CURLOPT_HEADERDATA, &reply.head);
  CURLcode code = api.easy_perform(c);

  if (code != CURLE_OK) {
    auto error = curl_error(api, c, code, host.address, path, detail);
    util::debug_call("GET " + path + " at " + host.address, error.message,
                     start);
    return error;
  }
  long status = 0;
  api.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  reply.head.status = static_cast<int>(status);
  util::debug_call("GET " + path + " at " + host.address,
                   std::to_string(status), start);
  if (status != 200) {
    return Error{kind_of_status(reply.head.status),
                 "GET " + path + " at " + host.address + ": " +
                   describe_status(reply.head, reply.body)};
  }
  return reply;
}

std::string header(const Reply& reply, const std::string& name)
{
  auto found = reply.head.headers.find(name);
  return found == reply.head.headers.end() ? "" : found->second;
}

bool well_formed(const std::string& version)
{
  auto dot = version.find('.');
  auto digits = [](const std::string& part) {
    return !part.empty() &&
           part.find_first_not_of("0123456789") == std::string::npos;
  };
  return dot != std::string::npos && digits(version.substr(0, dot)) &&
         digits(version.substr(dot + 1));
}

} // namespace

int compare_api_versions(const std::string& a, const std::string& b)
{
  std::istringstream left(a);
  std::istringstream right(b);
  std::string x;
  std::string y;
  while (true) {
    bool more_left = static_cast<bool>(std::getline(left, x, '.'));
    bool more_right = static_cast<bool>(std::getline(right, y, '.'));
    if (!more_left && !more_right) {
      return 0;
    }
    long lx = more_left ? std::strtol(x.c_str(), nullptr, 10) : 0;
    long ly = more_right ? std::strtol(y.c_str(), nullptr, 10) : 0;
    if (lx != ly) {
      return lx < ly ? -1 : 1;
    }
  }
}

util::Result<std::string> negotiate_api_version(const std::string& server)
{
  if (server.empty()) {
    return std::string(max_api_version);
  }
  if (!well_formed(server)) {
    return Error{ErrorKind::invalid,
                 "malformed Engine API version \"" + server + "\""};
  }
  if (compare_api_versions(server, min_api_version) < 0) {
    return Error{ErrorKind::unsupported,
                 "API version " + server +
                   " is not supported by this client: the minimum "
                   "supported API version is " +
                   min_api_version};
  }
  return compare_api_versions(server, max_api_version) < 0
           ? server
           : std::string(max_api_version);
}

util::Result<Ping> ping(const Host& host,
                        std::chrono::steady_clock::time_point deadline)
{
  auto reply = get(host, "/_ping", deadline);
  if (!reply) {
    return reply.error();
  }

  Ping out;
  out.api_version = header(*reply, "api-version");
  out.os_type = header(*reply, "ostype");
  out.experimental = header(*reply, "docker-experimental") == "true";
  out.builder_version = header(*reply, "builder-version");
  return out;
}

util::Result<EngineVersion>
version(const Host& host, std::chrono::steady_clock::time_point deadline)
{
  auto pinged = ping(host, deadline);
  if (!pinged) {
    return pinged.error();
  }
  const char* pinned = std::getenv("DOCKER_API_VERSION");
  auto negotiated = pinned != nullptr && *pinned != '\0'
                      ? util::Result<std::string>(std::string(pinned))
                      : negotiate_api_version(pinged->api_version);
  if (!negotiated) {
    return negotiated.error();
  }

  auto reply = get(host, "/v" + *negotiated + "/version", deadline);
  if (!reply) {
    return reply.error();
  }

  EngineVersion out;
  out.negotiated_api_version = *negotiated;
  out.ping = *pinged;
  auto json = nlohmann::json::parse(reply->body, nullptr, false);
  if (!json.is_object()) {
    return Error{ErrorKind::invalid, "GET /v" + *negotiated + "/version at " +
                                       host.address + ": malformed JSON"};
  }
  auto text = [&json](const char* key) {
    auto found = json.find(key);
    return found != json.end() && found->is_string() ? found->get<std::string>()
                                                     : std::string();
  };
  out.version = text("Version");
  out.api_version = text("ApiVersion");
  out.min_api_version = text("MinAPIVersion");
  out.os = text("Os");
  out.arch = text("Arch");
  return out;
}

} // namespace kiln::engine
