/* SPDX-License-Identifier: MIT */
/* tests/queue_support.h: helpers shared by the Criterion tests of the blocking layer (queue_test,
 * queue_syscalls_test, queue_misuse_test): the kinds every test runs for, queue set-up, time
 * conversions, the futex-call count and what /proc says about a thread. */
#ifndef RINGQ_TESTS_QUEUE_SUPPORT_H
#define RINGQ_TESTS_QUEUE_SUPPORT_H

#include <ringq/queue.h>

#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "support.h"
#include "wait.h" /* ringq__test_futex_calls: ringq_testable counts every futex system call */

#define MS ((int64_t)1000000)

/* A timeout or deadline this far away must not be what ends a call. */
#define LONG_NS ((int64_t)10000 * MS * RINGQ_TIMEOUT_SCALE)

/* A thread that has not fallen asleep in its call by then never will. */
#define FALL_ASLEEP_NS ((int64_t)5000 * MS * RINGQ_TIMEOUT_SCALE)

static const enum ringq_queue_kind kinds[] = {RINGQ_QUEUE_SPSC, RINGQ_QUEUE_MPMC};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static inline const char *
kind_name(enum ringq_queue_kind kind) {
  return kind == RINGQ_QUEUE_SPSC ? "SPSC" : "MPMC";
}

/* RINGQ_QUEUE_TEST_UNBOUNDED=1 (tests/unbounded/ builds queue_test.c again with it): every queue
 * a test makes through test_capacity / new_queue is unbounded (capacity 0), and the tests that
 * need a bound are disabled (.disabled = UNBOUNDED_RUN). */
#ifndef RINGQ_QUEUE_TEST_UNBOUNDED
#define RINGQ_QUEUE_TEST_UNBOUNDED 0
#endif
#define UNBOUNDED_RUN (RINGQ_QUEUE_TEST_UNBOUNDED != 0)
static inline size_t
test_capacity(size_t capacity) {
  return UNBOUNDED_RUN ? 0 : capacity;
}

/* A queue of uint64_t items. */
static inline struct ringq_queue *
new_queue(enum ringq_queue_kind kind, size_t capacity) {
  struct ringq_queue *q = NULL;
  enum ringq_status st = ringq_queue_create(kind, test_capacity(capacity), sizeof(uint64_t), &q);
  cr_assert_eq(st, RINGQ_OK, "create(%s, %zu): %s", kind_name(kind), capacity, ringq_strerror(st));
  return q;
}

static inline void
free_queue(struct ringq_queue *q) {
  enum ringq_status st = ringq_queue_destroy(q);
  cr_assert_eq(st, RINGQ_OK, "destroy: %s", ringq_strerror(st));
}

static inline uint64_t
futex_calls(void) {
  /* relaxed: a statistic; the threads that made the calls were joined or are asleep. */
  return atomic_load_explicit(&ringq__test_futex_calls, memory_order_relaxed);
}

static inline void
sleep_ns(int64_t ns) {
  struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

/* A CLOCK_MONOTONIC time in nanoseconds as a timespec (ns >= 0). */
static inline struct timespec
timespec_of(int64_t ns) {
  struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
  return ts;
}

/* The scheduler state of a thread of this process ('S': sleeping), or '?' if /proc says nothing. */
static inline char
proc_state(const char *path) {
  char buf[512];
  size_t n;
  char *p;
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return '?';
  n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  p = strrchr(buf, ')'); /* the command name may contain spaces and parentheses */
  return (p != NULL && p[1] == ' ' && p[2] != '\0') ? p[2] : '?';
}

static inline char
thread_state(pid_t tid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
  return proc_state(path);
}

/* Thread tid (0: not started yet) sleeps: its state is S, or /proc does not say. */
static inline bool
thread_asleep(pid_t tid) {
  char s;
  if (tid == 0)
    return false;
  s = thread_state(tid);
  return s == 'S' || s == '?';
}

#endif
