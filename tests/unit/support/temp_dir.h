#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace kiln::test {

/// A fresh folder under the system temp folder, removed with everything
/// in it when the object goes away.
class TempDir {
public:
  TempDir()
  {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
      "/kiln-unit-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed for " + pattern);
    }
    m_path = pattern;
  }
  ~TempDir()
  {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  /// Returns the folder's path.
  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }

private:
  std::filesystem::path m_path;
};

} // namespace kiln::test
