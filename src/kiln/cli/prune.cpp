// `prune`: removes a builder's build cache, listing each record as the
// daemon removes it and the total, as Buildx does.
#include <iostream>

#include "kiln/buildkit/usage.h"
#include "kiln/cli/commands.h"
#include "kiln/cli/usage_format.h"
#include "kiln/util/error.h"
#include "kiln/util/tabwriter.h"

namespace kiln::cli {

namespace {

struct PruneFlags {
  bool all = false;
  std::vector<std::string> filters;
  std::string reserved_space;
  std::string max_used_space;
  std::string min_free_space;
  std::string keep_storage;
  bool force = false;
  bool verbose = false;
};

constexpr const char* k_dangling_warning =
  "WARNING! This will remove all dangling build cache. Are you sure you "
  "want to continue?";
constexpr const char* k_all_warning =
  "WARNING! This will remove all build cache. Are you sure you want to "
  "continue?";

// Asks on stdout and reads one line of stdin, terminal or not, as
// Buildx does; only `y` or `Y` goes on.
bool confirm(const char* warning)
{
  std::cout << warning << " [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y";
}

std::string pad_right(std::string text, std::size_t width)
{
  if (text.size() < width) {
    text.append(width - text.size(), ' ');
  }
  return text;
}

std::string table_row(const buildkit::UsageRecord& r)
{
  return pad_right(usage_id(r), 40) + '\t' +
         pad_right(r.in_use ? "false" : "true", 5) + '\t' +
         pad_right(usage_size(r), 10) + '\t' + usage_last_used(r) + '\n';
}

std::string verbose_record(const buildkit::UsageRecord& r)
{
  auto flag = [](bool b) { return std::string(b ? "true" : "false"); };
  std::string text = "ID:\t" + r.id + '\n';
  if (!r.parents.empty()) {
    std::string parents;
    for (const auto& p : r.parents) {
      parents += (parents.empty() ? "" : ",") + p;
    }
    text += "Parent:\t" + parents + '\n';
  }
  text += "Created at:\t" + go_time(r.created_at) + '\n';
  text += "Mutable:\t" + flag(r.is_mutable) + '\n';
  text += "Reclaimable:\t" + flag(!r.in_use) + '\n';
  text += "Shared:\t" + flag(r.shared) + '\n';
  text += "Size:\t" + human_size(r.size) + '\n';
  if (!r.description.empty()) {
    text += "Description:\t" + r.description + '\n';
  }
  text += "Usage count:\t" + std::to_string(r.usage_count) + '\n';
  if (std::string used = usage_last_used(r); !used.empty()) {
    text += "Last used:\t" + used + '\n';
  }
  if (!r.record_type.empty()) {
    text += "Type:\t" + r.record_type + '\n';
  }
  return util::tabwrite_tabs(text + '\n', 1, 1);
}

void run_prune(const PruneFlags& flags, const Globals& globals)
{
  UsageFilters filters = parse_usage_filters(flags.filters);
  buildkit::PruneOptions options;
  options.filters = filters.filters;
  options.keep_duration = filters.keep_duration;
  options.all = flags.all;
  // --keep-storage is the older name of --reserved-space.
  if (!flags.keep_storage.empty()) {
    options.reserved_space =
      parse_mem_bytes("--keep-storage", flags.keep_storage);
  }
  if (!flags.reserved_space.empty()) {
    options.reserved_space =
      parse_mem_bytes("--reserved-space", flags.reserved_space);
  }
  if (!flags.max_used_space.empty()) {
    options.max_used_space =
      parse_mem_bytes("--max-used-space", flags.max_used_space);
  }
  if (!flags.min_free_space.empty()) {
    options.min_free_space =
      parse_mem_bytes("--min-free-space", flags.min_free_space);
  }
  if (!flags.force &&
      !confirm(flags.all ? k_all_warning : k_dangling_warning)) {
    return;
  }
  NodeChannels nodes = open_node_channels(globals);

  std::int64_t total = 0;
  bool first = true;
  for (const auto& channel : nodes.channels) {
    auto done =
      buildkit::prune(channel, options, [&](const buildkit::UsageRecord& r) {
        total += r.size;
        if (flags.verbose) {
          std::cout << verbose_record(r) << std::flush;
          return;
        }
        // The header shares its column widths with the first row only.
        std::string text =
          first ? "ID\tRECLAIMABLE\tSIZE\tLAST ACCESSED\n" : "";
        first = false;
        std::cout << util::tabwrite_tabs(text + table_row(r), 1, 1)
                  << std::flush;
      });
    if (!done) {
      throw util::UserError(done.error().message);
    }
  }
  std::cout << util::tabwrite_tabs("Total:\t" + human_size(total) + '\n', 1, 1);
}

} // namespace

void add_prune(CLI::App& app, const Globals& globals)
{
  auto f = std::make_shared<PruneFlags>();
  auto* cmd = app.add_subcommand("prune", "Remove build cache");
  cmd->add_flag("-a,--all", f->all, "Include internal/frontend images");
  cmd->add_option("--filter", f->filters, "Provide filter values")
    ->allow_extra_args(false);
  cmd->add_option("--reserved-space", f->reserved_space,
                  "Amount of disk space always allowed to keep for cache");
  cmd->add_option("--min-free-space", f->min_free_space,
                  "Target amount of free disk space after pruning");
  cmd->add_option("--max-used-space", f->max_used_space,
                  "Maximum amount of disk space allowed to keep for cache");
  cmd->add_option("--keep-storage", f->keep_storage,
                  "Amount of disk space to keep for cache");
  cmd->add_flag("--verbose", f->verbose, "Provide a more verbose output");
  cmd->add_flag("-f,--force", f->force, "Do not prompt for confirmation");
  cmd->callback([f, &globals] { run_prune(*f, globals); });
}

} // namespace kiln::cli
