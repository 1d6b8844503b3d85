#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Check one configuration of a Spin model exhaustively (pan in safety mode) and compare with what
# is expected. Usage: run_spin.sh <model.pml> verify|counterexample [-DNAME[=VALUE]...]
#   verify          passes when pan reports 0 errors over the full state space;
#   counterexample  passes when pan reports errors > 0 (a seeded bug was caught); prints the trail's
#                   last steps and the final values of the globals.
# Environment: CC (default cc), SPIN (default spin), PAN_DEPTH (default 1000000), PAN_CFLAGS
# (default -O0: pan.c compiles in 2 s instead of 15, and these searches are bound by memory).
set -euo pipefail
model=$(realpath "$1")
expect=$2
shift 2
spin=${SPIN:-spin}
cc=${CC:-cc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cp "$model" model.pml
echo "model $(basename "$model") $* (expect $expect)"
"$spin" -a "$@" model.pml >spin.out || { cat spin.out; exit 1; }
"$cc" ${PAN_CFLAGS:--O0} -w -DSAFETY -o pan pan.c
start=$(date +%s.%N)
./pan -m"${PAN_DEPTH:-1000000}" >pan.out 2>&1 || true
end=$(date +%s.%N)
errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' pan.out | head -1)
stored=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' pan.out | head -1)
what=$(grep -E '^pan:1:' pan.out | head -1 || true)
printf 'states stored: %s, errors: %s, %.2f s %s\n' "$stored" "$errors" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$what"
if grep -q 'max search depth too small' pan.out; then
  echo "FAIL: the search was truncated (raise PAN_DEPTH)"
  exit 1
fi
case "$expect" in
  verify)
    if [ "$errors" != 0 ]; then
      echo "FAIL: expected no error; counterexample:"
      "$spin" -t -g "$@" model.pml | tail -40
      exit 1
    fi
    echo "PASS: verified" ;;
  counterexample)
    if [ -z "$errors" ] || [ "$errors" = 0 ]; then
      echo "FAIL: the seeded bug was not caught"
      exit 1
    fi
    echo "counterexample (last steps, then the globals):"
    "$spin" -t -p "$@" model.pml | grep -E '^ +[0-9]+:' | grep -v 'proc  [01] (monitor\|proc  [01] (final' | tail -12 || true
    "$spin" -t -g "$@" model.pml | sed -n '/^#processes/,$p' | head -30 || true
    echo "PASS: the seeded bug produced a counterexample" ;;
  *) echo "usage: $0 model.pml verify|counterexample [-D...]" >&2; exit 2 ;;
esac
