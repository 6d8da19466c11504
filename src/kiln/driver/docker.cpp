// The docker driver: the BuildKit embedded in the Docker Engine, reached
// through the Engine API of the current Docker context: control calls
// over `POST /grpc` and a build's session over `POST /session`, both
// upgraded to h2c.
#include "kiln/buildkit/client.h"
#include "kiln/connect/channel.h"
#include "kiln/driver/driver.h"
#include "kiln/engine/dial.h"
#include "kiln/engine/host.h"
#include "kiln/engine/version.h"

namespace kiln::driver::detail {

namespace {

// How long a build waits for the Engine to accept a connection.
constexpr auto k_dial_timeout = std::chrono::seconds(20);

// The worker label of an Engine that uses the containerd image store.
constexpr const char* k_snapshotter_label =
  "org.mobyproject.buildkit.worker.snapshotter";

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
    auto fd = engine::dial_grpc(m_host, util::Clock::now() + k_dial_timeout);
    if (!fd.ok()) {
      return fd.error();
    }
    m_channel = connect::channel_from_fd(*fd, "localhost");
    return m_channel;
  }

  SessionDialer session_dialer() override
  {
    return [host = m_host](const auto& headers) {
      return engine::dial_hijack(host, "/session", "h2c", headers,
                                 util::Clock::now() + k_dial_timeout);
    };
  }

  std::optional<EngineFeatures> engine_features() override
  {
    // As Buildx: a worker that names its snapshotter runs on the
    // containerd image store; a failed query counts as the classic one.
    EngineFeatures features;
    if (!m_channel) {
      return features;
    }
    buildkit::Client client(m_channel);
    auto info = client.describe(util::Clock::now() + k_dial_timeout);
    if (info.ok()) {
      for (const auto& worker : info->workers) {
        if (worker.labels.contains(k_snapshotter_label)) {
          features.containerd_store = true;
        }
      }
    }
    return features;
  }

private:
  engine::Host m_host;
  std::shared_ptr<grpc::Channel> m_channel;
};

} // namespace

std::unique_ptr<Driver> make_docker(const store::Node& node)
{
  (void)node;
  return std::make_unique<DockerDriver>(engine::current_host());
}

} // namespace kiln::driver::detail
