#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kiln::session {

/// One `--ssh` entry: an agent id and the sockets or key files behind
/// it.
struct SshSpec {
  /// The id a `RUN --mount=type=ssh,id=…` asks for; empty is `default`.
  std::string id;
  /// One agent socket or any number of private key files; none (or one
  /// empty path) means `$SSH_AUTH_SOCK`.
  std::vector<std::string> paths;
};

/// The agents one build offers, by id. For key files it runs an
/// `ssh-agent` of its own in a private temporary folder and adds the
/// keys with `ssh-add`; the destructor ends those agents by PID and
/// removes their folders.
class SshAgents {
public:
  /// Resolves `specs` as Buildx does (one socket, or key files, per id;
  /// ids unique) and starts the agents key files need; throws
  /// `util::UserError` naming the id and the path at fault.
  explicit SshAgents(const std::vector<SshSpec>& specs);
  ~SshAgents();
  SshAgents(const SshAgents&) = delete;
  SshAgents& operator=(const SshAgents&) = delete;

  /// Returns the agent socket of each id.
  [[nodiscard]] const std::map<std::string, std::string>& sockets() const
  {
    return m_sockets;
  }

private:
  struct Agent;

  std::string start_agent(const std::string& id,
                          const std::vector<std::string>& keys);

  std::map<std::string, std::string> m_sockets;
  std::vector<std::unique_ptr<Agent>> m_agents;
};

} // namespace kiln::session
