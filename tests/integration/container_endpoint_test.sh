#!/usr/bin/env bash
# The guide's BuildKit-in-a-container example for real: an image made
# here (tests/rig/buildkit_image.sh) runs in Debian's dockerd, listening
# on tcp with mutual TLS from `kiln certs create` and on its default unix
# socket. Builders over tcp:// with the client certificates and over
# docker-container:// are both running; a container listening on tcp
# only makes docker-container:// fail with the reason, within the timeout.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../rig/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../rig/dockerd.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../rig/buildkit_image.sh"

rig_require_tools
rig_start_dockerd
rig_buildkit_image

work="$(rig_tmpdir)"
(cd "$work" && "$KILN" certs create --san localhost,127.0.0.1 >/dev/null)
certs=(-v "$work/.certs:/etc/buildkit/certs:ro")
daemon_tls=(--tlscacert /etc/buildkit/certs/daemon/ca.pem
  --tlscert /etc/buildkit/certs/daemon/cert.pem
  --tlskey /etc/buildkit/certs/daemon/key.pem)
client_tls=(--tlscacert /etc/buildkit/certs/client/ca.pem
  --tlscert /etc/buildkit/certs/client/cert.pem
  --tlskey /etc/buildkit/certs/client/key.pem)

port="$(rig_free_port)"
RIG_PROBE_ARGS=(--addr unix:///run/buildkit/buildkitd.sock)
rig_run_buildkit_container remote-buildkitd "${certs[@]}" kiln-rig/buildkit \
  --addr unix:///run/buildkit/buildkitd.sock \
  --addr "tcp://127.0.0.1:$port" "${daemon_tls[@]}"

tcp_only_port="$(rig_free_port)"
RIG_PROBE_ARGS=(--addr "tcp://127.0.0.1:$tcp_only_port" "${client_tls[@]}")
rig_run_buildkit_container tcp-only "${certs[@]}" kiln-rig/buildkit \
  --addr "tcp://127.0.0.1:$tcp_only_port" "${daemon_tls[@]}"

c="$work/.certs/client"
"$KILN" create --name remote-container --driver remote \
  --driver-opt "cacert=$c/ca.pem,cert=$c/cert.pem,key=$c/key.pem" \
  --driver-opt servername=localhost "tcp://localhost:$port" >/dev/null
"$KILN" create --name via-exec --driver remote \
  docker-container://remote-buildkitd >/dev/null
"$KILN" create --name no-socket --driver remote \
  docker-container://tcp-only >/dev/null

start=$SECONDS
out="$("$KILN" ls --timeout 5s 2>"$RIG_TMP/ls.err")"
took=$((SECONDS - start))
printf '%s\n' "$out"
cat "$RIG_TMP/ls.err"
((took <= 6)) || rig_fail "ls took ${took}s with a 5s timeout"
for node in remote-container0 via-exec0; do
  grep -Eq "^ \\\\_ $node .* running +v0\\.32\\.2 .*linux/amd64" <<<"$out" ||
    rig_fail "$node is not running with its platforms"
done

line="$(grep -F 'no-socket (no-socket0) inactive: ' "$RIG_TMP/ls.err")" ||
  rig_fail "no reason for the container without a unix socket"
want='no-socket (no-socket0) inactive: helper "docker exec -i tcp-only'
want+=' buildctl dial-stdio" ended (exit status 1): error: dial unix'
want+=' /run/buildkit/buildkitd.sock: connect: no such file or directory'
[[ "$line" == "$want" ]] || rig_fail "reason was: $line"

# inspect --bootstrap on it fails within its timeout, with that reason.
start=$SECONDS
status=0
err="$("$KILN" inspect --bootstrap --timeout 4s no-socket 2>&1)" || status=$?
took=$((SECONDS - start))
((status == 1)) || rig_fail "inspect --bootstrap exit $status"
((took <= 5)) || rig_fail "inspect --bootstrap took ${took}s"
grep -qF "dial unix /run/buildkit/buildkitd.sock" <<<"$err" ||
  rig_fail "inspect --bootstrap said: $err"

if pgrep -f "docker exec -i .* buildctl dial-stdio" >/dev/null; then
  rig_fail "a docker exec helper is still running"
fi
echo "container endpoint test passed"
