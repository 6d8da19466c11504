#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kiln/buildkit/solve.h"
#include "kiln/cli/build_options.h"
#include "kiln/session/file_send.h"
#include "kiln/util/staged.h"

namespace kiln::cli {

/// What loading an image into the Docker Engine did: when it ran, in
/// seconds since the epoch, and what the Engine said.
struct LoadReport {
  /// When the first bytes went to the Engine.
  double started = 0;
  /// When the Engine answered; 0 when there was no load.
  double finished = 0;
  /// The Engine's report, like `Loaded image: test:latest`.
  std::string message;
};

/// Where a build's outputs go on this side: the session's targets, the
/// exporters for the solve request, and what loading into the Engine
/// reported.
struct OutputPlan {
  /// The session's targets, by exporter position.
  std::map<int, session::OutputTarget> targets;
  /// The exporters for the solve request.
  std::vector<buildkit::Export> exports;
  /// Filled in by the load target when its stream ends.
  std::shared_ptr<LoadReport> loaded = std::make_shared<LoadReport>();
  /// Files and folders written under temporary names until the build
  /// succeeds; removed if it does not.
  std::vector<std::shared_ptr<util::Staged>> staged;

  /// Moves every staged output into place; call once the build
  /// succeeded. Throws `util::FileError`.
  void commit();
};

/// Prepares `outputs`: stages files and folders beside their
/// destinations, streams `docker` outputs without a destination into
/// the Docker Engine. Throws `util::FileError`.
OutputPlan plan_outputs(const std::vector<OutputSpec>& outputs);

} // namespace kiln::cli
