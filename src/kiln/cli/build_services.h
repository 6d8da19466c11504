#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "kiln/progress/display.h"
#include "kiln/session/credentials.h"
#include "kiln/session/secrets.h"
#include "kiln/session/session.h"
#include "kiln/session/ssh_agent.h"

namespace kiln::cli {

/// Parses one `--secret` value as Buildx does:
/// `id=ID[,src=PATH|,env=VAR][,type=file|env]` (`source` is `src`);
/// throws `util::UserError` with Buildx's text.
session::SecretSource parse_secret(const std::string& text);

/// Parses one `--ssh` value as Buildx does: `ID[=PATH[,PATH…]]`.
session::SshSpec parse_ssh(const std::string& text);

/// What a build serves the daemon besides its files: registry
/// credentials, secrets and SSH agents, all checked before the build
/// starts.
class BuildServices {
public:
  /// Parses and checks the `--secret` and `--ssh` values, starts the
  /// agents key files need and reads the Docker config in
  /// `docker_config_dir` (its warnings go to `warnings`); throws
  /// `util::UserError` with Buildx's text.
  BuildServices(const std::vector<std::string>& secrets,
                const std::vector<std::string>& ssh,
                const std::string& docker_config_dir, std::ostream& warnings);

  /// Adds the Auth, Secrets and SSH services to `session`.
  void add_to(session::Session& session);

  /// Shows on `display` a step `[auth] sharing credentials for HOST`
  /// for each registry whose credentials went to the daemon since the
  /// last call, as Buildx does; call it where `display` is updated.
  void show_shared(progress::Display& display);

  /// Returns the registry credentials read from the Docker config.
  [[nodiscard]] session::CredentialStore& credentials() const
  {
    return *m_credentials;
  }

private:
  // Registries whose credentials were shared, with the time they were,
  // filled on the session's threads.
  struct Shared {
    std::mutex mutex;
    std::vector<std::pair<std::string, double>> hosts;
  };

  std::map<std::string, session::SecretSource> m_secrets;
  std::unique_ptr<session::SshAgents> m_agents;
  std::shared_ptr<session::CredentialStore> m_credentials;
  std::shared_ptr<Shared> m_shared = std::make_shared<Shared>();
};

} // namespace kiln::cli
