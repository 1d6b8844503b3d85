#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build the Debian packages libringq<ABI> and libringq-dev (CPack; see cmake/RingqPackaging.cmake)
# from a release build with prefix /usr, without tests or bench. No root needed.
# Usage: scripts/deb.sh [build-dir]   (default build/deb; the .deb files are written there)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/deb}
# Man pages carry a date: take the last commit's, so a rebuild of one commit gives the same pages.
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || date +%s)
export SOURCE_DATE_EPOCH
cmake -S . -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DRINGQ_BUILD_TESTS=OFF -DRINGQ_BUILD_BENCH=OFF -DRINGQ_SHARED=ON -DRINGQ_BUILD_MAN=ON >/dev/null
cmake --build "$out" -j "$(nproc)"
rm -f "$out"/*.deb
(cd "$out" && cpack -G DEB >/dev/null)
ls "$out"/*.deb
