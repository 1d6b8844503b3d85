#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install ringq to a temporary prefix and build a consumer with find_package, with pkg-config, and
# with add_subdirectory. Usage: check_install.sh <ringq-source-dir> <ringq-build-dir>
set -euo pipefail
src=$1 build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null

echo "-- find_package(ringq CONFIG)"
cmake -S "$src/tests/install/consumer" -B "$work/fp" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/fp" >/dev/null
"$work/fp/consumer"
"$work/fp/consumer_headers"

echo "-- pkg-config ringq"
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig:$work/prefix/lib64/pkgconfig:$work/prefix/lib/x86_64-linux-gnu/pkgconfig"
# shellcheck disable=SC2046
cc -std=c11 -o "$work/pc" "$src/tests/install/consumer/main.c" $(pkg-config --cflags --libs ringq)
"$work/pc"

echo "-- add_subdirectory(ringq)"
cmake -S "$src/tests/install/consumer" -B "$work/sub" -DRINGQ_SOURCE_DIR="$src" >/dev/null
cmake --build "$work/sub" >/dev/null
"$work/sub/consumer"
echo "install checks passed"
