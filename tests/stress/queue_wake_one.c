/* SPDX-License-Identifier: MIT */
/* tests/stress/queue_wake_one.c: wake-one with pass-on (src/queue.c, "Waking one waiter, not
 * all"): every item put is got exactly once and promptly while the waiters around it time out,
 * leave for another queue (get_any / wait_any), or are cancelled in their sleep.
 *
 * Rounds. Each round puts one item into an MPMC queue Q while these wait on it, each started
 * after a random delay so that any of them may be first in the kernel's queue of sleepers:
 *   - `blocking` getters: ringq_queue_get without a timeout (they stay asleep across rounds);
 *   - a timed getter: one get_timeout with a random timeout around the put;
 *   - a get_any on [Q2, Q] and a wait_any on [Q2, Q] that reports and takes nothing, while a
 *     second item is put into Q2 in half the rounds (so they leave Q for Q2);
 *   - a getter thread cancelled at a random moment (pthread_cancel in its futex wait).
 * A wake given to one of the transient waiters that then does not take Q's item must be passed
 * on: otherwise the item stays in Q while a blocking getter sleeps beside it, until the 5 s cap
 * on one sleep. So the round fails when Q's item is not got within ITEM_BOUND_S (scaled), when
 * any sleep ends on the cap (ringq__test_capped_sleeps), or when an item is got twice or never.
 * Groups: `mpmc` (the rounds), `mpmc-inject` (the same with yields and sleeps injected at the
 * protocol's hook points). */
#define _GNU_SOURCE
#include "ringq/queue.h"

#include "stress_util.h"

#include <inttypes.h>
#include <pthread.h>
#include <sched.h>

#define ITEM_BOUND_S 1.0 /* a round's item must be got this soon after its put (scaled) */
#define BLOCKING 1       /* getters without a timeout */
#define TRANSIENTS 3     /* timed getter, get_any, wait_any */

static struct ringq_queue *q, *q2;
static _Atomic(uint64_t) round_no;    /* the round transients may start (0: not yet) */
static _Atomic(unsigned) transients_done; /* transient calls finished in this round */
static _Atomic(int) stop;
static _Atomic(uint8_t) *seen;        /* per item of Q: got once */
static _Atomic(uint64_t) got, got_q2, wait_any_reports;
static _Atomic(uint64_t) progress;
static uint64_t rounds;

static void
pause_us(uint64_t us)
{
  struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
  nanosleep(&ts, NULL);
}

/* An item of Q got: exactly once. Not a cancellation point. */
static void
record(uint64_t v)
{
  if (v == 0 || v > rounds)
    fail("item %" PRIu64 " was never put", v);
  /* relaxed: the exchange itself decides; main reads after joining or polls `got`. */
  if (atomic_exchange_explicit(&seen[v - 1], 1, memory_order_relaxed) != 0)
    fail("item %" PRIu64 " got twice", v);
  /* release; pairs with main's acquire poll: the item's mark is visible once counted. */
  atomic_fetch_add_explicit(&got, 1, memory_order_release);
}

static void *
blocking_getter(void *arg)
{
  uint64_t v, seed = (uint64_t)(uintptr_t)arg * 7919 + 1;
  for (;;) {
    enum ringq_status st = ringq_queue_get(q, &v);
    if (st == RINGQ_SHUTDOWN)
      return NULL;
    if (st != RINGQ_OK)
      fail("blocking get: %s", ringq_strerror(st));
    record(v);
    pause_us(next_rand(&seed) % 100); /* back in the kernel's queue at a random place */
  }
}

/* One of the transients: waits for each round, then makes one call after a random delay. */
static void *
transient(void *arg)
{
  unsigned role = (unsigned)(uintptr_t)arg;
  uint64_t seed = role * 104729 + 3, r = 0;
  struct ringq_queue *both[2];
  both[0] = q2;
  both[1] = q;
  for (;;) {
    uint64_t v, now;
    size_t which;
    int64_t timeout = (int64_t)(20 + next_rand(&seed) % 400) * 1000;
    enum ringq_status st;
    /* acquire; pairs with main's release store of the round. */
    while ((now = atomic_load_explicit(&round_no, memory_order_acquire)) == r)
      if (atomic_load_explicit(&stop, memory_order_relaxed))
        return NULL;
      else
        pause_us(20);
    r = now;
    pause_us(next_rand(&seed) % 60);
    switch (role) {
    case 0: /* timed get */
      st = ringq_queue_get_timeout(q, &v, timeout);
      if (st == RINGQ_OK)
        record(v);
      else if (st != RINGQ_EMPTY)
        fail("get_timeout: %s", ringq_strerror(st));
      break;
    case 1: /* get_any: Q2 first, so it leaves Q whenever Q2 has an item */
      st = ringq_queue_get_any(both, 2, &v, timeout, &which);
      if (st == RINGQ_OK && which == 1)
        record(v);
      else if (st == RINGQ_OK) /* relaxed: a statistic */
        atomic_fetch_add_explicit(&got_q2, 1, memory_order_relaxed);
      else if (st != RINGQ_EMPTY)
        fail("get_any: %s", ringq_strerror(st));
      break;
    default: /* wait_any: reports readiness, takes nothing */
      st = ringq_queue_wait_any(both, 2, RINGQ_POLL_READABLE, timeout, &which);
      if (st == RINGQ_OK) /* relaxed: a statistic */
        atomic_fetch_add_explicit(&wait_any_reports, 1, memory_order_relaxed);
      else if (st != RINGQ_TIMEDOUT)
        fail("wait_any: %s", ringq_strerror(st));
      break;
    }
    /* release; pairs with main's acquire: this round's call is over. */
    atomic_fetch_add_explicit(&transients_done, 1, memory_order_release);
  }
}

/* A getter that main cancels; the item it got before that is recorded (no cancellation point
 * between the get's return and record). */
static void *
cancelled_getter(void *arg)
{
  uint64_t v;
  (void)arg;
  for (;;) {
    enum ringq_status st = ringq_queue_get(q, &v);
    if (st != RINGQ_OK)
      return NULL;
    record(v);
  }
}

static void
dump(void *arg, double secs)
{
  struct ringq_queue_stats s;
  (void)arg;
  ringq_queue_stats(q, &s);
  fprintf(stderr,
          "  no progress for %.1f s: got %" PRIu64 " of the items put, qsize %zu, %" PRIu64
          " futex waits, %" PRIu64 " wakes, %" PRIu64 " capped sleeps\n",
          secs, atomic_load_explicit(&got, memory_order_relaxed), ringq_queue_qsize(q), s.waits,
          s.wakes, atomic_load_explicit(&ringq__test_capped_sleeps, memory_order_relaxed));
  die();
}

struct watch {
  _Atomic int finished;
  int64_t longest;
};

static void *
watchdog(void *arg)
{
  struct watch *w = arg;
  watch_progress(&progress, &w->finished, (int64_t)(RINGQ_T(10) * 1e9), &w->longest, dump, NULL);
  return NULL;
}

/* Injected at the protocol's hook points (group mpmc-inject): yield on about 1 in 5, sleep
 * 1-50 us on about 1 in 100. */
static _Thread_local uint64_t hook_seed;
static void
inject(enum ringq__hook_point p)
{
  uint64_t x;
  (void)p;
  if (hook_seed == 0)
    hook_seed = (uint64_t)(uintptr_t)&x | 1;
  x = next_rand(&hook_seed) % 10000;
  if (x < 100) {
    /* nanosleep is a cancellation point the library has not at these hooks (some sit where a
     * thread holds a count or a slot with no cleanup handler yet): a cancel must not land here. */
    int cancel_state;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
    pause_us(1 + x % 50);
    pthread_setcancelstate(cancel_state, NULL);
  } else if (x < 2000)
    sched_yield();
}

static void
run(int with_hooks, uint64_t seed)
{
  pthread_t b[BLOCKING], t[TRANSIENTS], wd;
  struct watch w;
  uint64_t r, i, q2_put = 0, v, drained = 0;
  int64_t worst = 0;
  snprintf(g_label, sizeof g_label, "wake one, %s, seed %" PRIu64,
           with_hooks ? "mpmc-inject" : "mpmc", seed);
  rounds = test_budgeted_count(with_hooks ? 1000 : 3000, g_started_ns);
  seen = calloc(rounds, sizeof *seen);
  if (seen == NULL || ringq_queue_create(RINGQ_QUEUE_MPMC, 8, sizeof(uint64_t), &q) != RINGQ_OK ||
      ringq_queue_create(RINGQ_QUEUE_MPMC, 8, sizeof(uint64_t), &q2) != RINGQ_OK)
    fail("setup");
  atomic_store_explicit(&round_no, 0, memory_order_relaxed);
  atomic_store_explicit(&stop, 0, memory_order_relaxed);
  atomic_store_explicit(&got, 0, memory_order_relaxed);
  atomic_store_explicit(&got_q2, 0, memory_order_relaxed);
  atomic_store_explicit(&wait_any_reports, 0, memory_order_relaxed);
  atomic_store_explicit(&ringq__test_capped_sleeps, 0, memory_order_relaxed);
  /* relaxed: installed before the threads start. */
  atomic_store_explicit(&ringq__test_hook, with_hooks ? inject : NULL, memory_order_relaxed);
  atomic_init(&w.finished, 0);
  w.longest = 0;
  for (i = 0; i < BLOCKING; i++)
    if (pthread_create(&b[i], NULL, blocking_getter, (void *)(uintptr_t)(i + 1)) != 0)
      fail("pthread_create");
  for (i = 0; i < TRANSIENTS; i++)
    if (pthread_create(&t[i], NULL, transient, (void *)(uintptr_t)i) != 0)
      fail("pthread_create");
  if (pthread_create(&wd, NULL, watchdog, &w) != 0)
    fail("pthread_create");
  for (r = 1; r <= rounds; r++) {
    pthread_t c;
    int64_t put_at, waited;
    int cancel = next_rand(&seed) % 2 == 0, lure = next_rand(&seed) % 2 == 0;
    atomic_store_explicit(&transients_done, 0, memory_order_relaxed);
    if (cancel && pthread_create(&c, NULL, cancelled_getter, NULL) != 0)
      fail("pthread_create");
    /* release; pairs with the transients' acquire load: round r begins. */
    atomic_store_explicit(&round_no, r, memory_order_release);
    pause_us(100 + next_rand(&seed) % 200);
    if (lure) { /* an item in Q2 just before or after Q's: get_any / wait_any leave Q for it */
      v = r;
      if (ringq_queue_put(q2, &v) != RINGQ_OK)
        fail("put q2");
      q2_put++;
    }
    v = r;
    put_at = test_now_ns();
    if (ringq_queue_put(q, &v) != RINGQ_OK)
      fail("put");
    if (cancel) {
      pause_us(next_rand(&seed) % 200);
      pthread_cancel(c);
      pthread_join(c, NULL);
    }
    /* acquire; pairs with record's release. */
    while (atomic_load_explicit(&got, memory_order_acquire) < r) {
      if (test_now_ns() - put_at > (int64_t)(RINGQ_T(ITEM_BOUND_S) * 1e9)) {
        struct ringq_queue_stats s;
        ringq_queue_stats(q, &s);
        fail("round %" PRIu64 ": item still in the queue %.2f s after its put (qsize %zu) while "
             "%d getters wait: a wake-up was not passed on (%" PRIu64 " futex waits, %" PRIu64
             " wakes so far)",
             r, RINGQ_T(ITEM_BOUND_S), ringq_queue_qsize(q), BLOCKING, s.waits, s.wakes);
      }
      pause_us(20);
    }
    waited = test_now_ns() - put_at;
    if (waited > worst)
      worst = waited;
    /* acquire; pairs with the transients' release: their calls of this round are over. */
    while (atomic_load_explicit(&transients_done, memory_order_acquire) < TRANSIENTS)
      pause_us(20);
    while (ringq_queue_get_nowait(q2, &v) == RINGQ_OK)
      drained++;
    /* relaxed: the watchdog's progress counter. */
    atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
    /* relaxed: any count but 0 is a lost wake-up. */
    if (atomic_load_explicit(&ringq__test_capped_sleeps, memory_order_relaxed) != 0)
      fail("round %" PRIu64 ": a sleep ended on the queue's cap: lost wake-up", r);
  }
  atomic_store_explicit(&stop, 1, memory_order_relaxed);
  for (i = 0; i < TRANSIENTS; i++)
    pthread_join(t[i], NULL);
  if (ringq_queue_shutdown(q, false) != RINGQ_OK)
    fail("shutdown");
  for (i = 0; i < BLOCKING; i++)
    pthread_join(b[i], NULL);
  /* release; pairs with the watchdog's acquire. */
  atomic_store_explicit(&w.finished, 1, memory_order_release);
  pthread_join(wd, NULL);
  atomic_store_explicit(&ringq__test_hook, NULL, memory_order_relaxed);
  for (i = 0; i < rounds; i++)
    if (!atomic_load_explicit(&seen[i], memory_order_relaxed))
      fail("item %" PRIu64 " never got", i + 1);
  if (drained + atomic_load_explicit(&got_q2, memory_order_relaxed) != q2_put)
    fail("Q2: %" PRIu64 " items put, %" PRIu64 " got", q2_put,
         drained + atomic_load_explicit(&got_q2, memory_order_relaxed));
  {
    struct ringq_queue_stats s;
    ringq_queue_stats(q, &s);
    printf("%s: %" PRIu64 " rounds, each item got exactly once, slowest %.2f ms after its put; "
           "%" PRIu64 " futex waits and %" PRIu64 " wakes on Q; get_any took %" PRIu64
           " from Q2, wait_any reported %" PRIu64 " times\n",
           g_label, rounds, (double)worst / 1e6, s.waits, s.wakes,
           atomic_load_explicit(&got_q2, memory_order_relaxed),
           atomic_load_explicit(&wait_any_reports, memory_order_relaxed));
  }
  if (ringq_queue_destroy(q) != RINGQ_OK || ringq_queue_destroy(q2) != RINGQ_OK)
    fail("destroy");
  free(seen);
}

int
main(int argc, char **argv)
{
  uint64_t seed = (uint64_t)time(NULL);
  int list = 0, any = parse_options(argc, argv, &seed, &list);
  g_started_ns = test_now_ns();
  if (list) {
    printf("mpmc\nmpmc-inject\n");
    return 0;
  }
  if (group_selected(argc, argv, any, "mpmc"))
    run(0, seed);
  if (group_selected(argc, argv, any, "mpmc-inject"))
    run(1, seed + 1);
  return 0;
}
