#!/usr/bin/env bash
# Builds on a remote builder against a real buildkitd: a context with
# nested folders, a symlink, a .dockerignore, build args and a target,
# exported as a folder and as a tar; a failing step; a cached rebuild;
# and, when dockerd can run here, --load into a Docker Engine.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../rig/lib.sh"

KILN="${KILN:-$(dirname "${BASH_SOURCE[0]}")/../../build/src/kiln}"

rig_require_root
rig_require_tools
if [[ ! -x /bin/busybox ]]; then
  rig_skip "/bin/busybox not found; run scripts/install-deps.sh"
fi

rig_start_buildkitd local "unix://$RIG_TMP/bk.sock"
"$KILN" create --name remote --driver remote "unix://$RIG_TMP/bk.sock" \
  >/dev/null

# Fails the test unless file `path` holds exactly `want`.
expect_file() {
  local path="$1" want="$2"
  [[ -f "$path" ]] || rig_fail "missing $path"
  local got
  got="$(<"$path")"
  [[ "$got" == "$want" ]] || rig_fail "$path: want '$want', got '$got'"
}

# A context with a runnable busybox root file system in it.
ctx="$RIG_TMP/ctx"
mkdir -p "$ctx/rootfs/bin" "$ctx/src/a/b" "$ctx/cache"
cp /bin/busybox "$ctx/rootfs/bin/busybox"
ln -s busybox "$ctx/rootfs/bin/sh"
echo deep >"$ctx/src/a/b/deep.txt"
echo top >"$ctx/src/top.txt"
ln -s a/b/deep.txt "$ctx/src/link"
echo secret >"$ctx/src/secret.txt"
echo kept >"$ctx/src/a/keep.log"
echo dropped >"$ctx/src/a/drop.log"
echo junk >"$ctx/cache/junk"
cat >"$ctx/.dockerignore" <<'IGNORE'
# comments and blank lines are skipped

src/secret.txt
/cache
**/*.log
!src/a/keep.log
IGNORE
cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch AS base
COPY rootfs/ /
ARG GREETING=unset
RUN echo "$GREETING" > /greeting && mkdir -p /ctx
COPY . /ctx/
CMD ["/bin/busybox", "cat", "/greeting"]

FROM base AS unused
RUN exit 7

FROM scratch AS files
COPY --from=base /greeting /greeting
COPY --from=base /ctx/src /src
DOCKERFILE

# A folder export: the target stage's files, the link kept as a link,
# ignored files left out.
out="$RIG_TMP/out"
"$KILN" build --builder remote --progress plain --build-arg GREETING=hello \
  --target files -o "type=local,dest=$out" "$ctx" 2>"$RIG_TMP/log1" ||
  { cat "$RIG_TMP/log1" >&2; rig_fail "local export failed"; }
expect_file "$out/greeting" hello
expect_file "$out/src/top.txt" top
expect_file "$out/src/a/b/deep.txt" deep
expect_file "$out/src/a/keep.log" kept
[[ -L "$out/src/link" && "$(readlink "$out/src/link")" == a/b/deep.txt ]] ||
  rig_fail "src/link is not the symlink a/b/deep.txt"
for gone in src/secret.txt src/a/drop.log; do
  [[ ! -e "$out/$gone" ]] || rig_fail "$gone should have been ignored"
done
[[ ! -e "$out/cache" ]] || rig_fail "cache/ should have been ignored"
grep -q '^#[0-9]* \[files 2/2\] COPY --from=base /ctx/src /src$' \
  "$RIG_TMP/log1" || { cat "$RIG_TMP/log1" >&2; rig_fail "no step line"; }
grep -q '^#[0-9]* DONE [0-9.]*s$' "$RIG_TMP/log1" || rig_fail "no DONE line"

# On a terminal, auto progress is the live view.
script -q -e -c "$KILN build --builder remote --target files \
  -o $RIG_TMP/out-tty $ctx" "$RIG_TMP/typescript" >/dev/null ||
  rig_fail "build under a terminal failed"
grep -q 'FINISHED' "$RIG_TMP/typescript" &&
  grep -q ' => \[files 2/2\] COPY --from=base' "$RIG_TMP/typescript" ||
  { cat "$RIG_TMP/typescript" >&2; rig_fail "no live view on a terminal"; }

# The same build again: every step comes from the cache.
"$KILN" build --builder remote --progress plain --build-arg GREETING=hello \
  --target files -o "type=local,dest=$RIG_TMP/out2" "$ctx" 2>"$RIG_TMP/log2"
grep -q '^#[0-9]* CACHED$' "$RIG_TMP/log2" ||
  { cat "$RIG_TMP/log2" >&2; rig_fail "second build shows no CACHED"; }
expect_file "$RIG_TMP/out2/greeting" hello

# A tar export of the same stage, to a file and to stdout.
"$KILN" build --builder remote --progress quiet --build-arg GREETING=tar \
  --target files -o "type=tar,dest=$RIG_TMP/out.tar" "$ctx"
listing="$(tar -tf "$RIG_TMP/out.tar" | sort | tr '\n' ' ')"
[[ "$listing" == *"greeting "* && "$listing" == *"src/a/b/deep.txt "* ]] ||
  rig_fail "unexpected tar listing: $listing"
"$KILN" build --builder remote --progress quiet --target files -o - "$ctx" \
  >"$RIG_TMP/stdout.tar"
tar -xOf "$RIG_TMP/stdout.tar" greeting | grep -qx unset ||
  rig_fail "tar on stdout lacks /greeting"

# A failing step: its error is shown and kiln exits 1.
status=0
"$KILN" build --builder remote --progress plain --target unused "$ctx" \
  >/dev/null 2>"$RIG_TMP/log3" || status=$?
((status == 1)) || rig_fail "failing build: want exit 1, got $status"
grep -q 'ERROR: process "/bin/sh -c exit 7" did not complete successfully' \
  "$RIG_TMP/log3" || { cat "$RIG_TMP/log3" >&2; rig_fail "no step error"; }
final='^ERROR: failed to build: failed to solve: process "/bin/sh -c exit 7"'
grep -q "$final" "$RIG_TMP/log3" ||
  { cat "$RIG_TMP/log3" >&2; rig_fail "no final error"; }
grep -qx 'Dockerfile:9' "$RIG_TMP/log3" && grep -qx '   9 | >>> RUN exit 7' \
  "$RIG_TMP/log3" || { cat "$RIG_TMP/log3" >&2; rig_fail "no source lines"; }

# A failed build leaves no partial output: a folder keeps what it had,
# no file appears under a tar's name, and no temporary is left.
fail_dir="$RIG_TMP/fail"
mkdir -p "$fail_dir/dir"
echo old >"$fail_dir/dir/old"
for output in "type=local,dest=$fail_dir/dir" "type=tar,dest=$fail_dir/a.tar"
do
  status=0
  "$KILN" build --builder remote --progress plain --target unused \
    -o "$output" "$ctx" >/dev/null 2>&1 || status=$?
  ((status == 1)) || rig_fail "failing build to $output: exit $status"
done
[[ "$(ls -A "$fail_dir")" == dir && "$(ls -A "$fail_dir/dir")" == old ]] ||
  rig_fail "a failed build left: $(ls -AR "$fail_dir")"

# No output: Buildx's warning.
"$KILN" build --builder remote --progress quiet --target files "$ctx" \
  2>"$RIG_TMP/log4"
warning="WARNING: No output specified with remote driver. Build result will"
warning+=" only remain in the build cache. To push result image into registry"
warning+=" use --push or to load image into docker use --load"
grep -qxF "$warning" "$RIG_TMP/log4" ||
  { cat "$RIG_TMP/log4" >&2; rig_fail "no warning"; }

# Bad input is named in one line.
check_error() {
  local want="$1"
  shift
  local got status=0
  got="$("$KILN" build --builder remote "$@" 2>&1)" || status=$?
  ((status == 1)) || rig_fail "$*: want exit 1, got $status"
  [[ "$got" == "$want" ]] || rig_fail "$*: want '$want', got '$got'"
}
check_error 'ERROR: unable to prepare context: path "/nonexistent" not found' \
  /nonexistent
nope="ERROR: unable to prepare context: Dockerfile \"$ctx/Nope\" not found"
check_error "$nope" -f "$ctx/Nope" "$ctx"
check_error 'ERROR: invalid value dest' -o type=local,dest "$ctx"
check_error 'ERROR: type is required for output' -o dest=x,foo=bar "$ctx"
check_error 'ERROR: dest is required for local exporter' -o type=local "$ctx"
check_error \
  'ERROR: local and tar exporters are incompatible with image ID file' \
  --iidfile "$RIG_TMP/x" -o "$RIG_TMP/y" "$ctx"

# Ctrl-C cancels the build: the step shows CANCELED, kiln exits 130. The
# Dockerfile lives outside the context.
slow="$RIG_TMP/slow.Dockerfile"
printf 'FROM scratch\nCOPY rootfs/ /\nRUN sleep 60\n' >"$slow"
"$KILN" build --builder remote --progress plain -f "$slow" "$ctx" \
  >/dev/null 2>"$RIG_TMP/log6" &
pid=$!
RIG_PIDS+=("$pid")
for ((i = 0; i < 150; i++)); do
  grep -q 'RUN sleep 60$' "$RIG_TMP/log6" && break
  sleep 0.2
done
sleep 1
kill -INT "$pid"
status=0
wait "$pid" || status=$?
((status == 130)) ||
  { cat "$RIG_TMP/log6" >&2; rig_fail "Ctrl-C: want exit 130, got $status"; }
grep -q '^#[0-9]* CANCELED$' "$RIG_TMP/log6" ||
  { cat "$RIG_TMP/log6" >&2; rig_fail "Ctrl-C: no CANCELED step"; }

# A builder on TCP with mutual TLS works the same.
certs="$(rig_tmpdir)"
rig_make_certs "$certs" localhost,127.0.0.1
port="$(rig_free_port)"
rig_start_buildkitd tls "tcp://127.0.0.1:$port" --tlscacert "$certs/ca.pem" \
  --tlscert "$certs/server.pem" --tlskey "$certs/server-key.pem"
tls_opts="cacert=$certs/ca.pem,cert=$certs/client.pem"
tls_opts+=",key=$certs/client-key.pem"
"$KILN" create --name tlsb --driver remote --driver-opt "$tls_opts" \
  "tcp://127.0.0.1:$port" >/dev/null
"$KILN" build --builder tlsb --progress quiet --build-arg GREETING=tls \
  --target files -o "$RIG_TMP/out-tls" "$ctx"
expect_file "$RIG_TMP/out-tls/greeting" tls

# --load into a Docker Engine of the test's own, then run the image.
if [[ ! -x /usr/sbin/dockerd ]] || ! command -v docker >/dev/null; then
  if [[ "${KILN_RIG_STRICT:-0}" == 1 ]]; then
    rig_fail "--load cannot run: dockerd or docker not found"
  fi
  printf 'SKIP: --load (dockerd or docker not found)\n' >&2
  exit 0
fi
/usr/sbin/dockerd --iptables=false --ip6tables=false --bridge=none \
  --storage-driver vfs --data-root "$RIG_TMP/docker-root" \
  --exec-root "$RIG_TMP/docker-exec" --pidfile "$RIG_TMP/docker.pid" \
  -H "unix://$RIG_TMP/docker.sock" >"$RIG_TMP/dockerd.log" 2>&1 &
RIG_PIDS+=("$!")
for ((i = 0; i < 100; i++)); do
  docker version >/dev/null 2>&1 && break
  sleep 0.2
done
docker version >/dev/null 2>&1 ||
  { tail "$RIG_TMP/dockerd.log" >&2; rig_fail "dockerd did not start"; }

# The seed scenario, through the Docker CLI with kiln as its plugin.
mkdir -p "$DOCKER_CONFIG/cli-plugins"
cp "$KILN" "$DOCKER_CONFIG/cli-plugins/docker-buildx"
[[ "$(docker buildx version)" == kiln* ]] || rig_fail "docker runs no kiln"
(cd "$ctx" && docker buildx build --builder=remote --progress plain \
  --build-arg GREETING=loaded --target base -t test --load \
  --iidfile "$RIG_TMP/iid" .) 2>"$RIG_TMP/log5" ||
  { cat "$RIG_TMP/log5" >&2; rig_fail "--load failed"; }
grep -q '^#[0-9]* importing to docker$' "$RIG_TMP/log5" ||
  { cat "$RIG_TMP/log5" >&2; rig_fail "--load: no import step"; }
docker image ls --format '{{.Repository}}:{{.Tag}}' | grep -qx test:latest ||
  rig_fail "test:latest not in docker image ls"
[[ "$(<"$RIG_TMP/iid")" == sha256:* ]] || rig_fail "iidfile holds no digest"
got="$(docker run --rm --network host test)"
[[ "$got" == loaded ]] || rig_fail "docker run test: want 'loaded', got '$got'"
rig_log "build: every check passed, --load included"
