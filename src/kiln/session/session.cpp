// The session tunnel. Inside Control/Session the daemon is the HTTP/2
// client and kiln the server: the server gets one end of a socketpair
// as its only connection and two threads copy bytes between the other
// end and the stream. The stream is opened on raw buffers, so that the
// bytes read from the socketpair leave in the slices they were read
// into. On the Docker Engine the server instead gets the socket of the
// Engine's `POST /session` upgrade, where the Engine is the HTTP/2
// client.
#include "kiln/session/session.h"

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <grpcpp/client_context.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/server_posix.h>
#include <grpcpp/support/sync_stream.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kiln/connect/channel.h"
#include "kiln/control.pb.h"
#include "kiln/session/health.h"
#include "kiln/session/raw.h"
#include "kiln/util/fd.h"
#include "kiln/util/fs.h"
#include "kiln/util/log.h"

namespace kiln::session {

namespace {

using moby::buildkit::v1::BytesMessage;
using Tunnel = grpc::ClientReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>;

constexpr const char* k_session_method = "/moby.buildkit.v1.Control/Session";
constexpr std::size_t k_read_bytes = 256 * 1024;
// The number of `BytesMessage.data`, the message's only field.
constexpr int k_data_field = 1;

bool write_all(int fd, const void* data, std::size_t size)
{
  const auto* at = static_cast<const char*>(data);
  std::size_t left = size;
  while (left > 0) {
    ssize_t n = ::send(fd, at, left, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return false;
    }
    at += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

// Writes the data of the BytesMessage in `buffer` to `fd`, from the
// buffer's own slices when its encoding is the usual one.
bool forward(int fd, const grpc::ByteBuffer& buffer)
{
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) {
    return false;
  }
  // The tag of field 1 as bytes, then the length as a varint.
  std::size_t skip = 0;
  if (!slices.empty() && slices[0].size() > 0 && slices[0].begin()[0] == 0x0a) {
    const std::uint8_t* head = slices[0].begin();
    std::size_t i = 1;
    while (i < slices[0].size() && (head[i] & 0x80) != 0) {
      ++i;
    }
    skip = i < slices[0].size() ? i + 1 : 0;
  }
  if (skip == 0) {
    BytesMessage msg;
    if (!parse_raw(buffer, msg)) {
      return false;
    }
    return write_all(fd, msg.data().data(), msg.data().size());
  }
  for (const auto& slice : slices) {
    if (!write_all(fd, slice.begin() + skip, slice.size() - skip)) {
      return false;
    }
    skip = 0;
  }
  return true;
}

} // namespace

class Session::Impl {
public:
  std::string id = random_id();
  std::string name;
  std::string shared_key;
  std::vector<std::unique_ptr<grpc::Service>> services;
  std::vector<std::string> methods;
  std::unique_ptr<grpc::Server> server;
  grpc::ClientContext ctx;
  std::unique_ptr<Tunnel> tunnel;
  util::Fd local;
  // A second descriptor of the Engine's session socket, which the server
  // owns, to end the connection at close.
  util::Fd engine_socket;
  std::thread down;
  std::thread up;
  bool closed = false;

  // Starts the server with the session's services and no port.
  util::Result<util::Unit> start_server()
  {
    grpc::ServerBuilder builder;
    builder.SetMaxReceiveMessageSize(connect::k_max_message_bytes);
    builder.SetMaxSendMessageSize(connect::k_max_message_bytes);
    for (auto& service : services) {
      builder.RegisterService(service.get());
    }
    server = builder.BuildAndStart();
    if (!server) {
      return util::Error{util::ErrorKind::internal,
                         "could not start the session server"};
    }
    return util::Unit{};
  }

  // Daemon to kiln's server.
  void pump_down()
  {
    grpc::ByteBuffer buffer;
    while (tunnel->Read(&buffer)) {
      if (!forward(local.get(), buffer)) {
        break;
      }
    }
    ::shutdown(local.get(), SHUT_WR);
  }

  // kiln's server to the daemon.
  void pump_up()
  {
    ReadBuffer buf(k_read_bytes);
    while (true) {
      ssize_t n = buf.read_from(local.get());
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        break;
      }
      grpc::Slice data = buf.take(static_cast<std::size_t>(n));
      if (!tunnel->Write(
            bytes_field_message("", k_data_field, std::move(data)))) {
        break;
      }
    }
    tunnel->WritesDone();
  }
};

Session::Session(std::string name, std::string shared_key)
  : m_impl(std::make_unique<Impl>())
{
  m_impl->name = std::move(name);
  m_impl->shared_key = std::move(shared_key);
  add(make_health(), {k_health_check_method});
}

Session::~Session()
{
  close();
}

const std::string& Session::id() const
{
  return m_impl->id;
}

void Session::add(std::unique_ptr<grpc::Service> service,
                  std::vector<std::string> methods)
{
  m_impl->services.push_back(std::move(service));
  m_impl->methods.insert(m_impl->methods.end(), methods.begin(), methods.end());
}

util::Result<util::Unit> Session::start(grpc::ChannelInterface& channel)
{
  Impl& s = *m_impl;
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return util::Error{util::ErrorKind::internal,
                       "socketpair: " + util::errno_message(errno)};
  }
  s.local.reset(fds[0]);
  // gRPC's server side expects a non-blocking descriptor; a blocking
  // one hangs the first build.
  util::set_nonblocking(fds[1]);

  auto server = s.start_server();
  if (!server) {
    ::close(fds[1]);
    return server.error();
  }
  grpc::AddInsecureChannelFromFd(s.server.get(), fds[1]);

  // Keys must be lowercase: gRPC C++ aborts on uppercase ones.
  s.ctx.AddMetadata("x-docker-expose-session-uuid", s.id);
  s.ctx.AddMetadata("x-docker-expose-session-name", s.name);
  s.ctx.AddMetadata("x-docker-expose-session-sharedkey", s.shared_key);
  for (const auto& method : s.methods) {
    s.ctx.AddMetadata("x-docker-expose-session-grpc-method", method);
  }
  grpc::internal::RpcMethod method(k_session_method,
                                   grpc::internal::RpcMethod::BIDI_STREAMING);
  s.tunnel.reset(
    grpc::internal::ClientReaderWriterFactory<
      grpc::ByteBuffer, grpc::ByteBuffer>::Create(&channel, method, &s.ctx));
  util::debug("session " + s.id + ": started with " +
              std::to_string(s.methods.size()) + " methods");

  s.down = std::thread([&s] { s.pump_down(); });
  s.up = std::thread([&s] { s.pump_up(); });
  return util::Unit{};
}

util::Result<util::Unit> Session::start(const Dialer& dial)
{
  Impl& s = *m_impl;
  auto server = s.start_server();
  if (!server) {
    return server.error();
  }

  // The Engine reads the session from these headers, in the canonical
  // form of HTTP header names; each method is a header of its own.
  Headers headers;
  headers["X-Docker-Expose-Session-Uuid"] = {s.id};
  headers["X-Docker-Expose-Session-Name"] = {s.name};
  headers["X-Docker-Expose-Session-Sharedkey"] = {s.shared_key};
  headers["X-Docker-Expose-Session-Grpc-Method"] = s.methods;
  auto fd = dial(headers);
  if (!fd) {
    s.server->Shutdown(std::chrono::system_clock::now());
    s.server.reset();
    return fd.error();
  }
  s.engine_socket.reset(::fcntl(*fd, F_DUPFD_CLOEXEC, 0));
  // Same as for the socketpair: the server needs a non-blocking socket.
  util::set_nonblocking(*fd);
  grpc::AddInsecureChannelFromFd(s.server.get(), *fd);
  util::debug("session " + s.id + ": serving the Engine with " +
              std::to_string(s.methods.size()) + " methods");
  return util::Unit{};
}

void Session::close()
{
  Impl& s = *m_impl;
  if (s.closed || !s.server) {
    return;
  }
  s.closed = true;

  // The build is over: calls still open are cancelled, not awaited.
  s.server->Shutdown(std::chrono::system_clock::now());
  if (s.tunnel) {
    s.ctx.TryCancel();
    ::shutdown(s.local.get(), SHUT_RDWR);
    s.down.join();
    s.up.join();
    s.tunnel->Finish();
  }
  if (s.engine_socket) {
    ::shutdown(s.engine_socket.get(), SHUT_RDWR);
    s.engine_socket.reset();
  }
  s.server.reset();
  util::debug("session " + s.id + ": closed");
}

std::string random_id()
{
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device device;
  std::uniform_int_distribution<int> pick(0, 35);
  std::string out;
  for (int i = 0; i < 25; ++i) {
    out += alphabet[pick(device)];
  }
  return out;
}

} // namespace kiln::session
