#pragma once

#include <string>

#include "kiln/engine/host.h"
#include "kiln/util/result.h"

namespace kiln::engine {

/// Asks the Engine at `host` to push its image `name` (`repo[:tag]`,
/// tag `latest` when none) with `POST /images/{repo}/push`, logging in
/// with `auth` (the `X-Registry-Auth` value, `e30=` for none),
/// and waits until the Engine is done; fails with the Engine's error.
util::Result<util::Unit> push_image(const Host& host, const std::string& name,
                                    const std::string& auth);

/// Returns the registry an image `name` lives in, as the daemon names
/// it: its first component when that is a host, else Docker Hub's
/// `registry-1.docker.io`.
std::string registry_of(const std::string& name);

/// Returns the `X-Registry-Auth` value for a login of `username` and
/// `secret` (an identity token when there is no user name) at `server`:
/// the JSON the Engine takes, in URL-safe base64; `e30=` (`{}`) when
/// there is no login.
std::string registry_auth(const std::string& username,
                          const std::string& secret, const std::string& server);

/// Splits `name` into its repository and tag, the tag defaulting to
/// `latest`; a colon before the last slash is a registry's port.
std::pair<std::string, std::string> split_tag(const std::string& name);

} // namespace kiln::engine
