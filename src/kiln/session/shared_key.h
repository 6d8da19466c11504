#pragma once

#include <filesystem>
#include <string>

namespace kiln::session {

/// Returns this machine's build node id from `.buildNodeID` in the
/// Buildx config folder `config_dir`, creating it as Buildx does (16
/// random hex digits) when missing; empty when it cannot be had.
std::string node_id(const std::filesystem::path& config_dir);

/// Returns the key the daemon caches a local folder's upload under: the
/// base name of `dir` and the node id, so that repeated builds of one
/// context, by kiln or Buildx, upload only what changed.
std::string shared_key(const std::filesystem::path& dir,
                       const std::filesystem::path& config_dir);

} // namespace kiln::session
