#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <sys/types.h>

#include "kiln/util/error.h"

namespace kiln::util {

/// A file operation that failed: what was done, to which path and why.
/// Its message reads `failed to <action> "<path>": <reason>`.
class FileError : public UserError {
public:
  FileError(const std::string& action, std::filesystem::path path, int err);

  /// Returns the path the operation was on.
  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }

  /// Returns the errno value that stopped the operation.
  [[nodiscard]] int error() const { return m_error; }

  /// Returns the lowercase reason, such as `permission denied`.
  [[nodiscard]] std::string reason() const;

private:
  std::filesystem::path m_path;
  int m_error = 0;
};

/// Names of temp files start with this, so readers can tell them apart.
inline constexpr std::string_view temp_prefix = ".tmp-";

/// Returns the text of errno value `err` with a lowercase first letter.
std::string errno_message(int err);

/// Returns the contents of `path`, or nullopt when it does not exist;
/// throws `FileError` when it exists but cannot be read.
std::optional<std::string> read_file(const std::filesystem::path& path);

/// Replaces `path` with `data` atomically: writes a temp file in the same
/// folder, flushes it to disk, gives it `mode` and renames it over `path`.
/// Throws `FileError`; no temp file is left behind on failure.
void write_file_atomic(const std::filesystem::path& path, std::string_view data,
                       mode_t mode = 0600);

/// Creates folder `path` and its missing parents with mode 0700; folders
/// that exist are left as they are. Throws `FileError`.
void make_private_dirs(const std::filesystem::path& path);

/// Removes the file or folder tree at `path`; returns false when there
/// was nothing. Throws `FileError`.
bool remove_all(const std::filesystem::path& path);

} // namespace kiln::util
