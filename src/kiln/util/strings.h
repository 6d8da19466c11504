#pragma once

#include <string>
#include <vector>

namespace kiln::util {

/// Splits one line of comma-separated fields, honouring double quotes
/// (`a="x,y",b` gives `a=x,y` and `b`); throws `UserError` naming `text`
/// on an unterminated quote.
std::vector<std::string> split_csv(const std::string& text);

/// Returns `items` with `separator` between each two.
std::string join(const std::vector<std::string>& items,
                 const std::string& separator);

/// Returns the edit distance between `a` and `b`.
size_t edit_distance(const std::string& a, const std::string& b);

/// Returns `candidates` closest to `word` (distance at most 2), best
/// first, for "did you mean" hints.
std::vector<std::string> suggest(const std::string& word,
                                 const std::vector<std::string>& candidates);

} // namespace kiln::util
