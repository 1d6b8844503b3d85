/* SPDX-License-Identifier: MIT */
/* tests/unit/queue_wait_steps_test.c: single steps of the wait protocol whose loss the other tests
 * would not notice (found by scripts/mutants.sh): the take-back [W3] and the re-check [W2] of the
 * closed mark, each forced deterministically, single-threaded, with ringq_testable's hooks. */
#define _GNU_SOURCE
#include <ringq/queue.h>

#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "queue_support.h"

/* [W3]: a getter that timed out took its announcement back, so the next put finds nobody waiting
 * and makes no futex call; the same for a putter that timed out and the next get. */
Test(queue_wait_steps, a_wait_that_timed_out_leaves_no_waiter_for_the_next_notifier,
     .timeout = RINGQ_T(30)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 1);
    uint64_t item = 7, out = 0, before;
    cr_assert_eq(ringq_queue_get_timeout(q, &out, 2 * MS), RINGQ_EMPTY);
    before = futex_calls();
    cr_assert_eq(ringq_queue_put_nowait(q, &item), RINGQ_OK);
    cr_assert_eq(futex_calls(), before, "%s: the put after a timed-out get made %" PRIu64
                 " futex calls: the getter's announcement was left behind", kind_name(kinds[k]),
                 futex_calls() - before);
    cr_assert_eq(ringq_queue_put_timeout(q, &item, 2 * MS), RINGQ_FULL);
    before = futex_calls();
    cr_assert_eq(ringq_queue_get_nowait(q, &out), RINGQ_OK);
    cr_assert_eq(futex_calls(), before, "%s: the get after a timed-out put made %" PRIu64
                 " futex calls: the putter's announcement was left behind", kind_name(kinds[k]),
                 futex_calls() - before);
    free_queue(q);
  }
}

static struct ringq_queue *hook_queue;
static atomic_int hook_armed;

/* Shut the queue down, once, just before the waiter announces itself: the shutdown's notify
 * finds no waiter and wakes nobody, so only the re-check [W2] can keep the waiter awake. */
static void
shutdown_before_announce(enum ringq__hook_point point) {
  /* relaxed: one thread only (the waiter runs the hook and the shutdown). */
  if (point == RINGQ__HOOK_BEFORE_ANNOUNCE &&
      atomic_exchange_explicit(&hook_armed, 0, memory_order_relaxed))
    cr_expect_eq(ringq_queue_shutdown(hook_queue, false), RINGQ_OK);
}

static uint64_t
capped_sleeps(void) {
  /* relaxed: a statistic of this thread's own sleeps. */
  return atomic_load_explicit(&ringq__test_capped_sleeps, memory_order_relaxed);
}

/* [W2] reads the closed mark: a get (on an empty queue) or a put (on a full one) that starts to
 * wait just after a shutdown returns RINGQ_SHUTDOWN at once instead of sleeping. */
Test(queue_wait_steps, a_wait_that_starts_right_after_a_shutdown_does_not_sleep,
     .timeout = RINGQ_T(60)) {
  size_t k;
  int put;
  for (put = 0; put < 2; put++) {
    for (k = 0; k < NKINDS; k++) {
      struct ringq_queue *q = new_queue(kinds[k], 1);
      uint64_t item = 1, capped = capped_sleeps();
      int64_t start;
      enum ringq_status st;
      if (put)
        cr_assert_eq(ringq_queue_put_nowait(q, &item), RINGQ_OK);
      hook_queue = q;
      /* relaxed: the hook runs in this thread. */
      atomic_store_explicit(&hook_armed, 1, memory_order_relaxed);
      atomic_store_explicit(&ringq__test_hook, shutdown_before_announce, memory_order_relaxed);
      start = test_now_ns();
      st = put ? ringq_queue_put(q, &item) : ringq_queue_get(q, &item);
      atomic_store_explicit(&ringq__test_hook, NULL, memory_order_relaxed);
      cr_assert_eq(st, RINGQ_SHUTDOWN, "%s %s: %s", kind_name(kinds[k]), put ? "put" : "get",
                   ringq_strerror(st));
      cr_assert_eq(atomic_load_explicit(&hook_armed, memory_order_relaxed), 0,
                   "the hook did not run: the call never reached the wait protocol");
      cr_assert_eq(capped_sleeps(), capped, "%s %s slept until the sleep cap after a shutdown",
                   kind_name(kinds[k]), put ? "put" : "get");
      cr_assert_lt(test_now_ns() - start, 2000 * MS, "%s %s: took %" PRId64 " ms",
                   kind_name(kinds[k]), put ? "put" : "get", (test_now_ns() - start) / MS);
      free_queue(q);
    }
  }
}

/* A timed wait sleeps once, until its deadline: the futex layer does not give up early (the
 * caller would only re-check the deadline and wait again, so an early return shows as more
 * waits, never as an early timeout). A wait shorter than a millisecond sleeps too (at most once:
 * under load the spin before it may use the whole timeout). */
Test(queue_wait_steps, a_timed_wait_that_expires_sleeps_at_most_once, .timeout = RINGQ_T(30)) {
  static const int64_t timeouts[] = {20 * MS, MS * 9 / 10};
  size_t k, i;
  for (k = 0; k < NKINDS; k++) {
    for (i = 0; i < sizeof timeouts / sizeof timeouts[0]; i++) {
      struct ringq_queue *q = new_queue(kinds[k], 1);
      struct ringq_queue_stats s;
      uint64_t out = 0;
      cr_assert_eq(ringq_queue_get_timeout(q, &out, timeouts[i]), RINGQ_EMPTY);
      ringq_queue_stats(q, &s);
      cr_assert_leq(s.waits, 1, "%s: a get that timed out after %" PRId64 " us made %" PRIu64
                    " futex waits", kind_name(kinds[k]), timeouts[i] / 1000, s.waits);
      if (i == 0)
        cr_assert_eq(s.waits, 1, "%s: a 20 ms get never slept", kind_name(kinds[k]));
      free_queue(q);
    }
  }
}

static atomic_int wake_steps;

static void
count_wake_steps(enum ringq__hook_point point) {
  /* relaxed: one thread only. */
  if (point == RINGQ__HOOK_BEFORE_WAKE)
    atomic_fetch_add_explicit(&wake_steps, 1, memory_order_relaxed);
}

/* [N2]: a notifier that finds no sleeper uncovered (and no poller) stops at its load of the waitq
 * word: no compare-exchange, no wake. Found by scripts/mutants.sh (notify_always_wakes: with wake
 * one, a notifier that goes on finds m = 0 and wakes nobody, so only this step shows it). */
Test(queue_wait_steps, a_notifier_that_finds_no_waiter_stops_at_its_load, .timeout = RINGQ_T(30)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 4);
    uint64_t items[3] = {1, 2, 3}, out[3];
    /* relaxed: the hook runs in this thread. */
    atomic_store_explicit(&wake_steps, 0, memory_order_relaxed);
    atomic_store_explicit(&ringq__test_hook, count_wake_steps, memory_order_relaxed);
    cr_expect_eq(ringq_queue_put_nowait(q, &items[0]), RINGQ_OK);
    cr_expect_eq(ringq_queue_put_many(q, items, 3, 0), 3);
    cr_expect_eq(ringq_queue_get_nowait(q, &out[0]), RINGQ_OK);
    cr_expect_eq(ringq_queue_get_many(q, out, 3, 0), 3);
    cr_expect_eq(ringq_queue_task_done(q), RINGQ_OK);
    atomic_store_explicit(&ringq__test_hook, NULL, memory_order_relaxed);
    cr_assert_eq(atomic_load_explicit(&wake_steps, memory_order_relaxed), 0,
                 "%s: %d notifies went past [N2] with nobody waiting", kind_name(kinds[k]),
                 atomic_load_explicit(&wake_steps, memory_order_relaxed));
    free_queue(q);
  }
}

static atomic_int token_armed;
static uint64_t second_put_calls;

/* In the getter's own thread, after it announced itself and found the queue empty: two puts. The
 * first issues a wake token to the announced getter (a futex wake, which finds nobody queued
 * yet); the second finds sleepers <= tokens (the getter is on its way) and stops at [N2]. */
static void
two_puts_before_sleep(enum ringq__hook_point point) {
  uint64_t item = 5, before;
  /* relaxed: one thread only. */
  if (point != RINGQ__HOOK_BEFORE_SLEEP ||
      !atomic_exchange_explicit(&token_armed, 0, memory_order_relaxed))
    return;
  cr_expect_eq(ringq_queue_put_nowait(hook_queue, &item), RINGQ_OK);
  before = futex_calls();
  cr_expect_eq(ringq_queue_put_nowait(hook_queue, &item), RINGQ_OK);
  second_put_calls = futex_calls() - before;
}

/* [N3] issues a token per wake: a notifier that comes while the woken getter has not left yet
 * sees it covered and makes no system call. Found by scripts/mutants.sh (notify_adds_no_token:
 * without tokens every notify wakes again; the stress tests kill it only now and then). */
Test(queue_wait_steps, a_put_while_the_woken_getter_is_on_its_way_makes_no_futex_call,
     .timeout = RINGQ_T(30)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 4);
    uint64_t out = 0;
    hook_queue = q;
    second_put_calls = 99;
    /* relaxed: the hook runs in this thread. */
    atomic_store_explicit(&token_armed, 1, memory_order_relaxed);
    atomic_store_explicit(&ringq__test_hook, two_puts_before_sleep, memory_order_relaxed);
    cr_expect_eq(ringq_queue_get_timeout(q, &out, 2000 * MS), RINGQ_OK);
    atomic_store_explicit(&ringq__test_hook, NULL, memory_order_relaxed);
    cr_assert_eq(atomic_load_explicit(&token_armed, memory_order_relaxed), 0,
                 "%s: the getter never reached its sleep", kind_name(kinds[k]));
    cr_assert_eq(second_put_calls, 0, "%s: the second put made %" PRIu64 " futex calls",
                 kind_name(kinds[k]), second_put_calls);
    cr_assert_eq(ringq_queue_qsize(q), 1, "%s: one item left", kind_name(kinds[k]));
    free_queue(q);
  }
}
