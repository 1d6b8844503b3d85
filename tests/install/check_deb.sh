#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian packages as a user gets them: scripts/deb.sh builds libringq<ABI> and libringq-dev,
# they are unpacked (dpkg -x, no root) into a scratch root, their contents and relations are
# checked, and the README's examples plus examples/*.c (as installed by the package) are built
# with pkg-config against that root and run with its shared library; a CMake consumer is built
# with find_package against it too.
# Usage: check_deb.sh <source-dir> <dir-with-readme-examples> <abi-version>
set -euo pipefail
src=$1 readme_examples=$2 abi=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/root"

echo "-- scripts/deb.sh"
"$src/scripts/deb.sh" "$work/build" >/dev/null
runtime=$(ls "$work"/build/libringq"$abi"_*.deb)
dev=$(ls "$work"/build/libringq-dev_*.deb)

echo "-- package contents and relations"
# The runtime package holds the shared library and nothing else.
others=$(dpkg-deb -c "$runtime" | awk '$1 !~ /^d/ { print $6 }' | grep -v "/libringq\.so\.$abi" || true)
[ -z "$others" ] || { echo "FAIL: $runtime holds more than libringq.so.$abi*:"; echo "$others"; exit 1; }
grep -q "libringq$abi (= " <<<"$(dpkg-deb -f "$dev" Depends)" ||
  { echo "FAIL: libringq-dev does not depend on the exact libringq$abi"; exit 1; }
dev_files=$(dpkg-deb -c "$dev")
for want in usr/include/ringq/queue.h usr/include/ringq/spsc.h usr/include/ringq/mpmc.h \
            /libringq.a /libringq.so /pkgconfig/ringq.pc /cmake/ringq/ringqConfig.cmake \
            usr/share/man/man3/ringq_queue_put.3.gz usr/share/man/man7/ringq.7.gz \
            examples/worker_pool.c; do
  grep -q -- "$want" <<<"$dev_files" || { echo "FAIL: libringq-dev lacks $want"; exit 1; }
done

echo "-- dpkg -x into a scratch root"
dpkg -x "$runtime" "$root"
dpkg -x "$dev" "$root"
libdir=$(dirname "$(find "$root" -name "libringq.so.$abi" | head -1)")
export PKG_CONFIG_SYSROOT_DIR="$root"
export PKG_CONFIG_LIBDIR="$libdir/pkgconfig"  # this root's .pc files only, not the machine's
flags=$(pkg-config --cflags --libs ringq)
case "$flags" in *"-I$root/usr/include"*"-L$libdir"*) ;;
  *) echo "FAIL: pkg-config does not point into the root: $flags"; exit 1 ;;
esac

echo "-- README examples and examples/*.c: cc \$(pkg-config --cflags --libs ringq), shared library"
sources=("$readme_examples"/*.c "$root"/usr/share/doc/ringq/examples/*.c)
[ ${#sources[@]} -ge 6 ] || { echo "FAIL: expected the README's 3+ examples and 3 examples/"; exit 1; }
for c in "${sources[@]}"; do
  name=$(basename "$c" .c)
  extra=$(grep -q '#include <jansson.h>' "$c" && echo -ljansson || true)  # examples/bytes_json.c
  # shellcheck disable=SC2086
  cc -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -o "$work/$name" "$c" $flags $extra
  if [ "$name" != spsc_tour ] && [ "$name" != mpmc_tour ]; then  # header-only ones need no .so
    grep -q "NEEDED.*\[libringq\.so\.$abi\]" <<<"$(readelf -d "$work/$name")" ||
      { echo "FAIL: $name does not link libringq.so.$abi"; exit 1; }
  fi
  LD_LIBRARY_PATH="$libdir" "$work/$name" >"$work/$name.out" ||
    { echo "FAIL: $name exited non-zero:"; cat "$work/$name.out"; exit 1; }
  echo "   $name: $(head -1 "$work/$name.out")"
done
# Proof that the programs used the root's library: ld.so resolves it there.
grep -q "libringq.so.$abi => $libdir/" <<<"$(LD_LIBRARY_PATH="$libdir" ldd "$work/queue_tour")" ||
  { echo "FAIL: queue_tour does not resolve libringq.so.$abi in the scratch root"; exit 1; }

echo "-- find_package(ringq CONFIG) against the root"
cmake -S "$src/tests/install/consumer" -B "$work/fp" -DCMAKE_PREFIX_PATH="$root/usr" \
  -DCMAKE_FIND_ROOT_PATH="" >/dev/null
cmake --build "$work/fp" >/dev/null
LD_LIBRARY_PATH="$libdir" "$work/fp/consumer"
echo "deb checks passed"
