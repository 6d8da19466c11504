#!/usr/bin/env bash
# One context built by kiln and by the real buildx on one buildkitd,
# each exported with `FROM scratch` + `COPY . /` to a folder, and the two
# folders compared entry by entry: names, types, link targets, modes,
# owners, sizes, content hashes, modification times, extended attributes
# and hard-link identity. The context holds nested and empty folders, symlinks inside
# and out of it, hard links, special modes, extended attributes, files of
# another owner, a socket, UTF-8 names, a large file
# and a .dockerignore with exceptions, a leading `/` and `**`; a second
# pair of builds uses a `<Dockerfile>.dockerignore` instead.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../rig/lib.sh"

KILN="${KILN:-$(dirname "${BASH_SOURCE[0]}")/../../build/src/kiln}"

rig_require_kiln
rig_require_root
rig_require_tools
if ! command -v python3 >/dev/null; then
  rig_skip "python3 not found; run scripts/install-deps.sh"
fi

rig_start_buildkitd local "unix://$RIG_TMP/bk.sock"
rig_buildx create --name remote --driver remote "unix://$RIG_TMP/bk.sock" \
  >/dev/null

# Prints one line per entry below folder `$1`, sorted by path: type,
# mode, owner, size, link target or content hash, modification time, and
# for a file with several links the first path of its inode.
manifest() {
  python3 - "$1" <<'PY'
import hashlib, os, stat, sys

root = sys.argv[1]
first_path = {}
lines = []
for top, dirs, files in os.walk(root):
    dirs.sort()
    for name in sorted(dirs + files):
        path = os.path.join(top, name)
        rel = os.path.relpath(path, root)
        st = os.lstat(path)
        mode = stat.S_IMODE(st.st_mode)
        if stat.S_ISDIR(st.st_mode):
            kind, what = "dir", "-"
        elif stat.S_ISLNK(st.st_mode):
            kind, what = "link", "-> " + os.readlink(path)
        elif stat.S_ISREG(st.st_mode):
            kind = "file"
            digest = hashlib.sha256()
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
            what = digest.hexdigest()[:16]
        else:
            kind, what = "other", "-"
        same = "-"
        if kind == "file" and st.st_nlink > 1:
            same = first_path.setdefault((st.st_dev, st.st_ino), rel)
        attrs = ",".join(
            "%s=%s" % (k, os.getxattr(path, k, follow_symlinks=False).hex())
            for k in sorted(os.listxattr(path, follow_symlinks=False)))
        lines.append(" ".join([
            rel, kind, "%05o" % mode, "%d:%d" % (st.st_uid, st.st_gid),
            str(st.st_size if kind != "dir" else 0), what,
            str(st.st_mtime_ns), "links=" + same, "xattrs=" + attrs]))
for line in sorted(lines):
    print(line)
PY
}

# Fails unless `manifest` holds a line starting with `prefix`.
expect_entry() {
  local manifest="$1" prefix="$2"
  grep -qF -- "$prefix" <<<"$manifest" ||
    rig_fail "export lacks '$prefix'; manifest:"$'\n'"$manifest"
}

# Fails if `manifest` lists path `path`.
expect_no_entry() {
  local manifest="$1" path="$2"
  if grep -q "^$path " <<<"$manifest"; then
    rig_fail "export should not hold $path; manifest:"$'\n'"$manifest"
  fi
}

# --- The context. ---
outside="$RIG_TMP/outside.txt"
echo outside >"$outside"
ctx="$RIG_TMP/ctx"
mkdir -p "$ctx"/{empty,nested/a/b/c,nested/empty/deeper,links,hard/sub}
mkdir -p "$ctx"/{modes,ignored/deep,build,src/build,tmp/deep}
echo deep >"$ctx/nested/a/b/c/deep.txt"
echo top >"$ctx/nested/top.txt"
ln -s ../nested/a/b/c/deep.txt "$ctx/links/relative"
ln -s "$ctx/nested/top.txt" "$ctx/links/absolute-inside"
ln -s "$outside" "$ctx/links/absolute-outside"
ln -s ../../outside.txt "$ctx/links/relative-outside"
ln -s /etc/hostname "$ctx/links/system"
ln -s does-not-exist "$ctx/links/dangling"
ln -s ../nested "$ctx/links/folder"
echo linked >"$ctx/hard/one"
ln "$ctx/hard/one" "$ctx/hard/two"
ln "$ctx/hard/one" "$ctx/hard/sub/three"
printf '#!/bin/sh\necho hi\n' >"$ctx/modes/exec"
chmod 0755 "$ctx/modes/exec"
echo u >"$ctx/modes/setuid" && chmod 04755 "$ctx/modes/setuid"
echo g >"$ctx/modes/setgid" && chmod 02711 "$ctx/modes/setgid"
echo r >"$ctx/modes/readonly" && chmod 0444 "$ctx/modes/readonly"
echo p >"$ctx/modes/private-file" && chmod 0600 "$ctx/modes/private-file"
mkdir -p "$ctx/modes/sticky" "$ctx/modes/private" "$ctx/modes/group"
echo s >"$ctx/modes/sticky/inside"
echo q >"$ctx/modes/private/inside"
chmod 01777 "$ctx/modes/sticky"
chmod 0700 "$ctx/modes/private"
chmod 02775 "$ctx/modes/group"
chown 1234:5678 "$ctx/modes/private-file"
python3 -c 'import socket, sys
socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$ctx/modes/socket"
python3 -c 'import os, sys
os.setxattr(sys.argv[1], "user.kiln.file", b"file value")
os.setxattr(sys.argv[1], "user.kiln.empty", b"")
os.setxattr(sys.argv[2], "user.kiln.dir", b"\x00\xffbinary")' \
  "$ctx/modes/exec" "$ctx/modes/private"
mkdir -p "$ctx/ünïcødé/日本語"
echo utf8 >"$ctx/ünïcødé/日本語/ファイル.txt"
echo emoji >"$ctx/ünïcødé/🙂 space.txt"
echo ignored >"$ctx/ignored/a.txt"
echo kept >"$ctx/ignored/keep.txt"
echo ignored >"$ctx/ignored/deep/b.txt"
echo kept >"$ctx/ignored/deep/keep.txt"
echo build >"$ctx/build/out.o"
echo kept >"$ctx/src/build/main.c"
echo tmp >"$ctx/top.tmp"
echo tmp >"$ctx/tmp/deep/x.tmp"
echo kept >"$ctx/tmp/deep/important.tmp"
head -c $((50 * 1024 * 1024)) /dev/urandom >"$ctx/large.bin"
touch -d '2001-02-03 04:05:06.123456789' "$ctx/nested/top.txt"
touch -h -d '2002-03-04 05:06:07' "$ctx/links/relative"
printf 'FROM scratch\nCOPY . /\n' >"$ctx/Dockerfile"
cat >"$ctx/.dockerignore" <<'IGNORE'
# A folder left out but for one file at any depth below it.
ignored
!ignored/**/keep.txt
!ignored/keep.txt
# A leading slash: only the top-level build folder.
/build
**/*.tmp
!tmp/**/important.tmp
IGNORE
# The Dockerfile's own ignore file replaces .dockerignore.
mkdir -p "$ctx/alt"
printf 'FROM scratch\nCOPY . /\n' >"$ctx/alt/alt.Dockerfile"
cat >"$ctx/alt/alt.Dockerfile.dockerignore" <<'IGNORE'
large.bin
modes/*
!modes/exec
/nested/**/c
IGNORE

# Builds the context with `tool` into folder `dest`, with `args...`.
export_with() {
  local tool="$1" dest="$2"
  shift 2
  local log="$dest.log"
  "$tool" build --builder remote --progress plain -o "type=local,dest=$dest" \
    "$@" "$ctx" 2>"$log" ||
    { cat "$log" >&2; rig_fail "$tool build $* failed"; }
}

# Builds with kiln and with buildx, the daemon's cache emptied before
# each, and fails on any difference between the two exports; then builds
# with kiln once more on what buildx uploaded, which must find the COPY
# step cached: the daemon saw the same context from both. Prints kiln's
# manifest.
compare_exports() {
  local name="$1"
  shift
  rig_buildctl local prune --all >/dev/null
  export_with "$KILN" "$RIG_TMP/kiln-$name" "$@"
  rig_buildctl local prune --all >/dev/null
  export_with "$RIG_BUILDX" "$RIG_TMP/buildx-$name" "$@"
  manifest "$RIG_TMP/kiln-$name" >"$RIG_TMP/kiln-$name.manifest"
  manifest "$RIG_TMP/buildx-$name" >"$RIG_TMP/buildx-$name.manifest"
  if ! diff -u "$RIG_TMP/buildx-$name.manifest" \
    "$RIG_TMP/kiln-$name.manifest" >"$RIG_TMP/$name.diff"; then
    cat "$RIG_TMP/$name.diff" >&2
    rig_fail "$name: kiln's export differs from buildx's (- buildx, + kiln)"
  fi

  local again="$RIG_TMP/kiln-$name-again"
  export_with "$KILN" "$again" "$@"
  if ! grep -A1 '^#[0-9]* \[1/1\] COPY \. /$' "$again.log" |
    grep -q '^#[0-9]* CACHED$'; then
    cat "$again.log" >&2
    rig_fail "$name: kiln's context is not the one buildx uploaded"
  fi
  cat "$RIG_TMP/kiln-$name.manifest"
}

# --- .dockerignore ---
got="$(compare_exports dockerignore)"
for entry in "empty dir" "nested/empty/deeper dir" \
  "links/absolute-outside link 00777 0:0 ${#outside} -> $outside" \
  "links/relative-outside link 00777 0:0 17 -> ../../outside.txt" \
  "links/dangling link" "links/folder link" \
  "modes/setuid file 04755" "modes/setgid file 02711" \
  "modes/sticky dir 01777" "modes/private dir 00700" \
  "modes/group dir 02775" "modes/exec file 00755" \
  "xattrs=user.kiln.empty=,user.kiln.file=66696c652076616c7565" \
  "xattrs=user.kiln.dir=00ff62696e617279" \
  "modes/private-file file 00600 0:0" "modes/socket file" \
  "hard/sub/three file 00644 0:0 7 " "ünïcødé/日本語/ファイル.txt file" \
  "ünïcødé/🙂 space.txt file" "large.bin file 00644 0:0 52428800 " \
  "ignored/keep.txt file" "ignored/deep/keep.txt file" \
  "src/build/main.c file" "tmp/deep/important.tmp file" \
  "nested/top.txt file 00644 0:0 4 "; do
  expect_entry "$got" "$entry"
done
for path in ignored/a.txt ignored/deep/b.txt build top.tmp tmp/deep/x.tmp; do
  expect_no_entry "$got" "$path"
done
# Hard links stay one inode; times come from the context.
for path in hard/one hard/two hard/sub/three; do
  grep -q "^$path file .* links=hard/one " <<<"$got" ||
    rig_fail "$path is not a hard link of hard/one:"$'\n'"$got"
done
top_time="$(date -d '2001-02-03 04:05:06.123456789' +%s%N)"
grep -q "^nested/top.txt .* $top_time " <<<"$got" ||
  rig_fail "nested/top.txt lost its modification time:"$'\n'"$got"

# --- <Dockerfile>.dockerignore ---
got="$(compare_exports alt -f "$ctx/alt/alt.Dockerfile")"
expect_entry "$got" "modes/exec file 00755"
expect_entry "$got" "ignored/a.txt file"
expect_entry "$got" "nested/a/b dir"
for path in large.bin modes/setuid modes/sticky nested/a/b/c; do
  expect_no_entry "$got" "$path"
done
rig_log "context_compare: kiln's exports match buildx's"
