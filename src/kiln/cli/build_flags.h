#pragma once

#include <CLI/CLI.hpp>

#include "kiln/cli/build_options.h"

namespace kiln::cli {

/// Registers the flags of `build` on `cmd`, filling `flags`, in the
/// order Buildx's help lists them.
void add_build_flags(CLI::App& cmd, BuildFlags& flags);

} // namespace kiln::cli
