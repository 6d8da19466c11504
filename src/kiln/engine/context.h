#pragma once

// Reading the Docker CLI's files: config.json and the context store.
// Internal to engine/; other folders use host.h.

#include "kiln/engine/host.h"

#include <map>
#include <string>

namespace kiln::engine {

/// The parts of the Docker config file (`config.json`) kiln reads.
struct DockerConfig {
  /// The context `docker context use` selected; empty when none.
  std::string current_context;

  /// Extra HTTP headers sent with every Engine request.
  std::map<std::string, std::string> headers;
};

/// Reads `config.json` in `dir`; a missing file gives an empty config and
/// a malformed one throws `util::UserError` naming the file.
DockerConfig read_config(const std::string& dir);

/// Reads the Docker context `name` from the context store in `dir`:
/// its Engine address, TLS switches and TLS files; throws
/// `util::UserError` with the Docker CLI's text when it does not exist.
Host read_context(const std::string& dir, const std::string& name);

/// Returns the path of `file` in `dir` when it exists, else "".
std::string tls_file(const std::string& dir, const std::string& file);

/// Returns the lowercase hex SHA-256 of `text`, which names a context's
/// folders in the store.
std::string sha256_hex(const std::string& text);

} // namespace kiln::engine
