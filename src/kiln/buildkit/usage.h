#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/channel.h>

#include "kiln/util/result.h"

namespace kiln::buildkit {

/// One record of a daemon's build cache.
struct UsageRecord {
  std::string id;
  bool is_mutable = false;
  bool in_use = false;
  std::int64_t size = 0;
  std::chrono::system_clock::time_point created_at;
  /// Unset when the record was never used.
  std::optional<std::chrono::system_clock::time_point> last_used_at;
  std::int64_t usage_count = 0;
  std::string description;
  std::string record_type;
  bool shared = false;
  std::vector<std::string> parents;
};

/// What to prune: BuildKit's filters and limits.
struct PruneOptions {
  /// Filters such as `type==regular`, as one comma-joined string each.
  std::vector<std::string> filters;
  /// `--all`: internal and frontend records too.
  bool all = false;
  /// Keep records used within this long.
  std::chrono::nanoseconds keep_duration{0};
  std::int64_t reserved_space = 0;
  std::int64_t max_used_space = 0;
  std::int64_t min_free_space = 0;
};

/// Asks the daemon on `channel` for its cache records matching
/// `filters` (Control.DiskUsage).
util::Result<std::vector<UsageRecord>>
disk_usage(const std::shared_ptr<grpc::Channel>& channel,
           const std::vector<std::string>& filters);

/// Prunes the daemon's cache (Control.Prune), calling `on_record` for
/// each record as it is removed.
util::Result<util::Unit>
prune(const std::shared_ptr<grpc::Channel>& channel,
      const PruneOptions& options,
      const std::function<void(const UsageRecord&)>& on_record);

} // namespace kiln::buildkit
