#!/usr/bin/env bash
# `du` and `prune` on a remote builder against a real buildkitd: the
# table and --verbose output match the real buildx on the same daemon
# (but for the age column), the total matches `buildctl du`, filters
# drop the summary, prune asks first (and without an answer does
# nothing), prune -f frees the cache, and bad flags are one-line errors.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../rig/lib.sh"

KILN="${KILN:-$(dirname "${BASH_SOURCE[0]}")/../../build/src/kiln}"

rig_require_root
rig_require_tools
rig_require_kiln
if [[ ! -x /bin/busybox ]]; then
  rig_skip "/bin/busybox not found; run scripts/install-deps.sh"
fi

rig_start_buildkitd du "unix://$RIG_TMP/bk.sock"
"$KILN" create --name remote --driver remote "unix://$RIG_TMP/bk.sock" \
  >/dev/null

ctx="$RIG_TMP/ctx"
mkdir -p "$ctx/rootfs/bin"
cp /bin/busybox "$ctx/rootfs/bin/busybox"
ln -s busybox "$ctx/rootfs/bin/sh"
printf 'FROM scratch\nCOPY rootfs/ /\nRUN echo one > /one\n' \
  >"$ctx/Dockerfile"
rig_run_ok "$KILN" --builder remote build --progress quiet "$ctx"

# The total size of the records `buildctl du` lists, in Buildx's units
# (four significant digits, powers of 1000).
buildctl_total() {
  rig_buildctl du du --format '{{range .}}{{.Size}}{{"\n"}}{{end}}' |
    awk '$1 > 0 { t += $1 }
      END {
        split("B kB MB GB TB PB", u, " "); i = 1
        while (t >= 1000 && i < 6) { t /= 1000; i++ }
        printf "%.4g%s\n", t, u[i]
      }'
}

# 1. The table: same rows as buildx but for the age, same summary.
rig_run_ok "$KILN" --builder remote du
du_out="$RIG_OUT"
buildx_out="$(rig_buildx --builder remote du)"
header="$(head -n 1 <<<"$du_out")"
[[ "$header" =~ ^ID\ +RECLAIMABLE\ +SIZE\ +LAST\ ACCESSED$ ]] ||
  rig_fail "du header: '$header'"
# The daemon lists records in no fixed order: compare them sorted.
strip_age() { sed -E 's/   [A-Z0-9][a-z0-9 ]* ago$//' <<<"$1" | sort; }
[[ "$(strip_age "$du_out")" == "$(strip_age "$buildx_out")" ]] ||
  rig_fail "du differs from buildx du:"$'\n'"$du_out"$'\n'"---"$'\n'\
"$buildx_out"
records="$(($(grep -c . <<<"$du_out") - 3))"
((records >= 2)) || rig_fail "du lists $records records"
total="$(sed -n -E 's/^Total:\t+//p' <<<"$du_out")"
[[ -n "$total" && "$total" == "$(buildctl_total)" ]] ||
  rig_fail "du total '$total', buildctl du total '$(buildctl_total)'"
grep -q $'^Reclaimable:\t' <<<"$du_out" || rig_fail "du has no Reclaimable"
rig_log "du: $records records, total $total (buildctl agrees)"

# 2. --verbose: buildx's pretty format, record for record.
rig_run_ok "$KILN" --builder remote du --verbose
strip_used() {
  grep -v '^Last used:' <<<"$1" | awk -v RS= '{ gsub("\n", "|"); print }' |
    sort
}
[[ "$(strip_used "$RIG_OUT")" == \
  "$(strip_used "$(rig_buildx --builder remote du --verbose)")" ]] ||
  rig_fail "du --verbose differs from buildx:"$'\n'"$RIG_OUT"
verbose_records="$(grep -c '^ID:  ' <<<"$RIG_OUT")"
((verbose_records == records)) ||
  rig_fail "du --verbose shows $verbose_records records, the table $records"

# 3. A filter lists fewer records and no summary.
rig_run_ok "$KILN" --builder remote du --filter type=source.local
rig_expect_lacks "$RIG_OUT" "Total:" "filtered du"
filtered="$(($(grep -c . <<<"$RIG_OUT") - 1))"
((filtered >= 1 && filtered < records)) ||
  rig_fail "filtered du lists $filtered of $records records"

# 4. prune without -f asks; with no answer it prunes nothing.
rig_run "$KILN" --builder remote prune </dev/null
((RIG_RC == 0)) || rig_fail "unanswered prune exited $RIG_RC"
[[ "$RIG_OUT" == "WARNING! This will remove all dangling build cache. Are \
you sure you want to continue? [y/N] " ]] || rig_fail "prompt: '$RIG_OUT'"
[[ "$(buildctl_total)" == "$total" ]] || rig_fail "unanswered prune pruned"
rig_run "$KILN" --builder remote prune --all <<<"n"
rig_expect_contains "$RIG_OUT" "WARNING! This will remove all build cache." \
  "prune --all prompt"
[[ "$(buildctl_total)" == "$total" ]] || rig_fail "prune answered n pruned"

# 5. Bad flags.
rig_run "$KILN" --builder remote prune -f --filter foo
((RIG_RC == 1)) || rig_fail "bad filter exited $RIG_RC"
[[ "$RIG_ERR" == 'ERROR: invalid argument "foo" for "--filter" flag: bad '\
'format of filter (expected name=value)' ]] || rig_fail "bad filter: $RIG_ERR"
rig_run "$KILN" --builder remote prune -f --filter until=3x
[[ "$RIG_ERR" == "ERROR: \"until\" filter expects a duration (e.g., '24h'): \
time: unknown unit \"x\" in duration \"3x\"" ]] || rig_fail "until: $RIG_ERR"
rig_run "$KILN" --builder remote prune -f --keep-storage 3x
[[ "$RIG_ERR" == "ERROR: invalid argument \"3x\" for \"--keep-storage\" \
flag: invalid suffix: 'x'" ]] || rig_fail "keep-storage: $RIG_ERR"

# 6. prune -f: the removed records, their total, and an empty cache.
rig_run_ok "$KILN" --builder remote prune -f
prune_out="$RIG_OUT"
[[ "$(head -n 1 <<<"$prune_out")" == \
  $'ID\t\t\t\t\t\tRECLAIMABLE\tSIZE\t\tLAST ACCESSED' ]] ||
  rig_fail "prune header: $(head -n 1 <<<"$prune_out" | cat -A)"
pruned="$(($(grep -c . <<<"$prune_out") - 2))"
((pruned >= 2)) || rig_fail "prune removed $pruned records:"$'\n'"$prune_out"
freed="$(sed -n -E 's/^Total:\t//p' <<<"$prune_out")"
[[ "$freed" == "$total" ]] || rig_fail "prune freed '$freed' of '$total'"
rig_run_ok "$KILN" --builder remote du
after="$(sed -n -E 's/^Total:\t+//p' <<<"$RIG_OUT")"
[[ "$after" == 0B && "$(buildctl_total)" == 0B ]] ||
  rig_fail "after prune du total is '$after'"
rig_run_ok "$KILN" --builder remote prune -f
[[ "$RIG_OUT" == $'Total:\t0B' ]] || rig_fail "empty prune: '$RIG_OUT'"
rig_log "prune freed $freed in $pruned records; du total now $after"

rig_log "du and prune test passed"
