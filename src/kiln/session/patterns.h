#pragma once

#include <string>
#include <vector>

namespace kiln::session {

/// Matches `/`-separated relative paths against Docker ignore patterns:
/// `*`, `?`, `[...]`, `\` escapes, `**` for any number of folders, a
/// leading `!` for an exception and a leading `/` that means nothing.
class PatternMatcher {
public:
  PatternMatcher() = default;

  /// Prepares `patterns` as a `.dockerignore` file or the daemon lists
  /// them; blank ones are skipped.
  explicit PatternMatcher(const std::vector<std::string>& patterns);

  /// Returns whether there are no patterns at all.
  [[nodiscard]] bool empty() const { return m_patterns.empty(); }

  /// Returns whether any pattern is an exception (`!`).
  [[nodiscard]] bool has_exceptions() const { return m_exceptions; }

  /// Returns whether `path` or one of its parent folders matches, the
  /// last matching pattern deciding.
  [[nodiscard]] bool matches(const std::string& path) const;

  /// Returns whether some path below folder `dir` could match a
  /// pattern that is not an exception.
  [[nodiscard]] bool may_match_below(const std::string& dir) const;

private:
  struct Pattern {
    std::string text;
    bool exception = false;
  };
  std::vector<Pattern> m_patterns;
  bool m_exceptions = false;
};

/// Returns whether `text` matches the glob `pattern` as a whole; `*` and
/// `?` stop at `/`, `**` crosses folders.
bool glob_match(const std::string& pattern, const std::string& text);

/// Returns `path` cleaned the way Go's `path.Clean` does, without a
/// leading `/`; `.` for an empty result.
std::string clean_path(const std::string& path);

} // namespace kiln::session
