#pragma once

#include <cstdint>
#include <string>

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

/// Returns whether a step's `error` means it was cancelled.
bool is_cancel(const std::string& error);

} // namespace kiln::progress
