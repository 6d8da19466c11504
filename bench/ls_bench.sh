#!/usr/bin/env bash
# Times `ls` and `inspect` of kiln against the real buildx on one store:
# four live buildkitd daemons on unix sockets, a refused port and a
# blackhole port, all started by the test rig and stopped on exit.
#
#   bash bench/ls_bench.sh [path-to-kiln]     (default build/src/kiln)
#
# Prints the median wall time of each command over several runs, after
# a warm-up, and the ratio kiln/buildx.
set -euo pipefail
bench_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KILN="${1:-$bench_root/build/src/kiln}"
if [[ "$KILN" != /* ]]; then
  KILN="$PWD/$KILN"
fi
source "$bench_root/tests/rig/lib.sh"

# Timed runs per command, after one warm-up run.
readonly runs="${BENCH_RUNS:-7}"
# Node status timeout given to both tools when a blackhole is listed.
readonly timeout=2s
# kiln's wall time on live builders should be at most this share of
# buildx's.
readonly target_ratio=0.2

rig_require_kiln
rig_require_root
rig_require_tools

# Prints the median of the numbers given as arguments.
median() {
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
    END { if (NR % 2) { print v[(NR + 1) / 2] }
          else { print (v[NR / 2] + v[NR / 2 + 1]) / 2 } }'
}

# Prints the median wall time in milliseconds (with 0.1 ms) of
# `command...` over $runs runs after a warm-up; fails if it fails.
time_median() {
  local samples=() i start end
  "$@" >/dev/null 2>&1 || rig_fail "'$*' failed"
  for ((i = 0; i < runs; i++)); do
    start="$(date +%s%N)"
    "$@" >/dev/null 2>&1 || rig_fail "'$*' failed"
    end="$(date +%s%N)"
    samples+=("$(((end - start) / 100000))")
  done
  awk -v t="$(median "${samples[@]}")" 'BEGIN { printf "%.1f\n", t / 10 }'
}

# Rows of the result table: label, kiln ms, buildx ms.
rows=()

# Times `args...` with kiln and with buildx and adds a row `label`.
compare() {
  local label="$1"
  shift
  local kiln_ms buildx_ms
  kiln_ms="$(time_median "$KILN" "$@")"
  buildx_ms="$(time_median "$RIG_BUILDX" "$@")"
  rows+=("$label|$kiln_ms|$buildx_ms")
}

# Prints kiln_ms / buildx_ms with two decimals.
ratio() {
  awk -v k="$1" -v b="$2" 'BEGIN { printf "%.2f\n", k / b }'
}

# --- The rig: four live daemons and two unreachable endpoints. ---
live=(live1 live2 live3 live4)
for name in "${live[@]}"; do
  rig_start_buildkitd "$name" "unix://$RIG_TMP/$name.sock"
  "$KILN" create --name "$name" --driver remote \
    "unix://$RIG_TMP/$name.sock" >/dev/null
done
refused_port="$(rig_refused_port)"
rig_blackhole_port hole_port
"$KILN" create --name refused --driver remote \
  "tcp://127.0.0.1:$refused_port" >/dev/null
"$KILN" create --name blackhole --driver remote \
  "tcp://127.0.0.1:$hole_port" >/dev/null

# Both tools must see the live builders running before anything counts.
for tool in "$KILN" "$RIG_BUILDX"; do
  listing="$("$tool" ls --timeout "$timeout" 2>/dev/null)"
  for name in "${live[@]}"; do
    if ! grep -E " ${name}0 .* running " <<<"$listing" >/dev/null; then
      rig_fail "$tool ls does not show $name running:"$'\n'"$listing"
    fi
  done
done

# --- Measurements. ---
compare "ls, 6 builders, --timeout $timeout" ls --timeout "$timeout"
compare "inspect live1" inspect live1
"$KILN" rm refused blackhole 2>/dev/null
compare "ls, 4 live builders" ls
live_row="${rows[-1]}"

# --- Report. ---
kiln_version="$("$KILN" version 2>/dev/null | head -n 1)"
printf '\nkiln:   %s (%s)\n' "$KILN" "$kiln_version"
printf 'buildx: %s (%s)\n' "$RIG_BUILDX" "$("$RIG_BUILDX" version)"
printf 'median wall time of %d runs after a warm-up; %d cores\n' "$runs" \
  "$(nproc)"
printf 'both tools get --timeout %s while the blackhole is listed ' "$timeout"
printf '(buildx would wait 20 s on it, kiln 5 s)\n'
printf 'every ls also lists the docker context builder "default", whose\n'
printf 'engine socket does not exist: both tools fail that dial at once\n\n'
printf '%-34s %10s %10s %12s\n' command "kiln ms" "buildx ms" kiln/buildx
for row in "${rows[@]}"; do
  IFS='|' read -r label kiln_ms buildx_ms <<<"$row"
  printf '%-34s %10s %10s %12s\n' "$label" "$kiln_ms" "$buildx_ms" \
    "$(ratio "$kiln_ms" "$buildx_ms")x"
done

IFS='|' read -r _ kiln_ms buildx_ms <<<"$live_row"
live_ratio="$(ratio "$kiln_ms" "$buildx_ms")"
if awk -v r="$live_ratio" -v t="$target_ratio" 'BEGIN { exit !(r <= t) }'
then
  verdict=met
else
  verdict="NOT met"
fi
printf '\ntarget: kiln <= %sx buildx on live builders (ls): %s (%sx)\n' \
  "$target_ratio" "$verdict" "$live_ratio"
