/* SPDX-License-Identifier: MIT */
/* src/version.c: the library's version, as CMake's project() states it (the build passes it in). */
#include "ringq/queue.h"

#if !defined(RINGQ_VERSION_NUMBER) || !defined(RINGQ_VERSION_STRING)
#error "build src/version.c through ringq's CMakeLists.txt (it defines the version macros)"
#endif

unsigned
ringq_version(void)
{
  return RINGQ_VERSION_NUMBER;
}

const char *
ringq_version_string(void)
{
  return RINGQ_VERSION_STRING;
}
