#!/usr/bin/env bash
# ssh:// endpoints against Debian's sshd on a loopback port, with keys
# made by the test: a builder whose daemon socket is named in the URL is
# running; one whose socket is missing says why (the remote buildctl's
# own error) within the timeout; an unreachable sshd says so too.
#
# ssh reads its configuration from the home directory of the user in
# the password database, not from $HOME, so the test puts a small `ssh`
# on PATH that adds `-F` with the test's own client configuration.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../rig/lib.sh"

rig_require_root
rig_require_tools
for tool in /usr/sbin/sshd /usr/bin/ssh /usr/bin/ssh-keygen; do
  [[ -x "$tool" ]] || rig_skip "$tool not found; run scripts/install-deps.sh"
done

rig_start_buildkitd remote "unix://$RIG_TMP/bk.sock"

ssh_dir="$RIG_TMP/ssh"
mkdir -p "$ssh_dir" "$RIG_TMP/bin"
chmod 700 "$ssh_dir"
ssh-keygen -q -t ed25519 -N '' -f "$ssh_dir/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$ssh_dir/user_key"
cp "$ssh_dir/user_key.pub" "$ssh_dir/authorized_keys"
port="$(rig_free_port)"

cat >"$ssh_dir/sshd_config" <<CONFIG
ListenAddress 127.0.0.1:$port
HostKey $ssh_dir/host_key
PidFile $ssh_dir/sshd.pid
AuthorizedKeysFile $ssh_dir/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
SetEnv PATH=$RIG_TOOLS_DIR:/usr/sbin:/usr/bin:/sbin:/bin
CONFIG
mkdir -p /run/sshd
/usr/sbin/sshd -D -e -f "$ssh_dir/sshd_config" >"$ssh_dir/sshd.log" 2>&1 &
RIG_PIDS+=("$!")

printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 \
  "$ssh_dir/host_key.pub")" >"$ssh_dir/known_hosts"
cat >"$ssh_dir/ssh_config" <<CONFIG
Host 127.0.0.1
  IdentityFile $ssh_dir/user_key
  IdentitiesOnly yes
  UserKnownHostsFile $ssh_dir/known_hosts
  StrictHostKeyChecking yes
CONFIG
cat >"$RIG_TMP/bin/ssh" <<WRAPPER
#!/bin/sh
exec /usr/bin/ssh -F "$ssh_dir/ssh_config" "\$@"
WRAPPER
chmod +x "$RIG_TMP/bin/ssh"
export PATH="$RIG_TMP/bin:$PATH"

for _ in $(seq 1 50); do
  if ssh -o BatchMode=yes -p "$port" root@127.0.0.1 true 2>/dev/null; then
    break
  fi
  sleep 0.1
done

"$KILN" create --name viassh --driver remote \
  "ssh://root@127.0.0.1:$port$RIG_TMP/bk.sock" >/dev/null
"$KILN" create --name nosocket --driver remote \
  "ssh://root@127.0.0.1:$port$RIG_TMP/missing.sock" >/dev/null
refused="$(rig_refused_port)"
"$KILN" create --name nosshd --driver remote \
  "ssh://root@127.0.0.1:$refused" >/dev/null

start=$SECONDS
out="$("$KILN" ls --timeout 5s 2>"$RIG_TMP/ls.err")"
took=$((SECONDS - start))
printf '%s\n' "$out"
cat "$RIG_TMP/ls.err"
((took <= 6)) || rig_fail "ls took ${took}s with a 5s timeout"
grep -Eq '^ \\_ viassh0 .* running +[0-9.]+ms +v0\.32\.2 ' <<<"$out" ||
  rig_fail "viassh is not running"

# The reason names the helper, how it ended and what the remote buildctl
# said; ssh's connect timeout is what is left of the 5 s.
line="$(grep -F "nosocket (nosocket0) inactive: " "$RIG_TMP/ls.err")" ||
  rig_fail "no reason for the missing socket"
want="nosocket (nosocket0) inactive: helper \"ssh -o BatchMode=yes -o"
want+=" ConnectTimeout=? -T -l root -p $port -- 127.0.0.1 buildctl --addr"
want+=" unix://$RIG_TMP/missing.sock dial-stdio\" ended (exit status 1):"
want+=" error: dial unix $RIG_TMP/missing.sock: connect: no such file or"
want+=" directory"
# shellcheck disable=SC2053
[[ "$line" == $want ]] || rig_fail "missing socket reason: $line"
want="ended (exit status 255): ssh: connect to host 127.0.0.1 port"
want+=" $refused: Connection refused"
grep -F "nosshd (nosshd0) inactive: " "$RIG_TMP/ls.err" | grep -qF "$want" ||
  rig_fail "no reason for the refused sshd"

inspect="$("$KILN" inspect --bootstrap viassh)"
grep -q '^Status: *running$' <<<"$inspect" || rig_fail "inspect: $inspect"

# A build through ssh://: the context goes up the tunnel, the result
# comes back down it.
ctx="$(rig_tmpdir)"
printf 'through ssh\n' >"$ctx/hello.txt"
printf 'FROM scratch\nCOPY hello.txt /hello.txt\n' >"$ctx/Dockerfile"
dest="$(rig_tmpdir)"
"$KILN" build --builder viassh --progress plain -o "type=local,dest=$dest" \
  "$ctx" >"$RIG_TMP/build.log" 2>&1 ||
  rig_fail "build through ssh: $(tail -n 5 "$RIG_TMP/build.log")"
[[ "$(cat "$dest/hello.txt")" == "through ssh" ]] ||
  rig_fail "the build's output is not the context's file"

# No helper outlives kiln: kiln's own ssh is gone at once, and the
# remote buildctl once its sshd session sees the connection close.
if pgrep -f "^/usr/bin/ssh .* dial-stdio" >/dev/null; then
  rig_fail "an ssh helper is still running"
fi
for _ in $(seq 1 30); do
  pgrep -f "buildctl --addr unix://$RIG_TMP" >/dev/null || break
  sleep 0.1
done
if pgrep -f "buildctl --addr unix://$RIG_TMP" >/dev/null; then
  rig_fail "a remote dial-stdio is still running 3 s after kiln ended"
fi

echo "ssh endpoint test passed"
