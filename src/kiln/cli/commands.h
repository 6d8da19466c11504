#pragma once

#include <CLI/CLI.hpp>

#include "kiln/cli/common.h"

namespace kiln::cli {

/// Each subcommand registers itself on `app`; its callback runs the
/// command with `globals` filled in by then.
void add_build(CLI::App& app, const Globals& globals);
void add_certs(CLI::App& app, const Globals& globals);
void add_create(CLI::App& app, const Globals& globals);
void add_du(CLI::App& app, const Globals& globals);
void add_ls(CLI::App& app, const Globals& globals);
void add_inspect(CLI::App& app, const Globals& globals);
void add_prune(CLI::App& app, const Globals& globals);
void add_use(CLI::App& app, const Globals& globals);
void add_rm(CLI::App& app, const Globals& globals);
void add_stop(CLI::App& app, const Globals& globals);
void add_version(CLI::App& app, const Globals& globals);

} // namespace kiln::cli
