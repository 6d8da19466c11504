#!/usr/bin/env bash
# A remote builder on a unix socket, as a user meets it: create prints
# its name, ls and inspect show it running with the daemon's version,
# platforms and GC policy, use marks it current, and rm forgets it even
# once the daemon is gone.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../rig/lib.sh"

readonly want_version=v0.32.2

rig_require_kiln
rig_start_buildkitd local "unix://$RIG_TMP/bk.sock"

# create prints the builder's name and nothing else.
rig_run_ok "$KILN" create --name remote-unix --driver remote \
  "unix://$RIG_TMP/bk.sock"
if [[ "$RIG_OUT" != remote-unix ]]; then
  rig_fail "create printed '$RIG_OUT', expected 'remote-unix'"
fi

# ls: the builder, its node running with version and platforms.
rig_run_ok "$KILN" ls
ls_out="$RIG_OUT"
builder_line="$(rig_line_with "$ls_out" "remote-unix ")"
rig_expect_contains "$builder_line" remote "ls builder line"
rig_expect_lacks "$builder_line" "remote-unix*" "ls builder line before use"
node_line="$(rig_line_with "$ls_out" remote-unix0)"
rig_expect_contains "$node_line" "unix://$RIG_TMP/bk.sock" "ls node line"
rig_expect_contains "$node_line" " running " "ls node line"
rig_expect_contains "$node_line" " $want_version " "ls node line"
rig_expect_contains "$node_line" linux/amd64 "ls node line"
# The round trip to the daemon, a column Buildx does not have.
grep -Eq ' running +[0-9]+\.[0-9]{2}ms ' <<<"$node_line" ||
  rig_fail "ls node line has no round trip: $node_line"
rig_expect_lacks "$RIG_ERR" "remote-unix (remote-unix0)" "ls stderr"

# ls --format json: one object per builder.
rig_run_ok "$KILN" ls --format json
json="$(grep -F '"Name":"remote-unix"' <<<"$RIG_OUT" || true)"
if [[ -z "$json" ]]; then
  rig_fail "ls --format json has no remote-unix object: $RIG_OUT"
fi
python3 - "$json" "$want_version" "unix://$RIG_TMP/bk.sock" <<'EOF' ||
import json, sys
b = json.loads(sys.argv[1])
assert b["Driver"] == "remote", b
assert b["Current"] is False, b
(node,) = b["Nodes"]
assert node["Name"] == "remote-unix0", node
assert node["Endpoint"] == sys.argv[3], node
assert node["Status"] == "running", node
assert node["Version"] == sys.argv[2], node
assert {"os": "linux", "architecture": "amd64"} in node["Platforms"], node
assert "Err" not in node, node
assert node["RoundTrip"].endswith("ms"), node
assert float(node["RoundTrip"][:-2]) > 0, node
EOF
  rig_fail "ls --format json is wrong for remote-unix: $json"

# inspect --bootstrap: status, version, platforms and the GC policy.
rig_run_ok "$KILN" inspect --bootstrap remote-unix
inspect_out="$RIG_OUT"
rig_expect_contains "$inspect_out" $'Name:' "inspect"
rig_expect_contains "$(rig_line_with "$inspect_out" Driver:)" remote \
  "inspect Driver line"
rig_expect_contains "$(rig_line_with "$inspect_out" Endpoint:)" \
  "unix://$RIG_TMP/bk.sock" "inspect Endpoint line"
status_line="$(rig_line_with "$inspect_out" Status:)"
if [[ ! "$status_line" =~ ^Status:[[:space:]]+running$ ]]; then
  rig_fail "inspect status line is '$status_line'"
fi
version_line="$(rig_line_with "$inspect_out" "BuildKit version:")"
if [[ ! "$version_line" =~ ^BuildKit\ version:[[:space:]]+$want_version$ ]]
then
  rig_fail "inspect version line is '$version_line'"
fi
rig_expect_contains "$(rig_line_with "$inspect_out" Platforms:)" \
  linux/amd64 "inspect Platforms line"
rig_expect_contains "$inspect_out" "GC Policy rule#0:" "inspect"
rig_expect_contains "$inspect_out" "All:" "inspect GC policy"
rig_expect_lacks "$inspect_out" "Error:" "inspect"
rig_expect_contains "$RIG_ERR" "#1 DONE" "inspect --bootstrap progress"

# use marks the builder current in ls (and in json).
rig_run_ok "$KILN" use remote-unix
rig_run_ok "$KILN" ls
rig_line_with "$RIG_OUT" "remote-unix* " >/dev/null
rig_run_ok "$KILN" ls --format json
python3 -c 'import json, sys
current = [b["Name"] for b in map(json.loads, sys.stdin) if b["Current"]]
assert current == ["remote-unix"], current' <<<"$RIG_OUT" ||
  rig_fail "ls --format json does not mark remote-unix alone current"

# Once the daemon is gone the node is inactive, and rm still works.
rig_stop_buildkitd local
rig_run_ok "$KILN" ls --timeout 2s
rig_expect_contains "$(rig_line_with "$RIG_OUT" remote-unix0)" " inactive" \
  "ls node line after stop"
# buildkitd removes its socket on SIGTERM; a leftover one refuses.
reason="$(rig_line_with "$RIG_ERR" "remote-unix (remote-unix0) inactive: ")"
reason="${reason#*inactive: }"
if [[ "$reason" != "unix: no socket at \"$RIG_TMP/bk.sock\"" &&
  "$reason" != "unix: connection refused by \"$RIG_TMP/bk.sock\" (no daemon listens on it)" ]]
then
  rig_fail "ls after stop gives the reason '$reason'"
fi
rig_log "after stop: $reason"
rig_run_ok "$KILN" rm remote-unix
rig_expect_contains "$RIG_ERR" "remote-unix removed" "rm stderr"
rig_run_ok "$KILN" ls
rig_expect_lacks "$RIG_OUT" remote-unix "ls after rm"
rig_run "$KILN" inspect remote-unix
if ((RIG_RC != 1)); then
  rig_fail "inspect of a removed builder exited $RIG_RC, expected 1"
fi
rig_expect_contains "$RIG_ERR" 'ERROR: no builder "remote-unix" found' \
  "inspect of a removed builder"

echo "unix socket test passed"
