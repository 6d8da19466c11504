#pragma once

#include <string>

namespace kiln::buildkit {

/// Returns the source excerpts BuildKit attached to a failed call's
/// `details` (the serialised rich status), laid out as Buildx shows
/// them: the file and line, then the lines around the failing one with
/// `>>>` marking it; empty when there are none.
std::string format_error_sources(const std::string& details);

} // namespace kiln::buildkit
