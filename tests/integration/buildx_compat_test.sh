#!/usr/bin/env bash
# kiln and the real buildx share one BUILDX_CONFIG: each lists,
# inspects, selects and removes the builders the other made, and they
# agree on which one is current.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../rig/lib.sh"

readonly want_version=v0.32.2

rig_require_kiln
sock="$RIG_TMP/bk.sock"
rig_start_buildkitd local "unix://$sock"
certs="$(rig_tmpdir)"
rig_make_certs "$certs" localhost,127.0.0.1
port="$(rig_free_port)"
rig_start_buildkitd tls "tcp://127.0.0.1:$port" \
  --tlscacert "$certs/ca.pem" \
  --tlscert "$certs/server.pem" --tlskey "$certs/server-key.pem"
tls_opts="cacert=$certs/ca.pem,cert=$certs/client.pem"
tls_opts+=",key=$certs/client-key.pem,servername=localhost"

# Prints field `field` of node `node` of builder `name` from the JSON
# lines of an `ls --format json` run in `json` (kiln's or buildx's).
json_field() {
  python3 -c 'import json, sys
name, node, field = sys.argv[1:]
for b in map(json.loads, sys.stdin):
    if b["Name"] != name:
        continue
    if field == "Current":
        print(str(b["Current"]).lower())
        sys.exit(0)
    for n in b["Nodes"]:
        if n["Name"] == node:
            print(n.get(field, ""))
            sys.exit(0)
sys.exit("no node %s of builder %s" % (node, name))' "$2" "$3" "$4" <<<"$1"
}

# Fails unless the `tool` ls output (table in `table`, JSON lines in
# `json`) shows node `node` of `name` running with the pinned version.
expect_running() {
  local tool="$1" table="$2" json="$3" name="$4" node="$5" line
  line="$(rig_line_with "$table" " $node ")"
  rig_expect_contains "$line" " running " "$tool ls line of $node"
  rig_expect_contains "$line" " $want_version " "$tool ls line of $node"
  if [[ "$(json_field "$json" "$name" "$node" Status)" != running ||
    "$(json_field "$json" "$name" "$node" Version)" != "$want_version" ]]
  then
    rig_fail "$tool ls --format json: $node is not running $want_version"
  fi
}

# Prints the value of the `key:` line of an inspect output `text`.
inspect_value() {
  local line
  line="$(rig_line_with "$1" "$2:")"
  sed -E "s/^$2:[[:space:]]+//" <<<"$line"
}

# Prints the space-separated k="v" driver options of `text`, sorted one
# per line (buildx prints them in no fixed order).
driver_options() {
  inspect_value "$1" "Driver Options" | tr ' ' '\n' | sort
}

# --- Builders made by kiln, seen by buildx. ---
rig_run_ok "$KILN" create --name k-unix --driver remote "unix://$sock"
rig_run_ok "$KILN" create --name k-tls --driver remote \
  --driver-opt "$tls_opts" "tcp://127.0.0.1:$port"

rig_run_ok rig_buildx ls
bx_table="$RIG_OUT"
rig_run_ok rig_buildx ls --format json
bx_json="$RIG_OUT"
expect_running buildx "$bx_table" "$bx_json" k-unix k-unix0
expect_running buildx "$bx_table" "$bx_json" k-tls k-tls0

for name in k-unix k-tls; do
  rig_run_ok "$KILN" inspect "$name"
  kiln_inspect="$RIG_OUT"
  rig_run_ok rig_buildx inspect "$name"
  bx_inspect="$RIG_OUT"
  for key in Driver Endpoint Status "BuildKit version" Platforms; do
    if [[ "$(inspect_value "$kiln_inspect" "$key")" != \
      "$(inspect_value "$bx_inspect" "$key")" ]]; then
      rig_fail "inspect $name: kiln and buildx differ on '$key':" \
        $'\n'"$kiln_inspect"$'\n'"$bx_inspect"
    fi
  done
done
if [[ "$(inspect_value "$bx_inspect" Endpoint)" != \
  "tcp://127.0.0.1:$port" ]]; then
  rig_fail "buildx inspect k-tls shows another endpoint: $bx_inspect"
fi
want_opts="$(printf '%s\n' "cacert=\"$certs/ca.pem\"" \
  "cert=\"$certs/client.pem\"" "key=\"$certs/client-key.pem\"" \
  'servername="localhost"' | sort)"
if [[ "$(driver_options "$bx_inspect")" != "$want_opts" ||
  "$(driver_options "$kiln_inspect")" != "$want_opts" ]]; then
  rig_fail "inspect k-tls: driver options differ from what kiln stored:" \
    $'\n'"$kiln_inspect"$'\n'"$bx_inspect"
fi

# --- Builders made by buildx, seen by kiln. ---
rig_run_ok rig_buildx create --name bx --driver remote "unix://$sock"
rig_run_ok rig_buildx create --name bx-tls --driver remote \
  --driver-opt "$tls_opts" "tcp://127.0.0.1:$port"

rig_run_ok "$KILN" ls
kiln_table="$RIG_OUT"
rig_expect_lacks "$RIG_ERR" "bx (bx0)" "kiln ls stderr"
rig_expect_lacks "$RIG_ERR" "bx-tls (bx-tls0)" "kiln ls stderr"
rig_run_ok "$KILN" ls --format json
expect_running kiln "$kiln_table" "$RIG_OUT" bx bx0
expect_running kiln "$kiln_table" "$RIG_OUT" bx-tls bx-tls0

rig_run_ok "$KILN" inspect bx-tls
kiln_inspect="$RIG_OUT"
rig_run_ok rig_buildx inspect bx-tls
bx_inspect="$RIG_OUT"
for key in Driver Endpoint Status "BuildKit version" Platforms; do
  if [[ "$(inspect_value "$kiln_inspect" "$key")" != \
    "$(inspect_value "$bx_inspect" "$key")" ]]; then
    rig_fail "inspect bx-tls: kiln and buildx differ on '$key':" \
      $'\n'"$kiln_inspect"$'\n'"$bx_inspect"
  fi
done
if [[ "$(driver_options "$kiln_inspect")" != "$want_opts" ]]; then
  rig_fail "kiln inspect bx-tls shows other driver options: $kiln_inspect"
fi

# --- Both agree on the current builder. ---
# Prints the builder marked current in a kiln or buildx ls table.
current_in_table() {
  sed -nE 's/^([^ \\]+)\* .*/\1/p' <<<"$1"
}

# Fails unless kiln and buildx both show `name` as current.
expect_current() {
  local name="$1" tool table json
  for tool in "$KILN" rig_buildx; do
    rig_run_ok "$tool" ls
    table="$RIG_OUT"
    rig_run_ok "$tool" ls --format json
    json="$RIG_OUT"
    if [[ "$(current_in_table "$table")" != "$name" ]]; then
      rig_fail "$tool ls marks '$(current_in_table "$table")' current," \
        "not $name:"$'\n'"$table"
    fi
    if [[ "$(json_field "$json" "$name" "" Current)" != true ]]; then
      rig_fail "$tool ls --format json does not mark $name current"
    fi
  done
}

rig_run_ok rig_buildx use bx
expect_current bx
rig_run_ok "$KILN" use k-unix
expect_current k-unix
rig_run_ok rig_buildx use k-tls
expect_current k-tls
rig_run_ok "$KILN" use bx-tls
expect_current bx-tls

# --- Each removes what the other made. ---
rig_run_ok "$KILN" rm bx
rig_run_ok rig_buildx ls
rig_expect_lacks "$RIG_OUT" "bx0" "buildx ls after kiln rm bx"
rig_run rig_buildx inspect bx
if ((RIG_RC == 0)); then
  rig_fail "buildx inspect bx still works after kiln rm bx"
fi

rig_run_ok rig_buildx rm k-unix
rig_run_ok "$KILN" ls
rig_expect_lacks "$RIG_OUT" "k-unix" "kiln ls after buildx rm k-unix"
rig_run "$KILN" inspect k-unix
if ((RIG_RC != 1)); then
  rig_fail "kiln inspect k-unix exited $RIG_RC after buildx rm, expected 1"
fi

# The rest is intact for both.
rig_run_ok "$KILN" ls
kiln_table="$RIG_OUT"
rig_run_ok "$KILN" ls --format json
expect_running kiln "$kiln_table" "$RIG_OUT" k-tls k-tls0
rig_run_ok rig_buildx ls
bx_table="$RIG_OUT"
rig_run_ok rig_buildx ls --format json
expect_running buildx "$bx_table" "$RIG_OUT" bx-tls bx-tls0

echo "buildx compat test passed"
