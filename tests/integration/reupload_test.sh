#!/usr/bin/env bash
# A context of 10,000 files is uploaded once: a second build of it
# unchanged sends only file stats, and after touching one file only that
# file is sent again. The figures are the bytes that plain progress shows
# for the `[internal] load build context` step.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../rig/lib.sh"

KILN="${KILN:-$(dirname "${BASH_SOURCE[0]}")/../../build/src/kiln}"

rig_require_kiln
rig_require_root
rig_require_tools
if ! command -v python3 >/dev/null; then
  rig_skip "python3 not found; run scripts/install-deps.sh"
fi

# 10,000 files of 2 KiB, and one of 256 KiB that gets touched.
readonly file_count=10000
readonly file_bytes=2048
readonly touched_bytes=$((256 * 1024))

rig_start_buildkitd local "unix://$RIG_TMP/bk.sock"
"$KILN" create --name remote --driver remote "unix://$RIG_TMP/bk.sock" \
  >/dev/null

ctx="$RIG_TMP/ctx"
mkdir -p "$ctx"
python3 - "$ctx" "$file_count" "$file_bytes" <<'PY'
import os, sys

root, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(count):
    folder = os.path.join(root, "d%03d" % (i // 100))
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "f%05d" % i), "wb") as f:
        f.write(os.urandom(size))
PY
head -c "$touched_bytes" /dev/urandom >"$ctx/touched.bin"
printf 'FROM scratch\nCOPY . /\n' >"$ctx/Dockerfile"

# Builds the context with kiln and sets `sent` to the bytes its plain
# progress shows for the context; `label` names the log.
sent=0
build_context() {
  local label="$1"
  local log="$RIG_TMP/$label.log"
  "$KILN" build --builder remote --progress plain "$ctx" 2>"$log" ||
    { cat "$log" >&2; rig_fail "$label build failed"; }
  grep -q '^#[0-9]* \[internal\] load build context$' "$log" ||
    { cat "$log" >&2; rig_fail "$label build: no context step"; }
  sent="$(rig_context_bytes "$log")"
  rig_log "$label build: context sent ${sent} bytes"
}

build_context first
first="$sent"
data_bytes=$((file_count * file_bytes + touched_bytes))
if ((first < data_bytes)); then
  rig_fail "first build sent $first bytes, less than the $data_bytes of data"
fi

build_context unchanged
unchanged="$sent"
if ((unchanged * 20 >= first)); then
  rig_fail "unchanged rebuild sent $unchanged bytes, 5% or more of $first"
fi

# Only the touched file's data goes again, next to the same stats.
touch "$ctx/touched.bin"
build_context touched
touched="$sent"
if ((touched < touched_bytes)); then
  rig_fail "after touching a file $touched bytes went, less than the file"
fi
limit=$((touched_bytes + unchanged + file_count * file_bytes / 100))
if ((touched > limit)); then
  rig_fail "after touching one file $touched bytes went, over $limit"
fi
rig_log "reupload: $first, then $unchanged, then $touched bytes"
