#include "kiln/buildkit/solve.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <grpcpp/client_context.h>

#include "kiln/buildkit/client.h"
#include "kiln/util/log.h"

namespace kiln::buildkit {

namespace {

namespace v1 = moby::buildkit::v1;

// How long the status stream may trail the end of the solve.
constexpr std::chrono::seconds k_status_grace{5};

v1::SolveRequest to_request(const SolveOptions& o)
{
  v1::SolveRequest req;
  req.set_ref(o.ref);
  req.set_session(o.session_id);
  req.set_frontend(o.frontend);
  req.mutable_frontendattrs()->insert(o.frontend_attrs.begin(),
                                      o.frontend_attrs.end());
  for (const auto& e : o.entitlements) {
    req.add_entitlements(e);
  }
  for (std::size_t i = 0; i < o.exports.size(); ++i) {
    const Export& e = o.exports[i];
    auto* out = req.add_exporters();
    out->set_type(e.type);
    out->mutable_attrs()->insert(e.attrs.begin(), e.attrs.end());
    // Older daemons read only the first exporter, from these fields.
    if (i == 0) {
      req.set_exporterdeprecated(e.type);
      req.mutable_exporterattrsdeprecated()->insert(e.attrs.begin(),
                                                    e.attrs.end());
    }
  }
  for (const Export& e : o.cache_exports) {
    auto* out = req.mutable_cache()->add_exports();
    out->set_type(e.type);
    out->mutable_attrs()->insert(e.attrs.begin(), e.attrs.end());
  }
  for (const Export& e : o.cache_imports) {
    auto* out = req.mutable_cache()->add_imports();
    out->set_type(e.type);
    out->mutable_attrs()->insert(e.attrs.begin(), e.attrs.end());
  }
  return req;
}

} // namespace

class Solver::Impl {
public:
  explicit Impl(std::shared_ptr<grpc::Channel> channel)
    : stub(v1::Control::NewStub(std::move(channel)))
  {}

  std::unique_ptr<v1::Control::Stub> stub;
  std::mutex mutex;
  std::atomic<bool> cancelled{false};
  int exit_code = 0;
  std::string error_details;
  grpc::ClientContext* solve_ctx = nullptr;
  grpc::ClientContext* status_ctx = nullptr;

  // Registers a running call's context so that `cancel` reaches it;
  // returns false when the build is already cancelled.
  bool enter(grpc::ClientContext** slot, grpc::ClientContext* ctx)
  {
    std::lock_guard lock(mutex);
    *slot = ctx;
    return !cancelled;
  }

  void leave(grpc::ClientContext** slot)
  {
    std::lock_guard lock(mutex);
    *slot = nullptr;
  }
};

Solver::Solver(std::shared_ptr<grpc::Channel> channel)
  : m_impl(std::make_unique<Impl>(std::move(channel)))
{}

Solver::~Solver() = default;

v1::Control::Stub& Solver::stub()
{
  return *m_impl->stub;
}

util::Result<std::map<std::string, std::string>>
Solver::solve(const SolveOptions& options, const StatusHandler& on_status,
              const std::function<void()>& on_solved)
{
  Impl& s = *m_impl;
  auto start = util::Clock::now();

  // The status stream, followed on its own thread.
  grpc::ClientContext status_ctx;
  std::mutex done_mutex;
  std::condition_variable done_cv;
  bool status_done = false;
  std::thread status_thread([&] {
    if (s.enter(&s.status_ctx, &status_ctx)) {
      v1::StatusRequest req;
      req.set_ref(options.ref);
      auto reader = s.stub->Status(&status_ctx, req);
      v1::StatusResponse resp;
      while (reader->Read(&resp)) {
        on_status(resp);
      }
      grpc::Status st = reader->Finish();
      util::debug_call("Status", st.ok() ? "ok" : st.error_message(), start);
    }
    s.leave(&s.status_ctx);
    std::lock_guard lock(done_mutex);
    status_done = true;
    done_cv.notify_all();
  });

  grpc::ClientContext solve_ctx;
  v1::SolveResponse resp;
  grpc::Status status(grpc::StatusCode::CANCELLED, "context canceled");
  if (s.enter(&s.solve_ctx, &solve_ctx)) {
    status = s.stub->Solve(&solve_ctx, to_request(options), &resp);
  }
  s.leave(&s.solve_ctx);
  util::debug_call("Solve", status.ok() ? "ok" : status.error_message(), start);
  on_solved();

  {
    std::unique_lock lock(done_mutex);
    if (!done_cv.wait_for(lock, k_status_grace, [&] { return status_done; })) {
      status_ctx.TryCancel();
    }
  }
  status_thread.join();

  if (!status.ok()) {
    s.error_details = status.error_details();
    switch (status.error_code()) {
    case grpc::StatusCode::INTERNAL:
      s.exit_code = 100;
      break;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      s.exit_code = 102;
      break;
    case grpc::StatusCode::CANCELLED:
      s.exit_code = 130;
      break;
    default:
      s.exit_code = 1;
      break;
    }
    // The daemon's own message reads best, as Buildx shows it.
    util::Error error = from_status(status);
    error.message = "failed to solve: " + status.error_message();
    return error;
  }
  std::map<std::string, std::string> out(resp.exporterresponse().begin(),
                                         resp.exporterresponse().end());
  return out;
}

void Solver::cancel()
{
  Impl& s = *m_impl;
  std::lock_guard lock(s.mutex);
  s.cancelled = true;
  if (s.solve_ctx != nullptr) {
    s.solve_ctx->TryCancel();
  }
}

int Solver::exit_code() const
{
  return m_impl->exit_code;
}

const std::string& Solver::error_details() const
{
  return m_impl->error_details;
}

bool Solver::cancelled() const
{
  return m_impl->cancelled;
}

} // namespace kiln::buildkit
