#!/usr/bin/env bash
# Builders that cannot be reached do not hold up ls: a refused port, a
# port that accepts and never answers, a host name that cannot resolve
# and a missing unix socket are each reported with their own reason
# within the timeout, next to a live builder that runs.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../rig/lib.sh"

rig_require_kiln
rig_start_buildkitd live "unix://$RIG_TMP/bk.sock"
refused_port="$(rig_refused_port)"
rig_blackhole_port hole_port

# Creates remote builder `name` on `endpoint`.
create() {
  rig_run_ok "$KILN" create --name "$1" --driver remote "$2"
}

create live "unix://$RIG_TMP/bk.sock"
create refused "tcp://127.0.0.1:$refused_port"
create blackhole "tcp://127.0.0.1:$hole_port"
create unresolvable "tcp://no-such-host.invalid:1234"
create no-socket "unix://$RIG_TMP/missing.sock"
certs="$(rig_tmpdir)"
rig_make_certs "$certs"
tls_opts="cacert=$certs/ca.pem,cert=$certs/client.pem"
tls_opts+=",key=$certs/client-key.pem"
rig_run_ok "$KILN" create --name blackhole-tls --driver remote \
  --driver-opt "$tls_opts" "tcp://127.0.0.1:$hole_port"

declare -A want=(
  [refused]="tcp: connection refused by 127.0.0.1:$refused_port"
  [blackhole]="http2: timed out waiting for 127.0.0.1:$hole_port to answer (it accepted the connection)"
  [blackhole-tls]="tls: timed out in the handshake with 127.0.0.1:$hole_port (it accepted the connection)"
  [unresolvable]="dns: cannot resolve \"no-such-host.invalid\": names under .invalid never resolve"
  [no-socket]="unix: no socket at \"$RIG_TMP/missing.sock\""
)

# Checks one ls run: the live builder runs, the others are inactive,
# each with its reason on stderr.
check_ls() {
  local what="$1" line name
  line="$(rig_line_with "$RIG_OUT" " live0 ")"
  rig_expect_contains "$line" " running " "$what: live0"
  rig_expect_lacks "$RIG_ERR" "live (live0)" "$what stderr"
  for name in "${!want[@]}"; do
    line="$(rig_line_with "$RIG_OUT" " ${name}0 ")"
    rig_expect_contains "$line" " inactive" "$what: ${name}0"
    if ! grep -Fxq -- "$name (${name}0) inactive: ${want[$name]}" \
      <<<"$RIG_ERR"; then
      rig_fail "$what stderr lacks the reason of $name:"$'\n'"$RIG_ERR"
    fi
  done
}

# The blackhole bounds ls: at the timeout, not long after.
rig_run_ok "$KILN" ls --timeout 2s
check_ls "ls --timeout 2s"
rig_expect_within 3000 "ls --timeout 2s"
if ((RIG_MS < 1800)); then
  rig_fail "ls --timeout 2s took only ${RIG_MS}ms: did it wait for the" \
    "blackhole at all?"
fi

# The default timeout is 5 s.
rig_run_ok "$KILN" ls
check_ls "ls"
rig_expect_within 6500 "ls"

# The failures that need no waiting are reported at once: without the
# blackhole, ls is quick.
for name in blackhole blackhole-tls; do
  rig_log "$name: ${want[$name]}"
  rig_run_ok "$KILN" rm "$name"
  unset "want[$name]"
done
rig_run_ok "$KILN" ls
check_ls "ls without the blackhole"
rig_expect_within 1500 "ls without the blackhole"

# inspect shows the same reason on its Error line, quickly.
for name in "${!want[@]}"; do
  rig_run_ok "$KILN" inspect "$name"
  if ! grep -Eq "^Error:[[:space:]]+" <<<"$RIG_OUT" ||
    [[ "$(rig_line_with "$RIG_OUT" Error:)" != *"${want[$name]}" ]]; then
    rig_fail "inspect $name lacks its reason:"$'\n'"$RIG_OUT"
  fi
  rig_expect_within 1500 "inspect $name"
done

for name in "${!want[@]}"; do
  rig_log "$name: ${want[$name]}"
done
echo "unreachable test passed"
