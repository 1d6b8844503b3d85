#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run the libFuzzer targets (tests/fuzz) longer than ctest does, one after the other.
# Usage: scripts/fuzz.sh [seconds per target, default 300] [target...]   (targets: spsc mpmc queue attach bytes)
# Builds the clang preset; the corpus grows in build/clang/fuzz-corpus/<target> (seeded from
# tests/fuzz/corpus/<target>), findings land in build/clang/fuzz-findings/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(spsc mpmc queue attach bytes)
cmake --preset clang >/dev/null
cmake --build --preset clang -j 2 --target "${targets[@]/#/fuzz_}"
out=build/clang
mkdir -p "$out/fuzz-findings"
status=0
for t in "${targets[@]}"; do
  mkdir -p "$out/fuzz-corpus/$t"
  # The committed seeds, but not crash-known-* (reproducers of reported bugs).
  find "tests/fuzz/corpus/$t" -maxdepth 1 -type f ! -name 'crash-known-*' \
    -exec cp -n {} "$out/fuzz-corpus/$t/" \;
  echo "=== fuzz_$t for $seconds s"
  if ! "$out/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$out/fuzz-findings/$t-" "$out/fuzz-corpus/$t" \
      2>&1 | grep -E '^#[0-9]+.*DONE|^stat::number_of_executed_units|model mismatch|ERROR|Test unit written'; then
    :
  fi
  if ls "$out/fuzz-findings/$t-"* >/dev/null 2>&1; then
    echo "fuzz_$t: FINDINGS in $out/fuzz-findings/ (replay: $out/tests/fuzz/fuzz_$t <file>)"
    status=1
  fi
done
exit $status
