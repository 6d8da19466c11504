// `build`: send a context to a builder's daemon, build it with the
// Dockerfile frontend and receive the outputs, showing progress.
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <thread>

#include <pthread.h>
#include <unistd.h>

#include "kiln/buildkit/error_source.h"
#include "kiln/buildkit/solve.h"
#include "kiln/cli/build_cache.h"
#include "kiln/cli/build_context.h"
#include "kiln/cli/build_flags.h"
#include "kiln/cli/build_metadata.h"
#include "kiln/cli/build_node.h"
#include "kiln/cli/build_options.h"
#include "kiln/cli/build_outputs.h"
#include "kiln/cli/build_services.h"
#include "kiln/cli/build_values.h"
#include "kiln/cli/commands.h"
#include "kiln/cli/engine_outputs.h"
#include "kiln/driver/driver.h"
#include "kiln/engine/host.h"
#include "kiln/progress/display.h"
#include "kiln/session/content_store.h"
#include "kiln/session/file_send.h"
#include "kiln/session/file_sync.h"
#include "kiln/session/session.h"
#include "kiln/session/shared_key.h"
#include "kiln/session/upload.h"
#include "kiln/util/error.h"
#include "kiln/util/fs.h"
#include "kiln/util/log.h"

namespace kiln::cli {

namespace {

namespace fs = std::filesystem;
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

// Returns the image's config digest, else its manifest digest, else
// nothing, as Buildx names the image it built.
std::string image_id(const std::map<std::string, std::string>& response)
{
  std::string id;
  if (auto it = response.find("containerimage.digest"); it != response.end()) {
    id = it->second;
  }
  if (auto it = response.find("containerimage.config.digest");
      it != response.end()) {
    id = it->second;
  }
  return id;
}

// Returns the folder that names the session and keys its upload.
const fs::path& key_dir(const BuildPlan& plan)
{
  return plan.context_dir.empty() ? plan.dockerfile_dir : plan.context_dir;
}

// Adds what the session serves for `plan`: its folders (the context, the
// Dockerfile's, `--build-context` folders) and a context tar from stdin.
void serve_plan(session::Session& session, BuildPlan& plan,
                const std::string& config_dir)
{
  std::map<std::string, fs::path> dirs = plan.named_dirs;
  if (!plan.context_dir.empty()) {
    dirs["context"] = plan.context_dir;
  }
  if (!plan.dockerfile_dir.empty()) {
    dirs["dockerfile"] = plan.dockerfile_dir;
  }
  if (!dirs.empty()) {
    session.add(session::make_file_sync(std::move(dirs)),
                {session::k_file_sync_method});
  }
  if (plan.upload) {
    session.add(session::make_upload({{plan.upload_id, plan.upload}}),
                {session::k_upload_method});
  }
  // As Buildx keys named folders: their base name and this machine's id.
  std::string node_id = session::node_id(config_dir);
  for (auto& [key, value] : plan.frontend_attrs) {
    if (key.starts_with("sharedkey:localdir:")) {
      value += ":" + node_id;
    }
  }
}

void run_build(const BuildFlags& flags, const Globals& globals)
{
  ProgressChoice progress = choose_progress(flags.progress, flags.quiet,
                                            std::getenv("BUILDKIT_PROGRESS"));
  progress::Mode mode =
    progress::parse_mode(progress.mode, progress::stderr_is_terminal());
  store::Store store = open_store();
  Builder builder = load_builder(store, globals.builder);
  if (builder.group.nodes.empty()) {
    throw UserError("builder " + util::quote(builder.group.name) +
                    " has no node to build on");
  }
  std::size_t picked =
    choose_build_node(builder, store::parse_platforms(flags.platforms),
                      std::chrono::seconds(5), std::cerr);
  const store::Node& node = builder.group.nodes[picked];
  auto driver = driver::make_driver(builder.group.driver, node);
  BuildPlan plan = plan_build(flags, driver->default_load());
  CachePlan cache = plan_cache(flags.cache, plan.frontend_attrs);
  // No stale image id is left behind if the build fails.
  if (!flags.iidfile.empty() && ::unlink(flags.iidfile.c_str()) != 0 &&
      errno != ENOENT) {
    throw util::FileError("remove", flags.iidfile, errno);
  }
  BuildServices services(flags.secrets, flags.ssh, engine::config_dir(),
                         std::cerr);

  // Signals are blocked before gRPC starts any thread of its own.
  BlockedSignals blocked;
  auto channel = driver->channel();
  if (!channel) {
    throw UserError(channel.error().message);
  }
  std::vector<std::string> engine_pushes;
  if (auto engine = driver->engine_features()) {
    engine_pushes = adapt_for_engine(plan, *engine);
  }
  buildkit::Solver solver(*channel);
  InterruptWatch interrupts(blocked, [&solver] { solver.cancel(); });

  std::string config_dir = store.dir().string();
  const fs::path& keyed = key_dir(plan);
  session::Session session(
    keyed.empty() ? "stdin" : keyed.filename().string(),
    keyed.empty() ? "" : session::shared_key(keyed, config_dir));
  serve_plan(session, plan, config_dir);
  OutputPlan outputs = plan_outputs(plan.outputs);
  if (!outputs.targets.empty()) {
    session.add(session::make_file_send(std::move(outputs.targets)),
                {session::k_file_send_method});
  }
  services.add_to(session);
  if (!cache.stores.empty()) {
    session.add(session::make_content_store(cache.stores),
                session::content_store_methods());
  }
  auto dialer = driver->session_dialer();
  auto started = dialer ? session.start(dialer) : session.start(**channel);
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
  options.cache_exports = cache.exports;
  options.cache_imports = cache.imports;
  if (std::string attr = cache_imports_attr(cache.imports); !attr.empty()) {
    options.frontend_attrs["cache-imports"] = attr;
  }
  options.entitlements = plan.entitlements;
  auto result = solver.solve(
    options,
    [&display, &services](const auto& resp) {
      services.show_shared(*display);
      display->update(resp);
    },
    [&session] { session.close(); });
  services.show_shared(*display);
  util::Result<util::Unit> pushed = util::Unit{};
  if (result && !engine_pushes.empty()) {
    pushed = push_with_engine(engine_pushes, services.credentials(), *display);
  }
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
  for (const auto& warning : cache.warnings) {
    std::cerr << "WARNING: " << warning << '\n';
  }
  if (!result) {
    std::cerr << buildkit::format_error_sources(solver.error_details());
    std::string why = result.error().message;
    if (std::string trouble = driver->connection_trouble(); !trouble.empty()) {
      why += " (" + trouble + ")";
    }
    throw util::ExitError("failed to build: " + why, solver.exit_code());
  }
  outputs.commit();
  if (!pushed) {
    throw UserError(pushed.error().message);
  }
  if (!outputs.loaded->message.empty()) {
    util::debug("load: " + outputs.loaded->message);
  }
  if (auto it = result->find("cache.manifest"); it != result->end()) {
    tag_local_caches(cache, it->second);
  }
  if (progress.print_id) {
    std::cout << image_id(*result) << std::endl;
  }
  if (!flags.iidfile.empty()) {
    util::write_file_atomic(flags.iidfile, image_id(*result), 0644);
  }
  if (!flags.metadata_file.empty()) {
    (*result)["buildx.build.ref"] =
      builder.group.name + "/" + node.name + "/" + options.ref;
    util::write_file_atomic(flags.metadata_file, metadata_json(*result), 0644);
  }
}

} // namespace

void add_build(CLI::App& app, const Globals& globals)
{
  auto f = std::make_shared<BuildFlags>();
  if (const char* platform = std::getenv("DOCKER_DEFAULT_PLATFORM")) {
    f->platforms = {platform};
  }
  auto* cmd = app.add_subcommand("build", "Start a build");
  cmd->alias("b");
  add_build_flags(*cmd, *f);
  cmd
    ->add_option("--secret", f->secrets,
                 "Secret to expose to the build (format: "
                 "\"id=mysecret[,src=/local/secret]\")")
    ->allow_extra_args(false);
  cmd
    ->add_option("--ssh", f->ssh,
                 "SSH agent socket or keys to expose to the build (format: "
                 "\"default|<id>[=<socket>|<key>[,<key>]]\")")
    ->allow_extra_args(false);
  add_cache_flags(*cmd, f->cache);
  cmd->callback([f, &globals] { run_build(*f, globals); });
}

} // namespace kiln::cli
