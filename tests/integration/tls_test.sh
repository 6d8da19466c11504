#!/usr/bin/env bash
# Remote builders over tcp with mutual TLS: a correctly configured one
# runs, and each way of getting TLS wrong shows its own reason in ls and
# inspect, and makes inspect --bootstrap fail within its timeout.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../rig/lib.sh"

readonly want_version=v0.32.2
# inspect --bootstrap --timeout 3s may take this long in all.
readonly bootstrap_limit_ms=4500

rig_require_kiln

certs="$(rig_tmpdir)"
rig_make_certs "$certs" localhost,127.0.0.1
tls_port="$(rig_free_port)"
rig_start_buildkitd tls "tcp://127.0.0.1:$tls_port" \
  --tlscacert "$certs/ca.pem" \
  --tlscert "$certs/server.pem" --tlskey "$certs/server-key.pem"
plain_port="$(rig_free_port)"
rig_start_buildkitd plain "tcp://127.0.0.1:$plain_port"

tls_addr="127.0.0.1:$tls_port"
plain_addr="127.0.0.1:$plain_port"
client_opts="cacert=$certs/ca.pem,cert=$certs/client.pem"
client_opts+=",key=$certs/client-key.pem"

# Creates builder `name` on `endpoint` with the driver options `opts`
# (none when empty).
create() {
  local name="$1" endpoint="$2" opts="$3"
  local args=(create --name "$name" --driver remote)
  if [[ -n "$opts" ]]; then
    args+=(--driver-opt "$opts")
  fi
  rig_run_ok "$KILN" "${args[@]}" "$endpoint"
  if [[ "$RIG_OUT" != "$name" ]]; then
    rig_fail "create printed '$RIG_OUT', expected '$name'"
  fi
}

create tls-ok "tcp://$tls_addr" "$client_opts,servername=localhost"
create tls-ip "tcp://$tls_addr" "$client_opts"
create wrong-ca "tcp://$tls_addr" "${client_opts/ca.pem/other-ca.pem}"
create wrong-name "tcp://$tls_addr" "$client_opts,servername=wrong.example"
create no-client-cert "tcp://$tls_addr" \
  "cacert=$certs/ca.pem,servername=localhost"
other_opts="cacert=$certs/ca.pem,cert=$certs/other-client.pem"
other_opts+=",key=$certs/other-client-key.pem"
create other-client-cert "tcp://$tls_addr" "$other_opts"
create plain-to-tls "tcp://$tls_addr" ""
create tls-to-plain "tcp://$plain_addr" "$client_opts"

# The reason each broken builder must show, exactly.
declare -A want=(
  [wrong-ca]="tls: certificate of $tls_addr is signed by an unknown authority (not by cacert \"$certs/other-ca.pem\")"
  [wrong-name]="tls: certificate of $tls_addr is valid for localhost, 127.0.0.1, not \"wrong.example\": set the servername driver option"
  [no-client-cert]="tls: $tls_addr requires a client certificate: set the cert and key driver options"
  [other-client-cert]="tls: $tls_addr rejected the client certificate \"$certs/other-client.pem\" (not signed by a CA it trusts)"
  [plain-to-tls]="tls: $tls_addr speaks TLS but the builder has no TLS options: set the cacert, cert and key driver options"
  [tls-to-plain]="tls: $plain_addr is not speaking TLS (it answers plaintext HTTP/2): remove the cacert, cert, key and servername driver options"
)

# Two different causes must never read the same.
distinct="$(printf '%s\n' "${want[@]}" | sort -u | wc -l)"
if ((distinct != ${#want[@]})); then
  rig_fail "the expected reasons are not all different"
fi

# ls: the good builders run, every broken one says why under the table.
rig_run_ok "$KILN" ls
ls_out="$RIG_OUT"
ls_err="$RIG_ERR"
for name in tls-ok tls-ip; do
  line="$(rig_line_with "$ls_out" " ${name}0 ")"
  rig_expect_contains "$line" " running " "ls line of $name"
  rig_expect_contains "$line" " $want_version " "ls line of $name"
  rig_expect_lacks "$ls_err" "$name (${name}0)" "ls stderr"
done
for name in "${!want[@]}"; do
  line="$(rig_line_with "$ls_out" " ${name}0 ")"
  rig_expect_contains "$line" " inactive" "ls line of $name"
  if ! grep -Fxq -- "$name (${name}0) inactive: ${want[$name]}" \
    <<<"$ls_err"; then
    rig_fail "ls stderr lacks the reason of $name:"$'\n'"$ls_err"
  fi
done

# inspect of a good builder shows it running with the TLS options.
for name in tls-ok tls-ip; do
  rig_run_ok "$KILN" inspect "$name"
  rig_expect_contains "$(rig_line_with "$RIG_OUT" Status:)" running \
    "inspect $name"
  rig_expect_contains "$(rig_line_with "$RIG_OUT" "BuildKit version:")" \
    "$want_version" "inspect $name"
  rig_expect_contains "$(rig_line_with "$RIG_OUT" "Driver Options:")" \
    "cacert=\"$certs/ca.pem\"" "inspect $name"
done

# inspect of a broken builder: inactive and its reason on the Error line;
# with --bootstrap it fails with that reason within the timeout.
for name in "${!want[@]}"; do
  rig_run_ok "$KILN" inspect "$name"
  rig_expect_contains "$(rig_line_with "$RIG_OUT" Status:)" inactive \
    "inspect $name"
  error_line="$(rig_line_with "$RIG_OUT" Error:)"
  if [[ ! "$error_line" =~ ^Error:[[:space:]]+(.*)$ ||
    "${BASH_REMATCH[1]}" != "${want[$name]}" ]]; then
    rig_fail "inspect $name: '$error_line', expected the reason" \
      "'${want[$name]}'"
  fi

  rig_run "$KILN" inspect --bootstrap --timeout 3s "$name"
  if ((RIG_RC != 1)); then
    rig_fail "inspect --bootstrap $name exited $RIG_RC, expected 1"
  fi
  rig_expect_contains "$RIG_ERR" \
    "ERROR: failed to bootstrap builder $name (${name}0): ${want[$name]}" \
    "inspect --bootstrap $name stderr"
  rig_expect_within "$bootstrap_limit_ms" "inspect --bootstrap $name"
done

# Printed so that a run's log shows the texts users get.
for name in "${!want[@]}"; do
  rig_log "$name: ${want[$name]}"
done
echo "tls test passed"
