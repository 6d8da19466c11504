# shellcheck shell=bash
# A Docker registry (Debian's docker-registry) on 127.0.0.1 for the
# integration tests, and the buildkitd configuration that reaches it
# over plain HTTP. Source it after lib.sh.

# Per registry name: its host:port and process.
declare -A RIG_REGISTRY_ADDR=()
declare -A RIG_REGISTRY_PID=()

# Skips unless Debian's docker-registry is installed.
rig_require_registry() {
  if ! command -v docker-registry >/dev/null; then
    rig_skip "docker-registry not found; run scripts/install-deps.sh"
  fi
}

# Starts a registry named `name` on a free loopback port with its
# storage under $RIG_TMP, and waits until it answers /v2/. With
# `htpasswd` (a file of bcrypt entries) it asks for basic
# authentication. Sets RIG_REGISTRY_ADDR[name] to host:port.
rig_start_registry() {
  _rig_require_test_shell rig_start_registry
  local name="$1" htpasswd="${2:-}"
  rig_require_registry
  local dir="$RIG_TMP/registry-$name"
  mkdir -p "$dir/data"
  local port
  port="$(rig_free_port)"
  {
    printf 'version: 0.1\n'
    printf 'log:\n  level: warn\n'
    printf 'storage:\n  filesystem:\n    rootdirectory: %s\n' "$dir/data"
    printf '  delete:\n    enabled: true\n'
    printf 'http:\n  addr: 127.0.0.1:%s\n' "$port"
    if [[ -n "$htpasswd" ]]; then
      printf 'auth:\n  htpasswd:\n    realm: kiln-test\n    path: %s\n' \
        "$htpasswd"
    fi
  } >"$dir/config.yml"

  docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  local pid=$!
  RIG_PIDS+=("$pid")
  RIG_REGISTRY_PID[$name]="$pid"
  RIG_REGISTRY_ADDR[$name]="127.0.0.1:$port"

  local deadline=$((SECONDS + RIG_START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$dir/registry.log" >&2
      rig_fail "registry $name exited during startup"
    fi
    # 200 without authentication, 401 with it: either way it answers.
    local code
    code="$(curl -s -o /dev/null -w '%{http_code}' \
      "http://127.0.0.1:$port/v2/" || true)"
    if [[ "$code" == 200 || "$code" == 401 ]]; then
      rig_log "registry $name ready on 127.0.0.1:$port (pid $pid)"
      return
    fi
    sleep 0.2
  done
  rig_fail "registry $name did not answer within ${RIG_START_TIMEOUT}s"
}

# Prints buildkitd.toml lines that let the daemon reach every registry
# started so far over plain HTTP; pass them to rig_start_buildkitd
# through RIG_BUILDKITD_CONFIG.
rig_registry_buildkitd_config() {
  local name
  for name in "${!RIG_REGISTRY_ADDR[@]}"; do
    printf '[registry."%s"]\n  http = true\n  insecure = true\n' \
      "${RIG_REGISTRY_ADDR[$name]}"
  done
}
