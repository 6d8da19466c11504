// `inspect`: one builder's fields and each node's status, laid out as
// Buildx lays them out, with the reason when a node is down.
#include <iomanip>
#include <iostream>
#include <sstream>

#include "kiln/cli/bootstrap.h"
#include "kiln/cli/commands.h"
#include "kiln/util/error.h"
#include "kiln/util/tabwriter.h"

namespace kiln::cli {

namespace {

struct InspectOptions {
  std::string name;
  bool bootstrap = false;
  std::string timeout;
};

// Bytes in Go's units.BytesSize form: 488.3MiB.
std::string bytes_size(std::int64_t bytes)
{
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 6) {
    value /= 1024;
    ++unit;
  }
  std::ostringstream out;
  out << std::setprecision(4) << value << units[unit];
  return out.str();
}

// A duration in Go's time.Duration.String form for whole seconds: 48h0m0s.
std::string go_duration(std::int64_t ns)
{
  std::int64_t secs = ns / 1000000000;
  std::int64_t h = secs / 3600;
  std::int64_t m = secs % 3600 / 60;
  std::int64_t s = secs % 60;
  std::string out;
  if (h > 0) {
    out += std::to_string(h) + "h";
  }
  if (h > 0 || m > 0) {
    out += std::to_string(m) + "m";
  }
  return out + std::to_string(s) + "s";
}

std::string time_text(std::chrono::system_clock::time_point t)
{
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  std::ostringstream out;
  out << std::put_time(&tm, "%Y-%m-%d %H:%M:%S +0000 UTC");
  return out.str();
}

void write_node(std::ostringstream& w, const NodeReport& r)
{
  const store::Node& n = r.node;
  const driver::NodeStatus& s = r.status;
  w << "Name:\t" << n.name << '\n';
  w << "Endpoint:\t" << n.endpoint << '\n';
  if (!n.driver_opts.empty()) {
    std::string opts;
    for (const auto& [k, v] : n.driver_opts) {
      opts += (opts.empty() ? "" : " ") + k + "=" + util::quote(v);
    }
    w << "Driver Options:\t" << opts << '\n';
  }
  w << "Status:\t" << (s.running ? "running" : "inactive") << '\n';
  if (!s.running) {
    w << "Error:\t" << s.reason << '\n';
  }
  if (std::string rtt = format_round_trip(s.round_trip); !rtt.empty()) {
    w << "Round Trip:\t" << rtt << '\n';
  }
  if (!s.version.empty()) {
    w << "BuildKit version:\t" << s.version << '\n';
  }
  std::string platforms = format_platforms(n, s.platforms);
  if (!platforms.empty()) {
    w << "Platforms:\t" << platforms << '\n';
  }
  if (!s.labels.empty()) {
    w << "Labels:\n";
    for (const auto& [k, v] : s.labels) {
      w << '\t' << k << ":\t" << v << '\n';
    }
  }
  for (size_t i = 0; i < s.gc_policy.size(); ++i) {
    const auto& rule = s.gc_policy[i];
    w << "GC Policy rule#" << i << ":\n";
    w << "\tAll:\t" << (rule.all ? "true" : "false") << '\n';
    if (!rule.filters.empty()) {
      std::string f;
      for (const auto& item : rule.filters) {
        f += (f.empty() ? "" : " ") + item;
      }
      w << "\tFilters:\t" << f << '\n';
    }
    if (rule.keep_duration_ns > 0) {
      w << "\tKeep Duration:\t" << go_duration(rule.keep_duration_ns) << '\n';
    }
    if (rule.reserved_space > 0) {
      w << "\tReserved Space:\t" << bytes_size(rule.reserved_space) << '\n';
    }
    if (rule.max_used_space > 0) {
      w << "\tMax Used Space:\t" << bytes_size(rule.max_used_space) << '\n';
    }
    if (rule.min_free_space > 0) {
      w << "\tMin Free Space:\t" << bytes_size(rule.min_free_space) << '\n';
    }
  }
}

void run_inspect(const InspectOptions& opts, const Globals& globals)
{
  auto timeout = opts.timeout.empty() ? std::chrono::milliseconds(0)
                                      : parse_duration(opts.timeout);
  store::Store store = open_store();
  Builder builder =
    load_builder(store, opts.name.empty() ? globals.builder : opts.name);

  if (opts.bootstrap) {
    bootstrap(builder,
              timeout.count() > 0 ? timeout : std::chrono::seconds(20));
  }
  auto reports =
    query_nodes({builder}, timeout.count() > 0
                             ? timeout
                             : std::chrono::milliseconds(k_default_timeout));

  std::ostringstream w;
  w << "Name:\t" << builder.group.name << '\n';
  w << "Driver:\t" << builder.group.driver << '\n';
  if (builder.last_activity) {
    w << "Last Activity:\t" << time_text(*builder.last_activity) << '\n';
  }
  w << "\nNodes:\n";
  for (size_t i = 0; i < reports[0].size(); ++i) {
    if (i != 0) {
      w << '\n';
    }
    write_node(w, reports[0][i]);
  }
  std::cout << util::tabwrite(w.str(), 0, 1) << std::flush;
}

} // namespace

void add_inspect(CLI::App& app, const Globals& globals)
{
  auto o = std::make_shared<InspectOptions>();
  auto* cmd = app.add_subcommand("inspect", "Inspect current builder instance");
  cmd->add_option("name", o->name, "Builder name");
  cmd->add_flag("--bootstrap", o->bootstrap,
                "Ensure builder has booted before inspecting");
  cmd->add_option("--timeout", o->timeout,
                  "Override the node status timeout (default 5s; 20s "
                  "with --bootstrap)");
  cmd->callback([o, &globals] { run_inspect(*o, globals); });
}

} // namespace kiln::cli
