#!/usr/bin/env bash
# The main job, start to finish on a fresh machine: installs what kiln
# needs, builds it, starts a local buildkitd on a unix socket under a
# temporary directory, creates a remote builder on it and shows it with
# `ls` and `inspect`. Everything it starts is stopped by PID at the end,
# and the builder store it uses lives in the same temporary directory.
#
# KILN_BUILD_DIR  build directory (build/ in the repository)
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly repo_dir
readonly build_dir="${KILN_BUILD_DIR:-$repo_dir/build}"
readonly tools_dir="${KILN_TOOLS_DIR:-/usr/local/lib/kiln-rig/bin}"

step() {
  printf '\n==> %s\n' "$*"
}

# Shows a command, then runs it.
show() {
  printf '$ %s\n' "$*"
  "$@"
}

step "install dependencies"
"$repo_dir/scripts/install-deps.sh"

step "build kiln"
cmake -S "$repo_dir" -B "$build_dir" -G Ninja >/dev/null
ninja -C "$build_dir" kiln

work="$(mktemp -d /tmp/kiln-demo.XXXXXX)"
daemon_pid=""

# Stops the daemon and removes the temporary directory.
cleanup() {
  if [[ -n "$daemon_pid" ]]; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  findmnt -rn -o TARGET | grep -F "$work/" | sort -r |
    xargs -r -n 1 umount -l 2>/dev/null || true
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

export BUILDX_CONFIG="$work/buildx"
export DOCKER_CONFIG="$work/docker"
mkdir -p "$BUILDX_CONFIG" "$DOCKER_CONFIG"
readonly socket="$work/buildkitd.sock"

step "start buildkitd on unix://$socket"
: >"$work/buildkitd.toml"
"$tools_dir/buildkitd" --config "$work/buildkitd.toml" --root "$work/root" \
  --addr "unix://$socket" --containerd-worker=false --oci-worker=true \
  --oci-worker-binary "$(command -v runc)" >"$work/buildkitd.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 1 300); do
  if "$tools_dir/buildctl" --addr "unix://$socket" debug workers \
    >/dev/null 2>&1; then
    break
  fi
  kill -0 "$daemon_pid" 2>/dev/null || {
    cat "$work/buildkitd.log" >&2
    exit 1
  }
  sleep 0.2
done

readonly kiln="$build_dir/src/kiln"
step "create a remote builder and look at it"
show "$kiln" create --name remote-unix --driver remote "unix://$socket"
show "$kiln" ls
show "$kiln" use remote-unix
show "$kiln" inspect --bootstrap
