// The docker driver: the BuildKit embedded in the Docker Engine, reached
// through the Engine API (`POST /grpc` upgraded to h2c) of the current
// Docker context.
#include "kiln/buildkit/client.h"
#include "kiln/connect/channel.h"
#include "kiln/driver/driver.h"
#include "kiln/engine/dial.h"
#include "kiln/engine/host.h"
#include "kiln/engine/version.h"

namespace kiln::driver::detail {

namespace {

// Engines before 24 name no BuildKit version of their own; each of their
// release lines shipped one BuildKit line, named as Buildx names it. The
// point releases that carried a patched BuildKit are not told apart.
std::string buildkit_of_engine(const std::string& engine_version)
{
  struct Line {
    const char* prefix;
    const char* buildkit;
  };
  static const Line lines[] = {
    {"20.10.", "v0.8+unknown"},
    {"22.06.", "v0.10.3"},
    {"23.0.", "v0.10+unknown"},
  };
  for (const auto& line : lines) {
    if (engine_version.starts_with(line.prefix)) {
      return line.buildkit;
    }
  }
  std::string out = engine_version;
  if (out.ends_with("-moby")) {
    out.resize(out.size() - 5);
  }
  return out;
}

class DockerDriver : public Driver {
public:
  explicit DockerDriver(engine::Host host) : m_host(std::move(host)) {}

  NodeStatus status(util::Deadline deadline) override
  {
    auto start = util::Clock::now();
    auto fd = engine::dial_grpc(m_host, deadline);
    if (!fd.ok()) {
      return inactive(fd.error());
    }
    auto connected = util::Clock::now();

    // The Engine ignores `:authority`; "localhost" is what Buildx sends.
    buildkit::Client client(connect::channel_from_fd(*fd, "localhost"));
    auto info = client.describe(deadline);
    if (!info.ok()) {
      return inactive(info.error());
    }

    NodeStatus status = running(*info);
    if (status.version.empty()) {
      auto engine = engine::version(m_host, deadline);
      if (engine.ok()) {
        status.version = buildkit_of_engine(engine->version);
      }
    }
    status.round_trip =
      std::chrono::duration_cast<std::chrono::microseconds>(connected - start);
    return status;
  }

  [[nodiscard]] bool default_load() const override { return true; }

  util::Result<std::shared_ptr<grpc::Channel>> channel() override
  {
    // TODO: builds on the Engine also need its `POST /session` upgrade;
    // until then only status queries use this driver.
    return util::Error{util::ErrorKind::unsupported,
                       "building on the Docker Engine's own builder is not "
                       "supported by kiln yet; create a remote builder"};
  }

private:
  engine::Host m_host;
};

} // namespace

std::unique_ptr<Driver> make_docker(const store::Node& node)
{
  (void)node;
  return std::make_unique<DockerDriver>(engine::current_host());
}

} // namespace kiln::driver::detail
