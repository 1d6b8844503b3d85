/* SPDX-License-Identifier: MIT */
/* tests/unit/queue_syscalls_test.c: the blocking layer makes no system call while nobody waits,
 * counted twice: by the queue's own statistics (futex waits, wakes and membarrier calls) and by
 * ringq_testable's count of every futex call (ringq__test_futex_calls); and a positive control
 * shows both counters see a real wait. */
#define _GNU_SOURCE
#include <ringq/queue.h>

#include <criterion/criterion.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "queue_support.h"

#define PAIRS 1000000u

static void
expect_no_syscalls(struct ringq_queue *q, uint64_t calls_before, const char *what) {
  struct ringq_queue_stats s;
  ringq_queue_stats(q, &s);
  cr_assert_eq(s.waits, 0, "%s: %" PRIu64 " futex waits", what, s.waits);
  cr_assert_eq(s.wakes, 0, "%s: %" PRIu64 " futex wakes", what, s.wakes);
  cr_assert_eq(s.barriers, 0, "%s: %" PRIu64 " membarrier calls", what, s.barriers);
  cr_assert_eq(futex_calls(), calls_before, "%s: %" PRIu64 " futex system calls", what,
               futex_calls() - calls_before);
}

Test(queue_syscalls, a_million_nowait_pairs_with_nobody_waiting_make_no_futex_call,
     .timeout = RINGQ_T(60)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 64);
    uint64_t calls_before = futex_calls(), i;
    for (i = 0; i < PAIRS; i++) {
      uint64_t out = 0;
      enum ringq_status st = ringq_queue_put_nowait(q, &i);
      if (st == RINGQ_OK)
        st = ringq_queue_get_nowait(q, &out);
      if (st != RINGQ_OK || out != i)
        cr_assert_fail("%s pair %" PRIu64 ": %s, got %" PRIu64, kind_name(kinds[k]), i,
                       ringq_strerror(st), out);
    }
    expect_no_syscalls(q, calls_before, kind_name(kinds[k]));
    cr_assert_eq(ringq_queue_destroy(q), RINGQ_OK);
  }
}

/* Blocking and timed calls too, and task_done with nobody joining: a single thread alternates,
 * so no call ever has to wait. */
Test(queue_syscalls, a_million_blocking_pairs_with_nobody_waiting_make_no_futex_call,
     .timeout = RINGQ_T(60)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 1);
    uint64_t calls_before = futex_calls(), i;
    for (i = 0; i < PAIRS; i++) {
      uint64_t out = 0;
      enum ringq_status st = ringq_queue_put(q, &i);
      if (st == RINGQ_OK)
        st = ringq_queue_get(q, &out);
      if (st == RINGQ_OK)
        st = ringq_queue_task_done(q);
      if (st != RINGQ_OK || out != i)
        cr_assert_fail("%s pair %" PRIu64 ": %s, got %" PRIu64, kind_name(kinds[k]), i,
                       ringq_strerror(st), out);
    }
    expect_no_syscalls(q, calls_before, kind_name(kinds[k]));
    for (i = 0; i < PAIRS / 10; i++) {
      uint64_t out = 0;
      struct timespec ts = timespec_of(test_now_ns() + 10000 * MS);
      enum ringq_status st;
      st = i % 2 ? ringq_queue_put_timeout(q, &i, 10000 * MS) : ringq_queue_put_until(q, &i, &ts);
      if (st == RINGQ_OK)
        st = i % 2 ? ringq_queue_get_timeout(q, &out, 10000 * MS)
                   : ringq_queue_get_until(q, &out, &ts);
      if (st != RINGQ_OK || out != i)
        cr_assert_fail("%s timed pair %" PRIu64 ": %s", kind_name(kinds[k]), i, ringq_strerror(st));
    }
    cr_assert_eq(ringq_queue_join_timeout(q, 0), RINGQ_TIMEDOUT);
    expect_no_syscalls(q, calls_before, kind_name(kinds[k]));
    cr_assert_eq(ringq_queue_destroy(q), RINGQ_OK);
  }
}

struct getter {
  struct ringq_queue *q;
  _Atomic(pid_t) tid;
  enum ringq_status status;
  uint64_t item;
};

static void *
getter_main(void *arg) {
  struct getter *g = (struct getter *)arg;
  atomic_store(&g->tid, (pid_t)syscall(SYS_gettid));
  g->status = ringq_queue_get(g->q, &g->item);
  return NULL;
}

/* Positive control: the counters are not stuck at zero. A get that sleeps on an empty queue for
 * 20 ms registers a futex wait; the put that releases it registers a wake. */
Test(queue_syscalls, a_get_that_blocks_registers_a_wait_and_the_releasing_put_a_wake,
     .timeout = RINGQ_T(30)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 4);
    struct getter g;
    struct ringq_queue_stats before, after;
    uint64_t calls_total = futex_calls(), calls_before_put, item = 99;
    int64_t started = test_now_ns(), give_up = started + FALL_ASLEEP_NS;
    pthread_t thread;
    memset(&g, 0, sizeof g);
    g.q = q;
    atomic_init(&g.tid, 0);
    cr_assert_eq(pthread_create(&thread, NULL, getter_main, &g), 0);
    /* Until the getter sleeps in the kernel (counted, state S), and for at least 20 ms. */
    for (;;) {
      bool asleep = thread_asleep(atomic_load(&g.tid));
      ringq_queue_stats(q, &before);
      if (before.waits >= 1 && asleep && test_now_ns() - started >= 20 * MS)
        break;
      cr_assert(test_now_ns() < give_up, "the getter did not fall asleep");
      sleep_ns(MS);
    }
    cr_assert_eq(before.wakes, 0);
    /* The getter announced itself: a private SPSC queue (asymmetric protocol, when the kernel has
     * membarrier) made its membarrier call then; an MPMC queue never makes one. */
    if (kinds[k] == RINGQ_QUEUE_SPSC && ringq__heavy_barrier_available())
      cr_assert_geq(before.barriers, 1, "SPSC: the waiter's membarrier was not counted");
    else
      cr_assert_eq(before.barriers, 0, "%s: %" PRIu64 " membarrier calls", kind_name(kinds[k]),
                   before.barriers);
    calls_before_put = futex_calls();
    cr_assert_geq(calls_before_put - calls_total, 1, "%s: the getter's wait was not counted",
                  kind_name(kinds[k]));
    cr_assert_eq(ringq_queue_put(q, &item), RINGQ_OK);
    ringq_queue_stats(q, &after);
    cr_assert_geq(after.wakes, 1, "%s: the put that released a sleeper made no wake",
                  kind_name(kinds[k]));
    cr_assert_geq(futex_calls() - calls_before_put, 1,
                  "%s: the put's wake was not counted as a system call", kind_name(kinds[k]));
    cr_assert_eq(pthread_join(thread, NULL), 0);
    cr_assert_eq(g.status, RINGQ_OK);
    cr_assert_eq(g.item, 99);
    /* Both counters agree: every counted wait and wake was one system call. */
    ringq_queue_stats(q, &after);
    cr_assert_eq(futex_calls() - calls_total, after.waits + after.wakes,
                 "%s: %" PRIu64 " futex calls, stats say %" PRIu64 " waits + %" PRIu64 " wakes",
                 kind_name(kinds[k]), futex_calls() - calls_total, after.waits, after.wakes);
    cr_assert_eq(ringq_queue_destroy(q), RINGQ_OK);
  }
}
