// `rm`: forget builders. A remote builder's daemon belongs to someone
// else, so nothing is dialled: this works offline.
#include <iostream>

#include "kiln/cli/commands.h"
#include "kiln/engine/host.h"
#include "kiln/util/error.h"

namespace kiln::cli {

namespace {

struct RmOptions {
  std::vector<std::string> names;
  bool force = false;
  bool all_inactive = false;
  bool keep_state = false;
  bool keep_daemon = false;
};

void run_rm(const RmOptions& opts, const Globals& globals)
{
  if (opts.all_inactive) {
    throw util::UserError("--all-inactive is not supported by kiln yet");
  }
  store::Store store = open_store();
  std::vector<std::string> names = opts.names;
  if (names.empty()) {
    names.push_back(globals.builder.empty() ? current_builder_name(store)
                                            : globals.builder);
  }
  engine::Host host = engine::current_host();

  // Check every name before removing any, so a typo removes nothing.
  auto lock = store.lock();
  for (const auto& name : names) {
    if (name == host.context) {
      throw util::UserError("context builder cannot be removed, run `docker "
                            "context rm " +
                            name + "` to remove this context");
    }
    if (!store.get(name)) {
      throw util::UserError("no builder " + util::quote(name) + " found");
    }
  }
  for (const auto& name : names) {
    store.remove(name);
    std::cerr << name << " removed\n";
  }
}

} // namespace

void add_rm(CLI::App& app, const Globals& globals)
{
  auto o = std::make_shared<RmOptions>();
  auto* cmd = app.add_subcommand("rm", "Remove one or more builder instances");
  cmd->add_option("name", o->names, "Builder names");
  cmd->add_flag("-f,--force", o->force, "Do not prompt for confirmation");
  cmd->add_flag("--all-inactive", o->all_inactive,
                "Remove all inactive builders");
  cmd->add_flag("--keep-state", o->keep_state, "Keep BuildKit state");
  cmd->add_flag("--keep-daemon", o->keep_daemon, "Keep the BuildKit daemon");
  cmd->callback([o, &globals] { run_rm(*o, globals); });
}

} // namespace kiln::cli
