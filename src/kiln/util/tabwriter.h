#pragma once

#include <string>

namespace kiln::util {

/// Aligns tab-separated cells into columns the way the Docker CLI's
/// tables are aligned: consecutive lines that share a column form a
/// block whose cells are padded to the widest cell plus `padding`, and
/// never narrower than `min_width`. Text after a line's last tab is not
/// part of a column.
std::string tabwrite(const std::string& text, size_t min_width, size_t padding);

/// Aligns like `tabwrite` but pads with tabs, each column widened to a
/// multiple of 8, as Go's tab writer does with a tab pad character.
std::string tabwrite_tabs(const std::string& text, size_t min_width,
                          size_t padding);

} // namespace kiln::util
