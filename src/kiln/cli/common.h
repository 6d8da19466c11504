#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "kiln/driver/driver.h"
#include "kiln/store/node_group.h"
#include "kiln/store/store.h"

namespace kiln::cli {

/// Options that every subcommand sees.
struct Globals {
  /// `--builder`, else `BUILDX_BUILDER`; empty for the current builder.
  std::string builder;
  bool debug = false;
};

/// Buildx's default time to wait for a node's status; kiln waits 5 s.
inline constexpr std::chrono::seconds k_default_timeout{5};

/// Parses a Go-style duration (`500ms`, `5s`, `1m30s`); throws
/// `util::UserError` naming `text` when it is not one.
std::chrono::milliseconds parse_duration(const std::string& text);

/// Opens the builder store of this user.
store::Store open_store();

/// A builder to show or use: a stored one, or the Docker Engine's own.
struct Builder {
  store::NodeGroup group;
  /// Whether this is the Docker context's builder (driver `docker`).
  bool docker_context = false;
  std::optional<std::chrono::system_clock::time_point> last_activity;
};

/// Returns the Docker context's builder (driver `docker`).
Builder context_builder();

/// Returns the name of the builder kiln uses when none is named.
std::string current_builder_name(const store::Store& store);

/// Loads builder `name` (the current one when empty); throws
/// `util::UserError` when there is none by that name.
Builder load_builder(const store::Store& store, const std::string& name);

/// One node's status query, run with the others in parallel.
struct NodeReport {
  store::Node node;
  driver::NodeStatus status;
};

/// Queries every node of `builders` in parallel, each bounded by
/// `timeout` from now; a slow node never delays the others.
std::vector<std::vector<NodeReport>>
query_nodes(const std::vector<Builder>& builders,
            std::chrono::milliseconds timeout);

/// Formats a node's platforms: the configured ones marked `*` first,
/// then those the daemon reported.
std::string format_platforms(const store::Node& node,
                             const std::vector<store::Platform>& found);

/// Formats a measured round trip in milliseconds ("1.25ms"), or returns
/// "" when `round_trip` was not measured.
std::string format_round_trip(std::chrono::microseconds round_trip);

} // namespace kiln::cli
