// Spreading builds over a builder's nodes: every node is asked how many
// builds it runs, and the build goes to the least busy one that fits.
#include "kiln/cli/build_node.h"

#include <algorithm>
#include <future>

#include "kiln/util/error.h"
#include "kiln/util/log.h"
#include "kiln/util/strings.h"

namespace kiln::cli {

namespace {

bool has_platform(const NodeCandidate& c, const store::Platform& want)
{
  auto fits = [&want](const store::Platform& p) {
    return p.os == want.os && p.architecture == want.architecture &&
           (want.variant.empty() || p.variant == want.variant);
  };
  return std::any_of(c.configured.begin(), c.configured.end(), fits) ||
         std::any_of(c.status.platforms.begin(), c.status.platforms.end(),
                     fits);
}

bool has_all(const NodeCandidate& c, const std::vector<store::Platform>& ps)
{
  return std::all_of(ps.begin(), ps.end(), [&c](const store::Platform& p) {
    return has_platform(c, p);
  });
}

NodeCandidate query_candidate(const Builder& builder, const store::Node& node,
                              util::Deadline deadline)
{
  NodeCandidate c;
  c.configured = node.platforms;
  try {
    auto drv = driver::make_driver(builder.group.driver, node);
    c.status = drv->status(deadline);
    if (!c.status.running) {
      return c;
    }
    auto channel = drv->channel();
    if (!channel) {
      return c;
    }
    buildkit::Client client(*channel);
    if (auto active = client.active_builds(deadline)) {
      c.active = *active;
    }
  } catch (const util::UserError& e) {
    c.status = driver::inactive({util::ErrorKind::invalid, e.what()});
  }
  return c;
}

} // namespace

std::optional<std::size_t>
pick_node(const std::vector<NodeCandidate>& candidates,
          const std::vector<store::Platform>& wanted)
{
  // Nodes with every wanted platform first; the daemon may emulate the
  // others, so any running node will do when none has them all.
  bool any_fits = std::any_of(candidates.begin(), candidates.end(),
                              [&wanted](const NodeCandidate& c) {
                                return c.status.running && has_all(c, wanted);
                              });

  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const auto& c = candidates[i];
    if (!c.status.running || (any_fits && !has_all(c, wanted))) {
      continue;
    }
    // A daemon that cannot say how busy it is counts as idle.
    int load = std::max(c.active, 0);
    if (!best || load < std::max(candidates[*best].active, 0)) {
      best = i;
    }
  }
  return best;
}

std::size_t choose_build_node(const Builder& builder,
                              const std::vector<store::Platform>& wanted,
                              std::chrono::milliseconds timeout,
                              std::ostream& notes)
{
  const auto& nodes = builder.group.nodes;
  if (nodes.size() <= 1) {
    return 0;
  }

  util::Deadline deadline = util::Clock::now() + timeout;
  std::vector<std::future<NodeCandidate>> pending;
  for (const auto& node : nodes) {
    pending.push_back(
      std::async(std::launch::async, [&builder, &node, deadline] {
        return query_candidate(builder, node, deadline);
      }));
  }
  std::vector<NodeCandidate> candidates;
  for (auto& p : pending) {
    candidates.push_back(p.get());
  }

  auto picked = pick_node(candidates, wanted);
  std::string reasons;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (candidates[i].status.running) {
      continue;
    }
    std::string why = nodes[i].name + ": " + candidates[i].status.reason;
    reasons += (reasons.empty() ? "" : "; ") + why;
    if (picked) {
      notes << "skipping node " << util::quote(nodes[i].name) << " of "
            << util::quote(builder.group.name) << ": "
            << candidates[i].status.reason << '\n';
    }
  }
  if (!picked) {
    throw util::UserError("no valid drivers found: " + reasons);
  }
  util::debug("build node: " + nodes[*picked].name + " (" +
              std::to_string(candidates[*picked].active) + " active builds)");
  return *picked;
}

} // namespace kiln::cli
