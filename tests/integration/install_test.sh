#!/usr/bin/env bash
# `cmake --install` puts kiln and the Docker CLI plugin under the prefix;
# installing over an existing docker-buildx keeps it as a backup and says
# so; the Docker CLI then runs kiln as `docker buildx`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../rig/lib.sh"

build_dir="$(cd "$(dirname "$KILN")/.." && pwd)"
[[ -f "$build_dir/CMakeCache.txt" ]] || rig_skip "no build dir above $KILN"
prefix="$RIG_TMP/prefix"
plugins="$prefix/lib/docker/cli-plugins"
mkdir -p "$plugins"
printf '#!/bin/sh\necho other plugin\n' >"$plugins/docker-buildx"
chmod +x "$plugins/docker-buildx"

out="$(cmake --install "$build_dir" --prefix "$prefix" 2>&1)"
grep -qF "kept the existing plugin as $plugins/docker-buildx.bak" <<<"$out" ||
  rig_fail "no backup message in: $out"
[[ "$("$plugins/docker-buildx.bak")" == "other plugin" ]] ||
  rig_fail "the backup is not the old plugin"
[[ -x "$prefix/bin/kiln" ]] || rig_fail "no $prefix/bin/kiln"
cmp -s "$prefix/bin/kiln" "$plugins/docker-buildx" ||
  rig_fail "the plugin is not kiln"

# The Docker CLI finds the plugin in $DOCKER_CONFIG/cli-plugins.
if command -v docker >/dev/null; then
  mkdir -p "$DOCKER_CONFIG/cli-plugins"
  cp "$plugins/docker-buildx" "$DOCKER_CONFIG/cli-plugins/"
  [[ "$(docker buildx version)" == "kiln v"* ]] ||
    rig_fail "docker buildx version: $(docker buildx version 2>&1)"
  status=0
  err="$(docker buildx lss 2>&1)" || status=$?
  ((status == 1)) || rig_fail "docker buildx lss: exit $status"
  [[ "$err" == 'ERROR: unknown command "lss" for "buildx"; did you mean "ls"?' ]] ||
    rig_fail "docker buildx lss said: $err"
fi
echo "install test passed"
