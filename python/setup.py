# SPDX-License-Identifier: MIT
# Builds the ringq package: the C extension ringq._ringq linked statically with the ringq library.
#
# By default the library's sources (../src) are compiled into the extension, so that
#   pip install --no-build-isolation --no-index ./python
# works from a source tree with nothing built. RINGQ_STATIC_LIB=/path/libringq.a (and optionally
# RINGQ_INCLUDE=/path/include) links an already built libringq.a instead: the tests link the one
# of the CMake build they run in (it must be built without sanitizers: python3 is not).
import os
import re
from setuptools import Extension, setup

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
include = os.environ.get("RINGQ_INCLUDE", os.path.join(root, "include"))
static_lib = os.environ.get("RINGQ_STATIC_LIB")

with open(os.path.join(root, "CMakeLists.txt")) as f:
    major, minor, patch = map(int, re.search(r"project\(ringq VERSION (\d+)\.(\d+)\.(\d+)",
                                             f.read()).groups())
version = f"{major}.{minor}.{patch}"

flags = ["-std=gnu11", "-fvisibility=hidden", "-Wall", "-Wextra", "-Werror"]
# The extension's own files (python/src/*.c: ringqmodule.c, shared.c), relative to setup.py.
sources = [os.path.join("src", name) for name in sorted(os.listdir(os.path.join(here, "src")))
           if name.endswith(".c")]
extra_objects = []
macros = []
if static_lib:
    extra_objects.append(static_lib)
else:
    # Every library source, so a capability file added to src/ is never missed.
    for name in sorted(os.listdir(os.path.join(root, "src"))):
        if name.endswith(".c"):
            sources.append(os.path.join(root, "src", name))
    macros += [("RINGQ_VERSION_STRING", f'"{version}"'),
               ("RINGQ_VERSION_NUMBER", str(major * 10000 + minor * 100 + patch))]

# What a rebuild must follow besides the sources: the headers, and the static library linked in
# (setuptools relinks only when one of these is newer than the built module).
depends = [os.path.join("src", "pyringq.h")] + extra_objects
for d in (os.path.join(include, "ringq"), os.path.join(root, "src")):
    if os.path.isdir(d):
        depends += [os.path.join(d, n) for n in sorted(os.listdir(d)) if n.endswith(".h")]

setup(
    name="ringq",
    version=version,
    description="queue.Queue and an asyncio bridge on ringq's lock-free queues",
    license="MIT",
    packages=["ringq"],
    ext_modules=[Extension("ringq._ringq", sources=sources, include_dirs=[include],
                           depends=depends,
                           define_macros=macros, extra_compile_args=flags,
                           extra_objects=extra_objects, libraries=["pthread"])],
    python_requires=">=3.11",
)
