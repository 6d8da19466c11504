#pragma once

#include <string>

#include "kiln/engine/host.h"
#include "kiln/util/result.h"

namespace kiln::engine {

/// Asks the Engine at `host` to push its image `name` (`repo[:tag]`,
/// tag `latest` when none) with `POST /images/{repo}/push`, anonymously,
/// and waits until the Engine is done; fails with the Engine's error.
util::Result<util::Unit> push_image(const Host& host, const std::string& name);

/// Splits `name` into its repository and tag, the tag defaulting to
/// `latest`; a colon before the last slash is a registry's port.
std::pair<std::string, std::string> split_tag(const std::string& name);

} // namespace kiln::engine
