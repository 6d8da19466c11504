#!/usr/bin/env bash
# Builds kiln with warnings as errors, checks formatting and clang-tidy,
# then runs the unit and integration tests. CI runs exactly this.
#
# KILN_BUILD_DIR  build directory (build/ in the repository)
# KILN_JOBS       parallel jobs for the build and clang-tidy (2)
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly repo_dir
readonly build_dir="${KILN_BUILD_DIR:-$repo_dir/build}"
readonly jobs="${KILN_JOBS:-2}"

step() {
  printf '\n==> %s\n' "$*"
}

cd "$repo_dir"

step "configure $build_dir"
cmake -S . -B "$build_dir" -G Ninja -DKILN_WERROR=ON

step "build"
ninja -C "$build_dir" -j "$jobs"

step "clang-format"
mapfile -t sources < <(find src tests bench -type f \
  \( -name '*.cpp' -o -name '*.h' \) 2>/dev/null | sort)
if ((${#sources[@]} > 0)); then
  clang-format --dry-run --Werror "${sources[@]}"
fi

if [[ -f .clang-tidy ]]; then
  step "clang-tidy"
  # Each file is its own clang-tidy run; xargs fails if any of them does.
  find src -type f -name '*.cpp' -print0 | sort -z |
    xargs -0 -r -n 1 -P "$jobs" clang-tidy -p "$build_dir" --quiet \
      --extra-arg=-Wno-unknown-warning-option
fi

step "ctest"
ctest --test-dir "$build_dir" --output-on-failure
