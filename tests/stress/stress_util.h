/* SPDX-License-Identifier: MIT */
/* tests/stress/stress_util.h: what the blocking layer's stress tests (queue_pingpong.c,
 * queue_stress.c, each its own executable) share: failing at once, the random generator, the
 * watchdog loop and the command line. Their item layout is the driver's (driver.h). */
#ifndef RINGQ_TESTS_STRESS_UTIL_H
#define RINGQ_TESTS_STRESS_UTIL_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "support.h"
#include "wait.h" /* ringq__test_capped_sleeps */

/* The configuration that runs, named in every failure line. */
static char g_label[128] = "setup";

/* When main began: the time budget of test_budgeted_count counts from there. */
static int64_t g_started_ns;

/* Exit with status 1 at once, with threads still blocked or not joined. exit_group directly: the
 * sanitizers' exit-time checks would add a "thread leak" report to a failure already reported. */
static void
die(void)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((noreturn))
#endif
    ;

static void
die(void)
{
  fflush(stdout);
  fflush(stderr);
#ifdef SYS_exit_group
  syscall(SYS_exit_group, 1);
#endif
  _exit(1);
}

static void
fail(const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 1, 2), noreturn))
#endif
    ;

static void
fail(const char *fmt, ...)
{
  va_list ap;
  fflush(stdout);
  fprintf(stderr, "FAIL [%s]: ", g_label);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  die();
}

static uint64_t
next_rand(uint64_t *s)
{
  /* xorshift64* */
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 0x2545F4914F6CDD1DULL;
}

/* The watchdog's loop, until *finished: every 10 ms, see whether *progress moved, keep the longest
 * pause in *longest_pause, and call stuck(arg, seconds) (which reports and dies) once nothing moved
 * for more than limit_ns, or as soon as a sleep ended on the queue's cap on one sleep (a lost
 * wake-up: without this it would show only as 5 s pauses, below limit_ns). */
static void
watch_progress(_Atomic uint64_t *progress, _Atomic int *finished, int64_t limit_ns,
               int64_t *longest_pause, void (*stuck)(void *arg, double secs), void *arg)
{
  uint64_t last = atomic_load_explicit(progress, memory_order_relaxed);
  int64_t last_change = test_now_ns();
  struct timespec tick = {0, 10 * 1000 * 1000};
  /* acquire: pairs with main's release store once every thread is joined. */
  while (!atomic_load_explicit(finished, memory_order_acquire)) {
    uint64_t p;
    int64_t now;
    nanosleep(&tick, NULL);
    p = atomic_load_explicit(progress, memory_order_relaxed);
    now = test_now_ns();
    /* relaxed: a statistic; any count but 0 fails the run. */
    if (atomic_load_explicit(&ringq__test_capped_sleeps, memory_order_relaxed) != 0) {
      fflush(stdout);
      fprintf(stderr, "FAIL [%s]: a sleep ended on the queue's cap, not a wake-up: lost wake-up\n",
              g_label);
      stuck(arg, (double)(now - last_change) / 1e9);
    }
    if (p != last) {
      if (now - last_change > *longest_pause)
        *longest_pause = now - last_change;
      last = p;
      last_change = now;
    } else if (now - last_change > limit_ns) {
      stuck(arg, (double)(now - last_change) / 1e9);
    }
  }
}

/* The options of the command line [group...] [--seed=N] [--list]: sets *seed and *list; returns
 * whether a group is named. */
static int
parse_options(int argc, char **argv, uint64_t *seed, int *list)
{
  int j, any_group = 0;
  for (j = 1; j < argc; j++) {
    if (strncmp(argv[j], "--seed=", 7) == 0)
      *seed = strtoull(argv[j] + 7, NULL, 0);
    else if (strcmp(argv[j], "--list") == 0)
      *list = 1;
    else if (argv[j][0] == '-')
      fail("unknown option %s (usage: %s [group...] [--seed=N] [--list])", argv[j], argv[0]);
    else
      any_group = 1;
  }
  return any_group;
}

/* The command line selects `group`: it names it, or names no group at all. */
static int
group_selected(int argc, char **argv, int any_group, const char *group)
{
  int j, selected = !any_group;
  for (j = 1; j < argc; j++)
    if (argv[j][0] != '-' && strcmp(argv[j], group) == 0)
      selected = 1;
  return selected;
}

#endif
