#include "kiln/buildkit/client.h"

#include <future>

#include <grpcpp/client_context.h>

#include "kiln/control.grpc.pb.h"
#include "kiln/util/log.h"

namespace kiln::buildkit {

namespace {

using util::Error;
using util::ErrorKind;

const char* code_name(grpc::StatusCode code)
{
  switch (code) {
  case grpc::StatusCode::OK:
    return "OK";
  case grpc::StatusCode::CANCELLED:
    return "Canceled";
  case grpc::StatusCode::UNKNOWN:
    return "Unknown";
  case grpc::StatusCode::INVALID_ARGUMENT:
    return "InvalidArgument";
  case grpc::StatusCode::DEADLINE_EXCEEDED:
    return "DeadlineExceeded";
  case grpc::StatusCode::NOT_FOUND:
    return "NotFound";
  case grpc::StatusCode::ALREADY_EXISTS:
    return "AlreadyExists";
  case grpc::StatusCode::PERMISSION_DENIED:
    return "PermissionDenied";
  case grpc::StatusCode::RESOURCE_EXHAUSTED:
    return "ResourceExhausted";
  case grpc::StatusCode::FAILED_PRECONDITION:
    return "FailedPrecondition";
  case grpc::StatusCode::ABORTED:
    return "Aborted";
  case grpc::StatusCode::OUT_OF_RANGE:
    return "OutOfRange";
  case grpc::StatusCode::UNIMPLEMENTED:
    return "Unimplemented";
  case grpc::StatusCode::INTERNAL:
    return "Internal";
  case grpc::StatusCode::UNAVAILABLE:
    return "Unavailable";
  case grpc::StatusCode::DATA_LOSS:
    return "DataLoss";
  case grpc::StatusCode::UNAUTHENTICATED:
    return "Unauthenticated";
  default:
    return "Unknown";
  }
}

store::Platform to_platform(const pb::Platform& p)
{
  store::Platform out;
  out.os = p.os();
  out.architecture = p.architecture();
  out.variant = p.variant();
  return out;
}

Worker to_worker(const moby::buildkit::v1::types::WorkerRecord& record)
{
  Worker w;
  w.id = record.id();
  w.labels.insert(record.labels().begin(), record.labels().end());
  for (const auto& p : record.platforms()) {
    w.platforms.push_back(to_platform(p));
  }
  for (const auto& g : record.gcpolicy()) {
    GcPolicy policy;
    policy.all = g.all();
    policy.filters.assign(g.filters().begin(), g.filters().end());
    policy.keep_duration_ns = g.keepduration();
    policy.reserved_space = g.reservedspace();
    policy.max_used_space = g.maxusedspace();
    policy.min_free_space = g.minfreespace();
    w.gc_policy.push_back(std::move(policy));
  }
  return w;
}

} // namespace

Error from_status(const grpc::Status& status)
{
  ErrorKind kind = ErrorKind::internal;
  switch (status.error_code()) {
  case grpc::StatusCode::UNAVAILABLE:
    kind = ErrorKind::unavailable;
    break;
  case grpc::StatusCode::DEADLINE_EXCEEDED:
    kind = ErrorKind::timeout;
    break;
  case grpc::StatusCode::UNAUTHENTICATED:
  case grpc::StatusCode::PERMISSION_DENIED:
    kind = ErrorKind::auth;
    break;
  case grpc::StatusCode::INVALID_ARGUMENT:
  case grpc::StatusCode::FAILED_PRECONDITION:
  case grpc::StatusCode::NOT_FOUND:
    kind = ErrorKind::invalid;
    break;
  case grpc::StatusCode::UNIMPLEMENTED:
    kind = ErrorKind::unsupported;
    break;
  default:
    break;
  }
  return Error{kind, std::string("rpc error: code = ") +
                       code_name(status.error_code()) +
                       " desc = " + status.error_message()};
}

class Client::Impl {
public:
  explicit Impl(std::shared_ptr<grpc::Channel> channel)
    : m_stub(moby::buildkit::v1::Control::NewStub(std::move(channel)))
  {}

  std::unique_ptr<moby::buildkit::v1::Control::Stub> m_stub;
};

Client::Client(std::shared_ptr<grpc::Channel> channel)
  : m_impl(std::make_unique<Impl>(std::move(channel)))
{}

Client::~Client() = default;

util::Result<DaemonInfo> Client::describe(util::Deadline deadline)
{
  // Info goes out at once and is answered while ListWorkers runs: one
  // round trip for both instead of two.
  auto start = util::Clock::now();
  grpc::ClientContext info_ctx;
  info_ctx.set_deadline(util::to_system(deadline));
  moby::buildkit::v1::InfoRequest info_req;
  moby::buildkit::v1::InfoResponse info_resp;
  std::promise<grpc::Status> info_done;
  m_impl->m_stub->async()->Info(
    &info_ctx, &info_req, &info_resp,
    [&info_done](const grpc::Status& s) { info_done.set_value(s); });

  grpc::ClientContext workers_ctx;
  workers_ctx.set_deadline(util::to_system(deadline));
  moby::buildkit::v1::ListWorkersRequest workers_req;
  moby::buildkit::v1::ListWorkersResponse workers_resp;
  grpc::Status workers =
    m_impl->m_stub->ListWorkers(&workers_ctx, workers_req, &workers_resp);
  util::debug_call("ListWorkers", workers.ok() ? "ok" : workers.error_message(),
                   start);
  if (!workers.ok()) {
    info_ctx.TryCancel();
  }
  grpc::Status info_status = info_done.get_future().get();
  util::debug_call(
    "Info", info_status.ok() ? "ok" : info_status.error_message(), start);
  if (!workers.ok()) {
    return from_status(workers);
  }

  DaemonInfo info;
  for (const auto& record : workers_resp.record()) {
    info.workers.push_back(to_worker(record));
  }
  if (info_status.ok()) {
    info.version = info_resp.buildkitversion().version();
  } else if (info_status.error_code() != grpc::StatusCode::UNIMPLEMENTED) {
    return from_status(info_status);
  }
  return info;
}

util::Result<int> Client::active_builds(util::Deadline deadline)
{
  // Only the builds running now, and the stream ends once they are sent.
  auto start = util::Clock::now();
  grpc::ClientContext ctx;
  ctx.set_deadline(util::to_system(deadline));
  moby::buildkit::v1::BuildHistoryRequest req;
  req.set_activeonly(true);
  req.set_earlyexit(true);
  auto reader = m_impl->m_stub->ListenBuildHistory(&ctx, req);

  int count = 0;
  moby::buildkit::v1::BuildHistoryEvent event;
  while (reader->Read(&event)) {
    if (event.type() == moby::buildkit::v1::STARTED) {
      ++count;
    }
  }
  grpc::Status status = reader->Finish();
  util::debug_call("ListenBuildHistory",
                   status.ok() ? std::to_string(count) + " active"
                               : status.error_message(),
                   start);
  if (!status.ok()) {
    return from_status(status);
  }
  return count;
}

} // namespace kiln::buildkit
