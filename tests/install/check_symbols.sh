#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The ABI surface of libringq.so: its SONAME is libringq.so.<abi>, it exports nothing but ringq_
# functions (under version node RINGQ_<abi>) and the internals queue.h's inline fast path calls
# or reads (ringq__self, ringq__wake_*), and it exports every function the compiled layer's
# headers declare, inline ones included (their out-of-line twins, for FFI users such as ctypes).
# Usage: check_symbols.sh <libringq.so> <abi-version> <cc> <include-dir>
set -euo pipefail
lib=$1 abi=$2 cc=$3 inc=$4
here=$(cd "$(dirname "$0")" && pwd)
fail=0

soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
if [ "$soname" != "libringq.so.$abi" ]; then
  echo "FAIL: SONAME is '$soname', expected libringq.so.$abi"; fail=1
fi

# nm -D --defined-only: "<value> <type> <name>[@@VERSION]".
defined=$(nm -D --defined-only "$lib")
bad=$(printf '%s\n' "$defined" | awk -v node="RINGQ_$abi" '
  $3 == node && $2 == "A" { next }                 # the version node itself
  $3 ~ ("^ringq_[a-z0-9][a-z0-9_]*@@" node "$") { next }
  $3 ~ ("^ringq__(self|wake_getters|wake_putters)@@" node "$") { next }  # what queue.h inlines
  { print }')
if [ -n "$bad" ]; then
  echo "FAIL: libringq.so exports symbols other than ringq_* under RINGQ_$abi:"
  printf '%s\n' "$bad" | sed 's/^/  /'; fail=1
fi
exported=$(printf '%s\n' "$defined" | awk '{ sub(/@.*/, "", $3); print $3 }' | grep '^ringq_' | sort -u)

# Headers of the compiled layer = every public header except the header-only rings, whose
# functions are static inline by design (copy-one-file use) and are not part of the library.
mapfile -t all_headers < <(cd "$inc" && ls ringq/*.h)
declared=$(comm -23 <("$here/public_functions.sh" "$cc" "$inc" "${all_headers[@]}") \
                    <("$here/public_functions.sh" "$cc" "$inc" ringq/spsc.h ringq/mpmc.h))
if [ -z "$declared" ]; then
  echo "FAIL: found no declared functions in $inc (the extraction is broken)"; fail=1
fi
missing=$(comm -23 <(printf '%s\n' "$declared") <(printf '%s\n' "$exported"))
if [ -n "$missing" ]; then
  echo "FAIL: declared in the headers but not exported by libringq.so (RINGQ_API missing?):"
  printf '%s\n' "$missing" | sed 's/^/  /'; fail=1
fi
echo "libringq.so: SONAME $soname, $(printf '%s\n' "$exported" | wc -l) symbols exported," \
     "$(printf '%s\n' "$declared" | wc -l) declared"
exit $fail
