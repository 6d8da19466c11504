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
  row="^ \\\\_ $node .* running +[0-9.]+ms +v0\\.32\\.2 .*linux/amd64"
  grep -Eq "$row" <<<"$out" ||
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

# A build with --load through each running builder: the image runs.
[[ -x /bin/busybox ]] || rig_skip "/bin/busybox not found"
ctx="$(rig_tmpdir)"
mkdir -p "$ctx/rootfs/bin"
cp /bin/busybox "$ctx/rootfs/bin/busybox"
ln -s busybox "$ctx/rootfs/bin/sh"
cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
ARG WHERE
RUN echo "built through $WHERE" > /greeting
CMD ["/bin/busybox", "cat", "/greeting"]
DOCKERFILE
for builder in remote-container via-exec; do
  "$KILN" build --builder "$builder" --progress plain --build-arg \
    "WHERE=$builder" -t "test-$builder" --load "$ctx" \
    >"$RIG_TMP/build-$builder.log" 2>&1 ||
    rig_fail "build on $builder: $(tail -n 5 "$RIG_TMP/build-$builder.log")"
  said="$(docker run --rm --network host "test-$builder")"
  [[ "$said" == "built through $builder" ]] ||
    rig_fail "test-$builder printed: $said"
done

# The helper killed in the middle of a build: exit 1 with the reason,
# soon, and no helper left behind.
cat >"$ctx/Dockerfile.slow" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
RUN sleep 60
DOCKERFILE
"$KILN" build --builder via-exec --progress plain -f "$ctx/Dockerfile.slow" \
  "$ctx" >"$RIG_TMP/slow.log" 2>&1 &
kiln_pid=$!
RIG_PIDS+=("$kiln_pid")
for _ in $(seq 1 100); do
  grep -q "RUN sleep 60" "$RIG_TMP/slow.log" 2>/dev/null && break
  sleep 0.1
done
helper_pid="$(pgrep -f "docker exec -i remote-buildkitd buildctl dial-stdio")" ||
  rig_fail "no docker exec helper during the build"
start=$SECONDS
kill -KILL "$helper_pid"
status=0
wait "$kiln_pid" || status=$?
took=$((SECONDS - start))
((status == 1)) || rig_fail "build with its helper killed: exit $status"
((took <= 10)) || rig_fail "build took ${took}s to notice its helper died"
want='(helper "docker exec -i remote-buildkitd buildctl dial-stdio" ended'
want+=' (killed by signal 9))'
last="$(tail -n 1 "$RIG_TMP/slow.log")"
[[ "$last" == "ERROR: failed to build: "*"$want" ]] ||
  rig_fail "last line: $last"
rig_log "with its helper killed the build said: $(tail -n 1 "$RIG_TMP/slow.log")"

if pgrep -f "docker exec -i .* buildctl dial-stdio" >/dev/null; then
  rig_fail "a docker exec helper is still running"
fi
echo "container endpoint test passed"
