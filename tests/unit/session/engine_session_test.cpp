#include "kiln/session/session.h"

#include <chrono>

#include <grpcpp/client_context.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include "kiln/connect/channel.h"
#include "kiln/health.grpc.pb.h"
#include "kiln/session/file_sync.h"
#include "kiln/session/health.h"

namespace kiln::session {
namespace {

// A session started on a socket of its own announces itself in the
// upgrade's headers and serves whoever calls on that socket, as the
// Docker Engine does after `POST /session`.
TEST(EngineSession, AnnouncesItselfAndServesOnTheDialledSocket)
{
  Session session("ctx", "key-1");
  session.add(make_file_sync({}), {k_file_sync_method});

  Headers seen;
  int client_fd = -1;
  auto started = session.start([&](const Headers& headers) {
    seen = headers;
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
      return util::Result<int>(util::Error{util::ErrorKind::internal, "pair"});
    }
    client_fd = fds[1];
    return util::Result<int>(fds[0]);
  });
  ASSERT_TRUE(started.ok()) << started.error().message;

  EXPECT_EQ(seen.at("X-Docker-Expose-Session-Uuid"),
            std::vector<std::string>{session.id()});
  EXPECT_EQ(seen.at("X-Docker-Expose-Session-Name"),
            std::vector<std::string>{"ctx"});
  EXPECT_EQ(seen.at("X-Docker-Expose-Session-Sharedkey"),
            std::vector<std::string>{"key-1"});
  std::vector<std::string> methods = {k_health_check_method,
                                      k_file_sync_method};
  EXPECT_EQ(seen.at("X-Docker-Expose-Session-Grpc-Method"), methods);

  // The other end plays the Engine: the HTTP/2 client of kiln's server.
  auto stub = grpc::health::v1::Health::NewStub(
    connect::channel_from_fd(client_fd, "localhost"));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&ctx, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  session.close();
}

TEST(EngineSession, ADialFailureIsTheStartFailure)
{
  Session session("ctx", "key-1");
  auto started = session.start([](const Headers&) {
    return util::Result<int>(
      util::Error{util::ErrorKind::unavailable, "cannot connect"});
  });
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().message, "cannot connect");
  session.close();
}

} // namespace
} // namespace kiln::session
