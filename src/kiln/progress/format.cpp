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

void split_log(std::string& partial, const std::string& msg, double since,
               const std::function<void(std::string&&)>& on_line)
{
  std::size_t at = 0;
  while (at < msg.size()) {
    if (partial.empty()) {
      partial = log_prefix(since);
    }
    auto nl = msg.find('\n', at);
    if (nl == std::string::npos) {
      partial += msg.substr(at);
      return;
    }
    partial += msg.substr(at, nl - at);
    on_line(std::move(partial));
    partial.clear();
    at = nl + 1;
  }
}

void write_error_logs(std::ostream& out, const std::string& name,
                      const std::vector<std::string>& lines)
{
  out << "------\n > " << name << ":\n";
  for (const auto& line : lines) {
    out << line << '\n';
  }
  out << "------\n";
}

bool is_cancel(const std::string& error)
{
  return error.ends_with("context canceled");
}

} // namespace kiln::progress
