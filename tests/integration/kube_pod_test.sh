#!/usr/bin/env bash
# kube-pod:// endpoints. No Kubernetes cluster can run here, so this test
# puts its own `kubectl` on PATH that stands in for one: it records the
# flags kiln passes and runs `kubectl exec -i POD -- CMD...` as
# `docker exec -i POD CMD...` against a BuildKit container in the rig's
# dockerd, the "pod".
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../rig/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../rig/dockerd.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../rig/buildkit_image.sh"

rig_require_tools
rig_start_dockerd
rig_buildkit_image

RIG_PROBE_ARGS=(--addr unix:///run/buildkit/buildkitd.sock)
rig_run_buildkit_container buildkitd-0 kiln-rig/buildkit \
  --addr unix:///run/buildkit/buildkitd.sock

mkdir -p "$RIG_TMP/bin"
cat >"$RIG_TMP/bin/kubectl" <<'STUB'
#!/usr/bin/env bash
# Stands in for a cluster: records its arguments, then maps
# `exec ... -i POD -- CMD...` to `docker exec -i POD CMD...`.
set -euo pipefail
printf '%s\n' "$*" >>"$KUBECTL_LOG"
pod="" seen_exec=0
while (($# > 0)); do
  case "$1" in
    exec) seen_exec=1 ;;
    --) shift; break ;;
    -i|--context=*|--namespace=*|--container=*) ;;
    *) ((seen_exec)) && pod="$1" ;;
  esac
  shift
done
exec docker exec -i "$pod" "$@"
STUB
chmod +x "$RIG_TMP/bin/kubectl"
export PATH="$RIG_TMP/bin:$PATH"
export KUBECTL_LOG="$RIG_TMP/kubectl.log"

"$KILN" create --name kube --driver remote \
  "kube-pod://buildkitd-0?namespace=builds&container=buildkitd&context=ci" \
  >/dev/null
"$KILN" create --name kube-missing --driver remote \
  kube-pod://buildkitd-9 >/dev/null

out="$("$KILN" ls --timeout 5s 2>"$RIG_TMP/ls.err")"
printf '%s\n' "$out"
cat "$RIG_TMP/ls.err"
grep -Eq '^ \\_ kube0 .* running +[0-9.]+ms +v0\.32\.2 ' <<<"$out" ||
  rig_fail "kube is not running"

want='--context=ci --namespace=builds exec --container=buildkitd -i'
want+=' buildkitd-0 -- buildctl dial-stdio'
grep -qxF -- "$want" "$KUBECTL_LOG" ||
  rig_fail "kubectl got: $(cat "$KUBECTL_LOG")"
want='--context= --namespace= exec --container= -i buildkitd-9 --'
want+=' buildctl dial-stdio'
grep -qxF -- "$want" "$KUBECTL_LOG" ||
  rig_fail "kubectl got: $(cat "$KUBECTL_LOG")"

line="$(grep -F 'kube-missing (kube-missing0) inactive: ' "$RIG_TMP/ls.err")" ||
  rig_fail "no reason for the missing pod"
[[ "$line" == *'ended (exit status 1): '*'No such container: buildkitd-9'* ]] ||
  rig_fail "reason was: $line"

# Kubernetes names are checked before anything runs.
status=0
err="$("$KILN" create --name bad --driver remote 'kube-pod://Bad_Pod' 2>&1)" ||
  status=$?
((status == 1)) || rig_fail "bad pod name: exit $status"
[[ "$err" == 'ERROR: invalid endpoint "kube-pod://Bad_Pod": '* ]] ||
  rig_fail "bad pod name said: $err"
echo "kube-pod test passed"
