#pragma once

#include <filesystem>

#include "kiln/util/fd.h"

namespace kiln::util {

/// A file or folder written under a temporary name beside its
/// destination and moved into place only by `commit()`, so that a
/// failed or cancelled writer never leaves a partial result under the
/// real name. Removed on destruction unless committed.
class Staged {
public:
  /// Whether the destination is a file or a folder.
  enum class Kind { file, folder };

  /// Creates the temporary file or folder for `dest`, and `dest`'s
  /// missing parent folders; throws `FileError`.
  Staged(const std::filesystem::path& dest, Kind kind);
  ~Staged();
  Staged(const Staged&) = delete;
  Staged& operator=(const Staged&) = delete;

  /// Returns the temporary path to write to.
  [[nodiscard]] const std::filesystem::path& temp() const { return m_temp; }

  /// Returns the open temporary file (for `Kind::file`).
  [[nodiscard]] int fd() const { return m_fd.get(); }

  /// Moves the result into place: a file replaces `dest`; a folder
  /// becomes `dest`, or is merged into an existing `dest` with its
  /// entries replacing those of the same name. Throws `FileError`.
  void commit();

private:
  std::filesystem::path m_dest;
  std::filesystem::path m_temp;
  Kind m_kind;
  Fd m_fd;
  bool m_done = false;
};

} // namespace kiln::util
