#!/usr/bin/env bash
# Builds on the Docker Engine's own builder (driver docker) with kiln as
# the Docker CLI's buildx plugin: `docker build -t app .` makes `app`
# runnable without --load, a rebuild is cached, build args, targets,
# .dockerignore, folder and tar outputs, a failing step, Ctrl-C, outputs
# the Engine cannot produce, `ls` and `rm default`, a push, a Docker
# context, a stopped Engine and an Engine on TLS.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../rig/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../rig/dockerd.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../rig/registry.sh"

KILN="${KILN:-$(dirname "${BASH_SOURCE[0]}")/../../build/src/kiln}"

rig_require_dockerd
if [[ ! -x /bin/busybox ]]; then
  rig_skip "/bin/busybox not found; run scripts/install-deps.sh"
fi
rig_start_dockerd

mkdir -p "$DOCKER_CONFIG/cli-plugins"
cp "$KILN" "$DOCKER_CONFIG/cli-plugins/docker-buildx"
[[ "$(docker buildx version)" == kiln* ]] || rig_fail "docker runs no kiln"

# Fails the test with `log` shown unless `pattern` matches a line of it.
expect_line() {
  local pattern="$1" log="$2" what="$3"
  grep -q -- "$pattern" "$log" || { cat "$log" >&2; rig_fail "$what"; }
}

# A context with a runnable busybox root file system in it. This Engine
# has no bridge network, so RUN steps use the host's.
ctx="$RIG_TMP/ctx"
mkdir -p "$ctx/rootfs/bin" "$ctx/src" "$ctx/cache"
cp /bin/busybox "$ctx/rootfs/bin/busybox"
ln -s busybox "$ctx/rootfs/bin/sh"
echo top >"$ctx/src/top.txt"
echo kept >"$ctx/src/keep.log"
echo dropped >"$ctx/src/drop.log"
echo junk >"$ctx/cache/junk"
printf '/cache\n**/*.log\n!src/keep.log\n' >"$ctx/.dockerignore"
cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch AS base
COPY rootfs/ /
ARG GREETING=unset
RUN echo "$GREETING" > /greeting
CMD ["/bin/busybox", "cat", "/greeting"]

FROM base AS listing
COPY . /ctx/
CMD ["/bin/busybox", "find", "/ctx"]

FROM base AS broken
RUN exit 3

FROM base AS slow
RUN sleep 173

FROM base AS app
DOCKERFILE

# `docker build -t app .`: the image is in the Engine at once, no load.
(cd "$ctx" && docker build --network host --progress plain \
  --build-arg GREETING=hello -t app .) 2>"$RIG_TMP/log1" ||
  { cat "$RIG_TMP/log1" >&2; rig_fail "docker build failed"; }
expect_line '^#[0-9]* naming to docker.io/library/app' "$RIG_TMP/log1" \
  "no naming step"
if grep -q 'importing to docker' "$RIG_TMP/log1"; then
  rig_fail "the Engine's own builder should not load a tarball"
fi
got="$(docker run --rm --network host app)"
[[ "$got" == hello ]] || rig_fail "docker run app: want 'hello', got '$got'"

# The same build again: its steps come from the Engine's cache.
(cd "$ctx" && docker build --network host --progress plain \
  --build-arg GREETING=hello -t app .) 2>"$RIG_TMP/log2"
expect_line '^#[0-9]* CACHED$' "$RIG_TMP/log2" "second build shows no CACHED"
expect_line '^#[0-9]* \[base 2/2\] RUN echo' "$RIG_TMP/log2" "no RUN step"

# `docker buildx build` and `kiln build` build the same way, and the
# image id goes to --iidfile.
docker buildx build --network host --progress quiet --build-arg GREETING=bx \
  -t app-bx "$ctx" >/dev/null
got="$(docker run --rm --network host app-bx)"
[[ "$got" == bx ]] || rig_fail "docker run app-bx: want 'bx', got '$got'"
"$KILN" build --network host --progress quiet --build-arg GREETING=kiln \
  -t app-kiln --iidfile "$RIG_TMP/iid" "$ctx" >/dev/null
got="$(docker run --rm --network host app-kiln)"
[[ "$got" == kiln ]] || rig_fail "docker run app-kiln: want 'kiln', got '$got'"
iid="$(<"$RIG_TMP/iid")"
[[ "$iid" == "$(docker image inspect --format '{{.Id}}' app-kiln)" ]] ||
  rig_fail "iidfile holds $iid, not the id of app-kiln"

# A target stage, and a .dockerignore that keeps files out of it.
docker build --network host --progress quiet --target listing -t listing \
  "$ctx" >/dev/null
listing="$(docker run --rm --network host listing 2>&1 | sort | tr '\n' ' ')"
[[ "$listing" == *"/ctx/src/keep.log "* &&
  "$listing" == *"/ctx/src/top.txt "* ]] ||
  rig_fail "listing lacks kept files: $listing"
[[ "$listing" != *drop.log* && "$listing" != */ctx/cache* ]] ||
  rig_fail "ignored files were sent: $listing"

# Folder and tar outputs come back through the session.
docker build --network host --progress quiet --build-arg GREETING=dir \
  --target base -o "type=local,dest=$RIG_TMP/out" "$ctx" >/dev/null
[[ "$(<"$RIG_TMP/out/greeting")" == dir ]] || rig_fail "local output"
docker build --network host --progress quiet --build-arg GREETING=tar \
  --target base -o "type=tar,dest=$RIG_TMP/out.tar" "$ctx" >/dev/null
[[ "$(tar -xOf "$RIG_TMP/out.tar" greeting)" == tar ]] || rig_fail "tar output"

# An output this Engine (no containerd image store) cannot produce is
# refused with Buildx's explanation, before anything is built.
status=0
docker build --progress quiet -o "type=oci,dest=$RIG_TMP/x.tar" "$ctx" \
  >/dev/null 2>"$RIG_TMP/log3" || status=$?
((status == 1)) || rig_fail "oci output: want exit 1, got $status"
{
  echo "ERROR: OCI exporter is not supported for the docker driver."
  echo "Switch to a different driver, or turn on the containerd image store,"\
    "and try again."
  echo "Learn more at https://docs.docker.com/go/build-exporters/"
} >"$RIG_TMP/want3"
diff "$RIG_TMP/want3" "$RIG_TMP/log3" || rig_fail "oci output: wrong refusal"

# A failing step: the step's excerpt, the error, exit 1. (This Engine's
# BuildKit sends no source lines, so neither Buildx nor kiln shows the
# numbered Dockerfile lines a newer daemon adds.)
status=0
docker build --network host --progress plain --target broken "$ctx" \
  >/dev/null 2>"$RIG_TMP/log4" || status=$?
((status == 1)) || rig_fail "failing build: want exit 1, got $status"
expect_line '^ERROR: failed to build: failed to solve: .*exit 3.*exit code: 3' \
  "$RIG_TMP/log4" "no final error"
expect_line '^ > \[broken 1/1\] RUN exit 3:$' "$RIG_TMP/log4" "no step excerpt"

# Ctrl-C, as a terminal sends it to the whole foreground group: the
# build is cancelled on the Engine too, and the exit code is 130.
setsid docker build --network host --progress plain --target slow "$ctx" \
  >/dev/null 2>"$RIG_TMP/log5" &
pid=$!
RIG_PIDS+=("$pid")
for ((i = 0; i < 150; i++)); do
  pgrep -f 'sleep 173' >/dev/null && break
  sleep 0.2
done
pgrep -f 'sleep 173' >/dev/null ||
  { cat "$RIG_TMP/log5" >&2; rig_fail "the slow step never started"; }
kill -INT -- "-$pid"
status=0
wait "$pid" || status=$?
((status == 130)) ||
  { cat "$RIG_TMP/log5" >&2; rig_fail "Ctrl-C: want exit 130, got $status"; }
expect_line '^#[0-9]* CANCELED$' "$RIG_TMP/log5" "Ctrl-C: no CANCELED step"
for ((i = 0; i < 50; i++)); do
  pgrep -f 'sleep 173' >/dev/null || break
  sleep 0.2
done
if pgrep -f 'sleep 173' >/dev/null; then
  rig_fail "Ctrl-C: the step still runs on the Engine"
fi

# `ls` through the Docker CLI: default runs, with the Engine's BuildKit
# and platforms; `rm default` is refused.
out="$(docker buildx ls)"
row="$(grep -E '^ \\_ default ' <<<"$out" | tr -s ' ')" ||
  rig_fail "no default node in: $out"
engine="$(docker version --format '{{.Server.Version}}')"
case "$engine" in
  20.10.*) want_version="v0.8+unknown" ;;
  *) want_version="${engine%-moby}" ;;
esac
[[ "$row" =~ " running "[0-9.]+ms" $want_version ".*linux/amd64 ]] ||
  rig_fail "default node row: $row (want running $want_version)"
status=0
err="$(docker buildx rm default 2>&1)" || status=$?
((status == 1)) || rig_fail "rm default: exit $status"
want='ERROR: context builder cannot be removed, run `docker context rm'
want+=' default` to remove this context'
[[ "$err" == "$want" ]] ||
  rig_fail "rm default said: $err"

# A push: this Engine's exporter cannot push, so the Engine pushes the
# image once it has it (a registry on loopback needs no TLS).
rig_start_registry reg
reg="${RIG_REGISTRY_ADDR[reg]}"
docker build --network host --progress plain --build-arg GREETING=pushed \
  -o type=registry -t "$reg/pushed:v1" "$ctx" 2>"$RIG_TMP/log9" ||
  { cat "$RIG_TMP/log9" >&2; rig_fail "push build failed"; }
expect_line "^#[0-9]* pushing $reg/pushed:v1 with docker$" "$RIG_TMP/log9" \
  "no push step"
tags="$(python3 -c 'import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1]).read().decode())' \
  "http://$reg/v2/pushed/tags/list")"
[[ "$tags" == *'"v1"'* ]] || rig_fail "the registry has no pushed:v1: $tags"
refused="127.0.0.1:$(rig_refused_port)"
status=0
docker build --network host --progress quiet -o type=registry \
  -t "$refused/nowhere" "$ctx" >/dev/null 2>"$RIG_TMP/log10" || status=$?
((status == 1)) || rig_fail "push to nowhere: want exit 1, got $status"
expect_line "^ERROR: failed to push $refused/nowhere: .*connection refused" \
  "$RIG_TMP/log10" "push to nowhere: no reason"

# A registry that wants a login: the push is refused without one, and
# done with the login from config.json's `auths`, which kiln hands the
# Engine without showing it.
if ! command -v htpasswd >/dev/null; then
  rig_skip "htpasswd not found; run scripts/install-deps.sh"
fi
htpasswd -Bbn pusher s3cret-pw >"$RIG_TMP/htpasswd" 2>/dev/null
rig_start_registry locked "$RIG_TMP/htpasswd"
locked="${RIG_REGISTRY_ADDR[locked]}"
status=0
docker build --network host --progress plain -o type=registry \
  -t "$locked/private:v1" "$ctx" >/dev/null 2>"$RIG_TMP/log11" || status=$?
((status == 1)) || rig_fail "push with no login: want exit 1, got $status"
expect_line "^ERROR: failed to push $locked/private:v1: " "$RIG_TMP/log11" \
  "push with no login: no reason"
python3 - "$DOCKER_CONFIG/config.json" "$locked" <<'PY'
import base64, json, os, sys
path, registry = sys.argv[1:]
config = json.load(open(path)) if os.path.exists(path) else {}
login = base64.b64encode(b"pusher:s3cret-pw").decode()
config.setdefault("auths", {})[registry] = {"auth": login}
json.dump(config, open(path, "w"))
PY
BUILDX_DEBUG=1 docker build --network host --progress plain -o type=registry \
  -t "$locked/private:v1" "$ctx" >/dev/null 2>"$RIG_TMP/log12" ||
  { cat "$RIG_TMP/log12" >&2; rig_fail "push with a login failed"; }
tags="$(curl -s -u pusher:s3cret-pw "http://$locked/v2/private/tags/list")"
[[ "$tags" == *'"v1"'* ]] || rig_fail "the registry has no private:v1: $tags"
if grep -q 's3cret-pw' "$RIG_TMP/log12"; then
  rig_fail "the password shows in the build's output"
fi

# A Docker context of its own, from $DOCKER_CONFIG/contexts: its builder
# is named after it.
docker context create eng --docker "host=$DOCKER_HOST" >/dev/null 2>&1
docker context use eng >/dev/null 2>&1
env -u DOCKER_HOST docker build --network host --progress plain \
  --build-arg GREETING=ctx -t app-ctx "$ctx" 2>"$RIG_TMP/log8" ||
  { cat "$RIG_TMP/log8" >&2; rig_fail "build in context eng failed"; }
expect_line '^#0 building with "eng" instance using docker driver$' \
  "$RIG_TMP/log8" "not built by the builder of context eng"
got="$(docker run --rm --network host app-ctx)"
[[ "$got" == ctx ]] || rig_fail "docker run app-ctx: want 'ctx', got '$got'"
docker context use default >/dev/null 2>&1

# The Engine stopped: one line naming its address, exit 1.
rig_stop_dockerd
status=0
(cd "$ctx" && docker build -t app .) >/dev/null 2>"$RIG_TMP/log6" ||
  status=$?
((status == 1)) || rig_fail "Engine stopped: want exit 1, got $status"
want="ERROR: cannot connect to the Docker daemon at $DOCKER_HOST: no such"
want+=" file or directory"
[[ "$(<"$RIG_TMP/log6")" == "$want" ]] ||
  rig_fail "Engine stopped: stderr was: $(<"$RIG_TMP/log6")"

# An Engine on TCP with TLS, from DOCKER_HOST, DOCKER_TLS_VERIFY and
# DOCKER_CERT_PATH, builds the same.
certs="$(rig_tmpdir)"
rig_make_certs "$certs" localhost,127.0.0.1
cp "$certs/client.pem" "$certs/cert.pem"
cp "$certs/client-key.pem" "$certs/key.pem"
port="$(rig_free_port)"
export DOCKER_HOST="tcp://127.0.0.1:$port" DOCKER_TLS_VERIFY=1
export DOCKER_CERT_PATH="$certs"
rig_start_dockerd --tlsverify --tlscacert "$certs/ca.pem" \
  --tlscert "$certs/server.pem" --tlskey "$certs/server-key.pem"
docker build --network host --progress plain --build-arg GREETING=tls \
  -t app-tls "$ctx" 2>"$RIG_TMP/log7" ||
  { cat "$RIG_TMP/log7" >&2; rig_fail "docker build over TLS failed"; }
got="$(docker run --rm --network host app-tls)"
[[ "$got" == tls ]] || rig_fail "docker run app-tls: want 'tls', got '$got'"

echo "engine build test passed"
