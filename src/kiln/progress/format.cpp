#include "kiln/progress/format.h"

#include <cstdio>

namespace kiln::progress {

double seconds(const google::protobuf::Timestamp& t)
{
  return static_cast<double>(t.seconds()) + t.nanos() / 1e9;
}

std::string fixed(const char* format, double value)
{
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

std::string bytes_text(std::int64_t n)
{
  static const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double value = static_cast<double>(n);
  int unit = 0;
  while (value >= 1000 && unit < 4) {
    value /= 1000;
    ++unit;
  }
  if (unit == 0) {
    return std::to_string(n) + "B";
  }
  return fixed("%.2f", value) + units[unit];
}

std::string log_prefix(double since)
{
  return fixed(since < 10 ? "%.3f " : since < 100 ? "%.2f " : "%.1f ", since);
}

bool is_cancel(const std::string& error)
{
  return error.ends_with("context canceled");
}

} // namespace kiln::progress
