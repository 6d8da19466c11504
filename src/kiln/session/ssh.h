#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <grpcpp/impl/service_type.h>

namespace kiln::session {

/// The method path the daemon calls to check that an agent id is
/// offered.
inline constexpr const char* k_ssh_check_method =
  "/moby.sshforward.v1.SSH/CheckAgent";

/// The method path that carries one connection to an agent.
inline constexpr const char* k_ssh_forward_method =
  "/moby.sshforward.v1.SSH/ForwardAgent";

/// The agent id used when a mount or `--ssh` names none.
inline constexpr const char* k_default_ssh_id = "default";

/// Returns whether a build may send agent request type `type`: listing
/// keys and signing (and unlocking) pass, while adding, removing,
/// locking and extensions are refused, as Buildx refuses them.
bool agent_request_allowed(std::uint8_t type);

/// Serves moby.sshforward.v1.SSH for the agents in `sockets` (id to
/// agent socket path): CheckAgent, and ForwardAgent relaying each
/// allowed request to the agent and answering the others with failure.
std::unique_ptr<grpc::Service>
make_ssh(std::map<std::string, std::string> sockets);

} // namespace kiln::session
