#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run one libFuzzer target for a fixed time from its committed seed corpus, in a scratch copy (the
# source tree is never written; files named crash-known-* are skipped). Usage:
#   run_fuzz.sh <fuzzer> <seed corpus dir, or - for none> <seconds> clean|crash
#   clean  passes when the run ends without a finding (prints the exec count);
#   crash  passes when the target reports a finding within the time (a planted bug was caught).
set -uo pipefail
fuzzer=$1
seeds=$2
seconds=$3
expect=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus" "$work/seeds"
dirs=("$work/corpus")
# The committed seeds, but not crash-known-* (reproducers of reported bugs, kept for whoever fixes
# them: replay one with `<fuzzer> <file>`).
if [ "$seeds" != - ]; then
  find "$seeds" -maxdepth 1 -type f ! -name 'crash-known-*' -exec cp {} "$work/seeds/" \;
  dirs+=("$work/seeds")
fi
# -entropic_scale_per_exec_time: inputs that wait (a corrupt shared queue's bounded waits for a
# peer, up to 1 s) are scheduled less often than fast ones.
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -entropic_scale_per_exec_time=1 \
  -artifact_prefix="$work/" "${dirs[@]}" >"$work/log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
finding=$(grep -m1 -E 'model mismatch|ERROR: (AddressSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error|deadly signal' "$work/log")
echo "$(basename "$fuzzer"): exit $rc, ${runs:-?} executions in ${seconds} s max"
case "$expect" in
  clean)
    if [ $rc -ne 0 ] || [ -n "$finding" ]; then
      tail -40 "$work/log"
      echo "FAIL: the target found a problem (the input is printed above in hex/base64)"
      exit 1
    fi
    grep -E '^#[0-9]+.*DONE' "$work/log" | tail -1
    echo "PASS: no finding" ;;
  crash)
    if [ $rc -eq 0 ] || [ -z "$finding" ]; then
      tail -20 "$work/log"
      echo "FAIL: the planted bug was not found in ${seconds} s"
      exit 1
    fi
    echo "finding: $finding"
    grep -m1 -E '^#[0-9]+' "$work/log" >/dev/null && grep -E '^#[0-9]+' "$work/log" | tail -1
    echo "PASS: the planted bug was found" ;;
  *) echo "usage: $0 fuzzer corpus seconds clean|crash" >&2; exit 2 ;;
esac
