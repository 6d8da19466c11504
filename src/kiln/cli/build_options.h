#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "kiln/cli/build_cache.h"

namespace kiln::cli {

/// The flags of `build` as given.
struct BuildFlags {
  /// The context folder (the positional argument).
  std::string context;
  /// `-f`: the Dockerfile, relative to the working folder.
  std::string file;
  /// `-t`: image names.
  std::vector<std::string> tags;
  /// `--build-arg`: `KEY=VALUE`, or `KEY` to take it from the
  /// environment.
  std::vector<std::string> build_args;
  /// `--target`: the stage to build.
  std::string target;
  /// `--no-cache`.
  bool no_cache = false;
  /// `--progress`: plain, quiet or auto.
  std::string progress = "auto";
  /// `-o`: output specs.
  std::vector<std::string> outputs;
  /// `--load`: a `docker` output into the Engine.
  bool load = false;
  /// `--iidfile`: where to write the image id.
  std::string iidfile;
  /// `--secret`: secrets to expose, `id=ID[,src=PATH|,env=VAR]`.
  std::vector<std::string> secrets;
  /// `--ssh`: agents to expose, `ID[=SOCKET|KEY[,KEY…]]`.
  std::vector<std::string> ssh;
  /// `--cache-from` and `--cache-to`.
  CacheFlags cache;
  /// `--network`: the network mode of RUN steps (default, host, none).
  std::string network;
};

/// One `--output` entry: exporter type, destination and other
/// attributes.
struct OutputSpec {
  /// The exporter: local, tar, docker, oci or image.
  std::string type;
  /// A folder, a file, `-` for stdout, or empty (the Engine for docker).
  std::string dest;
  /// The exporter's other attributes, keys in lowercase.
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
  /// The context folder, absolute.
  std::filesystem::path context_dir;
  /// The folder holding the Dockerfile, absolute.
  std::filesystem::path dockerfile_dir;
  /// What the Dockerfile frontend is told: filename, target, args.
  std::map<std::string, std::string> frontend_attrs;
  /// The checked outputs, in request order.
  std::vector<OutputSpec> outputs;
  /// The entitlements the build asks for, like `network.host`.
  std::vector<std::string> entitlements;
};

/// Checks `flags` and resolves paths, outputs and frontend attributes;
/// with no output and `default_load` (the builder's default), loads into
/// the Engine. Throws `util::UserError` naming the bad value.
BuildPlan plan_build(const BuildFlags& flags, bool default_load);

} // namespace kiln::cli
