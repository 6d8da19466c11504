// SSH agent forwarding. The agent protocol is strictly one reply per
// request, each a 4-byte big-endian length and a body whose first byte
// is its type, so the relay reads one whole request from the daemon,
// hands it to the agent (or refuses it), and passes the one reply back.
#include "kiln/session/ssh.h"

#include <cerrno>
#include <optional>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "kiln/session/metadata.h"
#include "kiln/ssh.grpc.pb.h"
#include "kiln/util/fd.h"
#include "kiln/util/fs.h"
#include "kiln/util/log.h"
#include "kiln/util/result.h"

namespace kiln::session {

namespace {

namespace pb = moby::sshforward::v1;
using Stream = grpc::ServerReaderWriter<pb::BytesMessage, pb::BytesMessage>;

// The largest request or reply relayed, as in Go's agent package.
constexpr std::uint32_t k_max_message = 16 * 1024 * 1024;
constexpr std::size_t k_chunk_bytes = 32 * 1024;
constexpr int k_poll_ms = 200;

// Agent protocol message types.
constexpr std::uint8_t k_agent_failure = 5;
constexpr std::uint8_t k_request_identities = 11;
constexpr std::uint8_t k_sign_request = 13;
constexpr std::uint8_t k_unlock = 23;

std::uint32_t read_be32(const std::string& data)
{
  auto byte = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(data[i]));
  };
  return byte(0) << 24 | byte(1) << 16 | byte(2) << 8 | byte(3);
}

std::string id_of(const std::string& requested)
{
  return requested.empty() ? k_default_ssh_id : requested;
}

grpc::Status unset(const std::string& id)
{
  return {grpc::StatusCode::UNKNOWN, "unset ssh forward key " + id};
}

util::Result<util::Fd> dial(const std::string& path)
{
  util::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (!fd || path.size() >= sizeof addr.sun_path) {
    return util::Error{util::ErrorKind::internal, "invalid socket " + path};
  }
  path.copy(addr.sun_path, path.size());
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr),
                sizeof addr) != 0) {
    return util::Error{util::ErrorKind::unavailable,
                       "failed to connect to " + path + ": dial unix " + path +
                         ": connect: " + util::errno_message(errno)};
  }
  return fd;
}

// Writes all of `data` to socket `fd`; a closed peer is an error, not
// SIGPIPE.
bool send_all(int fd, const std::string& data)
{
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n =
      ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads exactly `n` bytes from the agent into `out`, giving up when the
// call is cancelled; returns false when the agent is gone.
bool read_exact(int fd, std::size_t n, std::string& out,
                grpc::ServerContext& ctx)
{
  std::size_t start = out.size();
  out.resize(start + n);
  std::size_t got = 0;
  while (got < n) {
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, k_poll_ms);
    if (ctx.IsCancelled()) {
      return false;
    }
    if (ready <= 0) {
      if (ready < 0 && errno != EINTR) {
        return false;
      }
      continue;
    }
    ssize_t r = ::read(fd, out.data() + start + got, n - got);
    if (r < 0 && errno == EINTR) {
      continue;
    }
    if (r <= 0) {
      return false;
    }
    got += static_cast<std::size_t>(r);
  }
  return true;
}

// Sends `reply` to the daemon in chunks.
bool send_reply(Stream& stream, const std::string& reply)
{
  pb::BytesMessage msg;
  for (std::size_t at = 0; at < reply.size(); at += k_chunk_bytes) {
    msg.set_data(reply.substr(at, k_chunk_bytes));
    if (!stream.Write(msg)) {
      return false;
    }
  }
  return true;
}

// Relays whole requests from the daemon to the agent on `agent` and
// its replies back, until the daemon closes its side.
grpc::Status relay(grpc::ServerContext& ctx, Stream& stream, int agent)
{
  const std::string failure{'\0', '\0', '\0', '\1',
                            static_cast<char>(k_agent_failure)};
  std::string pending;
  pb::BytesMessage msg;
  while (stream.Read(&msg)) {
    pending += msg.data();
    while (pending.size() >= 4) {
      std::uint32_t length = read_be32(pending);
      if (length > k_max_message) {
        return {grpc::StatusCode::INVALID_ARGUMENT, "agent: request too large"};
      }
      if (pending.size() < 4 + std::size_t{length}) {
        break;
      }
      std::string request = pending.substr(0, 4 + std::size_t{length});
      pending.erase(0, request.size());

      std::string reply;
      std::uint8_t type =
        length > 0 ? static_cast<std::uint8_t>(request[4]) : std::uint8_t{0};
      if (length == 0 || !agent_request_allowed(type)) {
        util::debug("ssh: refused agent request of type " +
                    std::to_string(type));
        reply = failure;
      } else if (!send_all(agent, request) ||
                 !read_exact(agent, 4, reply, ctx) ||
                 read_be32(reply) > k_max_message ||
                 !read_exact(agent, read_be32(reply), reply, ctx)) {
        return {grpc::StatusCode::UNAVAILABLE, "ssh agent connection closed"};
      }
      if (!send_reply(stream, reply)) {
        return grpc::Status::OK;
      }
    }
  }
  return grpc::Status::OK;
}

class SshService : public pb::SSH::Service {
public:
  explicit SshService(std::map<std::string, std::string> sockets)
    : m_sockets(std::move(sockets))
  {}

  grpc::Status CheckAgent(grpc::ServerContext* /*ctx*/,
                          const pb::CheckAgentRequest* req,
                          pb::CheckAgentResponse* /*resp*/) override
  {
    std::string id = id_of(req->id());
    bool known = m_sockets.count(id) > 0;
    util::debug("ssh: check agent " + id + (known ? ": offered" : ": unset"));
    return known ? grpc::Status::OK : unset(id);
  }

  grpc::Status ForwardAgent(grpc::ServerContext* ctx, Stream* stream) override
  {
    std::string id;
    for (const auto& v : metadata_values(*ctx, "buildkit.ssh.id")) {
      if (!v.empty()) {
        id = v;
        break;
      }
    }
    id = id_of(id);
    auto it = m_sockets.find(id);
    if (it == m_sockets.end()) {
      return unset(id);
    }

    auto start = std::chrono::steady_clock::now();
    auto agent = dial(it->second);
    if (!agent) {
      util::debug_call("ssh: forward agent " + id, agent.error().message,
                       start);
      return {grpc::StatusCode::UNKNOWN,
              "failed to dial agent " + id + ": " + agent.error().message};
    }
    grpc::Status done = relay(*ctx, *stream, agent->get());
    util::debug_call("ssh: forward agent " + id,
                     done.ok() ? "closed" : done.error_message(), start);
    return done;
  }

private:
  std::map<std::string, std::string> m_sockets;
};

} // namespace

bool agent_request_allowed(std::uint8_t type)
{
  return type == k_request_identities || type == k_sign_request ||
         type == k_unlock;
}

std::unique_ptr<grpc::Service>
make_ssh(std::map<std::string, std::string> sockets)
{
  return std::make_unique<SshService>(std::move(sockets));
}

} // namespace kiln::session
