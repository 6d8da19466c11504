// `du`: the build cache records of a builder's daemons and their total,
// in Buildx's table or, with --verbose, its pretty format.
#include <iostream>

#include "kiln/buildkit/usage.h"
#include "kiln/cli/commands.h"
#include "kiln/cli/usage_format.h"
#include "kiln/util/error.h"
#include "kiln/util/tabwriter.h"

namespace kiln::cli {

namespace {

struct DuFlags {
  std::vector<std::string> filters;
  bool verbose = false;
};

std::string format_table(const std::vector<buildkit::UsageRecord>& records)
{
  std::string text = "ID\tRECLAIMABLE\tSIZE\tLAST ACCESSED\n";
  for (const auto& r : records) {
    text += usage_id(r) + '\t' + (r.in_use ? "false" : "true") + '\t' +
            usage_size(r) + '\t' + usage_last_used(r) + '\n';
  }
  return util::tabwrite(text, 10, 3);
}

std::string format_pretty(const buildkit::UsageRecord& r)
{
  auto flag = [](bool b) { return b ? "true" : "false"; };
  std::string out = "ID:           " + r.id + '\n';
  if (!r.parents.empty()) {
    out += "Parents:\n";
    for (const auto& p : r.parents) {
      out += " - " + p + '\n';
    }
  }
  out += "Created at:   " + go_time(r.created_at) + '\n';
  out += std::string("Mutable:      ") + flag(r.is_mutable) + '\n';
  out += std::string("Reclaimable:  ") + flag(!r.in_use) + '\n';
  out += std::string("Shared:       ") + flag(r.shared) + '\n';
  out += "Size:         " + human_size(r.size) + '\n';
  if (!r.description.empty()) {
    out += "Description:  " + r.description + '\n';
  }
  out += "Usage count:  " + std::to_string(r.usage_count) + '\n';
  if (std::string used = usage_last_used(r); !used.empty()) {
    out += "Last used:    " + used + '\n';
  }
  if (!r.record_type.empty()) {
    out += "Type:         " + r.record_type + '\n';
  }
  return out + '\n';
}

std::string format_summary(const std::vector<buildkit::UsageRecord>& records)
{
  std::int64_t total = 0;
  std::int64_t reclaimable = 0;
  std::int64_t shared = 0;
  for (const auto& r : records) {
    if (r.size > 0) {
      total += r.size;
      reclaimable += r.in_use ? 0 : r.size;
    }
    shared += r.shared ? r.size : 0;
  }
  std::string text;
  if (shared > 0) {
    text += "Shared:\t" + human_size(shared) + '\n';
    text += "Private:\t" + human_size(total - shared) + '\n';
  }
  text += "Reclaimable:\t" + human_size(reclaimable) + '\n';
  text += "Total:\t" + human_size(total) + '\n';
  return util::tabwrite_tabs(text, 1, 1);
}

void run_du(const DuFlags& flags, const Globals& globals)
{
  UsageFilters filters = parse_usage_filters(flags.filters);
  NodeChannels nodes = open_node_channels(globals);

  std::vector<buildkit::UsageRecord> records;
  for (const auto& channel : nodes.channels) {
    auto found = buildkit::disk_usage(channel, filters.filters);
    if (!found) {
      throw util::UserError(found.error().message);
    }
    records.insert(records.end(), found->begin(), found->end());
  }

  if (flags.verbose) {
    for (const auto& r : records) {
      std::cout << format_pretty(r);
    }
  } else {
    std::cout << format_table(records);
  }
  // Buildx leaves the summary out of filtered listings.
  bool filtered = false;
  for (const auto& f : flags.filters) {
    filtered = filtered || !f.empty();
  }
  if (!filtered) {
    std::cout << format_summary(records);
  }
}

} // namespace

void add_du(CLI::App& app, const Globals& globals)
{
  auto f = std::make_shared<DuFlags>();
  auto* cmd = app.add_subcommand("du", "Disk usage");
  cmd->add_option("--filter", f->filters, "Provide filter values")
    ->allow_extra_args(false);
  cmd->add_flag("--verbose", f->verbose, "Shorthand for \"--format=pretty\"");
  cmd->callback([f, &globals] { run_du(*f, globals); });
}

} // namespace kiln::cli
