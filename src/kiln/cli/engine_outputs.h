#pragma once

#include <string>
#include <vector>

#include "kiln/cli/build_options.h"
#include "kiln/driver/driver.h"
#include "kiln/progress/display.h"
#include "kiln/session/credentials.h"
#include "kiln/util/result.h"

namespace kiln::cli {

/// Rewrites `plan` for the Docker Engine's own builder, as Buildx's
/// docker driver does: images go straight into the Engine's image store
/// (its `moby` exporter), `FROM` prefers the Engine's local images, and
/// outputs that the Engine described by `features` cannot produce are
/// refused with Buildx's explanation (`util::UserError`). Returns the
/// image names to push through the Engine once the build is done, for
/// an Engine whose exporter cannot push.
std::vector<std::string>
adapt_for_engine(BuildPlan& plan, const driver::EngineFeatures& features);

/// Pushes each of `names` through the current Docker Engine, one after
/// the other, with the login `credentials` hold for its registry,
/// showing each as a step on `display`; stops at the first failure.
util::Result<util::Unit> push_with_engine(const std::vector<std::string>& names,
                                          session::CredentialStore& credentials,
                                          progress::Display& display);

} // namespace kiln::cli
