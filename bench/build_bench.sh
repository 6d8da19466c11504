#!/usr/bin/env bash
# Times builds on a remote builder, kiln against the real buildx on one
# buildkitd (a builder of the rig's BUILDX_CONFIG that both tools use):
# cold uploads of a 500 MB context in 2 files and of 20,000 files of
# 4 KB, a rebuild of the 20,000 files with nothing changed, the client's
# CPU time per GB uploaded, and the peak memory of `--load` of a 1 GiB
# image into a Docker Engine of the rig's own.
#
#   bash bench/build_bench.sh [path-to-kiln]     (default build/src/kiln)
#
# Cold runs start on an empty daemon cache (`buildctl prune --all`) and
# must show the whole context in their `transferring context:` line.
# Runs of the two tools alternate; the table holds medians. Every figure
# is printed with PASS or MISS against its target; the script fails only
# when something does not run.
set -euo pipefail
bench_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KILN="${1:-$bench_root/build/src/kiln}"
if [[ "$KILN" != /* ]]; then
  KILN="$PWD/$KILN"
fi
source "$bench_root/tests/rig/lib.sh"
source "$bench_root/tests/rig/dockerd.sh"

# Timed runs per tool and case; --load runs per tool.
readonly runs="${BENCH_RUNS:-3}"
readonly load_runs="${BENCH_LOAD_RUNS:-2}"
# Targets: kiln/buildx wall time, kiln/buildx CPU per GB, kiln's RSS.
readonly target_cold_big=0.5
readonly target_cold_small=0.7
readonly target_warm=0.5
readonly target_cpu=0.25
readonly target_rss_mib=64

rig_require_kiln
rig_require_root
rig_require_tools
rig_require_dockerd
if [[ ! -x /usr/bin/time ]]; then
  rig_skip "/usr/bin/time not found; run scripts/install-deps.sh"
fi
if [[ ! -x /bin/busybox ]]; then
  rig_skip "/bin/busybox not found; run scripts/install-deps.sh"
fi

# Prints the median of the numbers given as arguments.
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { if (NR % 2) { print v[(NR + 1) / 2] }
          else { print (v[NR / 2] + v[NR / 2 + 1]) / 2 } }'
}

# Prints `a / b` with `digits` decimals.
divide() {
  awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { printf "%.*f\n", d, a / b }'
}

# Results of the last measured build: wall seconds, client user+sys
# CPU seconds, peak RSS in KiB, context bytes the progress showed.
wall=0 cpu=0 rss_kib=0 sent=0

# Builds `context` with `tool` and `args...` on the bench builder under
# /usr/bin/time, which counts the tool and every process it waits for,
# and sets wall, cpu, rss_kib and sent; fails if the build fails.
measure() {
  local tool="$1" context="$2"
  shift 2
  local log="$RIG_TMP/build.log" times="$RIG_TMP/build.time" start end
  start="$(date +%s%N)"
  /usr/bin/time -f '%U %S %M' -o "$times" "$tool" build --builder bench \
    --progress plain "$@" "$context" >/dev/null 2>"$log" ||
    { tail -n 30 "$log" >&2; rig_fail "$tool build $* $context failed"; }
  end="$(date +%s%N)"
  wall="$(divide "$((end - start))" 1000000000 3)"
  read -r user sys rss_kib <"$times"
  cpu="$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f\n", u + s }')"
  sent="$(rig_context_bytes "$log")"
}

# Samples per "case tool figure", space separated.
declare -A samples=()

# Adds `value` to the samples of `key`.
sample() {
  samples[$1]="${samples[$1]:-} $2"
}

# Runs case `name` for both tools, alternating, $runs times: `cold`
# (prune first and check that at least `bytes` went up) or `warm`.
run_case() {
  local name="$1" kind="$2" context="$3" bytes="$4" i tool label
  for ((i = 0; i < runs; i++)); do
    for label in kiln buildx; do
      tool="$KILN"
      [[ "$label" == kiln ]] || tool="$RIG_BUILDX"
      if [[ "$kind" == cold ]]; then
        rig_buildctl bench prune --all >/dev/null
      fi
      measure "$tool" "$context"
      if [[ "$kind" == cold ]] && ((sent < bytes)); then
        rig_fail "$label, $name: sent $sent bytes of $bytes: no cold upload"
      fi
      sample "$name $label wall" "$wall"
      sample "$name $label cpu" "$cpu"
      sample "$name $label sent" "$sent"
      if [[ "$kind" == cold ]]; then
        sample "$name $label cpu_gb" "$(divide "$cpu" "$sent" 12 |
          awk '{ printf "%.3f\n", $1 * 1e9 }')"
      fi
      rig_log "$name, $label: ${wall}s, ${cpu}s CPU, $sent bytes sent"
    done
  done
}

# Prints the median of the samples of `key`.
med() {
  # shellcheck disable=SC2086
  median ${samples[$1]}
}

# --- The rig: one buildkitd, one builder, one Docker Engine. ---
rig_start_buildkitd bench "unix://$RIG_TMP/bk.sock"
rig_buildx create --name bench --driver remote "unix://$RIG_TMP/bk.sock" \
  >/dev/null
rig_start_dockerd

# --- Contexts. ---
big="$RIG_TMP/big"
mkdir -p "$big"
head -c 250000000 /dev/urandom >"$big/a.bin"
head -c 250000000 /dev/urandom >"$big/b.bin"
printf 'FROM scratch\nCOPY . /\n' >"$big/Dockerfile"
small="$RIG_TMP/small"
mkdir -p "$small"
python3 - "$small" <<'PY'
import os, sys

for i in range(20000):
    folder = os.path.join(sys.argv[1], "d%03d" % (i // 100))
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "f%05d" % i), "wb") as f:
        f.write(os.urandom(4096))
PY
printf 'FROM scratch\nCOPY . /\n' >"$small/Dockerfile"
image="$RIG_TMP/image"
mkdir -p "$image/rootfs/bin"
cp /bin/busybox "$image/rootfs/bin/busybox"
cat >"$image/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
RUN ["/bin/busybox", "dd", "if=/dev/urandom", "of=/big", "bs=1M", "count=1024"]
DOCKERFILE

# --- Uploads. ---
run_case "cold 500 MB" cold "$big" 500000000
run_case "cold 20k" cold "$small" 80000000
# Both tools derive the same shared key, so either one's upload serves.
measure "$KILN" "$small"
run_case "warm 20k" warm "$small" 0

# --- --load of a 1 GiB image; the first build makes the layer. ---
measure "$KILN" "$image" --load -t bench:warmup
for ((i = 0; i < load_runs; i++)); do
  for label in kiln buildx; do
    tool="$KILN"
    [[ "$label" == kiln ]] || tool="$RIG_BUILDX"
    measure "$tool" "$image" --load -t "bench:$label"
    sample "load $label rss" "$rss_kib"
    sample "load $label wall" "$wall"
    rig_log "load, $label: ${wall}s, peak RSS ${rss_kib} KiB"
  done
done
image_bytes="$(docker image inspect -f '{{.Size}}' bench:kiln)"
((image_bytes >= 1073741824)) ||
  rig_fail "bench:kiln holds $image_bytes bytes, less than 1 GiB"

# --- Report. ---
# Prints PASS when `value` `op` `target` holds (op is <= or <), else
# MISS.
verdict() {
  awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN {
    ok = (op == "<") ? (v < t) : (v <= t)
    print ok ? "PASS" : "MISS" }'
}

printf '\nkiln:   %s (%s)\n' "$KILN" "$("$KILN" version 2>/dev/null | head -n 1)"
printf 'buildx: %s (%s)\n' "$RIG_BUILDX" "$("$RIG_BUILDX" version)"
printf 'buildkitd: %s; %d cores; load average %s\n' \
  "$("$RIG_BUILDKITD" --version | awk '{ print $3 }')" "$(nproc)" \
  "$(cut -d ' ' -f 1-3 /proc/loadavg)"
printf 'medians of %d runs per tool (--load: %d); cold runs on a pruned ' \
  "$runs" "$load_runs"
printf 'cache\n\n'
printf '%-34s %10s %10s %10s %8s %6s\n' figure kiln buildx kiln/buildx \
  target ""
row() {
  local label="$1" kiln="$2" buildx="$3" target="$4" op="${5:-<=}"
  local ratio
  ratio="$(divide "$kiln" "$buildx")"
  printf '%-34s %10s %10s %10s %8s %6s\n' "$label" "$kiln" "$buildx" \
    "${ratio}x" "$op $target" "$(verdict "$ratio" "$op" "$target")"
}
row "cold 500 MB in 2 files, s" "$(med "cold 500 MB kiln wall")" \
  "$(med "cold 500 MB buildx wall")" "$target_cold_big"
row "cold 20,000 x 4 KB files, s" "$(med "cold 20k kiln wall")" \
  "$(med "cold 20k buildx wall")" "$target_cold_small"
row "rebuild 20,000 files unchanged, s" "$(med "warm 20k kiln wall")" \
  "$(med "warm 20k buildx wall")" "$target_warm"
row "client CPU s/GB, 500 MB cold" "$(med "cold 500 MB kiln cpu_gb")" \
  "$(med "cold 500 MB buildx cpu_gb")" "$target_cpu"
row "client CPU s/GB, 20,000 files" "$(med "cold 20k kiln cpu_gb")" \
  "$(med "cold 20k buildx cpu_gb")" "$target_cpu"
kiln_rss="$(divide "$(med "load kiln rss")" 1024 1)"
buildx_rss="$(divide "$(med "load buildx rss")" 1024 1)"
printf '%-34s %10s %10s %10s %8s %6s\n' "--load 1 GiB image, peak RSS MiB" \
  "$kiln_rss" "$buildx_rss" "$(divide "$kiln_rss" "$buildx_rss")x" \
  "< $target_rss_mib" "$(verdict "$kiln_rss" "<" "$target_rss_mib")"
printf '%-34s %10s %10s %10s\n' "--load 1 GiB image, s" \
  "$(med "load kiln wall")" "$(med "load buildx wall")" \
  "$(divide "$(med "load kiln wall")" "$(med "load buildx wall")")x"

printf '\nclient CPU s (user+sys) and bytes the progress showed, medians:\n'
for name in "cold 500 MB" "cold 20k" "warm 20k"; do
  printf '  %-12s kiln %6s s %12s B    buildx %6s s %12s B\n' "$name" \
    "$(med "$name kiln cpu")" "$(med "$name kiln sent")" \
    "$(med "$name buildx cpu")" "$(med "$name buildx sent")"
done
printf '  image: %s bytes in the Engine\n' "$image_bytes"
