#include "kiln/connect/channel.h"

#include <grpc/grpc.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/create_channel_posix.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

namespace kiln::connect {

namespace {

grpc::ChannelArguments base_arguments(const std::string& authority)
{
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(k_max_message_bytes);
  args.SetMaxSendMessageSize(k_max_message_bytes);
  // A failed solve's status carries its stack and the Dockerfile in
  // trailing metadata, often over gRPC's default limit, and the daemon
  // resets a stream whose trailers the client would not take.
  args.SetInt(GRPC_ARG_MAX_METADATA_SIZE, 1024 * 1024);
  // A fresh channel per kiln process: do not share subchannels with
  // other channels, so one node's failure never stalls another's.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  if (!authority.empty()) {
    args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, authority);
  }
  return args;
}

} // namespace

std::shared_ptr<grpc::Channel> open_channel(const Endpoint& endpoint,
                                            const TlsOptions& tls,
                                            const TlsFiles& files)
{
  if (endpoint.scheme == Scheme::unix_socket) {
    return grpc::CreateCustomChannel("unix:" + endpoint.path,
                                     grpc::InsecureChannelCredentials(),
                                     base_arguments("localhost"));
  }

  std::string target = endpoint.host_port();
  if (!tls.enabled) {
    return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                     base_arguments(target));
  }

  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = files.ca_cert;
  ssl.pem_cert_chain = files.cert;
  ssl.pem_private_key = files.key;
  grpc::ChannelArguments args = base_arguments(tls.server_name);
  args.SetSslTargetNameOverride(tls.server_name);
  return grpc::CreateCustomChannel(target, grpc::SslCredentials(ssl), args);
}

std::shared_ptr<grpc::Channel> channel_from_fd(int fd,
                                               const std::string& authority)
{
  grpc::ChannelArguments args = base_arguments(authority);
  return grpc::CreateCustomInsecureChannelFromFd(authority, fd, args);
}

} // namespace kiln::connect
