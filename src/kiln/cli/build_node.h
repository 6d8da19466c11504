#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <ostream>
#include <vector>

#include "kiln/cli/common.h"
#include "kiln/driver/driver.h"

namespace kiln::cli {

/// What kiln learned of one node of a builder before a build.
struct NodeCandidate {
  driver::NodeStatus status;
  /// The platforms the node was created with.
  std::vector<store::Platform> configured;
  /// The builds its daemon is running now; -1 when it did not say.
  int active = -1;
};

/// Picks the node a build goes to from `candidates`, given in the
/// builder's order: a running node that has every platform in `wanted`
/// (else any running node), the one running the fewest builds, the
/// first of equals. Returns nothing when no node is running.
std::optional<std::size_t>
pick_node(const std::vector<NodeCandidate>& candidates,
          const std::vector<store::Platform>& wanted);

/// Returns the index of the node of `builder` to build on. With more
/// than one node, queries them all in parallel within `timeout` and
/// writes to `notes` why each skipped node is down; throws
/// `util::UserError` with every node's reason when none is running.
std::size_t choose_build_node(const Builder& builder,
                              const std::vector<store::Platform>& wanted,
                              std::chrono::milliseconds timeout,
                              std::ostream& notes);

} // namespace kiln::cli
