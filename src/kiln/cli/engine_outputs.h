#pragma once

#include "kiln/cli/build_options.h"
#include "kiln/driver/driver.h"

namespace kiln::cli {

/// Rewrites `plan` for the Docker Engine's own builder, as Buildx's
/// docker driver does: images go straight into the Engine's image store
/// (its `moby` exporter), `FROM` prefers the Engine's local images, and
/// outputs that the Engine described by `features` cannot produce are
/// refused with Buildx's explanation (`util::UserError`).
void adapt_for_engine(BuildPlan& plan, const driver::EngineFeatures& features);

} // namespace kiln::cli
