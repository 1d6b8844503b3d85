# SPDX-License-Identifier: MIT
# Debian packages with CPack, one per install component:
#   libringq<ABI>  (ringq_runtime) the shared library libringq.so.<ABI>, alone, so that programs
#                  built against different ABI versions can have both installed;
#   libringq-dev   (ringq_dev) headers, libringq.a, the libringq.so link, the CMake package, the
#                  pkg-config file, the man pages and the examples; depends on the exact
#                  libringq<ABI> of the same version.
# Build them with scripts/deb.sh (a release build with prefix /usr, so the libraries land in the
# multiarch directory), or `cpack -G DEB` in any build directory.
set(CPACK_PACKAGE_NAME ringq)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_CONTACT "ringq maintainers <ringq@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_COMPONENTS_ALL ringq_runtime ringq_dev)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)

set(CPACK_DEBIAN_RINGQ_RUNTIME_PACKAGE_NAME libringq${RINGQ_ABI_VERSION})
set(CPACK_DEBIAN_RINGQ_RUNTIME_PACKAGE_SECTION libs)
set(CPACK_COMPONENT_RINGQ_RUNTIME_DESCRIPTION "The shared library of ringq's blocking queue: \
Python's queue.Queue contract (put/get with timeouts, task_done/join, shutdown) on lock-free \
rings, with no system call while nobody waits.")
set(CPACK_DEBIAN_RINGQ_RUNTIME_PACKAGE_SHLIBDEPS ON)  # Depends: libc6 (>= ...), from dpkg-shlibdeps
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)          # shlibs file and the ldconfig trigger
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")

set(CPACK_DEBIAN_RINGQ_DEV_PACKAGE_NAME libringq-dev)
set(CPACK_DEBIAN_RINGQ_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_RINGQ_DEV_PACKAGE_DEPENDS
    "libringq${RINGQ_ABI_VERSION} (= ${PROJECT_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE})")
set(CPACK_COMPONENT_RINGQ_DEV_DESCRIPTION "Development files of ringq: the headers (the \
header-only SPSC and MPMC rings and the blocking queue), the static library, the CMake package \
(find_package(ringq)), the pkg-config file, man pages and examples.")
include(CPack)
