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

/// Returns `text` without leading and trailing spaces, tabs and line
/// breaks.
std::string trim(const std::string& text);

/// Returns `text` with ASCII letters in lowercase.
std::string to_lower(std::string text);

/// Returns the value of hex digit `c`, or -1 when it is not one.
int hex_digit(char c);

/// Returns the edit distance between `a` and `b`.
size_t edit_distance(const std::string& a, const std::string& b);

/// Returns `candidates` closest to `word` (distance at most 2), best
/// first, for "did you mean" hints.
std::vector<std::string> suggest(const std::string& word,
                                 const std::vector<std::string>& candidates);

} // namespace kiln::util
