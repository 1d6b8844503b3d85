#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: installs what is missing (including every peer library the bench compares
# against: ck, DPDK, Boost, moodycamel), builds the release preset, and runs the quick benchmark
# (under a minute when the machine is quiet; 70 to 144 s in all from an empty build directory on
# 2 shared CPUs).
# Extra arguments go to ringq-bench, e.g. scripts/main.sh --csv out.csv
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh main
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
exec build/release/bench/ringq-bench --quick "$@"
