#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run a program under valgrind memcheck, following the processes it starts (Criterion runs each
# test in a child process it re-executes), and fail on any error reported by any of them.
# Usage: run_valgrind.sh <program> [args...]
# A child's errors do not reach the parent's exit status (Criterion reports the test by message),
# so each process logs to its own file and any non-empty log is a failure.
set -uo pipefail
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
valgrind -q --tool=memcheck --error-exitcode=1 --trace-children=yes --child-silent-after-fork=yes \
  --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
  --log-file="$logs/vg.%p.log" "$@"
rc=$?
bad=0
for f in "$logs"/vg.*.log; do
  if [ -s "$f" ]; then
    echo "--- valgrind report ($(basename "$f"))"
    head -60 "$f"
    bad=1
  fi
done
n=$(ls "$logs" | wc -l)
echo "valgrind: exit $rc, $n processes checked"
[ $rc -eq 0 ] && [ $bad -eq 0 ]
