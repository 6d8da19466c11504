#include "kiln/session/health.h"

#include "kiln/health.grpc.pb.h"

namespace kiln::session {

namespace {

class HealthService : public grpc::health::v1::Health::Service {
public:
  grpc::Status Check(grpc::ServerContext* /*ctx*/,
                     const grpc::health::v1::HealthCheckRequest* /*req*/,
                     grpc::health::v1::HealthCheckResponse* resp) override
  {
    resp->set_status(grpc::health::v1::HealthCheckResponse::SERVING);
    return grpc::Status::OK;
  }
};

} // namespace

std::unique_ptr<grpc::Service> make_health()
{
  return std::make_unique<HealthService>();
}

} // namespace kiln::session
