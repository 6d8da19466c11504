#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>

#include <sys/types.h>

#include "kiln/fsutil.pb.h"
#include "kiln/session/patterns.h"

namespace kiln::session {

/// Go's `os.FileMode` type bits, which the daemon expects in `Stat.mode`.
namespace go_mode {
/// The type bits, one per kind of entry, and the special permission
/// bits, at Go's positions.
inline constexpr std::uint32_t dir = 1U << 31;
inline constexpr std::uint32_t symlink = 1U << 27;
inline constexpr std::uint32_t device = 1U << 26;
inline constexpr std::uint32_t named_pipe = 1U << 25;
inline constexpr std::uint32_t socket = 1U << 24;
inline constexpr std::uint32_t setuid = 1U << 23;
inline constexpr std::uint32_t setgid = 1U << 22;
inline constexpr std::uint32_t char_device = 1U << 21;
inline constexpr std::uint32_t sticky = 1U << 20;
/// Every bit that marks an entry as not a regular file.
inline constexpr std::uint32_t type_mask =
  dir | symlink | device | named_pipe | socket | char_device | (1U << 19);
} // namespace go_mode

/// Returns POSIX `st_mode` as a Go file mode.
std::uint32_t to_go_mode(mode_t mode);

/// Returns a Go file mode as POSIX `st_mode` (type and permission bits).
mode_t to_posix_mode(std::uint32_t mode);

/// Which entries of a folder a walk sends.
struct WalkFilter {
  /// When not empty, only matching paths (and folders above them).
  PatternMatcher include;
  /// Paths to leave out, with `!` exceptions.
  PatternMatcher exclude;
};

/// Called for each entry in the walk's order; `file` is the absolute
/// path of an entry whose data the daemon may ask for (a regular file
/// or a socket), empty for other entries.
using WalkVisitor = std::function<void(fsutil::types::Stat&& stat,
                                       const std::filesystem::path& file)>;

/// Walks `root` depth-first, each folder's entries sorted bytewise and
/// each folder before its children, the root itself left out; hard
/// links after the first carry its path in `linkname`, owners are 0,
/// extended attributes go along and sockets are sent as files. Throws
/// `util::FileError` when a folder cannot be read.
void walk(const std::filesystem::path& root, const WalkFilter& filter,
          const WalkVisitor& visit);

} // namespace kiln::session
