#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "kiln/connect/endpoint.h"

namespace kiln::connect {

/// Returns the command whose stdin and stdout reach the daemon of a
/// `docker-container://`, `kube-pod://` or `ssh://` endpoint: `docker
/// exec`, `kubectl exec` or `ssh`, each running `buildctl dial-stdio`
/// next to the daemon. `connect_timeout` bounds ssh's own connection
/// step; ssh never asks for a password (batch mode), so it cannot hang
/// on a prompt.
std::vector<std::string>
helper_command(const Endpoint& endpoint,
               std::chrono::milliseconds connect_timeout);

/// Returns whether `endpoint` is reached through a helper process.
bool needs_helper(const Endpoint& endpoint);

} // namespace kiln::connect
