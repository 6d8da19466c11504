#!/usr/bin/env bash
# Proves the test rig itself: buildkitd answers on a unix socket and on
# TLS over TCP and reports the pinned version, TLS rejects a client from
# another CA, and the misbehaving ports behave as the other tests assume.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../rig/lib.sh"

readonly want_version=v0.32.2

rig_require_root
rig_require_tools

# Succeeds when the daemon `name` answers Info with the pinned version.
check_version() {
  local name="$1" info
  info="$(rig_buildctl "$name" debug info)"
  if [[ "$info" != *"$want_version"* ]]; then
    rig_fail "buildkitd $name reports no $want_version in: $info"
  fi
}

# Daemon on a unix socket.
rig_start_buildkitd local "unix://$RIG_TMP/bk.sock"
rig_buildctl local debug workers >/dev/null
check_version local

# Daemon on TCP with mutual TLS.
certs="$(rig_tmpdir)"
rig_make_certs "$certs" localhost,127.0.0.1
port="$(rig_free_port)"
rig_start_buildkitd tls "tcp://127.0.0.1:$port" \
  --tlscacert "$certs/ca.pem" \
  --tlscert "$certs/server.pem" --tlskey "$certs/server-key.pem"
rig_buildctl tls debug workers >/dev/null
check_version tls

# A client cert from the unrelated CA must be turned away.
if "$RIG_BUILDCTL" --addr "tcp://127.0.0.1:$port" --timeout 5 \
  --tlscacert "$certs/ca.pem" --tlscert "$certs/other-client.pem" \
  --tlskey "$certs/other-client-key.pem" debug workers >/dev/null 2>&1; then
  rig_fail "buildkitd tls accepted a client cert from another CA"
fi

# The blackhole port accepts a connection but sends nothing for 2 s:
# `timeout` ends the read (124) only if the connect succeeded.
rig_blackhole_port hole
status=0
timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && cat <&3' _ "$hole" ||
  status=$?
if ((status != 124)); then
  rig_fail "blackhole port $hole: expected a silent connection, got $status"
fi

# The refused port refuses.
refused="$(rig_refused_port)"
if timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$refused" \
  2>/dev/null; then
  rig_fail "refused port $refused accepted a connection"
fi

# The real buildx runs with the rig's config directory.
rig_buildx version | grep -q v0.36.1 || rig_fail "buildx is not v0.36.1"

echo "rig smoke test passed"
