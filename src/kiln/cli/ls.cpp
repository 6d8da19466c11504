// `ls`: every builder and node with its status, queried in parallel,
// and, unlike Buildx, why each inactive node is down.
#include <future>
#include <iostream>

#include <nlohmann/json.hpp>

#include "kiln/cli/commands.h"
#include "kiln/engine/host.h"
#include "kiln/util/error.h"
#include "kiln/util/tabwriter.h"

namespace kiln::cli {

namespace {

struct LsOptions {
  std::string format = "table";
  std::string timeout = "5s";
};

std::string status_text(const driver::NodeStatus& s)
{
  return s.running ? "running" : "inactive";
}

nlohmann::json node_json(const NodeReport& r)
{
  nlohmann::json n;
  n["Name"] = r.node.name;
  n["Endpoint"] = r.node.endpoint;
  n["Status"] = status_text(r.status);
  if (!r.status.version.empty()) {
    n["Version"] = r.status.version;
  }
  nlohmann::json platforms = nlohmann::json::array();
  for (const auto& p : r.status.platforms) {
    platforms.push_back(
      {{"architecture", p.architecture}, {"os", p.os}, {"variant", p.variant}});
    if (p.variant.empty()) {
      platforms.back().erase("variant");
    }
  }
  n["Platforms"] = platforms;
  if (!r.node.driver_opts.empty()) {
    n["DriverOpts"] = r.node.driver_opts;
  }
  if (!r.status.running) {
    n["Err"] = r.status.reason;
  }
  if (std::string rtt = format_round_trip(r.status.round_trip); !rtt.empty()) {
    n["RoundTrip"] = rtt;
  }
  return n;
}

void run_ls(const LsOptions& opts)
{
  if (opts.format != "table" && opts.format != "json") {
    throw util::UserError("invalid format " + util::quote(opts.format) +
                          ": expected table or json");
  }
  auto timeout = parse_duration(opts.timeout);

  // Read everything under the lock, then let it go before any dialling.
  store::Store store = open_store();
  std::vector<Builder> builders;
  std::vector<store::BadEntry> bad;
  {
    auto lock = store.lock();
    auto listing = store.list();
    for (auto& g : listing.groups) {
      Builder b;
      b.group = std::move(g);
      b.last_activity = store.last_activity(b.group.name);
      builders.push_back(std::move(b));
    }
    bad = std::move(listing.bad);
  }
  builders.push_back(context_builder());

  // The queries start first: naming the current builder hashes the
  // Docker endpoint, and OpenSSL's first use costs more than a local
  // round trip. Reading `current` needs no lock (files are renamed in).
  auto pending = std::async(std::launch::async, [&builders, timeout] {
    return query_nodes(builders, timeout);
  });
  std::string current = current_builder_name(store);
  auto reports = pending.get();

  // The Engine's own builder is listed when its Engine answers, or when
  // it is the current builder so that the `*` has somewhere to go.
  const auto& engine_reports = reports.back();
  bool engine_up =
    !engine_reports.empty() && engine_reports.front().status.running;
  if (!engine_up && builders.back().group.name != current) {
    builders.pop_back();
    reports.pop_back();
  }

  if (opts.format == "json") {
    for (size_t i = 0; i < builders.size(); ++i) {
      nlohmann::json b;
      b["Name"] = builders[i].group.name;
      b["Driver"] = builders[i].group.driver;
      b["Dynamic"] = builders[i].group.dynamic;
      b["Current"] = builders[i].group.name == current;
      b["Nodes"] = nlohmann::json::array();
      for (const auto& r : reports[i]) {
        b["Nodes"].push_back(node_json(r));
      }
      std::cout << b.dump() << '\n';
    }
  } else {
    std::string text =
      "NAME/NODE\tDRIVER/ENDPOINT\tSTATUS\tROUND TRIP\tBUILDKIT\t"
      "PLATFORMS\n";
    for (size_t i = 0; i < builders.size(); ++i) {
      const auto& g = builders[i].group;
      text += g.name + (g.name == current ? "*" : "") + "\t" + g.driver +
              "\t\t\t\t\n";
      for (const auto& r : reports[i]) {
        text += " \\_ " + r.node.name + "\t \\_ " + r.node.endpoint + "\t" +
                status_text(r.status) + "\t" +
                format_round_trip(r.status.round_trip) + "\t" +
                r.status.version + "\t" +
                format_platforms(r.node, r.status.platforms) + "\n";
      }
    }
    std::cout << util::tabwrite(text, 10, 3);
  }
  std::cout.flush();

  // Why each inactive node is down: the part Buildx leaves out.
  bool first = true;
  auto note = [&first](const std::string& line) {
    if (first) {
      std::cerr << '\n';
      first = false;
    }
    std::cerr << line << '\n';
  };
  for (size_t i = 0; i < builders.size(); ++i) {
    for (const auto& r : reports[i]) {
      if (!r.status.running) {
        note(builders[i].group.name + " (" + r.node.name +
             ") inactive: " + r.status.reason);
      }
    }
  }
  for (const auto& b : bad) {
    note("Cannot load builder " + b.name + ": " + b.message);
  }
}

} // namespace

void add_ls(CLI::App& app, const Globals& globals)
{
  (void)globals;
  auto opts = std::make_shared<LsOptions>();
  auto* cmd = app.add_subcommand("ls", "List builder instances");
  cmd->add_option("--format", opts->format, "Format the output (table, json)");
  cmd->add_option("--timeout", opts->timeout,
                  "Override the node status timeout (default 5s)");
  cmd->callback([opts] { run_ls(*opts); });
}

} // namespace kiln::cli
