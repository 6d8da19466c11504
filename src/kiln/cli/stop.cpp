// `stop`: a remote builder's daemon is run by someone else, so there is
// nothing for kiln to stop; the builder must exist all the same.
#include "kiln/cli/commands.h"

namespace kiln::cli {

void add_stop(CLI::App& app, const Globals& globals)
{
  auto name = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("stop", "Stop builder instance");
  cmd->add_option("name", *name, "Builder name");
  cmd->callback([name, &globals] {
    store::Store store = open_store();
    load_builder(store, name->empty() ? globals.builder : *name);
  });
}

} // namespace kiln::cli
