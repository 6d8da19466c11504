#!/usr/bin/env bash
# The Docker Engine's own builder: `ls` and `inspect` show it running
# with the BuildKit version and platforms the real buildx reports for the
# same Engine, `rm` refuses it, and once the Engine is gone `ls` says why.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../rig/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../rig/dockerd.sh"

rig_require_tools
rig_start_dockerd

# Prints the fields of the `default` node row of an `ls` table.
node_row() {
  grep -E '^ \\_ default ' | tr -s ' '
}

# Prints a kiln row without its round trip, the column Buildx lacks.
without_round_trip() {
  sed -E 's/ running [0-9]+\.[0-9]{2}ms / running /'
}

out="$("$KILN" ls 2>"$RIG_TMP/ls.err")"
printf '%s\n' "$out"
grep -Eq '^default\* +docker' <<<"$out" ||
  rig_fail "ls does not list default* with driver docker"
kiln_row="$(node_row <<<"$out")"
[[ "$kiln_row" =~ " running "[0-9]+\.[0-9]{2}ms" " ]] ||
  rig_fail "default not running with a round trip: $out"
kiln_row="$(without_round_trip <<<"$kiln_row")"

buildx_row="$(rig_buildx ls 2>/dev/null | node_row)"
rig_log "kiln:   $kiln_row"
rig_log "buildx: $buildx_row"
if [[ "$kiln_row" != "$buildx_row" ]]; then
  rig_fail "kiln and buildx disagree on the default node"
fi
[[ "$kiln_row" == *linux/amd64* ]] || rig_fail "no linux/amd64: $kiln_row"
if [[ -s "$RIG_TMP/ls.err" ]]; then
  rig_fail "ls printed reasons for a running Engine: $(<"$RIG_TMP/ls.err")"
fi

inspect="$("$KILN" inspect default)"
grep -q '^Driver: *docker$' <<<"$inspect" || rig_fail "inspect: $inspect"
grep -q '^Status: *running$' <<<"$inspect" || rig_fail "inspect: $inspect"

# The context builder cannot be removed, and nothing else is touched.
status=0
err="$("$KILN" rm default 2>&1)" || status=$?
((status == 1)) || rig_fail "rm default: exit $status"
want='ERROR: context builder cannot be removed, run `docker context rm'
want+=' default` to remove this context'
[[ "$err" == "$want" ]] || rig_fail "rm default said: $err"

# The Engine stopped: default is still current, so it is listed, and
# the reason names the Engine's address.
rig_stop_dockerd
status=0
out="$("$KILN" ls 2>"$RIG_TMP/ls.err")" || status=$?
((status == 0)) || rig_fail "ls exit $status with the Engine stopped"
grep -Eq '^ \\_ default +\\_ default +inactive' <<<"$out" ||
  rig_fail "default not inactive: $out"
want="default (default) inactive: cannot connect to the Docker daemon at"
want+=" $DOCKER_HOST: no such file or directory"
grep -qxF "$want" "$RIG_TMP/ls.err" ||
  rig_fail "no reason line; stderr was: $(<"$RIG_TMP/ls.err")"

echo "engine builder test passed"
