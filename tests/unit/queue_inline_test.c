/* SPDX-License-Identifier: MIT */
/* tests/unit/queue_inline_test.c: queue.h's inline fast path (ringq_queue_put / get / put_nowait
 * / get_nowait compiled into the caller) and its out-of-line twins. The inline path serves a
 * bounded queue of items made by init / create whenever the ring has room or an item: no call
 * reaches the library then (ringq_testable counts those that do, ringq__test_twin_calls). Every
 * other case goes to the twin and gets the twin's answer; a sleeper on the other side is woken;
 * and a call through the twin ((ringq_queue_put)(q, item)) mixes freely with inline calls. The
 * wait protocol's races through the inline path are the stress tests' (queue_pingpong injects
 * delays at the same hook points, which the inline path calls in test builds). */
#define _GNU_SOURCE
#include <ringq/queue.h>

#include <criterion/criterion.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "queue_support.h"

#define CAPACITY 8u
#define ROUNDS 1000u

static uint64_t
twin_calls(void) {
  /* relaxed: a statistic; this thread made the calls, or joined the threads that did. */
  return atomic_load_explicit(&ringq__test_twin_calls, memory_order_relaxed);
}

Test(queue_inline, puts_and_gets_with_room_and_items_never_reach_the_library) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], CAPACITY);
    uint64_t before = twin_calls(), i, j, next_out = 0;
    for (i = 0; i < ROUNDS; i++) {
      /* fill the ring, then drain it: every call has room or an item */
      for (j = 0; j < CAPACITY; j++) {
        uint64_t v = i * CAPACITY + j;
        cr_assert_eq(j % 2 ? ringq_queue_put(q, &v) : ringq_queue_put_nowait(q, &v), RINGQ_OK);
      }
      for (j = 0; j < CAPACITY; j++) {
        uint64_t out = UINT64_MAX;
        cr_assert_eq(j % 2 ? ringq_queue_get(q, &out) : ringq_queue_get_nowait(q, &out),
                     RINGQ_OK);
        cr_assert_eq(out, next_out, "%s: got %" PRIu64 ", expected %" PRIu64,
                     kind_name(kinds[k]), out, next_out);
        next_out++;
      }
    }
    cr_assert_eq(twin_calls(), before, "%s: %" PRIu64 " calls reached the library",
                 kind_name(kinds[k]), twin_calls() - before);
    free_queue(q);
  }
}

Test(queue_inline, every_other_case_gets_the_twins_answer) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], CAPACITY);
    uint64_t v = 7, out = 0, before = twin_calls(), j;
    /* empty: the twin reports EMPTY */
    cr_assert_eq(ringq_queue_get_nowait(q, &out), RINGQ_EMPTY);
    cr_assert_eq(twin_calls(), before + 1);
    /* NULL arguments: the twin reports EINVAL */
    cr_assert_eq(ringq_queue_put_nowait(q, NULL), RINGQ_EINVAL);
    cr_assert_eq(ringq_queue_get_nowait(q, NULL), RINGQ_EINVAL);
    cr_assert_eq(ringq_queue_put(NULL, &v), RINGQ_EINVAL);
    cr_assert_eq(ringq_queue_get(NULL, &out), RINGQ_EINVAL);
    /* full: the twin reports FULL */
    for (j = 0; j < CAPACITY; j++)
      cr_assert_eq(ringq_queue_put_nowait(q, &j), RINGQ_OK);
    before = twin_calls();
    cr_assert_eq(ringq_queue_put_nowait(q, &v), RINGQ_FULL);
    cr_assert_eq(twin_calls(), before + 1);
    /* shut down: puts are refused at once, gets drain, then SHUTDOWN */
    cr_assert_eq(ringq_queue_shutdown(q, false), RINGQ_OK);
    cr_assert_eq(ringq_queue_put(q, &v), RINGQ_SHUTDOWN);
    cr_assert_eq(ringq_queue_put_nowait(q, &v), RINGQ_SHUTDOWN);
    for (j = 0; j < CAPACITY; j++) {
      cr_assert_eq(ringq_queue_get(q, &out), RINGQ_OK);
      cr_assert_eq(out, j);
    }
    cr_assert_eq(ringq_queue_get(q, &out), RINGQ_SHUTDOWN);
    cr_assert_eq(ringq_queue_get_nowait(q, &out), RINGQ_SHUTDOWN);
    free_queue(q);
  }
}

Test(queue_inline, twin_calls_and_inline_calls_mix) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], CAPACITY);
    uint64_t i, out, before = twin_calls();
    for (i = 0; i < ROUNDS; i++) {
      out = UINT64_MAX;
      if (i % 2) {
        cr_assert_eq((ringq_queue_put)(q, &i), RINGQ_OK);
        cr_assert_eq(ringq_queue_get(q, &out), RINGQ_OK);
      } else {
        cr_assert_eq(ringq_queue_put_nowait(q, &i), RINGQ_OK);
        cr_assert_eq((ringq_queue_get_nowait)(q, &out), RINGQ_OK);
      }
      cr_assert_eq(out, i);
    }
    cr_assert_eq(twin_calls(), before + ROUNDS, "%s: %" PRIu64 " twin calls, expected %u",
                 kind_name(kinds[k]), twin_calls() - before, ROUNDS);
    free_queue(q);
  }
}

/* Queues the inline path does not serve: the twin handles every call. */
Test(queue_inline, token_and_unbounded_queues_go_to_the_library) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *tokens = NULL, *unbounded = NULL;
    uint64_t v = 5, out = 0, before;
    cr_assert_eq(ringq_queue_create(kinds[k], CAPACITY, 0, &tokens), RINGQ_OK);
    cr_assert_eq(ringq_queue_create(kinds[k], 0, sizeof v, &unbounded), RINGQ_OK);
    before = twin_calls();
    cr_assert_eq(ringq_queue_put(tokens, NULL), RINGQ_OK);
    cr_assert_eq(ringq_queue_get_nowait(tokens, NULL), RINGQ_OK);
    cr_assert_eq(ringq_queue_put_nowait(unbounded, &v), RINGQ_OK);
    cr_assert_eq(ringq_queue_get(unbounded, &out), RINGQ_OK);
    cr_assert_eq(out, v);
    cr_assert_eq(twin_calls(), before + 4);
    free_queue(tokens);
    free_queue(unbounded);
  }
}

/* A sleeper on the other side is woken by an inline call: the inline [N2] sees it and hands the
 * wake to the library (ringq__wake_getters / _putters). */
struct sleeper {
  struct ringq_queue *q;
  int getter; /* 1: blocks in get on an empty queue; 0: in put on a full one */
  _Atomic(pid_t) tid;
  enum ringq_status st;
  uint64_t item;
};

static void *
sleeper_main(void *arg) {
  struct sleeper *s = arg;
  /* relaxed: polled by the main thread until it sees the thread asleep in /proc. */
  atomic_store_explicit(&s->tid, (pid_t)syscall(SYS_gettid), memory_order_relaxed);
  s->st = s->getter ? ringq_queue_get(s->q, &s->item) : ringq_queue_put(s->q, &s->item);
  return NULL;
}

static void
wait_until_asleep(struct sleeper *s) {
  int64_t waited = 0;
  /* relaxed: the tid is only used to read /proc. */
  while (!thread_asleep(atomic_load_explicit(&s->tid, memory_order_relaxed)) &&
         waited < FALL_ASLEEP_NS) {
    sleep_ns(MS);
    waited += MS;
  }
  sleep_ns(20 * MS); /* asleep in the futex, not in a nap between tries */
}

Test(queue_inline, an_inline_put_or_get_wakes_the_sleeper_on_the_other_side,
     .timeout = RINGQ_T(60)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    int getter;
    for (getter = 1; getter >= 0; getter--) {
      struct ringq_queue *q = new_queue(kinds[k], CAPACITY);
      struct sleeper s = {.q = q, .getter = getter, .item = 99};
      struct ringq_queue_stats stats;
      pthread_t t;
      uint64_t v = 42, out = 0, j;
      if (!getter)
        for (j = 0; j < CAPACITY; j++)
          cr_assert_eq(ringq_queue_put_nowait(q, &j), RINGQ_OK);
      atomic_init(&s.tid, 0);
      cr_assert_eq(pthread_create(&t, NULL, sleeper_main, &s), 0);
      wait_until_asleep(&s);
      if (getter)
        cr_assert_eq(ringq_queue_put(q, &v), RINGQ_OK);
      else
        cr_assert_eq(ringq_queue_get(q, &out), RINGQ_OK);
      cr_assert_eq(pthread_join(t, NULL), 0); /* hangs (test timeout) if the wake was lost */
      cr_assert_eq(s.st, RINGQ_OK);
      if (getter)
        cr_assert_eq(s.item, v);
      else
        cr_assert_eq(out, 0);
      ringq_queue_stats(q, &stats);
      cr_assert_geq(stats.wakes, 1, "%s %s: the sleeper was not woken by a futex wake",
                    kind_name(kinds[k]), getter ? "getter" : "putter");
      free_queue(q);
    }
  }
}
