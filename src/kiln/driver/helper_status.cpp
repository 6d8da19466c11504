// Status of a node reached through a helper process (docker exec,
// kubectl exec, ssh), shared by every driver that uses one.
#include <thread>

#include "kiln/buildkit/client.h"
#include "kiln/connect/channel.h"
#include "kiln/connect/helper.h"
#include "kiln/driver/driver.h"
#include "kiln/util/error.h"
#include "kiln/util/log.h"
#include "kiln/util/process.h"

namespace kiln::driver::detail {

namespace {

// How long a helper that already lost its connection gets to exit and
// say why, before kiln reports what it has; a status query gives it no
// more than what is left of its own deadline (and at least a little).
constexpr auto k_exit_grace = std::chrono::milliseconds(1500);
constexpr auto k_min_grace = std::chrono::milliseconds(100);

// Waits until `until` for `proc` to exit; then says how it ended and
// what it last wrote to stderr, or returns "" while it still runs.
std::string how_it_ended(util::StdioProcess& proc, util::Deadline until)
{
  while (!proc.exited() && util::Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::string how = proc.exit_text();
  if (how.empty()) {
    return "";
  }
  std::string out =
    "helper " + util::quote(proc.command()) + " ended (" + how + ")";
  std::string said = proc.last_error_line();
  return said.empty() ? out : out + ": " + said;
}

std::string helper_reason(util::StdioProcess& proc, const util::Error& error,
                          util::Deadline deadline)
{
  auto now = util::Clock::now();
  auto until =
    std::min(now + k_exit_grace, std::max(deadline, now + k_min_grace));
  std::string ended = how_it_ended(proc, until);
  if (!ended.empty()) {
    return ended;
  }
  std::string out = "helper " + util::quote(proc.command()) +
                    " gave no answer: " + error.message;
  std::string said = proc.last_error_line();
  return said.empty() ? out : out + ": " + said;
}

} // namespace

NodeStatus status_via_helper(const connect::Endpoint& endpoint,
                             util::Deadline deadline)
{
  auto start = util::Clock::now();
  auto budget =
    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - start);
  auto argv = connect::helper_command(endpoint, budget);
  auto proc = util::StdioProcess::start(argv);
  if (!proc.ok()) {
    util::debug_call("start helper " + argv.front(), proc.error().message,
                     start);
    return inactive(proc.error());
  }

  // The channel owns the connection; it must be gone before the helper
  // is waited for, or the helper never sees the end of its input.
  util::Result<buildkit::DaemonInfo> info =
    util::Error{util::ErrorKind::internal, "not asked"};
  {
    buildkit::Client client(connect::channel_from_fd(
      (*proc)->take_connection().release(), "localhost"));
    info = client.describe(deadline);
  }
  if (!info.ok()) {
    auto kind = info.error().kind;
    std::string reason = helper_reason(**proc, info.error(), deadline);
    util::debug_call("helper " + (*proc)->command(), reason, start);
    return inactive({kind, reason});
  }

  NodeStatus status = running(*info);
  status.round_trip = std::chrono::duration_cast<std::chrono::microseconds>(
    util::Clock::now() - start);
  return status;
}

util::Result<std::shared_ptr<grpc::Channel>>
channel_via_helper(const connect::Endpoint& endpoint,
                   std::unique_ptr<util::StdioProcess>& helper)
{
  // A build's helper lives as long as the build; ssh gets the time
  // `bootstrap` gives a node to connect.
  auto argv = connect::helper_command(endpoint, std::chrono::seconds(20));
  auto proc = util::StdioProcess::start(argv);
  if (!proc.ok()) {
    return proc.error();
  }
  helper = std::move(*proc);
  return connect::channel_from_fd(helper->take_connection().release(),
                                  "localhost");
}

std::string helper_trouble(util::StdioProcess& helper)
{
  return how_it_ended(helper, util::Clock::now() + k_exit_grace);
}

} // namespace kiln::driver::detail
