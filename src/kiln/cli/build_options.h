#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
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

  /// `--add-host`: `host:ip` entries.
  std::vector<std::string> add_hosts;
  /// `--build-context`: `name=value` entries.
  std::vector<std::string> build_contexts;
  /// `--label`: `KEY=VALUE` entries.
  std::vector<std::string> labels;
  /// `--network`: default, host or none.
  std::string network = "default";
  /// `--platform`: platforms, each possibly a comma-separated list.
  std::vector<std::string> platforms;
  /// `--push`: push the image to its registry.
  bool push = false;
  /// `-q`: show no progress and print the image id.
  bool quiet = false;
  /// `--shm-size`: the size of RUN steps' `/dev/shm`, like `64m`.
  std::string shm_size;
  /// `--ulimit`: `name=soft[:hard]` entries.
  std::vector<std::string> ulimits;
  /// `--pull`: always look for newer base images.
  bool pull = false;
  /// `--metadata-file`: where to write the build result as JSON.
  std::string metadata_file;
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

class TempDirs;

/// A build checked against the local file system and ready to send.
struct BuildPlan {
  /// The context folder, absolute; empty when the daemon fetches the
  /// context or it is a tar from stdin.
  std::filesystem::path context_dir;
  /// The folder holding the Dockerfile, absolute; empty when the
  /// frontend reads it from the context.
  std::filesystem::path dockerfile_dir;
  /// `--build-context` folders the session serves, by the name the
  /// frontend asks for.
  std::map<std::string, std::filesystem::path> named_dirs;
  /// When the context is a tar on stdin: its upload's id, and what
  /// reads it.
  std::string upload_id;
  /// Returns the next bytes of the upload, empty at its end.
  std::function<std::string()> upload;
  /// Folders made for this build (a Dockerfile from stdin), removed
  /// with the plan.
  std::shared_ptr<TempDirs> temp_dirs;
  /// Privileges the solve request asks for, like `network.host`.
  std::vector<std::string> entitlements;
  /// What the Dockerfile frontend is told: filename, target, args,
  /// platforms, labels, named contexts and the RUN steps' settings.
  std::map<std::string, std::string> frontend_attrs;
  /// The checked outputs, in request order.
  std::vector<OutputSpec> outputs;
};

/// Checks `flags` and resolves paths, outputs and frontend attributes;
/// with no output and `default_load` (the builder's default), loads into
/// the Engine; a context or Dockerfile `-` is read from `stdin_fd`.
/// Throws `util::UserError` naming the bad value.
BuildPlan plan_build(const BuildFlags& flags, bool default_load,
                     int stdin_fd = 0);

} // namespace kiln::cli
