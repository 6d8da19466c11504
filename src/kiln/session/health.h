#pragma once

#include <memory>

#include <grpcpp/impl/service_type.h>

namespace kiln::session {

/// The method path of the daemon's keep-alive checks.
inline constexpr const char* k_health_check_method =
  "/grpc.health.v1.Health/Check";

/// Serves grpc.health.v1.Health/Check, always answering SERVING.
std::unique_ptr<grpc::Service> make_health();

} // namespace kiln::session
