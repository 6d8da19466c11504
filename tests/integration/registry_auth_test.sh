#!/usr/bin/env bash
# Registry credentials served to a real buildkitd: a push to and pulls
# from a loopback registry that asks for basic authentication, with the
# login in config.json `auths`, from a credential helper, and with none;
# the password never shows in kiln's output, --debug included.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../rig/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../rig/registry.sh"

KILN="${KILN:-$(dirname "${BASH_SOURCE[0]}")/../../build/src/kiln}"

rig_require_root
rig_require_tools
rig_require_registry
if ! command -v htpasswd >/dev/null; then
  rig_skip "htpasswd not found; run scripts/install-deps.sh"
fi
if [[ ! -x /bin/busybox ]]; then
  rig_skip "/bin/busybox not found; run scripts/install-deps.sh"
fi

user=kilnuser
password='pw-Kx93-never-shown'
basic="$(printf '%s:%s' "$user" "$password" | base64 -w0)"
htpasswd -Bbn "$user" "$password" >"$RIG_TMP/htpasswd" 2>/dev/null
rig_start_registry auth "$RIG_TMP/htpasswd"
reg="${RIG_REGISTRY_ADDR[auth]}"
RIG_BUILDKITD_CONFIG="$(rig_registry_buildkitd_config)"
rig_start_buildkitd pusher "unix://$RIG_TMP/bk1.sock"
rig_start_buildkitd puller "unix://$RIG_TMP/bk2.sock"
"$KILN" create --name pusher --driver remote "unix://$RIG_TMP/bk1.sock" \
  >/dev/null
"$KILN" create --name puller --driver remote "unix://$RIG_TMP/bk2.sock" \
  >/dev/null

# Docker config folders: one with the login in `auths`, one with none,
# one naming the test's credential helper.
with_auths="$RIG_TMP/cfg-auths"
no_auth="$RIG_TMP/cfg-none"
with_helper="$RIG_TMP/cfg-helper"
mkdir -p "$with_auths" "$no_auth" "$with_helper"
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$reg" "$basic" \
  >"$with_auths/config.json"
printf '{"credHelpers": {"%s": "kilntest"}}\n' "$reg" \
  >"$with_helper/config.json"

# The credential helper: a script this test puts on PATH. It logs the
# registry it is asked about and answers with the test's login.
helpers="$RIG_TMP/helpers"
mkdir -p "$helpers"
cat >"$helpers/docker-credential-kilntest" <<HELPER
#!/bin/sh
[ "\$1" = get ] || exit 1
host=\$(cat)
echo "\$host" >>"$RIG_TMP/helper.log"
if [ "\$host" = "$reg" ]; then
  printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}\n' \
    "$reg" "$user" "$password"
else
  echo "credentials not found in native keychain"
  exit 1
fi
HELPER
chmod 0755 "$helpers/docker-credential-kilntest"

ctx="$RIG_TMP/ctx"
mkdir -p "$ctx/rootfs/bin"
cp /bin/busybox "$ctx/rootfs/bin/busybox"
ln -s busybox "$ctx/rootfs/bin/sh"
cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
ARG MARK
RUN echo "$MARK" > /marker
DOCKERFILE

pull="$RIG_TMP/pull"
mkdir -p "$pull"
# A Dockerfile that pulls tag `$1` of the pushed image.
pull_dockerfile() {
  printf 'FROM %s/x:%s\nRUN cp /marker /pulled\n' "$reg" "$1" \
    >"$pull/Dockerfile"
}

# Fails unless neither the password nor its base64 form is in `text`.
expect_no_password() {
  rig_expect_lacks "$1" "$password" "$2"
  rig_expect_lacks "$1" "$basic" "$2"
}

# Without credentials the push fails with the registry's reason.
rig_run env DOCKER_CONFIG="$no_auth" "$KILN" build --builder pusher \
  --progress plain --build-arg MARK=one \
  -o "type=image,name=$reg/x:1,push=true" "$ctx"
((RIG_RC == 1)) || rig_fail "push without login: want exit 1, got $RIG_RC"
rig_expect_contains "$RIG_ERR" "401 Unauthorized" "push without login"
rig_line_with "$RIG_ERR" "ERROR: failed to build: " >/dev/null

# With the login in auths it succeeds; the step Buildx shows for shared
# credentials is there, the password is not, even with --debug.
rig_run env DOCKER_CONFIG="$with_auths" "$KILN" --debug build \
  --builder pusher --progress plain --build-arg MARK=one \
  -o "type=image,name=$reg/x:1,push=true" "$ctx"
((RIG_RC == 0)) || rig_fail "push with login failed: $RIG_ERR"
rig_expect_contains "$RIG_ERR" "[auth] sharing credentials for $reg" \
  "push progress"
rig_expect_contains "$RIG_ERR" "DEBUG: auth $reg: credentials for $user" \
  "push debug log"
expect_no_password "$RIG_OUT$RIG_ERR" "push output"
code="$(curl -s -o /dev/null -w '%{http_code}' -u "$user:$password" \
  "http://$reg/v2/x/manifests/1" \
  -H 'Accept: application/vnd.oci.image.manifest.v1+json')"
[[ "$code" == 200 ]] || rig_fail "registry has no x:1 (HTTP $code)"

# A fresh daemon pulls it: refused without a login, then with it.
pull_dockerfile 1
rig_run env DOCKER_CONFIG="$no_auth" "$KILN" build --builder puller \
  --progress plain -o "type=local,dest=$RIG_TMP/out0" "$pull"
((RIG_RC == 1)) || rig_fail "pull without login: want exit 1, got $RIG_RC"
rig_expect_contains "$RIG_ERR" "401 Unauthorized" "pull without login"
[[ ! -e "$RIG_TMP/out0/pulled" ]] || rig_fail "pull without login exported"

rig_run env DOCKER_CONFIG="$with_auths" "$KILN" --debug build \
  --builder puller --progress plain -o "type=local,dest=$RIG_TMP/out1" "$pull"
((RIG_RC == 0)) || rig_fail "pull with login failed: $RIG_ERR"
[[ "$(<"$RIG_TMP/out1/pulled")" == one ]] ||
  rig_fail "pulled image lacks the pushed /marker"
expect_no_password "$RIG_OUT$RIG_ERR" "pull output"

# The credential helper, for a push of a new tag and its pull on the
# daemon that has not seen it.
pull_dockerfile 2
rig_run env DOCKER_CONFIG="$with_helper" PATH="$helpers:$PATH" "$KILN" \
  --debug build --builder pusher --progress plain --build-arg MARK=two \
  -o "type=image,name=$reg/x:2,push=true" "$ctx"
((RIG_RC == 0)) || rig_fail "push through the helper failed: $RIG_ERR"
expect_no_password "$RIG_OUT$RIG_ERR" "helper push output"
rig_run env DOCKER_CONFIG="$with_helper" PATH="$helpers:$PATH" "$KILN" \
  build --builder puller --progress plain \
  -o "type=local,dest=$RIG_TMP/out2" "$pull"
((RIG_RC == 0)) || rig_fail "pull through the helper failed: $RIG_ERR"
[[ "$(<"$RIG_TMP/out2/pulled")" == two ]] ||
  rig_fail "image pulled through the helper lacks its /marker"
expect_no_password "$RIG_OUT$RIG_ERR" "helper pull output"
grep -qx "$reg" "$RIG_TMP/helper.log" ||
  rig_fail "the helper was never asked for $reg"

# A helper that fails is named, with what it said.
printf '{"credsStore": "kiln-absent"}\n' >"$no_auth/config.json"
rig_run env DOCKER_CONFIG="$no_auth" "$KILN" build --builder puller \
  --progress plain --no-cache -o "type=local,dest=$RIG_TMP/out3" "$pull"
((RIG_RC == 1)) || rig_fail "absent helper: want exit 1, got $RIG_RC"
rig_expect_contains "$RIG_ERR" \
  'error getting credentials - err: exec: "docker-credential-kiln-absent"' \
  "absent helper"
rig_log "registry auth: every check passed"
