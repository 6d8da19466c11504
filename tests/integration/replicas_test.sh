#!/usr/bin/env bash
# A builder of several nodes spreads its builds: a node that is down is
# skipped with its reason, a build goes to the node running the fewest
# builds, and with every node down the build fails naming each reason.
# Two real buildkitd daemons stand in for the replicas.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../rig/lib.sh"

KILN="${KILN:-$(dirname "${BASH_SOURCE[0]}")/../../build/src/kiln}"

rig_require_root
rig_require_tools
if [[ ! -x /bin/busybox ]]; then
  rig_skip "/bin/busybox not found; run scripts/install-deps.sh"
fi

rig_start_buildkitd one "unix://$RIG_TMP/one.sock"
rig_start_buildkitd two "unix://$RIG_TMP/two.sock"

# Node multi0 has no daemon; multi1 and multi2 have one each.
"$KILN" create --name multi --driver remote "unix://$RIG_TMP/none.sock" \
  >/dev/null
"$KILN" create --append --name multi "unix://$RIG_TMP/one.sock" >/dev/null
"$KILN" create --append --name multi "unix://$RIG_TMP/two.sock" >/dev/null

ctx="$RIG_TMP/ctx"
mkdir -p "$ctx/rootfs/bin"
cp /bin/busybox "$ctx/rootfs/bin/busybox"
ln -s busybox "$ctx/rootfs/bin/sh"
cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
ARG PAUSE=0
ARG TAG=none
RUN sleep "$PAUSE" && echo "$TAG" > /tag
DOCKERFILE

# Prints how many builds the daemon `name` has on record.
builds_on() {
  rig_buildctl "$1" debug histories --format '{{.Record.Ref}}' |
    grep -c . || true
}

# An idle builder: the first running node takes the build, and the node
# that is down is named with its reason.
rig_run_ok "$KILN" build --builder multi --progress plain \
  -o "type=local,dest=$RIG_TMP/out1" "$ctx"
rig_expect_contains "$RIG_ERR" \
  "skipping node \"multi0\" of \"multi\": unix: no socket at" "build stderr"
[[ "$(<"$RIG_TMP/out1/tag")" == none ]] || rig_fail "out1 has the wrong tag"
one="$(builds_on one)" two="$(builds_on two)"
((one == 1 && two == 0)) ||
  rig_fail "idle builder: want 1 build on one, 0 on two; got $one, $two"

# While one node runs a long build, the next build goes to the other.
"$KILN" build --builder multi --progress plain --build-arg PAUSE=15 \
  --build-arg TAG=slow -o "type=local,dest=$RIG_TMP/slow" "$ctx" \
  >"$RIG_TMP/slow.log" 2>&1 &
slow_pid=$!
RIG_PIDS+=("$slow_pid")
deadline=$((SECONDS + 30))
until grep -q 'RUN sleep "15"' "$RIG_TMP/slow.log"; do
  ((SECONDS < deadline)) ||
    rig_fail "slow build never started its RUN step: $(<"$RIG_TMP/slow.log")"
  sleep 0.2
done
rig_run_ok "$KILN" build --builder multi --progress plain \
  --build-arg TAG=fast -o "type=local,dest=$RIG_TMP/fast" "$ctx"
[[ "$(<"$RIG_TMP/fast/tag")" == fast ]] || rig_fail "fast has the wrong tag"
wait "$slow_pid" || rig_fail "slow build failed: $(<"$RIG_TMP/slow.log")"
[[ "$(<"$RIG_TMP/slow/tag")" == slow ]] || rig_fail "slow has the wrong tag"
one="$(builds_on one)" two="$(builds_on two)"
((one == 2 && two == 1)) ||
  rig_fail "busy node: want 2 builds on one, 1 on two; got $one, $two"

# Every node down: one line naming each node's reason, exit 1.
rig_stop_buildkitd one
rig_stop_buildkitd two
rig_run "$KILN" build --builder multi -o "type=local,dest=$RIG_TMP/none" \
  "$ctx"
((RIG_RC == 1)) || rig_fail "all nodes down: want exit 1, got $RIG_RC"
rig_expect_contains "$RIG_ERR" "no valid drivers found: multi0: unix: no " \
  "build stderr"
rig_expect_contains "$RIG_ERR" "; multi1: " "build stderr"
rig_expect_contains "$RIG_ERR" "; multi2: " "build stderr"
[[ ! -e "$RIG_TMP/none" ]] || rig_fail "a failed build left $RIG_TMP/none"
rig_log "replicas: ok"
