#pragma once

#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "kiln/control.pb.h"
#include "kiln/progress/display.h"

namespace kiln::progress {

/// Shows a build's status updates in Buildx's plain form: `#N name`,
/// its logs and sub-statuses, then `#N DONE 0.1s`, `#N CACHED` or
/// `#N ERROR: ...`.
class Printer : public Display {
public:
  /// Writes to `out`; a non-empty `description` is printed first as
  /// step `#0`.
  Printer(std::ostream& out, Mode mode, std::string description);

  /// Takes in one status message from the daemon.
  void update(const moby::buildkit::v1::StatusResponse& resp) override;

  /// Shows a step kiln ran itself, like `importing to docker`, that
  /// ran from `started` to `completed` (seconds since the epoch).
  void local_step(const std::string& name, double started,
                  double completed) override;

  /// Ends the output, closing a half-printed log line.
  void finish() override;

private:
  struct StatusSeen {
    double printed_at = 0;
    bool done = false;
  };

  struct Step {
    int index = 0;
    std::string name;
    double started = 0;
    double completed = 0;
    bool cached = false;
    std::string error;
    bool done_printed = false;
    std::string partial;
    std::vector<std::string> recent;
    std::vector<std::string> lines;
    std::vector<std::string> events;
    std::map<std::string, StatusSeen> statuses;
  };

  static constexpr std::size_t k_recent_lines = 10;

  void print_step(const std::string& digest);
  static void add_log(Step& step, const std::string& msg, double since);
  void write_status(Step& step, const moby::buildkit::v1::VertexStatus& s);

  std::ostream& m_out;
  Mode m_mode;
  std::string m_description;
  std::map<std::string, Step> m_steps;
  std::vector<std::string> m_order;
  std::string m_current;
  bool m_not_first = false;
  int m_next_index = 0;
};

} // namespace kiln::progress
