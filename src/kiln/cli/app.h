#pragma once

namespace kiln::cli {

/// Runs kiln with the process's arguments, as `kiln …`, as
/// `docker-buildx buildx …` (the Docker CLI plugin) or as
/// `docker-buildx docker-cli-plugin-metadata`; returns the exit code.
int run(int argc, char** argv);

} // namespace kiln::cli
