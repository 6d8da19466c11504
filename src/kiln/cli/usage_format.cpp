// Formatting shared by `du` and `prune`: Buildx's sizes, ages, times and
// filter flags, so that both print what Buildx prints.
#include "kiln/cli/usage_format.h"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>

#include "kiln/util/error.h"
#include "kiln/util/strings.h"

namespace kiln::cli {

namespace {

using util::UserError;

// Parses a decimal number the way Go's ParseFloat accepts one here.
std::optional<double> parse_number(const std::string& text)
{
  if (text.empty()) {
    return std::nullopt;
  }
  std::size_t used = 0;
  try {
    double value = std::stod(text, &used);
    if (used == text.size()) {
      return value;
    }
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

} // namespace

std::string human_size(std::int64_t bytes)
{
  static const char* units[] = {"B",  "kB", "MB", "GB", "TB",
                                "PB", "EB", "ZB", "YB"};
  auto size = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (size >= 1000.0 && unit + 1 < std::size(units)) {
    size /= 1000.0;
    ++unit;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g%s", size, units[unit]);
  return buf;
}

std::string human_duration(std::chrono::nanoseconds age)
{
  using namespace std::chrono;
  auto seconds = duration_cast<std::chrono::seconds>(age).count();
  if (seconds < 1) {
    return "Less than a second";
  }
  if (seconds == 1) {
    return "1 second";
  }
  if (seconds < 60) {
    return std::to_string(seconds) + " seconds";
  }
  auto minutes = seconds / 60;
  if (minutes == 1) {
    return "About a minute";
  }
  if (minutes < 60) {
    return std::to_string(minutes) + " minutes";
  }
  double exact_hours = duration<double, std::ratio<3600>>(age).count();
  // Go adds a half and truncates; for positive ages that is rounding.
  auto hours = static_cast<std::int64_t>(std::lround(exact_hours));
  if (hours == 1) {
    return "About an hour";
  }
  if (hours < 48) {
    return std::to_string(hours) + " hours";
  }
  if (hours < 24 * 7 * 2) {
    return std::to_string(hours / 24) + " days";
  }
  if (hours < 24 * 30 * 2) {
    return std::to_string(hours / 24 / 7) + " weeks";
  }
  if (hours < 24 * 365 * 2) {
    return std::to_string(hours / 24 / 30) + " months";
  }
  return std::to_string(static_cast<std::int64_t>(exact_hours) / 24 / 365) +
         " years";
}

std::string go_time(std::chrono::system_clock::time_point at)
{
  auto ns =
    std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch())
      .count();
  std::time_t secs = static_cast<std::time_t>(ns / 1000000000);
  long frac = static_cast<long>(ns % 1000000000);
  if (frac < 0) {
    frac += 1000000000;
    --secs;
  }
  std::tm tm{};
  localtime_r(&secs, &tm);
  char date[64];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
  std::string out = date;
  if (frac != 0) {
    char digits[16];
    std::snprintf(digits, sizeof digits, ".%09ld", frac);
    std::string f = digits;
    while (f.back() == '0') {
      f.pop_back();
    }
    out += f;
  }
  char zone[64];
  std::strftime(zone, sizeof zone, " %z %Z", &tm);
  return out + zone;
}

std::chrono::nanoseconds parse_go_duration(const std::string& text)
{
  static const std::map<std::string, double> units = {
    {"ns", 1.0}, {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"\xce\xbcs", 1e3},
    {"ms", 1e6}, {"s", 1e9},  {"m", 60e9},        {"h", 3600e9},
  };
  std::string quoted = util::quote(text);
  std::string s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.erase(0, 1);
  }
  if (s == "0") {
    return std::chrono::nanoseconds(0);
  }
  if (s.empty()) {
    throw UserError("time: invalid duration " + quoted);
  }
  double total = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t start = i;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) {
      ++i;
    }
    auto number = parse_number(s.substr(start, i - start));
    if (!number) {
      throw UserError("time: invalid duration " + quoted);
    }
    start = i;
    while (i < s.size() && s[i] != '.' && (s[i] < '0' || s[i] > '9')) {
      ++i;
    }
    std::string unit = s.substr(start, i - start);
    if (unit.empty()) {
      throw UserError("time: missing unit in duration " + quoted);
    }
    auto it = units.find(unit);
    if (it == units.end()) {
      throw UserError("time: unknown unit " + util::quote(unit) +
                      " in duration " + quoted);
    }
    total += *number * it->second;
  }
  auto ns = static_cast<std::int64_t>(total);
  return std::chrono::nanoseconds(negative ? -ns : ns);
}

std::int64_t parse_mem_bytes(const std::string& flag, const std::string& text)
{
  std::string prefix =
    "invalid argument " + util::quote(text) + " for \"" + flag + "\" flag: ";
  auto sep = text.find_last_of("0123456789. ");
  if (sep == std::string::npos) {
    throw UserError(prefix + "invalid size: '" + text + "'");
  }
  std::string num = text.substr(0, text[sep] == ' ' ? sep : sep + 1);
  std::string suffix = util::to_lower(text.substr(sep + 1));
  auto size = parse_number(num);
  if (!size) {
    throw UserError(prefix + "strconv.ParseFloat: parsing " + util::quote(num) +
                    ": invalid syntax");
  }
  if (*size < 0) {
    throw UserError(prefix + "invalid size: '" + text + "'");
  }
  if (suffix.empty() || suffix == "b") {
    return static_cast<std::int64_t>(*size);
  }
  static const std::string letters = "kmgtp";
  auto power = letters.find(suffix[0]);
  bool tail_ok = suffix.size() == 1 ||
                 (suffix.size() == 2 && suffix[1] == 'b') ||
                 (suffix.size() == 3 && suffix.substr(1) == "ib");
  if (power == std::string::npos || !tail_ok) {
    throw UserError(prefix + "invalid suffix: '" + suffix + "'");
  }
  return static_cast<std::int64_t>(
    *size * std::pow(1024.0, static_cast<double>(power + 1)));
}

UsageFilters parse_usage_filters(const std::vector<std::string>& values)
{
  std::map<std::string, std::set<std::string>> by_key;
  for (const auto& value : values) {
    if (value.empty()) {
      continue;
    }
    auto eq = value.find('=');
    if (eq == std::string::npos) {
      throw UserError("invalid argument " + util::quote(value) +
                      " for \"--filter\" flag: bad format of filter "
                      "(expected name=value)");
    }
    by_key[util::to_lower(util::trim(value.substr(0, eq)))].insert(
      util::trim(value.substr(eq + 1)));
  }
  if (by_key.contains("until") && by_key.contains("unused-for")) {
    throw UserError("conflicting filters \"until\" and \"unused-for\"");
  }
  std::string until_key =
    by_key.contains("unused-for") ? "unused-for" : "until";

  UsageFilters out;
  std::vector<std::string> filters;
  for (const auto& [key, set] : by_key) {
    if (set.size() > 1) {
      throw UserError(util::quote(key) + " filter expects only one value");
    }
    const std::string& v = *set.begin();
    if (key == until_key) {
      try {
        out.keep_duration = parse_go_duration(v);
      } catch (const UserError& e) {
        throw UserError(
          util::quote(key) +
          " filter expects a duration (e.g., '24h'): " + e.what());
      }
    } else if (key == "id") {
      filters.push_back(key + "~=" + v);
    } else if (key.ends_with('!') || key.ends_with('~')) {
      filters.push_back(key + "=" + v);
    } else {
      filters.push_back(key + "==" + v);
    }
  }
  out.filters.push_back(util::join(filters, ","));
  return out;
}

std::string usage_id(const buildkit::UsageRecord& r)
{
  return r.id + (r.is_mutable ? "*" : "");
}

std::string usage_size(const buildkit::UsageRecord& r)
{
  return human_size(r.size) + (r.shared ? "*" : "");
}

std::string usage_last_used(const buildkit::UsageRecord& r)
{
  if (!r.last_used_at) {
    return "";
  }
  return human_duration(std::chrono::system_clock::now() - *r.last_used_at) +
         " ago";
}

NodeChannels open_node_channels(const Globals& globals)
{
  store::Store store = open_store();
  Builder builder = load_builder(store, globals.builder);
  if (builder.docker_context || builder.group.nodes.empty()) {
    throw UserError("builder " + util::quote(builder.group.name) +
                    " has no remote node; kiln reaches only remote "
                    "builders so far");
  }
  NodeChannels out;
  for (const auto& node : builder.group.nodes) {
    auto driver = driver::make_driver(builder.group.driver, node);
    auto channel = driver->channel();
    if (!channel) {
      throw UserError(channel.error().message);
    }
    out.channels.push_back(*channel);
    out.drivers.push_back(std::move(driver));
  }
  return out;
}

} // namespace kiln::cli
