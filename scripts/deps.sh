#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install the Debian packages ringq needs, only those missing. Usage: scripts/deps.sh test|main
set -euo pipefail
what=${1:-test}
pkgs=(build-essential cmake ninja-build pkg-config clang libclang-rt-dev liburcu-dev)
case "$what" in
  test) pkgs+=(libcriterion-dev faketime libfaketime libuv1-dev python3 scdoc dpkg-dev man-db spin
               python3-dev python3-setuptools python3-venv libpython3.11-testsuite python3.11-dbg
               libjansson-dev
               libfuzzer-14-dev valgrind) ;;
  # main builds the release preset whole, tests and examples included: configuring it needs
  # Criterion (tests/), Jansson (examples/) and scdoc (man/) even though main runs only the bench.
  main) pkgs+=(libck-dev libdpdk-dev libboost-dev libreaderwriterqueue-dev libconcurrentqueue-dev
              gnuplot-nox libcriterion-dev libjansson-dev scdoc) ;;
  *) echo "usage: $0 test|main" >&2; exit 2 ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null; then sudo=(sudo); else
  echo "deps: need root (or sudo) to apt-get install ${missing[*]}" >&2; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
