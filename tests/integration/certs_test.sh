#!/usr/bin/env bash
# `kiln certs create` makes a set that a real buildkitd and kiln accept
# for mutual TLS, laid out as the remote-driver guide expects, with
# private keys 0600; it refuses to replace a set without --force.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../rig/lib.sh"

rig_require_root
rig_require_tools

work="$(rig_tmpdir)"
cd "$work"
"$KILN" certs create --san localhost,127.0.0.1 >"$RIG_TMP/certs.out"
for side in daemon client; do
  for file in ca cert key; do
    [[ -s ".certs/$side/$file.pem" ]] || rig_fail "no .certs/$side/$file.pem"
  done
  mode="$(stat -c %a ".certs/$side/key.pem")"
  [[ "$mode" == 600 ]] || rig_fail ".certs/$side/key.pem has mode $mode"
done
want="wrote $work/.certs/daemon/{ca,cert,key}.pem for buildkitd --tlscacert,"
want+=" --tlscert and --tlskey"
grep -qxF "$want" "$RIG_TMP/certs.out" || rig_fail "$(<"$RIG_TMP/certs.out")"

port="$(rig_free_port)"
rig_start_buildkitd tls "tcp://127.0.0.1:$port" \
  --tlscacert "$work/.certs/daemon/ca.pem" \
  --tlscert "$work/.certs/daemon/cert.pem" \
  --tlskey "$work/.certs/daemon/key.pem"

c="$work/.certs/client"
"$KILN" create --name remote-container --driver remote \
  --driver-opt "cacert=$c/ca.pem,cert=$c/cert.pem,key=$c/key.pem" \
  --driver-opt servername=localhost "tcp://localhost:$port" >/dev/null
out="$("$KILN" ls)"
row="^ \\\\_ remote-container0 .* running +[0-9.]+ms +v0\\.32\\.2"
grep -Eq "$row" <<<"$out" ||
  rig_fail "builder with kiln's certificates is not running: $out"

# A second run neither replaces nor touches the set.
before="$(sha256sum .certs/*/*.pem)"
status=0
err="$("$KILN" certs create 2>&1)" || status=$?
((status == 1)) || rig_fail "certs create over a set: exit $status"
want="ERROR: certificates already exist in \"$work/.certs\"; use --force to"
want+=" replace them"
[[ "$err" == "$want" ]] || rig_fail "certs create said: $err"
[[ "$(sha256sum .certs/*/*.pem)" == "$before" ]] || rig_fail "set changed"

"$KILN" certs create --force >/dev/null
[[ "$(sha256sum .certs/*/*.pem)" != "$before" ]] ||
  rig_fail "--force did not replace the set"
leftovers="$(find . -maxdepth 1 -name '.certs?*')"
[[ -z "$leftovers" ]] || rig_fail "left behind: $leftovers"

status=0
err="$("$KILN" certs create --force --days 0 2>&1)" || status=$?
((status == 1)) || rig_fail "--days 0: exit $status"
[[ "$err" == 'ERROR: invalid --days 0: expected a whole number of days from 1' ]] ||
  rig_fail "--days 0 said: $err"

echo "certs test passed"
