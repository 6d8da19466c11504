#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <google/protobuf/timestamp.pb.h>

namespace kiln::progress {

/// Returns `t` in seconds since the epoch.
double seconds(const google::protobuf::Timestamp& t);

/// Returns `value` formatted with the printf `format`, like `%.1f`.
std::string fixed(const char* format, double value);

/// Returns a byte count as Buildx shows it: 130B, 1.23kB, 3.15MB.
std::string bytes_text(std::int64_t n);

/// Returns the prefix of a log line that started `since` seconds into
/// its step: `0.108 `, `12.34 `, `123.4 `.
std::string log_prefix(double since);

/// Splits a step's log `msg` into lines, each starting with the log
/// prefix for `since`; the unfinished tail waits in `partial`, each
/// finished line goes to `on_line`.
void split_log(std::string& partial, const std::string& msg, double since,
               const std::function<void(std::string&&)>& on_line);

/// Writes the block shown under a failed step at the end: its `name`
/// and its last log `lines` between dashed lines.
void write_error_logs(std::ostream& out, const std::string& name,
                      const std::vector<std::string>& lines);

/// Returns whether a step's `error` means it was cancelled.
bool is_cancel(const std::string& error);

} // namespace kiln::progress
