# shellcheck shell=bash
# Test rig for kiln's integration tests: real buildkitd daemons, TLS
# material, misbehaving ports and the real buildx, all confined to one
# temporary directory and to 127.0.0.1 or unix sockets.
#
# Source it near the top of a test:
#
#   set -euo pipefail
#   source "$(dirname "${BASH_SOURCE[0]}")/../rig/lib.sh"
#
# Sourcing creates the test's temporary directory ($RIG_TMP), points
# BUILDX_CONFIG, DOCKER_CONFIG and DOCKER_HOST into it, and installs an
# EXIT trap that stops every process the rig started and removes the
# directory. Add more cleanup with `rig_on_exit`, not with `trap`.
#
# Functions that start a process (rig_start_buildkitd,
# rig_blackhole_port) must run in the test's own shell, never inside
# $(...): they report through variables instead of stdout.
#
# A test that cannot run here exits 77 (skipped) with the reason. With
# KILN_RIG_STRICT=1 (set by CI) a skip is a failure instead.

RIG_TOOLS_DIR="${KILN_TOOLS_DIR:-/usr/local/lib/kiln-rig/bin}"
RIG_BUILDKITD="$RIG_TOOLS_DIR/buildkitd"
RIG_BUILDCTL="$RIG_TOOLS_DIR/buildctl"
RIG_BUILDX="$RIG_TOOLS_DIR/buildx"

# Seconds to wait for a daemon to answer, and for a process to exit on
# SIGTERM before it gets SIGKILL.
RIG_START_TIMEOUT=60
RIG_STOP_TIMEOUT=5

# Every process the rig started, and cleanup commands from the test.
RIG_PIDS=()
RIG_EXIT_COMMANDS=()

# Per daemon name: its address, process, log, and the buildctl flags
# (space separated; rig paths hold no spaces) needed to reach it.
declare -A RIG_DAEMON_ADDR=()
declare -A RIG_DAEMON_PID=()
declare -A RIG_DAEMON_LOG=()
declare -A RIG_DAEMON_CLIENT_FLAGS=()

rig_log() {
  printf 'rig: %s\n' "$*" >&2
}

# Stops the test as failed with `message`.
rig_fail() {
  rig_log "error: $*"
  exit 1
}

# Stops the test as skipped with `reason` (a failure under
# KILN_RIG_STRICT=1).
rig_skip() {
  if [[ "${KILN_RIG_STRICT:-0}" == 1 ]]; then
    rig_fail "cannot run (KILN_RIG_STRICT=1): $*"
  fi
  printf 'SKIP: %s\n' "$*" >&2
  exit 77
}

rig_require_root() {
  if ((EUID != 0)); then
    rig_skip "needs root to run buildkitd"
  fi
}

# Skips unless the pinned tools and runc are installed.
rig_require_tools() {
  local tool
  for tool in "$RIG_BUILDKITD" "$RIG_BUILDCTL" "$RIG_BUILDX"; do
    if [[ ! -x "$tool" ]]; then
      rig_skip "$tool not found; run scripts/install-deps.sh"
    fi
  done
  if ! command -v runc >/dev/null; then
    rig_skip "runc not found; run scripts/install-deps.sh"
  fi
}

# Runs `command...` when the test exits, before the rig stops processes.
rig_on_exit() {
  RIG_EXIT_COMMANDS+=("$*")
}

# Prints a new empty directory under the test's temporary directory.
rig_tmpdir() {
  mktemp -d "$RIG_TMP/d.XXXX"
}

# Prints a TCP port on 127.0.0.1 that was free a moment ago.
rig_free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Prints a port on 127.0.0.1 where nothing listens: connecting to it is
# refused at once.
rig_refused_port() {
  rig_free_port
}

_rig_require_test_shell() {
  if ((BASH_SUBSHELL > 0)); then
    rig_fail "$1 must not run inside \$(...) or a pipeline"
  fi
}

# Starts a listener on 127.0.0.1 that accepts TCP connections and never
# sends a byte, and stores its port in the variable named `var`
# (default RIG_BLACKHOLE_PORT).
rig_blackhole_port() {
  _rig_require_test_shell rig_blackhole_port
  local var="${1:-RIG_BLACKHOLE_PORT}"
  local port_file
  port_file="$(mktemp "$RIG_TMP/blackhole.XXXX")"

  python3 -c 'import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
with open(sys.argv[1], "w") as f:
    f.write(str(s.getsockname()[1]))
held = []
while True:
    held.append(s.accept()[0])' "$port_file" &
  RIG_PIDS+=("$!")

  local i
  for ((i = 0; i < 50; i++)); do
    if [[ -s "$port_file" ]]; then
      printf -v "$var" '%s' "$(<"$port_file")"
      return
    fi
    sleep 0.1
  done
  rig_fail "blackhole listener did not start"
}

# Turns `sans` ("localhost,127.0.0.1" or "DNS:a,IP:b") into an openssl
# subjectAltName value.
_rig_san_list() {
  local item out=()
  local IFS=,
  for item in $1; do
    if [[ "$item" == DNS:* || "$item" == IP:* ]]; then
      out+=("$item")
    elif [[ "$item" =~ ^[0-9.]+$ || "$item" == *:* ]]; then
      out+=("IP:$item")
    else
      out+=("DNS:$item")
    fi
  done
  printf '%s\n' "${out[*]}"
}

# Makes a CA key pair `dir`/`name`.pem and `name`-key.pem.
_rig_make_ca() {
  local dir="$1" name="$2"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -nodes -days 2 -subj "/CN=kiln rig $name" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$dir/$name-key.pem" -out "$dir/$name.pem" 2>/dev/null
}

# Makes `dir`/`name`.pem and `name`-key.pem signed by the CA `ca`, with
# the extensions in `extensions`.
_rig_make_leaf() {
  local dir="$1" name="$2" ca="$3" extensions="$4"
  printf '%s\n' "$extensions" >"$dir/$name.ext"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -nodes -subj "/CN=kiln rig $name" \
    -keyout "$dir/$name-key.pem" -out "$dir/$name.csr" 2>/dev/null
  openssl x509 -req -in "$dir/$name.csr" -days 2 \
    -CA "$dir/$ca.pem" -CAkey "$dir/$ca-key.pem" -CAcreateserial \
    -extfile "$dir/$name.ext" -out "$dir/$name.pem" 2>/dev/null
  rm -f "$dir/$name.csr" "$dir/$name.ext"
}

# Writes TLS material into `dir` (created if needed):
#   ca.pem, ca-key.pem                the CA both sides trust
#   server.pem, server-key.pem        server cert for `sans`
#                                     (default "localhost,127.0.0.1")
#   client.pem, client-key.pem        client cert from the same CA
#   other-ca.pem, other-ca-key.pem    an unrelated CA
#   other-client.pem, -key.pem        client cert from the unrelated CA
rig_make_certs() {
  local dir="$1" sans
  sans="$(_rig_san_list "${2:-localhost,127.0.0.1}")"
  mkdir -p "$dir"

  _rig_make_ca "$dir" ca
  _rig_make_ca "$dir" other-ca
  _rig_make_leaf "$dir" server ca "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=$sans"
  local client="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
  _rig_make_leaf "$dir" client ca "$client"
  _rig_make_leaf "$dir" other-client other-ca "$client"

  if [[ ! -s "$dir/server.pem" || ! -s "$dir/other-client.pem" ]]; then
    rig_fail "could not make certificates in $dir"
  fi
}

# Runs buildctl against the daemon `name` with the flags it needs.
rig_buildctl() {
  local name="$1"
  shift
  local flags
  read -r -a flags <<<"${RIG_DAEMON_CLIENT_FLAGS[$name]:?no daemon $name}"
  "$RIG_BUILDCTL" "${flags[@]}" "$@"
}

# Runs the real buildx with the test's BUILDX_CONFIG and DOCKER_CONFIG.
rig_buildx() {
  "$RIG_BUILDX" "$@"
}

# Prints the buildctl flags that reach `addr`, given the daemon's own
# flags: the CA is taken from the directory of --tlscert, and a client
# cert from there too when the daemon verifies clients (--tlscacert),
# or from the sibling client/ directory of the guide's layout.
_rig_client_flags() {
  local addr="$1"
  shift
  local cert="" cacert=""
  while (($# > 0)); do
    case "$1" in
      --tlscert) cert="$2" ;;
      --tlscacert) cacert="$2" ;;
    esac
    shift
  done

  local flags=(--addr "$addr")
  if [[ -n "$cert" ]]; then
    local dir
    dir="$(dirname "$cert")"
    flags+=(--tlscacert "$dir/ca.pem")
    if [[ -n "$cacert" && -f "$dir/client.pem" ]]; then
      flags+=(--tlscert "$dir/client.pem" --tlskey "$dir/client-key.pem")
    elif [[ -n "$cacert" ]]; then
      # The guide's layout (`kiln certs create`): daemon/ and client/.
      dir="$(dirname "$dir")/client"
      flags+=(--tlscert "$dir/cert.pem" --tlskey "$dir/key.pem")
    fi
  fi
  printf '%s\n' "${flags[*]}"
}

_rig_check_addr() {
  local addr="$1"
  case "$addr" in
    unix://*)
      if ((${#addr} - 7 > 107)); then
        rig_fail "socket path too long (over 107 bytes): ${addr#unix://}"
      fi
      ;;
    tcp://127.0.0.1:*) ;;
    *) rig_fail "address '$addr' is neither unix:// nor tcp://127.0.0.1" ;;
  esac
}

# Starts buildkitd named `name` listening on `addr` (unix://PATH or
# tcp://127.0.0.1:PORT), with its own state under $RIG_TMP and any
# further buildkitd flags (such as --tlscacert/--tlscert/--tlskey from
# rig_make_certs), and waits until it answers `buildctl debug workers`.
# Sets RIG_DAEMON_ADDR, RIG_DAEMON_PID and RIG_DAEMON_LOG for `name`.
# RIG_BUILDKITD_CONFIG, when set, is the daemon's buildkitd.toml text
# (for example from rig_registry_buildkitd_config).
rig_start_buildkitd() {
  _rig_require_test_shell rig_start_buildkitd
  local name="$1" addr="$2"
  shift 2
  rig_require_root
  rig_require_tools
  _rig_check_addr "$addr"
  if [[ -n "${RIG_DAEMON_PID[$name]:-}" ]]; then
    rig_fail "daemon $name already started"
  fi

  local dir="$RIG_TMP/bk-$name"
  mkdir -p "$dir/root"
  printf '%s\n' "${RIG_BUILDKITD_CONFIG:-}" >"$dir/buildkitd.toml"
  local log="$dir/buildkitd.log"

  # A config file of the test's own and explicit workers keep the machine's
  # /etc/buildkit and containerd out of the test.
  "$RIG_BUILDKITD" --config "$dir/buildkitd.toml" --root "$dir/root" \
    --addr "$addr" --containerd-worker=false --oci-worker=true \
    --oci-worker-binary "$(command -v runc)" --oci-worker-net host \
    "$@" >"$log" 2>&1 &
  local pid=$!
  RIG_PIDS+=("$pid")
  RIG_DAEMON_PID[$name]="$pid"
  RIG_DAEMON_ADDR[$name]="$addr"
  RIG_DAEMON_LOG[$name]="$log"
  RIG_DAEMON_CLIENT_FLAGS[$name]="$(_rig_client_flags "$addr" "$@")"

  local deadline=$((SECONDS + RIG_START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rig_fail "buildkitd $name exited during startup"
    fi
    if rig_buildctl "$name" --timeout 2 debug workers >/dev/null 2>&1; then
      rig_log "buildkitd $name ready on $addr (pid $pid)"
      return
    fi
    sleep 0.2
  done
  rig_fail "buildkitd $name did not answer within ${RIG_START_TIMEOUT}s"
}

# Stops the daemon `name` (SIGTERM, then SIGKILL) and waits for it, so
# that a test can check what kiln says once it is gone.
rig_stop_buildkitd() {
  local name="$1"
  local pid="${RIG_DAEMON_PID[$name]:?no daemon $name}"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + RIG_STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rig_log "buildkitd $name stopped (pid $pid)"
}

# Skips unless $KILN names the kiln binary under test.
rig_require_kiln() {
  if [[ -z "${KILN:-}" || ! -x "$KILN" ]]; then
    rig_skip "KILN does not name the kiln binary (KILN='${KILN:-}')"
  fi
}

# Prints the current time in milliseconds.
rig_now_ms() {
  local ns
  ns="$(date +%s%N)"
  printf '%s\n' "$((ns / 1000000))"
}

# Runs `command...`, keeping its stdout in RIG_OUT, stderr in RIG_ERR,
# exit status in RIG_RC and wall time in RIG_MS; never fails itself.
rig_run() {
  _rig_require_test_shell rig_run
  local out="$RIG_TMP/run.out" err="$RIG_TMP/run.err" start
  start="$(rig_now_ms)"
  RIG_RC=0
  "$@" >"$out" 2>"$err" || RIG_RC=$?
  RIG_MS=$(($(rig_now_ms) - start))
  RIG_OUT="$(<"$out")"
  RIG_ERR="$(<"$err")"
}

# Runs `command...` like rig_run and fails the test unless it succeeded.
rig_run_ok() {
  rig_run "$@"
  if ((RIG_RC != 0)); then
    rig_fail "'$*' exited $RIG_RC; stdout: $RIG_OUT; stderr: $RIG_ERR"
  fi
}

# Fails the test unless `text` contains `needle`; `what` names the text.
rig_expect_contains() {
  local text="$1" needle="$2" what="$3"
  if [[ "$text" != *"$needle"* ]]; then
    rig_fail "$what lacks '$needle'; it was:"$'\n'"$text"
  fi
}

# Fails the test if `text` contains `needle`; `what` names the text.
rig_expect_lacks() {
  local text="$1" needle="$2" what="$3"
  if [[ "$text" == *"$needle"* ]]; then
    rig_fail "$what should not contain '$needle'; it was:"$'\n'"$text"
  fi
}

# Prints the one line of `text` that contains `needle`; fails the test
# when no line or several lines do.
rig_line_with() {
  local text="$1" needle="$2" lines count
  lines="$(grep -F -- "$needle" <<<"$text" || true)"
  count="$(grep -c . <<<"$lines" || true)"
  if ((count != 1)); then
    rig_fail "expected one line with '$needle', found $count in:"$'\n'"$text"
  fi
  printf '%s\n' "$lines"
}

# Fails the test unless the last command took at most `max_ms`
# milliseconds (RIG_MS from rig_run); `what` names it.
rig_expect_within() {
  local max_ms="$1" what="$2"
  if ((RIG_MS > max_ms)); then
    rig_fail "$what took ${RIG_MS}ms, more than ${max_ms}ms"
  fi
  rig_log "$what took ${RIG_MS}ms (limit ${max_ms}ms)"
}

# Prints, in bytes, the last `transferring context:` figure that the
# plain progress in file `log` shows for the `[internal] load build
# context` step, or 0 when there is none; `10.49MB` is read in powers of
# 1000, as it is printed.
rig_context_bytes() {
  python3 - "$1" <<'PY'
import re, sys

units = {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}
steps = set()
last = 0
with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
    for line in f:
        m = re.match(r"#(\d+) \[internal\] load build context$", line)
        if m:
            steps.add(m.group(1))
        m = re.match(r"#(\d+) transferring context: ([0-9.]+)([kMGT]?B)\b",
                     line)
        if m and m.group(1) in steps:
            last = int(float(m.group(2)) * units[m.group(3)])
print(last)
PY
}

_rig_show_log() {
  local name="$1"
  rig_log "last lines of ${RIG_DAEMON_LOG[$name]}:"
  tail -n 20 "${RIG_DAEMON_LOG[$name]}" >&2 || true
}

# Stops every process the rig started: SIGTERM, then SIGKILL after
# RIG_STOP_TIMEOUT seconds.
rig_stop_all() {
  local pid
  for pid in "${RIG_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done

  local deadline=$((SECONDS + RIG_STOP_TIMEOUT))
  for pid in "${RIG_PIDS[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      rig_log "pid $pid ignored SIGTERM; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  RIG_PIDS=()
}

# Unmounts whatever a killed daemon left mounted under $RIG_TMP, deepest
# first, so that removing the directory cannot reach into a mount.
_rig_unmount_all() {
  local target
  findmnt -rn -o TARGET | grep -F "$RIG_TMP/" | sort -r |
    while read -r target; do
      umount -l "$target" 2>/dev/null || true
    done
}

_rig_on_exit() {
  local status=$?
  set +e

  local command
  for command in "${RIG_EXIT_COMMANDS[@]}"; do
    eval "$command"
  done
  if ((status != 0 && status != 77)); then
    local name
    for name in "${!RIG_DAEMON_LOG[@]}"; do
      _rig_show_log "$name"
    done
  fi
  rig_stop_all

  if [[ "${KILN_RIG_KEEP:-0}" == 1 ]]; then
    rig_log "kept $RIG_TMP"
  else
    _rig_unmount_all
    rm -rf --one-file-system "$RIG_TMP"
  fi
  exit "$status"
}

# /tmp rather than $TMPDIR keeps unix socket paths short.
RIG_TMP="$(mktemp -d /tmp/kiln-rig.XXXXXX)"
export BUILDX_CONFIG="$RIG_TMP/buildx"
export DOCKER_CONFIG="$RIG_TMP/docker"
export DOCKER_HOST="unix://$RIG_TMP/docker.sock"
mkdir -p "$BUILDX_CONFIG" "$DOCKER_CONFIG"
trap _rig_on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
