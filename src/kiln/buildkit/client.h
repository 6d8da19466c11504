#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include "kiln/store/node_group.h"
#include "kiln/util/fd.h"
#include "kiln/util/result.h"

namespace kiln::buildkit {

/// One garbage collection rule of a worker.
struct GcPolicy {
  bool all = false;
  std::vector<std::string> filters;
  std::int64_t keep_duration_ns = 0;
  std::int64_t reserved_space = 0;
  std::int64_t max_used_space = 0;
  std::int64_t min_free_space = 0;
};

/// A BuildKit worker as the daemon describes it.
struct Worker {
  std::string id;
  std::map<std::string, std::string> labels;
  std::vector<store::Platform> platforms;
  std::vector<GcPolicy> gc_policy;
};

/// What `describe` learned of a daemon.
struct DaemonInfo {
  std::string version;
  std::vector<Worker> workers;
};

/// Translates a failed gRPC status into kiln's error kinds, keeping the
/// status code name and the server's message.
util::Error from_status(const grpc::Status& status);

/// A client of BuildKit's control service over one channel.
class Client {
public:
  explicit Client(std::shared_ptr<grpc::Channel> channel);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Asks the daemon for its version and workers, before `deadline`.
  util::Result<DaemonInfo> describe(util::Deadline deadline);

  /// Counts the builds the daemon is running now, before `deadline`.
  util::Result<int> active_builds(util::Deadline deadline);

private:
  class Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace kiln::buildkit
