#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install ringq to a temporary prefix and build a consumer with find_package, with pkg-config, and
# with add_subdirectory, against both the shared and the static library; each binary is checked
# for the library it really linked (NEEDED libringq.so.N or none) and run.
# Usage: check_install.sh <ringq-source-dir> <ringq-build-dir>
set -euo pipefail
src=$1 build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
libdir=$(cd "$work/prefix" && dirname "$(find . -name 'libringq.a' | head -1)")
libdir="$work/prefix/${libdir#./}"

# links_shared <exe>: the executable needs libringq.so.<N>; links_static <exe>: it needs no libringq.
links_shared() {
  readelf -d "$1" | grep -q 'NEEDED.*\[libringq\.so\.[0-9]*\]' ||
    { echo "FAIL: $1 does not link libringq.so"; readelf -d "$1" | grep NEEDED; exit 1; }
}
links_static() {
  if readelf -d "$1" 2>/dev/null | grep -q 'NEEDED.*libringq'; then
    echo "FAIL: $1 links libringq.so, expected the static library"; exit 1
  fi
}

# The ABI number, from the only place it is set (CMakeLists.txt).
abi=$(sed -n 's/^set(RINGQ_ABI_VERSION \([0-9][0-9]*\))$/\1/p' "$src/CMakeLists.txt")
[ -n "$abi" ] || { echo "FAIL: no RINGQ_ABI_VERSION in $src/CMakeLists.txt"; exit 1; }
echo "-- installed libraries"
for f in libringq.a libringq.so "libringq.so.$abi"; do
  [ -e "$libdir/$f" ] || { echo "FAIL: $libdir/$f not installed"; exit 1; }
done

echo "-- find_package(ringq CONFIG): ringq::ringq is shared, ringq::ringq_static static"
cmake -S "$src/tests/install/consumer" -B "$work/fp" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/fp" >/dev/null
links_shared "$work/fp/consumer"
links_static "$work/fp/consumer_static"
"$work/fp/consumer"   # runs through the RPATH CMake gives imported shared libraries
"$work/fp/consumer_static"
"$work/fp/consumer_headers"

echo "-- pkg-config ringq (shared by default, --static with cc -static)"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
# shellcheck disable=SC2046
cc -std=c11 -o "$work/pc" "$src/tests/install/consumer/main.c" $(pkg-config --cflags --libs ringq)
links_shared "$work/pc"
LD_LIBRARY_PATH="$libdir" "$work/pc"
# shellcheck disable=SC2046
cc -std=c11 -static -o "$work/pc_static" "$src/tests/install/consumer/main.c" \
  $(pkg-config --static --cflags --libs ringq)
if readelf -d "$work/pc_static" | grep -q NEEDED; then
  echo "FAIL: cc -static \$(pkg-config --static ...) made a dynamic executable"; exit 1
fi
"$work/pc_static"

echo "-- add_subdirectory(ringq): static by default, shared with RINGQ_SHARED=ON"
cmake -S "$src/tests/install/consumer" -B "$work/sub" -DRINGQ_SOURCE_DIR="$src" >/dev/null
cmake --build "$work/sub" >/dev/null
links_static "$work/sub/consumer"
"$work/sub/consumer"
cmake -S "$src/tests/install/consumer" -B "$work/sub_shared" -DRINGQ_SOURCE_DIR="$src" \
  -DRINGQ_SHARED=ON >/dev/null
cmake --build "$work/sub_shared" >/dev/null
links_shared "$work/sub_shared/consumer"
"$work/sub_shared/consumer"
echo "install checks passed"
