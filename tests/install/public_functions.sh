#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Print the public functions (ringq_ names, not ringq__ internals) that headers declare or define,
# one per line, sorted. Usage: public_functions.sh <cc> <include-dir> <header...>
# (header names relative to include-dir, e.g. ringq/queue.h). The headers are preprocessed, so
# comments and disabled code do not count; a name followed by '(' is a function.
set -euo pipefail
cc=$1 inc=$2
shift 2
for h in "$@"; do printf '#include <%s>\n' "$h"; done |
  "$cc" -E -P -D_GNU_SOURCE -I "$inc" -x c - |
  grep -oE '\bringq_[a-z0-9][a-z0-9_]*[[:space:]]*\(' | sed -E 's/[[:space:]]*\($//' | sort -u
