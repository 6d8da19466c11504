#pragma once

#include <string>

namespace kiln::cli {

/// Returns kiln's version, e.g. `v0.1.0`.
std::string version_string();

} // namespace kiln::cli
