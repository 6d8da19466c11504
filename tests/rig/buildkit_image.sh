# shellcheck shell=bash
# A BuildKit image for the rig's dockerd, made without any registry: a
# rootfs holding the Go-built buildkitd and buildctl and Debian's runc
# (with the libraries it links), turned into an image by `docker import`.
# Source it after lib.sh and dockerd.sh.

# The flags that let buildkitd run containers inside a container here:
# `--privileged` lacks one capability on this machine.
RIG_BUILDKIT_RUN_FLAGS=(
  --cap-add=ALL --cap-drop=SYS_RESOURCE
  --security-opt seccomp=unconfined --security-opt apparmor=unconfined
  --security-opt systempaths=unconfined
  --cgroupns host -v /sys/fs/cgroup:/sys/fs/cgroup:rw
  --network host
)

# Copies `binary` and the shared libraries it loads into `root`.
_rig_copy_with_libs() {
  local root="$1" binary="$2" dest="$3"
  install -D -m 0755 "$binary" "$root$dest"
  local lib
  while read -r lib; do
    [[ -n "$lib" ]] && install -D -m 0755 "$lib" "$root$lib"
  done < <(ldd "$binary" 2>/dev/null | grep -oE '/[^ ]+' || true)
}

# Builds the image `tag` (default kiln-rig/buildkit) in the rig's dockerd.
rig_buildkit_image() {
  local tag="${1:-kiln-rig/buildkit}"
  local root="$RIG_TMP/buildkit-rootfs"
  rm -rf "$root"
  mkdir -p "$root"/{etc,tmp,run,proc,sys,dev,var/lib/buildkit,bin}
  chmod 1777 "$root/tmp"
  _rig_copy_with_libs "$root" "$RIG_BUILDKITD" /usr/bin/buildkitd
  _rig_copy_with_libs "$root" "$RIG_BUILDCTL" /usr/bin/buildctl
  _rig_copy_with_libs "$root" "$(command -v runc)" /usr/bin/runc
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\n' >"$root/etc/group"
  : >"$root/etc/buildkitd.toml"

  tar -C "$root" -c . | docker import \
    --change 'ENTRYPOINT ["/usr/bin/buildkitd", "--config", "/etc/buildkitd.toml", "--containerd-worker=false", "--oci-worker=true", "--oci-worker-net", "host"]' \
    --change 'ENV PATH=/usr/bin:/bin' - "$tag" >/dev/null
  rig_log "image $tag imported"
}

# Runs a BuildKit container `name` with `docker run` options, the image
# and the daemon's flags following; removes it when the test ends, and
# waits until buildctl inside it answers with the flags in the array
# RIG_PROBE_ARGS (such as --addr and TLS files, as seen inside).
rig_run_buildkit_container() {
  local name="$1"
  shift
  docker run -d --name "$name" "${RIG_BUILDKIT_RUN_FLAGS[@]}" \
    -v "$RIG_TMP/state-$name:/var/lib/buildkit" "$@" >/dev/null
  rig_on_exit "docker rm -f $name >/dev/null 2>&1"

  local deadline=$((SECONDS + RIG_START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if docker exec "$name" buildctl "${RIG_PROBE_ARGS[@]}" --timeout 2 \
      debug workers >/dev/null 2>&1; then
      rig_log "container $name answers"
      return
    fi
    if [[ "$(docker inspect -f '{{.State.Running}}' "$name")" != true ]]; then
      docker logs "$name" 2>&1 | tail -n 20 >&2
      rig_fail "container $name exited during startup"
    fi
    sleep 0.3
  done
  docker logs "$name" 2>&1 | tail -n 20 >&2
  rig_fail "container $name did not answer within ${RIG_START_TIMEOUT}s"
}
