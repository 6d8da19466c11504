#include "kiln/buildkit/usage.h"

#include <grpcpp/client_context.h>

#include "kiln/buildkit/client.h"
#include "kiln/control.grpc.pb.h"
#include "kiln/util/log.h"

namespace kiln::buildkit {

namespace {

namespace v1 = moby::buildkit::v1;

std::chrono::system_clock::time_point
to_time(const google::protobuf::Timestamp& ts)
{
  auto since =
    std::chrono::seconds(ts.seconds()) + std::chrono::nanoseconds(ts.nanos());
  return std::chrono::system_clock::time_point(
    std::chrono::duration_cast<std::chrono::system_clock::duration>(since));
}

UsageRecord to_record(const v1::UsageRecord& r)
{
  UsageRecord out;
  out.id = r.id();
  out.is_mutable = r.mutable_();
  out.in_use = r.inuse();
  out.size = r.size();
  out.created_at = to_time(r.createdat());
  if (r.has_lastusedat()) {
    out.last_used_at = to_time(r.lastusedat());
  }
  out.usage_count = r.usagecount();
  out.description = r.description();
  out.record_type = r.recordtype();
  out.shared = r.shared();
  out.parents.assign(r.parents().begin(), r.parents().end());
  return out;
}

} // namespace

util::Result<std::vector<UsageRecord>>
disk_usage(const std::shared_ptr<grpc::Channel>& channel,
           const std::vector<std::string>& filters)
{
  auto stub = v1::Control::NewStub(channel);
  grpc::ClientContext ctx;
  v1::DiskUsageRequest req;
  for (const auto& f : filters) {
    req.add_filter(f);
  }
  v1::DiskUsageResponse resp;

  auto start = util::Clock::now();
  grpc::Status status = stub->DiskUsage(&ctx, req, &resp);
  util::debug_call("DiskUsage",
                   status.ok() ? std::to_string(resp.record_size()) + " records"
                               : status.error_message(),
                   start);
  if (!status.ok()) {
    return from_status(status);
  }

  std::vector<UsageRecord> out;
  for (const auto& r : resp.record()) {
    out.push_back(to_record(r));
  }
  return out;
}

util::Result<util::Unit>
prune(const std::shared_ptr<grpc::Channel>& channel,
      const PruneOptions& options,
      const std::function<void(const UsageRecord&)>& on_record)
{
  auto stub = v1::Control::NewStub(channel);
  grpc::ClientContext ctx;
  v1::PruneRequest req;
  for (const auto& f : options.filters) {
    req.add_filter(f);
  }
  req.set_all(options.all);
  req.set_keepduration(options.keep_duration.count());
  req.set_reservedspace(options.reserved_space);
  req.set_maxusedspace(options.max_used_space);
  req.set_minfreespace(options.min_free_space);

  auto start = util::Clock::now();
  auto reader = stub->Prune(&ctx, req);
  v1::UsageRecord record;
  int count = 0;
  while (reader->Read(&record)) {
    on_record(to_record(record));
    ++count;
  }
  grpc::Status status = reader->Finish();
  util::debug_call("Prune",
                   status.ok() ? std::to_string(count) + " records"
                               : status.error_message(),
                   start);
  if (!status.ok()) {
    return from_status(status);
  }
  return util::Unit{};
}

} // namespace kiln::buildkit
