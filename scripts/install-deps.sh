#!/usr/bin/env bash
# Installs what kiln needs to build and test: the Debian packages, then
# buildkitd, buildctl and buildx built from the pinned modules in tools/.
# Runs as root and is safe to rerun: every step that is already done is
# skipped, so a second run takes a second or two.
#
# KILN_TOOLS_DIR  where the Go-built tools go (/usr/local/lib/kiln-rig/bin)
# GO              the go command to use (go from PATH, else /usr/local/go)
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly repo_dir
readonly tools_dir="${KILN_TOOLS_DIR:-/usr/local/lib/kiln-rig/bin}"
go=""

# Commits of the pinned tags, stamped into the binaries so that
# `buildkitd --version` and the daemon's Info RPC match a release build.
readonly buildkit_revision=991535e0973488b6a429096d21fa13f81f2d89d8
readonly buildx_revision=1d8dde89b8aba914e05e45366770736fea1fd690

readonly build_packages=(
  cmake ninja-build g++ pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libcli11-dev nlohmann-json3-dev libbenchmark-dev libgtest-dev
  libgmock-dev libssl-dev libcurl4-openssl-dev clang-format clang-tidy
)
readonly rig_packages=(
  openssl docker.io docker-registry openssh-server openssh-client
  kubernetes-client iproute2 python3 procps psmisc jq util-linux
  busybox-static apache2-utils time git
)

# Packages that another install may already provide under a different
# package name (kubectl from the upstream repository conflicts with
# Debian's kubernetes-client): the command on PATH is enough.
declare -rA command_of_package=([kubernetes-client]=kubectl)

log() {
  printf 'install-deps: %s\n' "$*" >&2
}

die() {
  log "error: $*"
  exit 1
}

# Prints the packages among "$@" that dpkg does not list as installed.
missing_packages() {
  local package status command
  for package in "$@"; do
    command="${command_of_package[$package]:-}"
    if [[ -n "$command" ]] && command -v "$command" >/dev/null; then
      continue
    fi
    status="$(dpkg-query -W -f='${db:Status-Abbrev}' "$package" \
      2>/dev/null || true)"
    if [[ "$status" != "ii "* ]]; then
      printf '%s\n' "$package"
    fi
  done
}

install_packages() {
  local missing
  mapfile -t missing < <(missing_packages "${build_packages[@]}" \
    "${rig_packages[@]}")
  if ((${#missing[@]} == 0)); then
    log "debian packages: all installed"
    return
  fi

  log "debian packages: installing ${missing[*]}"
  # Other users of this machine may hold the dpkg lock; wait for them
  # rather than fail.
  local apt_opts=(-o DPkg::Lock::Timeout=600)
  export DEBIAN_FRONTEND=noninteractive
  # Packages such as docker.io and openssh-server would start their
  # services on install; the tests start their own, by PID, instead.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    created_policy=1
  fi
  apt-get "${apt_opts[@]}" update
  apt-get "${apt_opts[@]}" install -y --no-install-recommends \
    "${missing[@]}"
  if ((created_policy)); then
    rm -f "$policy"
  fi
}

find_go() {
  if [[ -n "${GO:-}" ]]; then
    printf '%s\n' "$GO"
  elif command -v go >/dev/null; then
    command -v go
  elif [[ -x /usr/local/go/bin/go ]]; then
    printf '%s\n' /usr/local/go/bin/go
  else
    die "go not found; install Go 1.26.3 or newer (or set GO)"
  fi
}

# Prints the version of `module` that the wrapper module in `dir` pins.
pinned_version() {
  local dir="$1" module="$2"
  (cd "$dir" && "$go" list -m -f '{{.Version}}' "$module")
}

# Builds the main packages `packages` of the wrapper module in `dir` into
# the tools directory, with `ldflags` stamping their version.
build_tools() {
  local dir="$1" ldflags="$2"
  shift 2
  local out
  out="$(mktemp -d)"

  # The Go build uses both cores for minutes; nice keeps the machine
  # usable for everyone else.
  (cd "$dir" && CGO_ENABLED=0 nice -n 10 "$go" build -p 2 -trimpath \
    -buildvcs=false -mod=readonly -ldflags "$ldflags" -o "$out/" "$@")

  local binary
  for binary in "$out"/*; do
    install -m 0755 "$binary" "$tools_dir/"
  done
  rm -rf "$out"
}

# Succeeds when `binary` exists and its version output contains `want`.
has_version() {
  local binary="$1" want="$2"
  shift 2
  [[ -x "$binary" ]] || return 1
  local output
  output="$("$binary" "$@" 2>/dev/null)" || return 1
  [[ "$output" == *"$want"* ]]
}

install_buildkit() {
  local dir="$repo_dir/tools/buildkit"
  local version
  version="$(pinned_version "$dir" github.com/moby/buildkit)"
  local want="$version $buildkit_revision"
  if has_version "$tools_dir/buildkitd" "$want" --version &&
    has_version "$tools_dir/buildctl" "$want" --version; then
    log "buildkit $version: already in $tools_dir"
    return
  fi

  log "buildkit $version: building into $tools_dir"
  local pkg=github.com/moby/buildkit/version
  build_tools "$dir" \
    "-X $pkg.Version=$version -X $pkg.Revision=$buildkit_revision" \
    github.com/moby/buildkit/cmd/buildkitd \
    github.com/moby/buildkit/cmd/buildctl
  has_version "$tools_dir/buildkitd" "$want" --version ||
    die "buildkitd in $tools_dir does not report $want"
}

install_buildx() {
  local dir="$repo_dir/tools/buildx"
  local version
  version="$(pinned_version "$dir" github.com/docker/buildx)"
  local want="$version $buildx_revision"
  if has_version "$tools_dir/buildx" "$want" version; then
    log "buildx $version: already in $tools_dir"
    return
  fi

  log "buildx $version: building into $tools_dir"
  local pkg=github.com/docker/buildx/version
  build_tools "$dir" \
    "-X $pkg.Version=$version -X $pkg.Revision=$buildx_revision" \
    github.com/docker/buildx/cmd/buildx
  has_version "$tools_dir/buildx" "$want" version ||
    die "buildx in $tools_dir does not report $want"
}

main() {
  if ((EUID != 0)); then
    die "must run as root"
  fi

  install_packages

  go="$(find_go)"
  mkdir -p "$tools_dir"
  install_buildkit
  install_buildx
}

main "$@"
