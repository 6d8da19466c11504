#include "kiln/connect/helper.h"

#include <algorithm>

namespace kiln::connect {

namespace {

std::string query_value(const Endpoint& endpoint, const std::string& key)
{
  auto it = endpoint.query.find(key);
  return it == endpoint.query.end() ? "" : it->second;
}

} // namespace

bool needs_helper(const Endpoint& endpoint)
{
  return endpoint.scheme == Scheme::docker_container ||
         endpoint.scheme == Scheme::kube_pod || endpoint.scheme == Scheme::ssh;
}

std::vector<std::string>
helper_command(const Endpoint& endpoint,
               std::chrono::milliseconds connect_timeout)
{
  std::vector<std::string> argv;
  switch (endpoint.scheme) {
  case Scheme::docker_container: {
    argv = {"docker"};
    std::string context = query_value(endpoint, "context");
    if (!context.empty()) {
      argv.push_back("--context=" + context);
    }
    argv.insert(argv.end(),
                {"exec", "-i", endpoint.host, "buildctl", "dial-stdio"});
    break;
  }
  case Scheme::kube_pod:
    // Empty values are passed too: kubectl then takes its own defaults,
    // as it does for the same flags from Buildx.
    argv = {"kubectl",
            "--context=" + query_value(endpoint, "context"),
            "--namespace=" + query_value(endpoint, "namespace"),
            "exec",
            "--container=" + query_value(endpoint, "container"),
            "-i",
            endpoint.host,
            "--",
            "buildctl",
            "dial-stdio"};
    break;
  case Scheme::ssh: {
    auto secs = std::max<long long>(
      1, std::chrono::duration_cast<std::chrono::seconds>(connect_timeout)
           .count());
    argv = {"ssh",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=" + std::to_string(secs),
            "-T"};
    if (!endpoint.user.empty()) {
      argv.insert(argv.end(), {"-l", endpoint.user});
    }
    if (endpoint.port != 0) {
      argv.insert(argv.end(), {"-p", std::to_string(endpoint.port)});
    }
    argv.insert(argv.end(), {"--", endpoint.host, "buildctl"});
    if (!endpoint.path.empty()) {
      argv.insert(argv.end(), {"--addr", "unix://" + endpoint.path});
    }
    argv.emplace_back("dial-stdio");
    break;
  }
  case Scheme::unix_socket:
  case Scheme::tcp:
    break;
  }
  return argv;
}

} // namespace kiln::connect
