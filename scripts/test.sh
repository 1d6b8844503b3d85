#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite: installs what is missing, then builds and runs every test tier in the
# plain (gcc, release), clang (debug), asan (address+undefined) and tsan presets.
# Usage: scripts/test.sh [preset...]   (default: release clang asan tsan)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test

presets=("$@")
[ ${#presets[@]} -eq 0 ] && presets=(release clang asan tsan)
jobs=$(nproc)
failed=()
for p in "${presets[@]}"; do
  echo "=== preset $p: configure, build, test"
  cmake --preset "$p" >/dev/null
  cmake --build --preset "$p" -j "$jobs"
  if ! ctest --preset "$p" -j 1; then
    failed+=("$p")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED presets: ${failed[*]}"
  exit 1
fi
echo "all presets passed: ${presets[*]}"
