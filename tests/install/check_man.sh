#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The man pages, as installed: every public function of the headers (found by preprocessing
# them, so a new function without a page fails) has a section 3 page or link; each page renders
# without groff warnings, has the sections every page needs, names only pages that exist in
# SEE ALSO, and its EXAMPLE compiles (-Wall -Wextra -Werror) against the built library and runs.
# Usage: check_man.sh <source-dir> <build-dir> <cc> <libringq.a>
set -euo pipefail
src=$1 build=$2 cc=$3 lib=$4
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
cmake --install "$build" --component ringq_dev --prefix "$work/prefix" >/dev/null
man3="$work/prefix/share/man/man3"
[ -d "$man3" ] || { echo "FAIL: no man pages installed (configure with RINGQ_BUILD_MAN=ON)"; exit 1; }

mapfile -t headers < <(cd "$src/include" && ls ringq/*.h)
functions=$("$here/public_functions.sh" "$cc" "$src/include" "${headers[@]}")
[ -n "$functions" ] || { echo "FAIL: no public functions found in the headers"; exit 1; }
count=0
for f in $functions; do
  count=$((count + 1))
  if [ ! -e "$man3/$f.3.gz" ]; then
    echo "FAIL: $f has no man page ($man3/$f.3.gz)"; fail=1
  fi
done

required=("NAME" "SYNOPSIS" "DESCRIPTION" "RETURN VALUE" "ERRORS" "THREAD AND PROCESS SAFETY"
          "ASYNC-SIGNAL SAFETY" "CANCELLATION" "EXAMPLE" "SEE ALSO")
pages=0
for scd in "$src"/man/*.scd; do
  page=$(basename "$scd" .scd)
  section=${page##*.}
  installed="$work/prefix/share/man/man$section/$page.gz"
  pages=$((pages + 1))
  [ -f "$installed" ] || { echo "FAIL: $page not installed"; fail=1; continue; }
  warnings=$(man --warnings -E UTF-8 -l "$installed" 2>&1 >/dev/null || true)
  if [ -n "$warnings" ]; then echo "FAIL: $page renders with warnings:"; echo "$warnings"; fail=1; fi
  if [ "$section" = 3 ]; then
    for h in "${required[@]}"; do
      grep -qx "# $h" "$scd" || { echo "FAIL: $page has no '$h' section"; fail=1; }
    done
  fi
  # SEE ALSO and the text refer to pages as *name*(N): each ringq one must be installed.
  for ref in $(grep -oE '\*ringq[a-z0-9_]*\*\([0-9]\)' "$scd" | tr -d '*' | sort -u); do
    name=${ref%(*} sec=${ref#*(}; sec=${sec%)}
    [ -e "$work/prefix/share/man/man$sec/$name.$sec.gz" ] ||
      { echo "FAIL: $page refers to $ref, which is not installed"; fail=1; }
  done
  # The example: the first literal block after "# EXAMPLE" (scdoc's \\ is a backslash).
  awk '/^# EXAMPLE$/ { e = 1; next } e && /^```$/ { if (in_block) exit; in_block = 1; next }
       in_block { print }' "$scd" | sed 's/\\\\/\\/g' > "$work/$page.c"
  if [ ! -s "$work/$page.c" ]; then
    [ "$section" = 3 ] && { echo "FAIL: $page has no example code"; fail=1; }
    continue
  fi
  if ! "$cc" -Wall -Wextra -Werror -I "$src/include" -o "$work/$page.exe" "$work/$page.c" \
       "$lib" -pthread 2>"$work/$page.log"; then
    echo "FAIL: the example of $page does not compile:"; cat "$work/$page.log"; fail=1; continue
  fi
  if ! timeout 60 "$work/$page.exe" >"$work/$page.out" 2>&1; then
    echo "FAIL: the example of $page exits non-zero:"; cat "$work/$page.out"; fail=1
  fi
done
echo "$count public functions, $pages pages checked"
exit $fail
