#!/usr/bin/env bash
# The main job, start to finish on a fresh machine: installs what kiln
# needs, builds it, starts a local buildkitd on a unix socket and a Docker
# Engine under a temporary directory, installs kiln as the Docker CLI
# plugin there, creates a remote builder, shows it with `ls` and
# `inspect`, builds an example image on it with `--load` and runs it.
# Everything it starts is stopped by PID at the end, and the builder
# store and Docker config it uses live in the same temporary directory.
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
dockerd_pid=""

# Stops the daemons and removes the temporary directory.
cleanup() {
  local pid
  for pid in "$dockerd_pid" "$daemon_pid"; do
    if [[ -n "$pid" ]]; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
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

step "start a Docker Engine and install kiln as its CLI plugin"
export DOCKER_HOST="unix://$work/docker.sock"
printf '{}\n' >"$work/daemon.json"
dockerd --iptables=false --ip6tables=false --bridge=none \
  --data-root "$work/docker-root" --exec-root "$work/docker-exec" \
  --pidfile "$work/dockerd.pid" --host "$DOCKER_HOST" \
  --config-file "$work/daemon.json" >"$work/dockerd.log" 2>&1 &
dockerd_pid=$!
for _ in $(seq 1 300); do
  docker version >/dev/null 2>&1 && break
  kill -0 "$dockerd_pid" 2>/dev/null || {
    cat "$work/dockerd.log" >&2
    exit 1
  }
  sleep 0.2
done
mkdir -p "$DOCKER_CONFIG/cli-plugins"
cp "$build_dir/src/docker-buildx" "$DOCKER_CONFIG/cli-plugins/"

step "create a remote builder and look at it"
show docker buildx create --name remote-unix --driver remote \
  "unix://$socket"
show docker buildx ls
show docker buildx use remote-unix
show docker buildx inspect --bootstrap

# No image can be pulled here: the example starts from scratch with the
# host's static busybox as its shell.
step "build an example image on it, load it into the Engine and run it"
app="$work/app"
mkdir -p "$app/rootfs/bin"
cp /bin/busybox "$app/rootfs/bin/busybox"
ln -s busybox "$app/rootfs/bin/sh"
cat >"$app/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
RUN echo "hello from an image kiln built on a remote builder" > /hello
CMD ["/bin/busybox", "cat", "/hello"]
DOCKERFILE
cd "$app"
show docker buildx build --builder=remote-unix -t test --load .
show docker run --rm --network host test
