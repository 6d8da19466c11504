// `use`: make a builder the current one for this Docker endpoint.
#include "kiln/cli/commands.h"
#include "kiln/engine/host.h"
#include "kiln/util/error.h"

namespace kiln::cli {

namespace {

struct UseOptions {
  std::string name;
  bool global = false;
  bool make_default = false;
};

void run_use(const UseOptions& opts, const Globals& globals)
{
  std::string name = opts.name.empty() ? globals.builder : opts.name;
  if (name.empty()) {
    throw util::UserError("use requires a builder name");
  }
  engine::Host host = engine::current_host();
  std::string key = engine::store_key(host);

  store::Store store = open_store();
  auto lock = store.lock();
  if (store.get(name)) {
    store.set_current(key, name, opts.global, opts.make_default);
    return;
  }
  if (name == "default" && host.context != "default") {
    throw util::UserError("run `docker context use default` to switch to "
                          "default context");
  }
  if (name == host.context) {
    store.reset_current(key);
    return;
  }
  throw util::UserError("failed to find instance " + util::quote(name));
}

} // namespace

void add_use(CLI::App& app, const Globals& globals)
{
  auto o = std::make_shared<UseOptions>();
  auto* cmd = app.add_subcommand("use", "Set the current builder instance");
  cmd->add_option("name", o->name, "Builder name");
  cmd->add_flag("--global", o->global, "Builder persists context changes");
  cmd->add_flag("--default", o->make_default,
                "Set builder as default for current context");
  cmd->callback([o, &globals] { run_use(*o, globals); });
}

} // namespace kiln::cli
