#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include "kiln/cli/build_options.h"

namespace kiln::cli {

/// Folders a build made for itself, such as the one holding a
/// Dockerfile read from stdin; removed when the last copy goes.
class TempDirs {
public:
  TempDirs() = default;
  ~TempDirs();
  TempDirs(const TempDirs&) = delete;
  TempDirs& operator=(const TempDirs&) = delete;

  /// Creates a new empty folder whose name starts with `prefix`; throws
  /// `util::FileError` when it cannot.
  std::filesystem::path make(const std::string& prefix);

private:
  std::vector<std::filesystem::path> m_dirs;
};

/// Returns whether `text` is a Git reference the Dockerfile frontend
/// fetches itself: `git://`, `ssh://`, `user@host:path`, `github.com/`
/// or an `http(s)://` URL whose path ends in `.git`.
bool is_git_url(const std::string& text);

/// Returns whether `text` is a context the daemon fetches: a Git
/// reference or any `http(s)://` URL.
bool is_remote_url(const std::string& text);

/// Returns whether `header`, the first bytes of a stream, starts a tar
/// archive or a bzip2, gzip or xz stream.
bool is_archive(const std::string& header);

/// Resolves the context, the Dockerfile and the `--build-context`
/// values of `flags` into `plan`, as Buildx does: a local folder, `-`
/// (a tar, else a Dockerfile, read from `stdin_fd`), or a URL the daemon
/// fetches. Throws `util::UserError` naming the bad value.
void resolve_context(const BuildFlags& flags, BuildPlan& plan,
                     int stdin_fd = STDIN_FILENO);

} // namespace kiln::cli
