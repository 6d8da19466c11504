#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace kiln::cli {

/// The flags of `build` as given.
struct BuildFlags {
  std::string context;
  std::string file;
  std::vector<std::string> tags;
  std::vector<std::string> build_args;
  std::string target;
  bool no_cache = false;
  std::string progress = "auto";
  std::vector<std::string> outputs;
  bool load = false;
  std::string iidfile;
};

/// One `--output` entry: exporter type, destination and other
/// attributes.
struct OutputSpec {
  std::string type;
  std::string dest;
  std::map<std::string, std::string> attrs;

  /// Returns whether the output is a folder (fsutil packets).
  [[nodiscard]] bool is_dir() const { return type == "local"; }
  /// Returns whether the output is a tar stream kiln receives.
  [[nodiscard]] bool is_stream() const
  {
    return type == "tar" || type == "docker" || type == "oci";
  }
};

/// Parses one `--output` value the way Buildx does: `DIR`, `-`, or
/// `type=T,dest=D,key=value`; throws `util::UserError` naming the bad
/// part.
OutputSpec parse_output(const std::string& text);

/// A build checked against the local file system and ready to send.
struct BuildPlan {
  std::filesystem::path context_dir;
  std::filesystem::path dockerfile_dir;
  std::map<std::string, std::string> frontend_attrs;
  std::vector<OutputSpec> outputs;
};

/// Checks `flags` and resolves paths, outputs and frontend attributes;
/// throws `util::UserError` naming the bad value.
BuildPlan plan_build(const BuildFlags& flags);

} // namespace kiln::cli
