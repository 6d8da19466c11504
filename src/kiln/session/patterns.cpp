#include "kiln/session/patterns.h"

#include <cstddef>
#include <string_view>

#include "kiln/util/strings.h"

namespace kiln::session {

namespace {

// Matches one `[...]` class starting at `p[at]` against `c`; sets `end`
// past the closing bracket. A malformed class matches nothing.
bool match_class(std::string_view p, std::size_t at, char c, std::size_t& end)
{
  std::size_t i = at + 1;
  bool negate = i < p.size() && (p[i] == '^' || p[i] == '!');
  if (negate) {
    ++i;
  }
  bool found = false;
  bool first = true;
  while (i < p.size() && (p[i] != ']' || first)) {
    first = false;
    char lo = p[i];
    if (lo == '\\' && i + 1 < p.size()) {
      lo = p[++i];
    }
    char hi = lo;
    if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      hi = p[i + 2];
      if (hi == '\\' && i + 3 < p.size()) {
        ++i;
        hi = p[i + 2];
      }
      i += 2;
    }
    if (lo <= c && c <= hi) {
      found = true;
    }
    ++i;
  }
  if (i >= p.size()) {
    end = p.size();
    return false;
  }
  end = i + 1;
  return c != '/' && found != negate;
}

bool match_at(std::string_view p, std::string_view s)
{
  while (!p.empty()) {
    if (p.starts_with("**")) {
      std::size_t stars = p.find_first_not_of('*');
      std::string_view rest =
        stars == std::string_view::npos ? "" : p.substr(stars);
      if (rest.starts_with('/')) {
        // `**/` matches nothing or any run of whole folders.
        rest.remove_prefix(1);
        for (std::size_t i = 0; i <= s.size(); ++i) {
          if ((i == 0 || s[i - 1] == '/') && match_at(rest, s.substr(i))) {
            return true;
          }
        }
        return false;
      }
      for (std::size_t i = 0; i <= s.size(); ++i) {
        if (match_at(rest, s.substr(i))) {
          return true;
        }
      }
      return false;
    }
    char c = p.front();
    if (c == '*') {
      std::string_view rest = p.substr(1);
      for (std::size_t i = 0; i <= s.size(); ++i) {
        if (match_at(rest, s.substr(i))) {
          return true;
        }
        if (i < s.size() && s[i] == '/') {
          return false;
        }
      }
      return false;
    }
    if (s.empty()) {
      return false;
    }
    if (c == '?') {
      if (s.front() == '/') {
        return false;
      }
      p.remove_prefix(1);
    } else if (c == '[') {
      std::size_t end = 0;
      if (!match_class(p, 0, s.front(), end)) {
        return false;
      }
      p.remove_prefix(end);
    } else {
      if (c == '\\' && p.size() > 1) {
        p.remove_prefix(1);
        c = p.front();
      }
      if (s.front() != c) {
        return false;
      }
      p.remove_prefix(1);
    }
    s.remove_prefix(1);
  }
  return s.empty();
}

std::vector<std::string> split(const std::string& path)
{
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at <= path.size()) {
    auto slash = path.find('/', at);
    if (slash == std::string::npos) {
      slash = path.size();
    }
    out.push_back(path.substr(at, slash - at));
    at = slash + 1;
  }
  return out;
}

} // namespace

bool glob_match(const std::string& pattern, const std::string& text)
{
  return match_at(pattern, text);
}

std::string clean_path(const std::string& path)
{
  std::vector<std::string> parts;
  for (const auto& part : split(path)) {
    if (part.empty() || part == ".") {
      continue;
    }
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (path.starts_with('/')) {
        continue;
      } else {
        parts.push_back(part);
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (const auto& part : parts) {
    out += (out.empty() ? "" : "/") + part;
  }
  return out.empty() ? "." : out;
}

PatternMatcher::PatternMatcher(const std::vector<std::string>& patterns)
{
  for (const auto& raw : patterns) {
    std::string text = util::trim(raw);
    Pattern p;
    if (text.starts_with('!')) {
      p.exception = true;
      text = util::trim(text.substr(1));
    }
    if (text.empty()) {
      continue;
    }
    // A leading `/` anchors nothing: patterns are relative already.
    text = clean_path("/" + text);
    if (text == ".") {
      continue;
    }
    m_exceptions = m_exceptions || p.exception;
    p.text = std::move(text);
    m_patterns.push_back(std::move(p));
  }
}

bool PatternMatcher::matches(const std::string& path) const
{
  std::vector<std::string> parents;
  for (auto slash = path.find('/'); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    parents.push_back(path.substr(0, slash));
  }

  bool matched = false;
  for (const auto& p : m_patterns) {
    // Only a pattern that could flip the answer needs a look.
    if (p.exception != matched) {
      continue;
    }
    bool hit = glob_match(p.text, path);
    for (std::size_t i = 0; !hit && i < parents.size(); ++i) {
      hit = glob_match(p.text, parents[i]);
    }
    if (hit) {
      matched = !p.exception;
    }
  }
  return matched;
}

bool PatternMatcher::may_match_below(const std::string& dir) const
{
  std::vector<std::string> dir_parts = split(dir);
  for (const auto& p : m_patterns) {
    if (p.exception) {
      continue;
    }
    std::vector<std::string> parts = split(p.text);
    bool possible = true;
    for (std::size_t i = 0; i < dir_parts.size() && possible; ++i) {
      if (i >= parts.size()) {
        possible = false;
      } else if (parts[i].find("**") != std::string::npos) {
        break;
      } else {
        possible = glob_match(parts[i], dir_parts[i]);
      }
    }
    if (possible && (parts.size() > dir_parts.size() ||
                     p.text.find("**") != std::string::npos)) {
      return true;
    }
  }
  return false;
}

} // namespace kiln::session
