// `build`: send a context to a builder's daemon, build it with the
// Dockerfile frontend and receive the outputs, showing progress.
#include <atomic>
#include <cerrno>
#include <csignal>
#include <ctime>
#include <iostream>
#include <thread>

#include <pthread.h>
#include <unistd.h>

#include "kiln/buildkit/error_source.h"
#include "kiln/buildkit/solve.h"
#include "kiln/cli/build_options.h"
#include "kiln/cli/build_outputs.h"
#include "kiln/cli/commands.h"
#include "kiln/driver/driver.h"
#include "kiln/progress/display.h"
#include "kiln/session/file_send.h"
#include "kiln/session/file_sync.h"
#include "kiln/session/session.h"
#include "kiln/session/shared_key.h"
#include "kiln/util/error.h"
#include "kiln/util/fs.h"
#include "kiln/util/log.h"

namespace kiln::cli {

namespace {

using util::UserError;

// Blocks SIGINT and SIGTERM for the threads started while it lives, so
// that gRPC's threads never take them; restores the mask at the end.
class BlockedSignals {
public:
  BlockedSignals()
  {
    sigemptyset(&m_set);
    sigaddset(&m_set, SIGINT);
    sigaddset(&m_set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &m_set, &m_old);
  }
  ~BlockedSignals() { pthread_sigmask(SIG_SETMASK, &m_old, nullptr); }
  BlockedSignals(const BlockedSignals&) = delete;
  BlockedSignals& operator=(const BlockedSignals&) = delete;

  /// Returns the blocked signals.
  [[nodiscard]] const sigset_t& set() const { return m_set; }

private:
  sigset_t m_set{};
  sigset_t m_old{};
};

// Waits for the blocked signals on a thread of its own and calls
// `on_signal` at the first, so that an interrupt cancels the build
// instead of killing kiln mid-stream. Declare it after what
// `on_signal` uses: the thread is joined on destruction.
class InterruptWatch {
public:
  InterruptWatch(const BlockedSignals& blocked, std::function<void()> on_signal)
    : m_thread([this, &blocked, on_signal = std::move(on_signal)] {
        while (!m_stop) {
          timespec wait{0, 100 * 1000 * 1000};
          if (sigtimedwait(&blocked.set(), nullptr, &wait) > 0 && !m_fired) {
            m_fired = true;
            on_signal();
          }
        }
      })
  {}

  ~InterruptWatch()
  {
    m_stop = true;
    m_thread.join();
  }

  InterruptWatch(const InterruptWatch&) = delete;
  InterruptWatch& operator=(const InterruptWatch&) = delete;

  /// Returns whether an interrupt arrived.
  [[nodiscard]] bool fired() const { return m_fired; }

private:
  std::atomic<bool> m_stop{false};
  std::atomic<bool> m_fired{false};
  std::thread m_thread;
};

constexpr const char* k_no_output_warning =
  "WARNING: No output specified with remote driver. Build result will only "
  "remain in the build cache. To push result image into registry use "
  "--push or to load image into docker use --load";

// Writes the image's config digest (else its manifest digest, else
// nothing) to `path`, as Buildx does.
void write_iidfile(const std::string& path,
                   const std::map<std::string, std::string>& response)
{
  std::string id;
  if (auto it = response.find("containerimage.digest"); it != response.end()) {
    id = it->second;
  }
  if (auto it = response.find("containerimage.config.digest");
      it != response.end()) {
    id = it->second;
  }
  util::write_file_atomic(path, id, 0644);
}

void run_build(const BuildFlags& flags, const Globals& globals)
{
  progress::Mode mode =
    progress::parse_mode(flags.progress, progress::stderr_is_terminal());
  store::Store store = open_store();
  Builder builder = load_builder(store, globals.builder);
  if (builder.docker_context || builder.group.nodes.empty()) {
    throw UserError("builder " + util::quote(builder.group.name) +
                    " has no remote node; kiln builds only on remote "
                    "builders so far");
  }
  const store::Node& node = builder.group.nodes.front();
  auto driver = driver::make_driver(builder.group.driver, node);
  BuildPlan plan = plan_build(flags, driver->default_load());
  // No stale image id is left behind if the build fails.
  if (!flags.iidfile.empty() && ::unlink(flags.iidfile.c_str()) != 0 &&
      errno != ENOENT) {
    throw util::FileError("remove", flags.iidfile, errno);
  }

  // Signals are blocked before gRPC starts any thread of its own.
  BlockedSignals blocked;
  auto channel = driver->channel();
  if (!channel) {
    throw UserError(channel.error().message);
  }
  buildkit::Solver solver(*channel);
  InterruptWatch interrupts(blocked, [&solver] { solver.cancel(); });

  std::string config_dir = store.dir().string();
  session::Session session(plan.context_dir.filename().string(),
                           session::shared_key(plan.context_dir, config_dir));
  session.add(session::make_file_sync({{"context", plan.context_dir},
                                       {"dockerfile", plan.dockerfile_dir}}),
              {session::k_file_sync_method});
  OutputPlan outputs = plan_outputs(plan.outputs);
  if (!outputs.targets.empty()) {
    session.add(session::make_file_send(std::move(outputs.targets)),
                {session::k_file_send_method});
  }
  auto started = session.start(**channel);
  if (!started) {
    throw UserError("failed to start the session: " + started.error().message);
  }

  auto display = progress::make_display(
    mode, std::cerr,
    "building with " + util::quote(builder.group.name) + " instance using " +
      builder.group.driver + " driver");
  buildkit::SolveOptions options;
  options.ref = session::random_id();
  options.session_id = session.id();
  options.frontend = "dockerfile.v0";
  options.frontend_attrs = plan.frontend_attrs;
  options.exports = outputs.exports;
  auto result = solver.solve(
    options, [&display](const auto& resp) { display->update(resp); },
    [&session] { session.close(); });
  if (outputs.loaded->finished > 0) {
    display->local_step("importing to docker", outputs.loaded->started,
                        outputs.loaded->finished);
  }
  display->finish();

  if (interrupts.fired() || solver.cancelled()) {
    throw util::Cancelled();
  }
  // Buildx's order: progress, the no-output warning, the failing
  // Dockerfile lines, then the error.
  if (plan.outputs.empty()) {
    std::cerr << k_no_output_warning << '\n';
  }
  if (!result) {
    std::cerr << buildkit::format_error_sources(solver.error_details());
    std::string why = result.error().message;
    if (std::string trouble = driver->connection_trouble(); !trouble.empty()) {
      why += " (" + trouble + ")";
    }
    throw util::ExitError("failed to build: " + why, solver.exit_code());
  }
  if (!outputs.loaded->message.empty()) {
    util::debug("load: " + outputs.loaded->message);
  }
  if (!flags.iidfile.empty()) {
    write_iidfile(flags.iidfile, *result);
  }
}

} // namespace

void add_build(CLI::App& app, const Globals& globals)
{
  auto f = std::make_shared<BuildFlags>();
  auto* cmd = app.add_subcommand("build", "Start a build");
  cmd->alias("b");
  cmd->add_option("context", f->context, "Build context folder")->required();
  cmd->add_option("-f,--file", f->file,
                  "Name of the Dockerfile (default: \"PATH/Dockerfile\")");
  cmd->add_option("-t,--tag", f->tags, "Image identifier")
    ->allow_extra_args(false);
  cmd->add_option("--build-arg", f->build_args, "Set build-time variables")
    ->allow_extra_args(false);
  cmd->add_option("--target", f->target, "Set the target build stage");
  cmd->add_flag("--no-cache", f->no_cache,
                "Do not use cache when building the image");
  cmd->add_option("--progress", f->progress,
                  "Set type of progress output (auto, plain, quiet)");
  cmd
    ->add_option("-o,--output", f->outputs,
                 "Output destination (format: \"type=local,dest=path\")")
    ->allow_extra_args(false);
  cmd->add_flag("--load", f->load, "Shorthand for \"--output=type=docker\"");
  cmd->add_option("--iidfile", f->iidfile, "Write the image ID to a file");
  cmd->callback([f, &globals] { run_build(*f, globals); });
}

} // namespace kiln::cli
