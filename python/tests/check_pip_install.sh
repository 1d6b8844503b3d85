#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The README's install of the Python package, from a copy of the tree (pip builds in the tree it is
# given): a venv with --system-site-packages, pip install --no-build-isolation --no-index (the
# library's sources compiled into the extension), then the contract tests against the install.
# Usage: check_pip_install.sh <source-dir> <python3> <scratch-dir>
set -euo pipefail
src=$1 python=$2 scratch=$3
rm -rf "$scratch"
mkdir -p "$scratch/tree"
cp -r "$src/CMakeLists.txt" "$src/include" "$src/src" "$scratch/tree/"
mkdir "$scratch/tree/python"
cp -r "$src/python/setup.py" "$src/python/pyproject.toml" "$src/python/ringq" "$src/python/src" \
  "$scratch/tree/python/"
rm -f "$scratch"/tree/python/ringq/*.so
"$python" -m venv --system-site-packages "$scratch/venv"
"$scratch/venv/bin/pip" install -q --no-build-isolation --no-index "$scratch/tree/python"
cd "$scratch"
"$scratch/venv/bin/python" -c '
import ringq, sys
q = ringq.Queue(2)
q.put("installed")
assert q.get() == "installed"
assert ringq.__file__.startswith(sys.prefix), ringq.__file__
s = ringq.SharedQueue(2)
s.put({"installed": 1})
s.put_bytes(b"raw")
assert s.get() == {"installed": 1} and s.get_bytes() == b"raw"
print("ringq", ringq.ringq_version, "from", ringq.__file__)
'
PYTHONDONTWRITEBYTECODE=1 "$scratch/venv/bin/python" "$src/python/tests/test_contract.py"
rm -rf "$scratch"
