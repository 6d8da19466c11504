#include "kiln/driver/driver.h"

#include <algorithm>

#include "kiln/util/error.h"

namespace kiln::driver {

NodeStatus inactive(const util::Error& error)
{
  NodeStatus status;
  status.reason = error.message;
  status.kind = error.kind;
  return status;
}

NodeStatus running(const buildkit::DaemonInfo& info)
{
  NodeStatus status;
  status.running = true;
  status.version = info.version;
  for (const auto& worker : info.workers) {
    status.platforms.insert(status.platforms.end(), worker.platforms.begin(),
                            worker.platforms.end());
  }
  if (!info.workers.empty()) {
    status.labels = info.workers.front().labels;
    status.gc_policy = info.workers.front().gc_policy;
  }
  return status;
}

const std::vector<std::string>& driver_names()
{
  static const std::vector<std::string> names = {"remote"};
  return names;
}

namespace {

void check_known(const std::string& name)
{
  const auto& names = driver_names();
  if (std::find(names.begin(), names.end(), name) != names.end()) {
    return;
  }
  if (name == "docker" || name == "docker-container" || name == "kubernetes") {
    throw util::UserError("driver " + util::quote(name) +
                          " is not supported by kiln yet; use --driver "
                          "remote");
  }
  throw util::UserError("failed to find driver " + util::quote(name));
}

} // namespace

void validate(const std::string& name, const store::Node& node)
{
  check_known(name);
  detail::validate_remote(node);
}

std::unique_ptr<Driver> make_driver(const std::string& name,
                                    const store::Node& node)
{
  // The Docker context's own builder is never created, only found.
  if (name == "docker") {
    return detail::make_docker(node);
  }
  check_known(name);
  return detail::make_remote(node);
}

} // namespace kiln::driver
