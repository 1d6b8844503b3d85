/* SPDX-License-Identifier: MIT */
/* tests/support.h: small helpers shared by ringq's tests (timeouts scaled for sanitizer builds,
 * a monotonic clock). */
#ifndef RINGQ_TESTS_SUPPORT_H
#define RINGQ_TESTS_SUPPORT_H

#include <stdint.h>
#include <stdio.h>
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

/* How long a stress program may run (scaled for the build) before it counts as running on a
 * loaded machine. */
#define TEST_STRESS_BUDGET_NS ((int64_t)30000000000 * RINGQ_TIMEOUT_SCALE)

/* The item count of a stress configuration: test_scaled_count(plain), or a tenth of it once the
 * program started at started_ns has run longer than TEST_STRESS_BUDGET_NS. On a loaded machine the
 * later configurations then keep every check with fewer items, and the program ends long before
 * its CTest timeout however slow the machine is. Says so on stdout the first time. */
static inline uint64_t
test_budgeted_count(uint64_t plain, int64_t started_ns) {
  static int said;
  uint64_t n = test_scaled_count(plain);
  int64_t ran = test_now_ns() - started_ns;
  if (ran <= TEST_STRESS_BUDGET_NS)
    return n;
  if (!said) {
    said = 1;
    printf("note: %.1f s used of a %.0f s budget (a loaded machine?): the configurations from here "
           "on move a tenth of their items\n",
           (double)ran / 1e9, (double)TEST_STRESS_BUDGET_NS / 1e9);
  }
  n /= 10;
  return n ? n : 1;
}

#endif
