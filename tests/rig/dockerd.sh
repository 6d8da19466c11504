# shellcheck shell=bash
# Debian's dockerd for kiln's integration tests, started by PID with all
# of its state under $RIG_TMP and no network setup of its own. Source it
# after lib.sh:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/../rig/lib.sh"
#   source "$(dirname "${BASH_SOURCE[0]}")/../rig/dockerd.sh"

RIG_DOCKERD_PID=""
RIG_DOCKERD_LOG=""

# Skips unless dockerd and the docker CLI are installed.
rig_require_dockerd() {
  rig_require_root
  local tool
  for tool in dockerd docker containerd runc; do
    if ! command -v "$tool" >/dev/null; then
      rig_skip "$tool not found; run scripts/install-deps.sh"
    fi
  done
}

# Starts dockerd on the socket that DOCKER_HOST names (the rig points it
# into $RIG_TMP), with any arguments given passed on to it, and waits
# until it answers `docker version`. RUN steps on this Engine need
# `--network host`: it has no bridge.
rig_start_dockerd() {
  _rig_require_test_shell rig_start_dockerd
  rig_require_dockerd
  if [[ -n "$RIG_DOCKERD_PID" ]]; then
    rig_fail "dockerd already started"
  fi

  local dir="$RIG_TMP/dockerd"
  mkdir -p "$dir"
  RIG_DOCKERD_LOG="$dir/dockerd.log"
  printf '{}\n' >"$dir/daemon.json"
  dockerd --iptables=false --ip6tables=false --bridge=none \
    --data-root "$dir/root" --exec-root "$dir/exec" \
    --pidfile "$dir/dockerd.pid" --host "$DOCKER_HOST" \
    --config-file "$dir/daemon.json" "$@" >"$RIG_DOCKERD_LOG" 2>&1 &
  RIG_DOCKERD_PID=$!
  RIG_PIDS+=("$RIG_DOCKERD_PID")

  local deadline=$((SECONDS + RIG_START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$RIG_DOCKERD_PID" 2>/dev/null; then
      tail -n 20 "$RIG_DOCKERD_LOG" >&2
      rig_fail "dockerd exited during startup"
    fi
    if docker version >/dev/null 2>&1; then
      rig_log "dockerd ready on $DOCKER_HOST (pid $RIG_DOCKERD_PID)"
      return
    fi
    sleep 0.2
  done
  tail -n 20 "$RIG_DOCKERD_LOG" >&2
  rig_fail "dockerd did not answer within ${RIG_START_TIMEOUT}s"
}

# Stops the dockerd that rig_start_dockerd started and waits for it.
rig_stop_dockerd() {
  if [[ -z "$RIG_DOCKERD_PID" ]]; then
    return
  fi
  kill -TERM "$RIG_DOCKERD_PID" 2>/dev/null || true
  local deadline=$((SECONDS + RIG_STOP_TIMEOUT * 3))
  while kill -0 "$RIG_DOCKERD_PID" 2>/dev/null && ((SECONDS < deadline)); do
    sleep 0.1
  done
  kill -KILL "$RIG_DOCKERD_PID" 2>/dev/null || true
  wait "$RIG_DOCKERD_PID" 2>/dev/null || true
  RIG_DOCKERD_PID=""
}
