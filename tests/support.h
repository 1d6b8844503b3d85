/* SPDX-License-Identifier: MIT */
/* tests/support.h: small helpers shared by ringq's tests (timeouts scaled for sanitizer builds,
 * a monotonic clock). */
#ifndef RINGQ_TESTS_SUPPORT_H
#define RINGQ_TESTS_SUPPORT_H

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* Build-time multiplier for timeouts (CMake's RINGQ_TIMEOUT_SCALE: 1 plain, 4 asan, 8 tsan). */
#ifndef RINGQ_TIMEOUT_SCALE
#define RINGQ_TIMEOUT_SCALE 1
#endif

/* A Criterion .timeout in seconds, scaled for the build. */
#define RINGQ_T(seconds) ((double)(seconds) * RINGQ_TIMEOUT_SCALE)

/* Nanoseconds on CLOCK_MONOTONIC. */
static inline int64_t
test_now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Scale a work amount down in sanitizer builds (they run 5-20x slower). */
static inline uint64_t
test_scaled_count(uint64_t plain)
{
  uint64_t n = plain / (uint64_t)RINGQ_TIMEOUT_SCALE;
  return n ? n : 1;
}

#endif
