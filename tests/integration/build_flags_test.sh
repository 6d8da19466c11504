#!/usr/bin/env bash
# The build flags beyond the basics, against real buildkitd daemons:
# --platform, --label, --add-host, --network, --build-context, contexts
# from stdin, from Git and from HTTP on loopback, --push to a loopback
# registry and a build from the pushed image on a fresh daemon,
# --metadata-file, -q, --progress rawjson, and bad values.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../rig/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../rig/registry.sh"

KILN="${KILN:-$(dirname "${BASH_SOURCE[0]}")/../../build/src/kiln}"

rig_require_root
rig_require_tools
rig_require_registry
for tool in /bin/busybox git python3 jq; do
  command -v "$tool" >/dev/null ||
    rig_skip "$tool not found; run scripts/install-deps.sh"
done

rig_start_registry reg
registry="${RIG_REGISTRY_ADDR[reg]}"
RIG_BUILDKITD_CONFIG="$(rig_registry_buildkitd_config)"
rig_start_buildkitd one "unix://$RIG_TMP/one.sock"
"$KILN" create --name one --driver remote "unix://$RIG_TMP/one.sock" \
  >/dev/null

# Fails the test unless file `path` holds exactly `want`.
expect_file() {
  local path="$1" want="$2"
  [[ -f "$path" ]] || rig_fail "missing $path"
  local got
  got="$(<"$path")"
  [[ "$got" == "$want" ]] || rig_fail "$path: want '$want', got '$got'"
}

# Runs kiln build on builder `one`, showing its log when it fails.
build() {
  local log="$RIG_TMP/build.log"
  "$KILN" build --builder one --progress plain "$@" 2>"$log" ||
    { cat "$log" >&2; rig_fail "build $* failed"; }
}

# A context with a runnable busybox root file system.
ctx="$RIG_TMP/ctx"
mkdir -p "$ctx/rootfs/bin"
cp /bin/busybox "$ctx/rootfs/bin/busybox"
ln -s busybox "$ctx/rootfs/bin/sh"
echo hello >"$ctx/greeting"
cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch AS base
COPY rootfs/ /
COPY greeting /greeting
CMD ["/bin/busybox", "cat", "/greeting"]

FROM base AS hosts
RUN cat /etc/hosts > /hosts.txt && ulimit -n > /nofile && echo ran-step

FROM scratch AS hostsout
COPY --from=hosts /hosts.txt /nofile /

FROM scratch AS named
COPY --from=extra note.txt /note.txt
DOCKERFILE
extra="$RIG_TMP/extra"
mkdir -p "$extra"
echo from-extra >"$extra/note.txt"

# Prints the image config JSON of the single-platform OCI tar `tar`.
oci_config() {
  local tar="$1" dir
  dir="$(rig_tmpdir)"
  tar -xf "$tar" -C "$dir"
  local digest
  digest="$(jq -r '.manifests[0].digest' "$dir/index.json")"
  local blob="$dir/blobs/${digest/://}"
  if [[ "$(jq -r .mediaType "$blob")" == *index* ]]; then
    digest="$(jq -r '.manifests[0].digest' "$blob")"
    blob="$dir/blobs/${digest/://}"
  fi
  digest="$(jq -r .config.digest "$blob")"
  cat "$dir/blobs/${digest/://}"
}

# --platform and --label: the OCI tar's config says amd64 and carries
# the labels.
build --platform linux/amd64 --label org.kiln.test=yes --label empty \
  --target base -o "type=oci,dest=$RIG_TMP/img.tar" "$ctx"
config="$(oci_config "$RIG_TMP/img.tar")"
[[ "$(jq -r .architecture <<<"$config")" == amd64 ]] ||
  rig_fail "--platform linux/amd64: config says $(jq -c .architecture <<<"$config")"
[[ "$(jq -r '.config.Labels["org.kiln.test"]' <<<"$config")" == yes ]] ||
  rig_fail "label org.kiln.test missing: $(jq -c .config <<<"$config")"
[[ "$(jq -r '.config.Labels | has("empty")' <<<"$config")" == true ]] ||
  rig_fail "label empty missing: $(jq -c .config <<<"$config")"

# Two platforms (no RUN step, so no emulation): an index of two.
build --platform linux/amd64,linux/arm64 --target base \
  -o "type=oci,dest=$RIG_TMP/multi.tar" "$ctx"
mdir="$(rig_tmpdir)"
tar -xf "$RIG_TMP/multi.tar" -C "$mdir"
idx="$(jq -r '.manifests[0].digest' "$mdir/index.json")"
archs="$(jq -r '[.manifests[].platform.architecture] | sort | join(",")' \
  "$mdir/blobs/${idx/://}")"
[[ "$archs" == amd64,arm64 ]] || rig_fail "two platforms: got '$archs'"

# --add-host, --shm-size and --ulimit reach the RUN step.
build --add-host kiln-db:10.1.2.3 --add-host=kiln-v6=::1 --shm-size 32m \
  --ulimit nofile=512:1024 --target hostsout -o "$RIG_TMP/hosts" "$ctx"
grep -qE '^10\.1\.2\.3\s+kiln-db$' "$RIG_TMP/hosts/hosts.txt" ||
  { cat "$RIG_TMP/hosts/hosts.txt" >&2; rig_fail "no kiln-db in /etc/hosts"; }
grep -qE '^::1\s+kiln-v6$' "$RIG_TMP/hosts/hosts.txt" ||
  { cat "$RIG_TMP/hosts/hosts.txt" >&2; rig_fail "no kiln-v6 in /etc/hosts"; }
expect_file "$RIG_TMP/hosts/nofile" 512

# --network host asks for the network.host entitlement, which this
# daemon does not grant.
status=0
"$KILN" build --builder one --progress quiet --network host --target hosts \
  "$ctx" >/dev/null 2>"$RIG_TMP/net.log" || status=$?
((status == 1)) || rig_fail "--network host: want exit 1, got $status"
grep -qx 'ERROR: failed to build: failed to solve: granting entitlement network.host is not allowed by build daemon configuration' \
  "$RIG_TMP/net.log" || { cat "$RIG_TMP/net.log" >&2; rig_fail "--network host: no entitlement error"; }
build --network none --target hostsout -o "$RIG_TMP/none" "$ctx"

# --build-context with a local folder, used by COPY --from.
build --build-context "extra=$extra" --target named -o "$RIG_TMP/named" "$ctx"
expect_file "$RIG_TMP/named/note.txt" from-extra

# A Dockerfile on stdin with an empty context, and with -f -.
printf 'FROM scratch\nCOPY --from=extra note.txt /stdin-note\n' |
  build --build-context "extra=$extra" -o "$RIG_TMP/stdin1" -
expect_file "$RIG_TMP/stdin1/stdin-note" from-extra
printf 'FROM scratch\nCOPY greeting /via-f\n' |
  build -f - -o "$RIG_TMP/stdin2" "$ctx"
expect_file "$RIG_TMP/stdin2/via-f" hello

# A tar of the context on stdin.
tar -C "$ctx" -cf - . |
  build --target base -o "$RIG_TMP/stdin3" -
expect_file "$RIG_TMP/stdin3/greeting" hello
[[ -x "$RIG_TMP/stdin3/bin/busybox" ]] || rig_fail "stdin tar: no busybox"

# Git (dumb HTTP) and HTTP contexts from a loopback web server.
web="$RIG_TMP/web"
mkdir -p "$web"
src="$RIG_TMP/gitsrc"
mkdir -p "$src"
printf 'FROM scratch\nCOPY hello.txt /from-git\n' >"$src/Dockerfile"
echo from-git >"$src/hello.txt"
git -C "$src" init -q -b main
git -C "$src" -c user.email=t@kiln -c user.name=kiln add -A
git -C "$src" -c user.email=t@kiln -c user.name=kiln commit -qm context
git clone -q --bare "$src" "$web/repo.git"
git -C "$web/repo.git" update-server-info
tar -C "$ctx" -cf "$web/ctx.tar" .
printf 'FROM scratch\nLABEL from=url\n' >"$web/Dockerfile"
web_port="$(rig_free_port)"
/bin/busybox httpd -f -p "127.0.0.1:$web_port" -h "$web" &
RIG_PIDS+=("$!")
for ((i = 0; i < 50; i++)); do
  curl -sf "http://127.0.0.1:$web_port/ctx.tar" -o /dev/null && break
  sleep 0.1
done
build -o "$RIG_TMP/git" "http://127.0.0.1:$web_port/repo.git#main"
expect_file "$RIG_TMP/git/from-git" from-git
build --target base -o "$RIG_TMP/http" "http://127.0.0.1:$web_port/ctx.tar"
expect_file "$RIG_TMP/http/greeting" hello
build -o "type=oci,dest=$RIG_TMP/url.tar" \
  "http://127.0.0.1:$web_port/Dockerfile"
[[ "$(oci_config "$RIG_TMP/url.tar" | jq -r .config.Labels.from)" == url ]] ||
  rig_fail "Dockerfile URL context: label missing"

# --push with --metadata-file: the digest is the registry's.
image="$registry/kiln/flags:1"
build --push -t "$image" --target base --metadata-file "$RIG_TMP/md.json" \
  "$ctx"
accept='application/vnd.oci.image.manifest.v1+json,application/vnd.oci.image.index.v1+json'
accept+=',application/vnd.docker.distribution.manifest.v2+json'
remote_digest="$(curl -sfI -H "Accept: $accept" \
  "http://$registry/v2/kiln/flags/manifests/1" |
  tr -d '\r' | awk 'tolower($1) == "docker-content-digest:" { print $2 }')"
[[ "$remote_digest" == sha256:* ]] || rig_fail "registry has no kiln/flags:1"
md_digest="$(jq -r '."containerimage.digest"' "$RIG_TMP/md.json")"
[[ "$md_digest" == "$remote_digest" ]] ||
  rig_fail "metadata digest $md_digest is not the registry's $remote_digest"
[[ "$(jq -r '."image.name"' "$RIG_TMP/md.json")" == "$image" ]] ||
  { cat "$RIG_TMP/md.json" >&2; rig_fail "metadata: no image.name"; }
[[ "$(jq -r '."buildx.build.ref"' "$RIG_TMP/md.json")" == one/one0/* ]] ||
  { cat "$RIG_TMP/md.json" >&2; rig_fail "metadata: no buildx.build.ref"; }
[[ "$(jq -r '."containerimage.descriptor".digest' "$RIG_TMP/md.json")" == \
  "$remote_digest" ]] ||
  { cat "$RIG_TMP/md.json" >&2; rig_fail "metadata: descriptor not decoded"; }

# A fresh daemon (which also grants network.host) builds FROM the
# pushed image.
rig_start_buildkitd two "unix://$RIG_TMP/two.sock" \
  --allow-insecure-entitlement network.host
"$KILN" create --name two --driver remote "unix://$RIG_TMP/two.sock" \
  >/dev/null
from="$RIG_TMP/from"
mkdir -p "$from"
printf 'FROM %s\nRUN cat /greeting > /seen\nFROM scratch\nCOPY --from=0 /seen /seen\n' \
  "$image" >"$from/Dockerfile"
"$KILN" build --builder two --progress plain --network host -o "$RIG_TMP/pulled" \
  "$from" 2>"$RIG_TMP/pull.log" ||
  { cat "$RIG_TMP/pull.log" >&2; rig_fail "build FROM the pushed image failed"; }
expect_file "$RIG_TMP/pulled/seen" hello

# -q prints only the image id; here the OCI tar's config digest.
out="$("$KILN" build --builder one -q --target base \
  -o "type=oci,dest=$RIG_TMP/q.tar" "$ctx" 2>"$RIG_TMP/q.log")"
[[ "$out" =~ ^sha256:[0-9a-f]{64}$ ]] || rig_fail "-q printed '$out'"
[[ ! -s "$RIG_TMP/q.log" ]] || { cat "$RIG_TMP/q.log" >&2; rig_fail "-q wrote to stderr"; }
qdir="$(rig_tmpdir)"
tar -xf "$RIG_TMP/q.tar" -C "$qdir"
qm="$(jq -r '.manifests[0].digest' "$qdir/index.json")"
[[ "$(jq -r .config.digest "$qdir/blobs/${qm/://}")" == "$out" ]] ||
  rig_fail "-q id $out is not the config digest"

# rawjson, by flag and by BUILDKIT_PROGRESS: every line is JSON and some
# carry vertexes.
check_rawjson() {
  local log="$1"
  python3 - "$log" <<'PY' || { cat "$log" >&2; rig_fail "rawjson: $log"; }
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines, "no lines"
docs = [json.loads(line) for line in lines]
assert any("vertexes" in d for d in docs), "no vertexes"
assert all(set(d) <= {"vertexes", "statuses", "logs", "warnings"} for d in docs)
PY
}
"$KILN" build --builder one --progress rawjson --no-cache --target hostsout \
  -o "$RIG_TMP/rj1" "$ctx" 2>"$RIG_TMP/rj1.log"
check_rawjson "$RIG_TMP/rj1.log"
python3 - "$RIG_TMP/rj1.log" <<'PY' || rig_fail "rawjson: no log of the RUN step"
import base64, json, sys
docs = [json.loads(line) for line in open(sys.argv[1])]
logs = [base64.b64decode(l["data"]) for d in docs for l in d.get("logs", [])]
assert any(b"ran-step" in data for data in logs), logs
PY
BUILDKIT_PROGRESS=rawjson "$KILN" build --builder one --target base \
  -o "$RIG_TMP/rj2" "$ctx" 2>"$RIG_TMP/rj2.log"
check_rawjson "$RIG_TMP/rj2.log"

# Bad values: one line naming the value, exit 1.
check_error() {
  local want="$1"
  shift
  local got status=0
  got="$("$KILN" build --builder one "$@" 2>&1)" || status=$?
  ((status == 1)) || rig_fail "$*: want exit 1, got $status"
  [[ "$got" == "$want" ]] || rig_fail "$*: want '$want', got '$got'"
}
check_error 'ERROR: "linux/amd64/v2/x": cannot parse platform specifier: invalid argument' \
  --platform linux/arm64,linux/amd64/v2/x "$ctx"
check_error 'ERROR: invalid host kiln-db' --add-host kiln-db "$ctx"
check_error 'ERROR: invalid argument "nofile=x" for "--ulimit" flag: strconv.ParseInt: parsing "x": invalid syntax' \
  --ulimit nofile=x "$ctx"
check_error "ERROR: failed to get build context nope: stat $RIG_TMP/nope: no such file or directory" \
  --build-context "nope=$RIG_TMP/nope" "$ctx"
check_error 'ERROR: invalid context value: justaname, expected key=value' \
  --build-context justaname "$ctx"
check_error 'ERROR: tag is needed when pushing to registry' --push "$ctx"
check_error 'ERROR: progress=plain and quiet cannot be used together' \
  -q --progress plain "$ctx"
rig_log "build flags: every check passed"
