// `version`: kiln's version in Buildx's one-line form.
#include <iostream>

#include "kiln/cli/commands.h"
#include "kiln/cli/version.h"

namespace kiln::cli {

void add_version(CLI::App& app, const Globals& globals)
{
  (void)globals;
  auto* cmd = app.add_subcommand("version", "Show kiln version information");
  cmd->callback([] { std::cout << "kiln " << version_string() << '\n'; });
}

} // namespace kiln::cli
