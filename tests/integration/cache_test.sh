#!/usr/bin/env bash
# Build cache export and import through kiln on real daemons: a local
# cache folder (served by kiln over the session, mode=min and mode=max),
# a registry cache on a loopback registry, and an inline cache in a
# pushed image, each imported by a daemon with an empty cache; a missing
# local source; and Buildx's errors for bad cache flags.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../rig/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../rig/registry.sh"

KILN="${KILN:-$(dirname "${BASH_SOURCE[0]}")/../../build/src/kiln}"

rig_require_root
rig_require_tools
rig_require_kiln
rig_require_registry
if [[ ! -x /bin/busybox ]]; then
  rig_skip "/bin/busybox not found; run scripts/install-deps.sh"
fi

rig_start_registry reg
reg="${RIG_REGISTRY_ADDR[reg]}"
RIG_BUILDKITD_CONFIG="$(rig_registry_buildkitd_config)"
rig_start_buildkitd exporter "unix://$RIG_TMP/a.sock"
rig_start_buildkitd importer "unix://$RIG_TMP/b.sock"
"$KILN" create --name a --driver remote "unix://$RIG_TMP/a.sock" >/dev/null
"$KILN" create --name b --driver remote "unix://$RIG_TMP/b.sock" >/dev/null

# The builder stage is not part of the final image: only mode=max
# exports its cache.
ctx="$RIG_TMP/ctx"
mkdir -p "$ctx/rootfs/bin"
cp /bin/busybox "$ctx/rootfs/bin/busybox"
ln -s busybox "$ctx/rootfs/bin/sh"
cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch AS base
COPY rootfs/ /

FROM base AS builder
RUN echo built > /artifact && echo ran-builder-step

FROM base
COPY --from=builder /artifact /artifact
RUN cat /artifact > /copy && echo ran-final-step
DOCKERFILE

# Fails unless the plain progress in `log` shows step `step` as CACHED
# (`want` = yes) or as run (`want` = no).
expect_cached() {
  local log="$1" step="$2" want="$3" what="$4"
  local id
  id="$(grep -F -- "$step" "$log" | head -n 1 | sed -E 's/^#([0-9]+) .*/\1/')"
  [[ -n "$id" ]] || { cat "$log" >&2; rig_fail "$what: no step '$step'"; }
  if grep -q "^#$id CACHED$" "$log"; then
    [[ "$want" == yes ]] ||
      { cat "$log" >&2; rig_fail "$what: '$step' was CACHED"; }
  else
    [[ "$want" == no ]] ||
      { cat "$log" >&2; rig_fail "$what: '$step' not CACHED"; }
  fi
}

# Empties the importing daemon's cache, as a fresh daemon has it.
reset_importer() {
  rig_buildctl importer prune --all >/dev/null
}

# Fails unless step output `marker` shows (`want` = yes) or not in `log`,
# that is whether the step ran or came from the cache.
expect_ran() {
  local log="$1" marker="$2" want="$3" what="$4"
  if grep -qE "^#[0-9]+ [0-9.]+ $marker$" "$log"; then
    [[ "$want" == yes ]] || { cat "$log" >&2; rig_fail "$what: $marker ran"; }
  else
    [[ "$want" == no ]] ||
      { cat "$log" >&2; rig_fail "$what: $marker did not run"; }
  fi
}

# Builds on the importing daemon with `flags...` and no output: the
# steps before the last show CACHED, and the last RUN step does not run
# (the daemon loads its layer from the imported cache, which plain
# progress shows as a download, not as CACHED). Then, on an empty cache again,
# builds the final image into a folder (the layers now come from the
# imported cache) and the builder stage on its own into another: the
# builder step runs unless the cache holds its layer (mode=max).
import_build() {
  local what="$1" builder_cached="$2"
  shift 2
  local log="$RIG_TMP/log-$what" out="$RIG_TMP/out-$what"
  reset_importer
  rig_run "$KILN" --builder b build --progress plain "$@" "$ctx"
  ((RIG_RC == 0)) || rig_fail "$what import build: $RIG_ERR"
  printf '%s\n' "$RIG_ERR" >"$log"
  expect_cached "$log" "COPY --from=builder" yes "$what"
  expect_ran "$log" ran-final-step no "$what"

  reset_importer
  rig_run "$KILN" --builder b build --progress plain "$@" \
    -o "type=local,dest=$out" "$ctx"
  ((RIG_RC == 0)) || rig_fail "$what import build with output: $RIG_ERR"
  printf '%s\n' "$RIG_ERR" >"$log"
  [[ "$(<"$out/copy")" == built ]] || rig_fail "$what: wrong /copy"
  expect_ran "$log" ran-final-step no "$what"

  reset_importer
  rig_run "$KILN" --builder b build --progress plain "$@" --target builder \
    -o "type=local,dest=$out-builder" "$ctx"
  ((RIG_RC == 0)) || rig_fail "$what builder stage: $RIG_ERR"
  printf '%s\n' "$RIG_ERR" >"$log"
  [[ "$(<"$out-builder/artifact")" == built ]] || rig_fail "$what: artifact"
  if [[ "$builder_cached" == yes ]]; then
    expect_ran "$log" ran-builder-step no "$what builder stage"
  else
    expect_ran "$log" ran-builder-step yes "$what builder stage"
  fi
}

# 1. Local cache, mode=min (the default) and mode=max.
# (One build per folder: like BuildKit's client, kiln records the one
# cache manifest a solve returns in every local folder it exported to.)
cache="$RIG_TMP/cache"
rig_run "$KILN" --builder a build --progress plain \
  --cache-to "type=local,dest=$cache/min" "$ctx"
((RIG_RC == 0)) || rig_fail "local cache export: $RIG_ERR"
rig_expect_contains "$RIG_ERR" "exporting cache to client directory" \
  "local export progress"
rig_run_ok "$KILN" --builder a build --progress plain \
  --cache-to "type=local,dest=$cache/max,mode=max" "$ctx"
for dir in min max; do
  index="$(<"$cache/$dir/index.json")"
  rig_expect_contains "$index" '"org.opencontainers.image.ref.name":"latest"' \
    "$dir/index.json"
  manifest="$(sed -E 's/.*"digest":"sha256:([0-9a-f]{64})".*/\1/' \
    <<<"$index")"
  [[ -f "$cache/$dir/blobs/sha256/$manifest" ]] ||
    rig_fail "$dir: manifest blob $manifest missing"
  [[ "$(<"$cache/$dir/oci-layout")" == '{"imageLayoutVersion":"1.0.0"}' ]] ||
    rig_fail "$dir: bad oci-layout"
  # Every blob is whole: its name is the sha256 of its content.
  for blob in "$cache/$dir"/blobs/sha256/*; do
    [[ "$(sha256sum "$blob" | cut -d' ' -f1)" == "$(basename "$blob")" ]] ||
      rig_fail "$dir: blob $(basename "$blob") does not match its digest"
  done
  if [[ -n "$(ls -A "$cache/$dir/ingest" 2>/dev/null)" ]]; then
    rig_fail "$dir: unfinished blobs left in ingest/"
  fi
done
count_min="$(find "$cache/min/blobs/sha256" -type f | wc -l)"
count_max="$(find "$cache/max/blobs/sha256" -type f | wc -l)"
((count_max > count_min)) ||
  rig_fail "mode=max holds $count_max blobs, mode=min $count_min"
rig_log "local cache: mode=min $count_min blobs, mode=max $count_max"

import_build local-min no --cache-from "type=local,src=$cache/min"
import_build local-max yes --cache-from "type=local,src=$cache/max"

# A second export into the same folder keeps one tagged manifest.
rig_run_ok "$KILN" --builder a build --progress plain \
  --cache-to "type=local,dest=$cache/min" "$ctx"
tags="$(grep -o '"org.opencontainers.image.ref.name":"latest"' \
  "$cache/min/index.json" | wc -l)"
((tags == 1)) || rig_fail "index.json has $tags manifests tagged latest"

# 2. Registry cache, mode=max.
rig_run "$KILN" --builder a build --progress plain \
  --cache-to "type=registry,ref=$reg/cache,mode=max" "$ctx"
((RIG_RC == 0)) || rig_fail "registry cache export: $RIG_ERR"
curl -fsS "http://$reg/v2/cache/tags/list" | grep -q '"latest"' ||
  rig_fail "registry has no cache:latest"
import_build registry yes --cache-from "type=registry,ref=$reg/cache"

# 3. Inline cache in a pushed image, imported through the bare-ref
# shorthand.
rig_run "$KILN" --builder a build --progress plain --cache-to type=inline \
  -o "type=image,name=$reg/app:inline,push=true" "$ctx"
((RIG_RC == 0)) || rig_fail "inline cache push: $RIG_ERR"
import_build inline no --cache-from "$reg/app:inline"

# 4. A local source that holds no cache is a warning, as in Buildx.
reset_importer
rig_run "$KILN" --builder b build --progress plain \
  --cache-from "type=local,src=$RIG_TMP/nope" "$ctx"
((RIG_RC == 0)) || rig_fail "missing cache source failed the build: $RIG_ERR"
rig_expect_contains "$RIG_ERR" "WARNING: local cache import at $RIG_TMP/nope \
skipped due to err: could not read $RIG_TMP/nope/index.json: open \
$RIG_TMP/nope/index.json: no such file or directory" "missing source warning"

# 5. Bad flags: one ERROR line naming what is wrong, exit 1.
expect_error() {
  local want="$1"
  shift
  rig_run "$KILN" --builder a build --progress plain "$@" "$ctx"
  ((RIG_RC == 1)) || rig_fail "'$*' exited $RIG_RC, want 1"
  local errors
  errors="$(grep '^ERROR:' <<<"$RIG_ERR" || true)"
  [[ "$errors" == "ERROR: $want" ]] ||
    rig_fail "'$*': want 'ERROR: $want', got:"$'\n'"$RIG_ERR"
}
expect_error "failed to build: local cache exporter requires dest" \
  --cache-to type=local
expect_error "failed to build: local cache importer requires src" \
  --cache-from type=local,mode=max
expect_error 'type required for "mode=max,dest=x"' --cache-to mode=max,dest=x
expect_error "invalid value foo" --cache-to type=local,foo
rig_run "$KILN" --builder a build --progress plain --cache-to type=bogus "$ctx"
((RIG_RC == 1)) || rig_fail "bad cache type exited $RIG_RC, want 1"
line="$(rig_line_with "$RIG_ERR" "ERROR:")"
rig_expect_contains "$line" 'unknown cache exporter: "bogus"' \
  "bad cache type error"

rig_log "cache test passed"
