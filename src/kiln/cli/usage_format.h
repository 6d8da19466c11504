#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "kiln/buildkit/usage.h"
#include "kiln/cli/common.h"

namespace kiln::cli {

/// Formats `bytes` as Buildx does: four significant digits and a
/// decimal unit (`4.096kB`, `20.64MB`, `0B`).
std::string human_size(std::int64_t bytes);

/// Formats an age as Buildx does: `Less than a second`, `3 seconds`,
/// `About a minute`, `5 hours`, `2 weeks`...
std::string human_duration(std::chrono::nanoseconds age);

/// Formats `at` in local time as Go prints a time:
/// `2026-12-03 23:58:32.93355782 +0000 UTC`.
std::string go_time(std::chrono::system_clock::time_point at);

/// Parses a Go duration (`24h`, `1h30m`, `500ms`); throws
/// `util::UserError` with Go's message naming `text`.
std::chrono::nanoseconds parse_go_duration(const std::string& text);

/// Parses a size flag value (`512m`, `10GB`, `1.5g`; binary units) for
/// flag `flag`; throws `util::UserError` naming the value and the flag.
std::int64_t parse_mem_bytes(const std::string& flag, const std::string& text);

/// The `--filter` values of `du` and `prune` as BuildKit takes them.
struct UsageFilters {
  /// One comma-joined filter string, as Buildx sends it.
  std::vector<std::string> filters;
  /// The `until` (or `unused-for`) filter.
  std::chrono::nanoseconds keep_duration{0};
};

/// Turns `--filter key=value` flags into BuildKit's filters the way
/// Buildx does (`key==value`, `id~=value`, `until` as a duration);
/// throws `util::UserError` naming the bad value.
UsageFilters parse_usage_filters(const std::vector<std::string>& values);

/// Returns the ID column of a record: its id, `*` when mutable.
std::string usage_id(const buildkit::UsageRecord& r);

/// Returns the size column of a record: its size, `*` when shared.
std::string usage_size(const buildkit::UsageRecord& r);

/// Returns how long ago a record was last used (`5 seconds ago`), or
/// empty when never.
std::string usage_last_used(const buildkit::UsageRecord& r);

/// The daemons of a builder's nodes, each with the driver that keeps
/// its connection up.
struct NodeChannels {
  std::vector<std::unique_ptr<driver::Driver>> drivers;
  std::vector<std::shared_ptr<grpc::Channel>> channels;
};

/// Opens a channel to each node of the builder `globals` names; throws
/// `util::UserError` when it has no remote node or one is unreachable.
NodeChannels open_node_channels(const Globals& globals);

} // namespace kiln::cli
