#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/channel.h>

#include "kiln/control.grpc.pb.h"
#include "kiln/util/result.h"

namespace kiln::buildkit {

/// One exporter of a build: its type (`docker`, `local`, `tar`) and
/// attributes.
struct Export {
  /// The exporter's name.
  std::string type;
  /// Its attributes, such as `name` for image names.
  std::map<std::string, std::string> attrs;
};

/// What to build and where the result goes.
struct SolveOptions {
  /// The build's reference, which also names its status stream.
  std::string ref;
  /// The id of the session serving the build's files.
  std::string session_id;
  /// The frontend, like `dockerfile.v0`.
  std::string frontend;
  /// The frontend's options.
  std::map<std::string, std::string> frontend_attrs;
  /// Where the result goes; empty keeps it in the build cache only.
  std::vector<Export> exports;
  /// Where the build's cache goes (`registry`, `local`, `inline`...).
  std::vector<Export> cache_exports;
  /// Where cache is imported from.
  std::vector<Export> cache_imports;
  /// Privileges the build asks for, like `network.host`; the daemon
  /// refuses those its configuration does not grant.
  std::vector<std::string> entitlements;
};

/// Called with each status message while the build runs.
using StatusHandler =
  std::function<void(const moby::buildkit::v1::StatusResponse&)>;

/// Runs one build on a daemon and follows its status.
class Solver {
public:
  explicit Solver(std::shared_ptr<grpc::Channel> channel);
  ~Solver();
  Solver(const Solver&) = delete;
  Solver& operator=(const Solver&) = delete;

  /// Returns the control stub, for opening the session.
  moby::buildkit::v1::Control::Stub& stub();

  /// Runs Solve with `options`, handing status messages to `on_status`
  /// from another thread; calls `on_solved` as soon as Solve returns
  /// (the daemon ends the status stream only once the session is
  /// closed), then waits for the status stream; returns the exporter
  /// response.
  util::Result<std::map<std::string, std::string>>
  solve(const SolveOptions& options, const StatusHandler& on_status,
        const std::function<void()>& on_solved);

  /// Cancels a running build; safe from any thread, also before
  /// `solve` starts. The status stream keeps going for a few seconds so
  /// that the cancelled steps are shown.
  void cancel();

  /// Returns the exit code Buildx gives the last failed solve: 100 for
  /// an internal daemon error, 102 for exhausted resources, 130 when
  /// cancelled, else 1.
  [[nodiscard]] int exit_code() const;

  /// Returns the rich error details of the last failed solve, for
  /// `format_error_sources`.
  [[nodiscard]] const std::string& error_details() const;

  /// Returns whether `cancel` was called.
  [[nodiscard]] bool cancelled() const;

private:
  class Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace kiln::buildkit
