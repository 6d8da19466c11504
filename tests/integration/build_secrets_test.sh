#!/usr/bin/env bash
# Secrets and SSH agents served to a real buildkitd: `--secret` from a
# file and from a variable, mounted by RUN steps and absent from the
# progress; `--ssh` from an agent socket and from a key file, checked by
# an ssh-add that runs inside the build.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../rig/lib.sh"

KILN="${KILN:-$(dirname "${BASH_SOURCE[0]}")/../../build/src/kiln}"

rig_require_root
rig_require_tools
if [[ ! -x /bin/busybox ]]; then
  rig_skip "/bin/busybox not found; run scripts/install-deps.sh"
fi
for tool in ssh-agent ssh-add ssh-keygen; do
  if ! command -v "$tool" >/dev/null; then
    rig_skip "$tool not found; run scripts/install-deps.sh"
  fi
done

rig_start_buildkitd local "unix://$RIG_TMP/bk.sock"
"$KILN" create --name remote --driver remote "unix://$RIG_TMP/bk.sock" \
  >/dev/null

# A busybox root file system with the host's ssh-add and the libraries
# it loads, so that a build step can ask the forwarded agent for keys.
ctx="$RIG_TMP/ctx"
mkdir -p "$ctx/rootfs/bin" "$ctx/rootfs/usr/bin"
cp /bin/busybox "$ctx/rootfs/bin/busybox"
ln -s busybox "$ctx/rootfs/bin/sh"
ssh_add="$(command -v ssh-add)"
cp "$ssh_add" "$ctx/rootfs/usr/bin/ssh-add"
for lib in $(ldd "$ssh_add" | grep -o '/[^ ]*'); do
  cp -L --parents "$lib" "$ctx/rootfs/"
done
cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch AS base
COPY rootfs/ /

FROM base AS secret
RUN --mount=type=secret,id=foo cat /run/secrets/foo > /value
RUN --mount=type=secret,id=absent \
    if [ -e /run/secrets/absent ]; then echo there; else echo gone; fi \
    > /optional

FROM base AS required
RUN --mount=type=secret,id=nope,required=true cat /run/secrets/nope

FROM base AS agent
ARG ID=default
RUN --mount=type=ssh,id=$ID ssh-add -l > /keys; \
    if ssh-add -D 2>/dev/null; then echo removed; else echo refused; fi \
    > /removal; ssh-add -l >> /keys

FROM base AS agent-required
RUN --mount=type=ssh,id=other,required=true true

FROM scratch AS secret-out
COPY --from=secret /value /optional /

FROM scratch AS agent-out
COPY --from=agent /keys /removal /
DOCKERFILE

file_value='file-S3cr3t-value'
env_value='env-S3cr3t-value'
printf '%s' "$file_value" >"$RIG_TMP/foo.txt"

# Fails unless file `path` holds exactly `want`.
expect_file() {
  local path="$1" want="$2"
  [[ -f "$path" ]] || rig_fail "missing $path"
  local got
  got="$(<"$path")"
  [[ "$got" == "$want" ]] || rig_fail "$path: want '$want', got '$got'"
}

# A secret from a file; an optional secret that was not given is left
# out. The value is not in the progress or the debug log.
rig_run "$KILN" --debug build --builder remote --progress plain \
  --secret "id=foo,src=$RIG_TMP/foo.txt" --target secret-out \
  -o "type=local,dest=$RIG_TMP/out1" "$ctx"
((RIG_RC == 0)) || rig_fail "file secret build failed: $RIG_ERR"
expect_file "$RIG_TMP/out1/value" "$file_value"
expect_file "$RIG_TMP/out1/optional" gone
rig_expect_lacks "$RIG_OUT$RIG_ERR" "$file_value" "file secret output"
rig_expect_contains "$RIG_ERR" "DEBUG: secret foo: ${#file_value} bytes" \
  "file secret debug log"

# A secret from a variable, given as env= and as type=env.
rig_run env KILN_T_SECRET="$env_value" "$KILN" build --builder remote \
  --progress plain --no-cache --secret id=foo,env=KILN_T_SECRET \
  --target secret-out -o "type=local,dest=$RIG_TMP/out2" "$ctx"
((RIG_RC == 0)) || rig_fail "env secret build failed: $RIG_ERR"
expect_file "$RIG_TMP/out2/value" "$env_value"
rig_expect_lacks "$RIG_OUT$RIG_ERR" "$env_value" "env secret output"
rig_run env KILN_T_SECRET=typed-value "$KILN" build --builder remote \
  --progress quiet --no-cache --secret type=env,id=foo,src=KILN_T_SECRET \
  --target secret-out -o "type=local,dest=$RIG_TMP/out3" "$ctx"
((RIG_RC == 0)) || rig_fail "type=env secret build failed: $RIG_ERR"
expect_file "$RIG_TMP/out3/value" typed-value

# A required secret that was not given fails the step, as in Buildx.
rig_run "$KILN" build --builder remote --progress plain --target required \
  "$ctx"
((RIG_RC == 1)) ||
  rig_fail "required secret: want exit 1, got $RIG_RC: $RIG_ERR"
rig_expect_contains "$RIG_ERR" "secret nope: not found" "required secret"

# A source that does not exist is refused in one line before the build.
rig_run "$KILN" build --builder remote --progress plain \
  --secret id=foo,src=/nonexistent/foo --target secret-out "$ctx"
((RIG_RC == 1)) || rig_fail "missing source: want exit 1, got $RIG_RC"
want='ERROR: failed to build: failed to stat /nonexistent/foo: stat'
want+=' /nonexistent/foo: no such file or directory'
[[ "$RIG_ERR" == "$want" ]] ||
  rig_fail "missing source: want '$want', got '$RIG_ERR'"
rig_run "$KILN" build --builder remote --secret id=foo,type=bad "$ctx"
[[ "$RIG_RC" == 1 && "$RIG_ERR" == 'ERROR: unsupported secret type "bad"' ]] ||
  rig_fail "bad type: got $RIG_RC '$RIG_ERR'"

# An agent of the test's own with a key made here.
ssh-keygen -q -t ed25519 -N '' -C kiln-test-key -f "$RIG_TMP/id_test"
fingerprint="$(ssh-keygen -l -f "$RIG_TMP/id_test.pub")"
agent_sock="$RIG_TMP/agent.sock"
ssh-agent -D -a "$agent_sock" >/dev/null 2>&1 &
RIG_PIDS+=("$!")
# ssh-add -l exits 2 until the agent accepts connections.
for ((i = 0; i < 100; i++)); do
  status=0
  SSH_AUTH_SOCK="$agent_sock" ssh-add -l >/dev/null 2>&1 || status=$?
  ((status != 2)) && break
  sleep 0.05
done
SSH_AUTH_SOCK="$agent_sock" ssh-add -q "$RIG_TMP/id_test"

# Fails unless the agent stage's export in `dir` saw the test's key
# twice (before and after the refused removal).
expect_agent_export() {
  local dir="$1" what="$2"
  local keys
  keys="$(<"$dir/keys")"
  [[ "$keys" == "$fingerprint"$'\n'"$fingerprint" ]] ||
    rig_fail "$what: want the key listed twice, got '$keys'"
  expect_file "$dir/removal" refused
}

# --ssh default: the agent of SSH_AUTH_SOCK, read-only inside the build.
rig_run env SSH_AUTH_SOCK="$agent_sock" "$KILN" build --builder remote \
  --progress plain --ssh default --target agent-out \
  -o "type=local,dest=$RIG_TMP/ssh1" "$ctx"
((RIG_RC == 0)) || rig_fail "--ssh default failed: $RIG_ERR"
expect_agent_export "$RIG_TMP/ssh1" "--ssh default"
[[ "$(SSH_AUTH_SOCK="$agent_sock" ssh-add -l)" == "$fingerprint" ]] ||
  rig_fail "the agent lost its key"

# --ssh ID=KEYFILE: kiln's own agent, ended when the build ends. As in
# Buildx, a key file readable by others is taken.
chmod 0644 "$RIG_TMP/id_test"
kiln_tmp="$RIG_TMP/kiln-tmp"
mkdir -p "$kiln_tmp"
rig_run env -u SSH_AUTH_SOCK TMPDIR="$kiln_tmp" "$KILN" --debug build \
  --builder remote --progress plain --no-cache --build-arg ID=deploy \
  --ssh "deploy=$RIG_TMP/id_test" --target agent-out \
  -o "type=local,dest=$RIG_TMP/ssh2" "$ctx"
((RIG_RC == 0)) || rig_fail "--ssh with a key file failed: $RIG_ERR"
expect_agent_export "$RIG_TMP/ssh2" "--ssh deploy=KEY"
agent_line="$(rig_line_with "$RIG_ERR" "DEBUG: ssh: agent deploy (pid ")"
agent_pid="${agent_line#*pid }"
agent_pid="${agent_pid%%)*}"
! kill -0 "$agent_pid" 2>/dev/null ||
  rig_fail "kiln's ssh-agent (pid $agent_pid) outlived the build"
[[ -z "$(ls -A "$kiln_tmp")" ]] || rig_fail "kiln left $(ls -A "$kiln_tmp")"
rig_expect_lacks "$RIG_ERR" "PRIVATE KEY" "key file debug log"

# An id the build requires but was not given.
rig_run env SSH_AUTH_SOCK="$agent_sock" "$KILN" build --builder remote \
  --progress plain --ssh default --target agent-required "$ctx"
((RIG_RC == 1)) || rig_fail "unset ssh id: want exit 1, got $RIG_RC"
rig_expect_contains "$RIG_ERR" "unset ssh forward key other" "unset ssh id"

# A key file that is no key is refused before the build.
rig_run "$KILN" build --builder remote --ssh "default=$RIG_TMP/foo.txt" \
  "$ctx"
((RIG_RC == 1)) || rig_fail "bad key: want exit 1, got $RIG_RC"
want='ERROR: failed to build: failed to convert agent config for ID:'
want+=" \"default\": failed to parse $RIG_TMP/foo.txt: error in libcrypto"
[[ "$RIG_ERR" == "$want" ]] || rig_fail "bad key: want '$want', got '$RIG_ERR'"
ssh-keygen -q -t ed25519 -N 'pass-phrase' -f "$RIG_TMP/id_locked"
rig_run "$KILN" build --builder remote --ssh "k=$RIG_TMP/id_locked" "$ctx"
want='ERROR: failed to build: failed to convert agent config for ID: "k":'
want+=" failed to parse $RIG_TMP/id_locked: this private key is passphrase"
want+=' protected'
[[ "$RIG_RC" == 1 && "$RIG_ERR" == "$want" ]] ||
  rig_fail "locked key: want '$want', got $RIG_RC '$RIG_ERR'"
rig_log "build secrets: every check passed"
