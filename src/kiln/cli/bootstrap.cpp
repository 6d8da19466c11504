#include "kiln/cli/bootstrap.h"

#include <iostream>
#include <thread>

#include "kiln/util/error.h"

namespace kiln::cli {

namespace {

bool worth_retrying(util::ErrorKind kind)
{
  return kind == util::ErrorKind::unavailable ||
         kind == util::ErrorKind::timeout;
}

// Waits for one node; returns its last status.
driver::NodeStatus wait_for(const Builder& builder, const store::Node& node,
                            util::Deadline deadline)
{
  while (true) {
    driver::NodeStatus status;
    try {
      status =
        driver::make_driver(builder.group.driver, node)->status(deadline);
    } catch (const util::UserError& e) {
      return driver::inactive({util::ErrorKind::invalid, e.what()});
    }
    if (status.running || !worth_retrying(status.kind) ||
        util::Clock::now() + std::chrono::milliseconds(250) >= deadline) {
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

} // namespace

void bootstrap(const Builder& builder, std::chrono::milliseconds timeout)
{
  auto start = util::Clock::now();
  util::Deadline deadline = start + timeout;
  std::cerr << "#1 [internal] waiting for connection\n" << std::flush;

  for (const auto& node : builder.group.nodes) {
    driver::NodeStatus status = wait_for(builder, node, deadline);
    if (!status.running) {
      std::cerr << "#1 ERROR: " << status.reason << '\n';
      throw util::UserError("failed to bootstrap builder " +
                            builder.group.name + " (" + node.name +
                            "): " + status.reason);
    }
  }

  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
    util::Clock::now() - start);
  std::cerr << "#1 DONE " << util::format_duration(took) << '\n';
}

} // namespace kiln::cli
