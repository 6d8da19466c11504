#pragma once

#include <memory>
#include <ostream>
#include <string>

#include "kiln/control.pb.h"

namespace kiln::progress {

/// How to show a build's progress.
enum class Mode {
  /// Buildx's plain text, one line per event.
  plain,
  /// Nothing at all.
  quiet,
  /// A live view redrawn in place, for a terminal.
  tty,
  /// Each status message as one line of JSON.
  rawjson,
};

/// Turns `--progress` text into a mode: `auto` is `tty` when `terminal`
/// (stderr is a terminal that is not `dumb`), else `plain`; `none` is
/// `quiet`. Throws
/// `util::UserError` for an unknown mode.
Mode parse_mode(const std::string& text, bool terminal);

/// Returns whether stderr is a terminal that can take the live view.
bool stderr_is_terminal();

/// Shows one build's status messages as they arrive. `update` runs on
/// the status thread, the others after it.
class Display {
public:
  virtual ~Display() = default;

  /// Takes in one status message from the daemon.
  virtual void update(const moby::buildkit::v1::StatusResponse& resp) = 0;

  /// Shows a step kiln ran itself, like `importing to docker`, that
  /// ran from `started` to `completed` (seconds since the epoch).
  virtual void local_step(const std::string& name, double started,
                          double completed) = 0;

  /// Ends the output; then shows the last log lines of failed steps.
  virtual void finish() = 0;
};

/// Creates the display for `mode`, writing to `out`; a non-empty
/// `description` (like `building with "b" instance using remote
/// driver`) is shown first in plain mode.
std::unique_ptr<Display> make_display(Mode mode, std::ostream& out,
                                      std::string description);

namespace detail {

/// Creates the live terminal view (tty.cpp).
std::unique_ptr<Display> make_tty(std::ostream& out);

/// Creates the JSON lines display (rawjson.cpp).
std::unique_ptr<Display> make_rawjson(std::ostream& out);

} // namespace detail

} // namespace kiln::progress
