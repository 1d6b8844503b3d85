/* SPDX-License-Identifier: MIT */
/* tests/unit/queue_test.c: the contract of ringq/queue.h with real threads: FIFO order and exact
 * capacity, timeouts that never end early, prompt wake-ups, task_done/join, shutdown, destroy
 * while busy, and a process-shared queue used across fork(). */
#define _GNU_SOURCE
#include <ringq/queue.h>

#include <criterion/criterion.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "queue_support.h"

#define SCALE ((int64_t)RINGQ_TIMEOUT_SCALE)

/* Timing policy. Returning before a timeout or deadline is always a failure, measured on
 * CLOCK_MONOTONIC from before the call. Lateness is asserted only by bounds of seconds, which no
 * scheduler delay on a loaded 2-CPU machine reaches: they tell "returned" from "never returned",
 * not how accurate a wait is (that is the bench's business). A lost wake-up does not always hang:
 * src/queue.c caps each sleep (MAX_SLEEP_NS, 5 s) and re-checks, so finish_expect also requires
 * that no sleep ended on that cap (ringq__test_capped_sleeps). */
#define LATE_NS (5000 * MS * SCALE)   /* a timed wait may end this much after its deadline */
#define PROMPT_NS (5000 * MS * SCALE) /* a released thread must return within this */
#define BLOCKED_NS (30 * MS)          /* how long a thread must stay blocked to count as blocked */
#define LIMIT_NS                                                                                   \
  (5000 * MS * SCALE) /* a call that should return and has not by then never will                  \
                       */

/* Sleeps of this process that ended on the queue's cap on one sleep rather than a wake-up. */
static uint64_t
capped_sleeps(void) {
  /* relaxed: a statistic; the threads that slept were joined. */
  return atomic_load_explicit(&ringq__test_capped_sleeps, memory_order_relaxed);
}

static uint64_t
waits_of(struct ringq_queue *q) {
  struct ringq_queue_stats s;
  ringq_queue_stats(q, &s);
  return s.waits;
}

static void
put_ok(struct ringq_queue *q, uint64_t item) {
  enum ringq_status st = ringq_queue_put_nowait(q, &item);
  cr_assert_eq(st, RINGQ_OK, "put_nowait(%" PRIu64 "): %s", item, ringq_strerror(st));
}

static void
get_expect(struct ringq_queue *q, uint64_t want) {
  uint64_t got = UINT64_MAX;
  enum ringq_status st = ringq_queue_get_nowait(q, &got);
  cr_assert_eq(st, RINGQ_OK, "get_nowait: %s", ringq_strerror(st));
  cr_assert_eq(got, want, "got %" PRIu64 ", expected %" PRIu64, got, want);
}

/* join must succeed; a join that never ends fails the test rather than hanging it. */
static void
join_ok(struct ringq_queue *q, const char *when) {
  enum ringq_status st = ringq_queue_join_timeout(q, LIMIT_NS);
  cr_assert_eq(st, RINGQ_OK, "join %s: %s", when, ringq_strerror(st));
}

static void
task_done_ok(struct ringq_queue *q) {
  enum ringq_status st = ringq_queue_task_done(q);
  cr_assert_eq(st, RINGQ_OK, "task_done: %s", ringq_strerror(st));
}

/* ---- a thread that makes one queue call ---------------------------------------------------- */

enum op {
  OP_PUT,
  OP_PUT_TIMEOUT,
  OP_PUT_UNTIL,
  OP_GET,
  OP_GET_TIMEOUT,
  OP_GET_UNTIL,
  OP_JOIN,
  OP_JOIN_TIMEOUT,
  OP_JOIN_UNTIL
};

static const char *const op_names[] = {"put",  "put_timeout",  "put_until",
                                       "get",  "get_timeout",  "get_until",
                                       "join", "join_timeout", "join_until"};

struct waiter {
  struct ringq_queue *q;
  enum op op;
  uint64_t item;            /* put: the item; get: the item got */
  int64_t timeout_ns;       /* *_TIMEOUT */
  struct timespec deadline; /* *_UNTIL */
  pthread_t thread;
  _Atomic(pid_t) tid;    /* set before the call */
  _Atomic(int) finished; /* set after the call; seq_cst publishes status and returned_at */
  enum ringq_status status;
  int64_t returned_at; /* test_now_ns() right after the call returned */
};

static enum ringq_status
run_op(struct waiter *w) {
  switch (w->op) {
  case OP_PUT: return ringq_queue_put(w->q, &w->item);
  case OP_PUT_TIMEOUT: return ringq_queue_put_timeout(w->q, &w->item, w->timeout_ns);
  case OP_PUT_UNTIL: return ringq_queue_put_until(w->q, &w->item, &w->deadline);
  case OP_GET: return ringq_queue_get(w->q, &w->item);
  case OP_GET_TIMEOUT: return ringq_queue_get_timeout(w->q, &w->item, w->timeout_ns);
  case OP_GET_UNTIL: return ringq_queue_get_until(w->q, &w->item, &w->deadline);
  case OP_JOIN: return ringq_queue_join(w->q);
  case OP_JOIN_TIMEOUT: return ringq_queue_join_timeout(w->q, w->timeout_ns);
  case OP_JOIN_UNTIL: return ringq_queue_join_until(w->q, &w->deadline);
  }
  return RINGQ_ESYS;
}

static void *
waiter_main(void *arg) {
  struct waiter *w = (struct waiter *)arg;
  atomic_store(&w->tid, (pid_t)syscall(SYS_gettid));
  w->status = run_op(w);
  w->returned_at = test_now_ns();
  atomic_store(&w->finished, 1);
  return NULL;
}

/* Prepare a call with long limits (timeouts and deadlines must not be what ends it); the caller
 * may change timeout_ns / deadline before start(). */
static void
prepare(struct waiter *w, struct ringq_queue *q, enum op op, uint64_t item) {
  memset(w, 0, sizeof *w);
  w->q = q;
  w->op = op;
  w->item = item;
  w->timeout_ns = LONG_NS;
  w->deadline = timespec_of(test_now_ns() + LONG_NS);
  atomic_init(&w->tid, 0);
  atomic_init(&w->finished, 0);
}

static void
start(struct waiter *w) {
  cr_assert_eq(pthread_create(&w->thread, NULL, waiter_main, w), 0);
}

static void
launch(struct waiter *w, struct ringq_queue *q, enum op op, uint64_t item) {
  prepare(w, q, op, item);
  start(w);
}

/* Join the thread; one whose call never returns fails the test here rather than hanging it. */
static void
finish(struct waiter *w) {
  struct timespec limit;
  int rc;
  clock_gettime(CLOCK_REALTIME, &limit); /* pthread_timedjoin_np's clock */
  limit.tv_sec += (time_t)(LIMIT_NS / 1000000000);
  rc = pthread_timedjoin_np(w->thread, NULL, &limit);
  cr_assert_eq(rc, 0, "%s never returned (pthread_timedjoin_np: %s)", op_names[w->op],
               strerror(rc));
}

/* Wait until the n threads of w[] sleep in the queue: it counted n more futex waits than
 * waits_before, and each thread's state is S. Fails if one of them returns instead. */
static void
await_asleep(struct ringq_queue *q, uint64_t waits_before, struct waiter *w, size_t n) {
  int64_t give_up = test_now_ns() + FALL_ASLEEP_NS;
  for (;;) {
    size_t i, asleep = 0;
    for (i = 0; i < n; i++) {
      pid_t tid = atomic_load(&w[i].tid);
      cr_assert(!atomic_load(&w[i].finished), "%s returned %s instead of blocking",
                op_names[w[i].op], ringq_strerror(w[i].status));
      asleep += thread_asleep(tid);
    }
    if (asleep == n && waits_of(q) >= waits_before + n)
      return;
    cr_assert(test_now_ns() < give_up, "%zu threads did not fall asleep in the queue", n);
    sleep_ns(MS);
  }
}

/* The thread is still inside its call after BLOCKED_NS. */
static void
expect_still_blocked(struct waiter *w, size_t n, const char *when) {
  size_t i;
  sleep_ns(BLOCKED_NS);
  for (i = 0; i < n; i++)
    cr_assert(!atomic_load(&w[i].finished), "%s returned %s %s", op_names[w[i].op],
              ringq_strerror(w[i].status), when);
}

/* Join the thread, then check what its call returned, that it returned within PROMPT_NS of
 * released_at, and that it was woken: no sleep of this process ended on the sleep cap. */
static void
finish_expect(struct waiter *w, enum ringq_status want, int64_t released_at, const char *what) {
  int64_t lag;
  finish(w);
  cr_assert_eq(w->status, want, "%s: blocked %s returned %s, expected %s", what, op_names[w->op],
               ringq_strerror(w->status), ringq_strerror(want));
  lag = w->returned_at - released_at;
  cr_assert(lag < PROMPT_NS, "%s: blocked %s returned %" PRId64 " ms after being released", what,
            op_names[w->op], lag / MS);
  cr_assert_eq(capped_sleeps(), 0,
               "%s: blocked %s: %" PRIu64 " sleeps ended on the sleep cap, not a wake-up (lost "
               "wake-up)",
               what, op_names[w->op], capped_sleeps());
}

/* A timed call that ended at `ended` after starting at `started` with a limit of timeout_ns:
 * never early, and not much later. */
static void
expect_timely(int64_t started, int64_t ended, int64_t timeout_ns, const char *what) {
  int64_t elapsed = ended - started;
  cr_assert(elapsed >= timeout_ns,
            "%s returned after %" PRId64 " ns, before its timeout of %" PRId64 " ns", what, elapsed,
            timeout_ns);
  cr_assert(elapsed < timeout_ns + LATE_NS,
            "%s returned %" PRId64 " ms after a %" PRId64 " ms timeout", what, elapsed / MS,
            timeout_ns / MS);
}

/* ---- FIFO order and capacity --------------------------------------------------------------- */

static void
check_sizes(struct ringq_queue *q, size_t n, size_t capacity) {
  cr_assert_eq(ringq_queue_qsize(q), n, "qsize %zu, expected %zu", ringq_queue_qsize(q), n);
  cr_assert_eq(ringq_queue_empty(q), n == 0, "empty() wrong at size %zu", n);
  cr_assert_eq(ringq_queue_full(q), !UNBOUNDED_RUN && n == capacity,
               "full() wrong at size %zu of %zu", n, capacity);
  cr_assert_eq(ringq_queue_capacity(q), test_capacity(capacity));
}

Test(queue, items_come_out_in_the_order_they_were_put_by_every_variant, .timeout = RINGQ_T(10)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 5);
    uint64_t next_in = 0, next_out = 0;
    int round;
    for (round = 0; round < 200; round++) {
      int n = round % 5 + 1, i;
      for (i = 0; i < n; i++) {
        uint64_t item = next_in++;
        struct timespec later = timespec_of(test_now_ns() + LONG_NS);
        enum ringq_status st;
        switch (item % 4) {
        case 0: st = ringq_queue_put(q, &item); break;
        case 1: st = ringq_queue_put_nowait(q, &item); break;
        case 2: st = ringq_queue_put_timeout(q, &item, LONG_NS); break;
        default: st = ringq_queue_put_until(q, &item, &later); break;
        }
        cr_assert_eq(st, RINGQ_OK, "%s put #%" PRIu64 ": %s", kind_name(kinds[k]), item,
                     ringq_strerror(st));
      }
      for (i = 0; i < n; i++) {
        uint64_t item = UINT64_MAX;
        struct timespec later = timespec_of(test_now_ns() + LONG_NS);
        enum ringq_status st;
        switch ((next_out + (uint64_t)round) % 4) {
        case 0: st = ringq_queue_get(q, &item); break;
        case 1: st = ringq_queue_get_nowait(q, &item); break;
        case 2: st = ringq_queue_get_timeout(q, &item, LONG_NS); break;
        default: st = ringq_queue_get_until(q, &item, &later); break;
        }
        cr_assert_eq(st, RINGQ_OK, "%s get: %s", kind_name(kinds[k]), ringq_strerror(st));
        cr_assert_eq(item, next_out, "%s: got %" PRIu64 ", expected %" PRIu64, kind_name(kinds[k]),
                     item, next_out);
        next_out++;
      }
    }
    free_queue(q);
  }
}

struct producer {
  struct ringq_queue *q;
  uint64_t count;
  enum ringq_status status; /* first failure, or RINGQ_OK */
};

static void *
producer_main(void *arg) {
  struct producer *p = (struct producer *)arg;
  uint64_t i;
  p->status = RINGQ_OK;
  for (i = 0; i < p->count; i++) {
    enum ringq_status st = ringq_queue_put(p->q, &i);
    if (st != RINGQ_OK) {
      p->status = st;
      break;
    }
  }
  return NULL;
}

Test(queue, a_blocking_stream_between_two_threads_keeps_every_item_in_order,
     .timeout = RINGQ_T(30)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 3);
    struct producer p = {q, test_scaled_count(200000), RINGQ_OK};
    pthread_t thread;
    uint64_t i;
    cr_assert_eq(pthread_create(&thread, NULL, producer_main, &p), 0);
    for (i = 0; i < p.count; i++) {
      uint64_t item = UINT64_MAX;
      enum ringq_status st = ringq_queue_get(q, &item);
      cr_assert_eq(st, RINGQ_OK, "%s get #%" PRIu64 ": %s", kind_name(kinds[k]), i,
                   ringq_strerror(st));
      cr_assert_eq(item, i, "%s: got %" PRIu64 ", expected %" PRIu64, kind_name(kinds[k]), item, i);
    }
    cr_assert_eq(pthread_join(thread, NULL), 0);
    cr_assert_eq(p.status, RINGQ_OK, "producer: %s", ringq_strerror(p.status));
    check_sizes(q, 0, 3);
    free_queue(q);
  }
}

Test(queue, capacities_one_two_and_three_hold_exactly_that_many_items, .timeout = RINGQ_T(10),
     .disabled = UNBOUNDED_RUN) {
  size_t k, capacity;
  for (k = 0; k < NKINDS; k++) {
    for (capacity = 1; capacity <= 3; capacity++) {
      struct ringq_queue *q = new_queue(kinds[k], capacity);
      uint64_t next_in = 100, next_out = 100, item = 0;
      int round;
      cr_log_info("%s, capacity %zu", kind_name(kinds[k]), capacity);
      check_sizes(q, 0, capacity);
      /* Several rounds, so the indices pass the end of the (power-of-two) storage. */
      for (round = 0; round < 6; round++) {
        size_t i;
        for (i = 0; i < capacity; i++) {
          put_ok(q, next_in++);
          check_sizes(q, i + 1, capacity);
        }
        item = 999;
        cr_assert_eq(ringq_queue_put_nowait(q, &item), RINGQ_FULL);
        cr_assert_eq(ringq_queue_put_timeout(q, &item, 0), RINGQ_FULL);
        check_sizes(q, capacity, capacity);
        for (i = 0; i < capacity; i++) {
          get_expect(q, next_out++);
          check_sizes(q, capacity - i - 1, capacity);
        }
        item = 777;
        cr_assert_eq(ringq_queue_get_nowait(q, &item), RINGQ_EMPTY);
        cr_assert_eq(ringq_queue_get_timeout(q, &item, 0), RINGQ_EMPTY);
        cr_assert_eq(item, 777, "a failed get wrote its output");
        check_sizes(q, 0, capacity);
        /* One in, one out: the indices move by one item against the storage. */
        put_ok(q, next_in++);
        check_sizes(q, 1, capacity);
        get_expect(q, next_out++);
      }
      free_queue(q);
    }
  }
}

Test(queue, items_of_odd_and_large_sizes_are_copied_whole, .timeout = RINGQ_T(10)) {
  static const size_t sizes[] = {1, 3, 24, 1000};
  size_t k, s;
  for (k = 0; k < NKINDS; k++) {
    for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
      struct ringq_queue *q = NULL;
      unsigned char in[1000], out[1001];
      int i;
      cr_assert_eq(ringq_queue_create(kinds[k], test_capacity(3), sizes[s], &q), RINGQ_OK);
      for (i = 0; i < 10; i++) {
        memset(in, 0x40 + i, sizes[s]);
        in[sizes[s] - 1] = (unsigned char)i;
        memset(out, 0xee, sizeof out);
        cr_assert_eq(ringq_queue_put(q, in), RINGQ_OK);
        cr_assert_eq(ringq_queue_get(q, out), RINGQ_OK);
        cr_assert(memcmp(in, out, sizes[s]) == 0, "%s, %zu-byte item changed on the way",
                  kind_name(kinds[k]), sizes[s]);
        cr_assert_eq(out[sizes[s]], 0xee, "get wrote past the item size %zu", sizes[s]);
      }
      free_queue(q);
    }
  }
}

/* ---- timeouts and deadlines ---------------------------------------------------------------- */

static const int64_t short_timeouts[] = {10 * MS, 100 * MS};

Test(queue_timeout, put_on_a_full_queue_times_out_with_full_never_early, .timeout = RINGQ_T(10),
     .disabled = UNBOUNDED_RUN) {
  size_t k, t;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 1);
    put_ok(q, 1);
    for (t = 0; t < 2; t++) {
      uint64_t item = 2;
      int64_t started = test_now_ns(), timeout = short_timeouts[t];
      enum ringq_status st = ringq_queue_put_timeout(q, &item, timeout);
      int64_t ended = test_now_ns();
      cr_assert_eq(st, RINGQ_FULL, "%s put_timeout: %s", kind_name(kinds[k]), ringq_strerror(st));
      expect_timely(started, ended, timeout, "put_timeout on a full queue");
    }
    check_sizes(q, 1, 1);
    get_expect(q, 1);
    free_queue(q);
  }
}

Test(queue_timeout, get_on_an_empty_queue_times_out_with_empty_never_early,
     .timeout = RINGQ_T(10)) {
  size_t k, t;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 2);
    for (t = 0; t < 2; t++) {
      uint64_t item = 42;
      int64_t started = test_now_ns(), timeout = short_timeouts[t];
      enum ringq_status st = ringq_queue_get_timeout(q, &item, timeout);
      int64_t ended = test_now_ns();
      cr_assert_eq(st, RINGQ_EMPTY, "%s get_timeout: %s", kind_name(kinds[k]), ringq_strerror(st));
      cr_assert_eq(item, 42, "a get that timed out wrote its output");
      expect_timely(started, ended, timeout, "get_timeout on an empty queue");
    }
    free_queue(q);
  }
}

Test(queue_timeout, join_with_unfinished_tasks_times_out_never_early, .timeout = RINGQ_T(10)) {
  size_t k, t;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 2);
    put_ok(q, 1);
    for (t = 0; t < 2; t++) {
      int64_t started = test_now_ns(), timeout = short_timeouts[t];
      enum ringq_status st = ringq_queue_join_timeout(q, timeout);
      int64_t ended = test_now_ns();
      cr_assert_eq(st, RINGQ_TIMEDOUT, "%s join_timeout: %s", kind_name(kinds[k]),
                   ringq_strerror(st));
      expect_timely(started, ended, timeout, "join_timeout with an unfinished task");
    }
    get_expect(q, 1);
    task_done_ok(q);
    free_queue(q);
  }
}

/* put_until / get_until / join_until return only once CLOCK_MONOTONIC has reached the deadline. */
Test(queue_timeout, until_variants_return_at_their_absolute_monotonic_deadline_never_before,
     .timeout = RINGQ_T(10), .disabled = UNBOUNDED_RUN) {
  size_t k, t;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *full = new_queue(kinds[k], 1), *empty = new_queue(kinds[k], 1);
    put_ok(full, 7);
    for (t = 0; t < 2; t++) {
      int which;
      for (which = 0; which < 3; which++) {
        static const char *const names[] = {"put_until", "get_until", "join_until"};
        static const enum ringq_status want[] = {RINGQ_FULL, RINGQ_EMPTY, RINGQ_TIMEDOUT};
        uint64_t item = 8;
        int64_t deadline = test_now_ns() + short_timeouts[t], ended;
        struct timespec ts = timespec_of(deadline);
        enum ringq_status st;
        if (which == 0)
          st = ringq_queue_put_until(full, &item, &ts);
        else if (which == 1)
          st = ringq_queue_get_until(empty, &item, &ts);
        else
          st = ringq_queue_join_until(full, &ts); /* one task unfinished */
        ended = test_now_ns();
        cr_assert_eq(st, want[which], "%s %s: %s", kind_name(kinds[k]), names[which],
                     ringq_strerror(st));
        cr_assert(ended >= deadline, "%s %s returned %" PRId64 " ns before its deadline",
                  kind_name(kinds[k]), names[which], deadline - ended);
        cr_assert(ended - deadline < LATE_NS, "%s %s returned %" PRId64 " ms after its deadline",
                  kind_name(kinds[k]), names[which], (ended - deadline) / MS);
      }
    }
    get_expect(full, 7);
    task_done_ok(full);
    free_queue(full);
    free_queue(empty);
  }
}

/* A deadline already past, and a timeout of 0, try once and never sleep. */
Test(queue_timeout, a_past_deadline_and_a_zero_timeout_return_at_once_without_blocking,
     .timeout = RINGQ_T(10), .disabled = UNBOUNDED_RUN) {
  size_t k, d;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *full = new_queue(kinds[k], 1), *empty = new_queue(kinds[k], 1);
    int64_t now = test_now_ns();
    struct timespec past[3];
    uint64_t calls_before = futex_calls(), item = 5;
    int64_t started;
    past[0] = timespec_of(0);
    past[1] = timespec_of(now > 1000 * MS ? now - 1000 * MS : 0);
    past[2] = timespec_of(now);
    put_ok(full, 1); /* and one unfinished task for join */
    started = test_now_ns();
    for (d = 0; d < 3; d++) {
      cr_assert_eq(ringq_queue_put_until(full, &item, &past[d]), RINGQ_FULL);
      cr_assert_eq(ringq_queue_get_until(empty, &item, &past[d]), RINGQ_EMPTY);
      cr_assert_eq(ringq_queue_join_until(full, &past[d]), RINGQ_TIMEDOUT);
    }
    cr_assert_eq(ringq_queue_put_timeout(full, &item, 0), RINGQ_FULL);
    cr_assert_eq(ringq_queue_get_timeout(empty, &item, 0), RINGQ_EMPTY);
    cr_assert_eq(ringq_queue_join_timeout(full, 0), RINGQ_TIMEDOUT);
    cr_assert_eq(ringq_queue_put_nowait(full, &item), RINGQ_FULL);
    cr_assert_eq(ringq_queue_get_nowait(empty, &item), RINGQ_EMPTY);
    cr_assert(test_now_ns() - started < PROMPT_NS, "non-waiting calls took %" PRId64 " ms",
              (test_now_ns() - started) / MS);
    cr_assert_eq(waits_of(full) + waits_of(empty), 0, "a non-waiting call went to sleep");
    cr_assert_eq(futex_calls(), calls_before, "a non-waiting call made a futex system call");
    get_expect(full, 1);
    task_done_ok(full);
    free_queue(full);
    free_queue(empty);
  }
}

/* Timeouts too large to represent, and deadlines at and beyond the largest representable
 * nanosecond count, wait without limit: only the other side ends them. */
Test(queue_timeout, huge_timeouts_and_deadlines_wait_until_the_other_side_releases_them,
     .timeout = RINGQ_T(60), .disabled = UNBOUNDED_RUN) {
  const time_t top = (time_t)(INT64_MAX / 1000000000); /* 9223372036 */
  const int64_t timeouts[] = {INT64_MAX, INT64_MAX - 1, INT64_MAX / 2, INT64_MAX - test_now_ns()};
  /* The first two are representable and reach the kernel as they are; the others saturate. */
  const struct timespec deadlines[] = {
      {top - 2, 0},     {top - 1, 0},     {top - 1, 999999999},  {top, 0},
      {top, 854775807}, {top, 999999999}, {INT64_MAX, 999999999}};
  const size_t nt = sizeof timeouts / sizeof timeouts[0];
  const size_t nd = sizeof deadlines / sizeof deadlines[0];
  size_t k, c;
  for (k = 0; k < NKINDS; k++) {
    for (c = 0; c < 3 * (nt + nd); c++) {
      size_t family = c / (nt + nd), v = c % (nt + nd);
      struct ringq_queue *q = new_queue(kinds[k], 1);
      struct waiter w;
      enum op op = (enum op)(family * 3 + (v < nt ? 1 : 2)); /* OP_x_TIMEOUT or OP_x_UNTIL */
      int64_t released;
      if (family == 0)
        put_ok(q, 1); /* full: put waits */
      else if (family == 2) {
        put_ok(q, 1); /* one task got but not done: join waits */
        get_expect(q, 1);
      }
      prepare(&w, q, op, 2);
      if (v < nt)
        w.timeout_ns = timeouts[v];
      else
        w.deadline = deadlines[v - nt];
      start(&w);
      await_asleep(q, 0, &w, 1);
      expect_still_blocked(&w, 1, "early with a huge timeout or deadline");
      released = test_now_ns();
      if (family == 0)
        get_expect(q, 1);
      else if (family == 1)
        put_ok(q, 3);
      else
        task_done_ok(q);
      finish_expect(&w, RINGQ_OK, released, kind_name(kinds[k]));
      if (family == 0)
        get_expect(q, 2);
      else if (family == 1)
        cr_assert_eq(w.item, 3);
      free_queue(q);
    }
  }
}

/* ---- wake-ups ------------------------------------------------------------------------------ */

static const enum op put_ops[] = {OP_PUT, OP_PUT_TIMEOUT, OP_PUT_UNTIL};
static const enum op get_ops[] = {OP_GET, OP_GET_TIMEOUT, OP_GET_UNTIL};

Test(queue_blocking, a_blocked_put_returns_promptly_once_another_thread_gets,
     .timeout = RINGQ_T(30), .disabled = UNBOUNDED_RUN) {
  size_t k, o;
  for (k = 0; k < NKINDS; k++) {
    for (o = 0; o < 3; o++) {
      struct ringq_queue *q = new_queue(kinds[k], 2);
      struct waiter w;
      int64_t released;
      put_ok(q, 1);
      put_ok(q, 2);
      launch(&w, q, put_ops[o], 3);
      await_asleep(q, 0, &w, 1);
      expect_still_blocked(&w, 1, "on a full queue");
      released = test_now_ns();
      get_expect(q, 1);
      finish_expect(&w, RINGQ_OK, released, kind_name(kinds[k]));
      get_expect(q, 2);
      get_expect(q, 3);
      free_queue(q);
    }
  }
}

Test(queue_blocking, a_blocked_get_returns_promptly_once_another_thread_puts,
     .timeout = RINGQ_T(30)) {
  size_t k, o;
  for (k = 0; k < NKINDS; k++) {
    for (o = 0; o < 3; o++) {
      struct ringq_queue *q = new_queue(kinds[k], 2);
      struct waiter w;
      int64_t released;
      launch(&w, q, get_ops[o], 0);
      await_asleep(q, 0, &w, 1);
      expect_still_blocked(&w, 1, "on an empty queue");
      released = test_now_ns();
      put_ok(q, 11);
      finish_expect(&w, RINGQ_OK, released, kind_name(kinds[k]));
      cr_assert_eq(w.item, 11);
      check_sizes(q, 0, 2);
      free_queue(q);
    }
  }
}

/* MPMC: each put wakes a getter, each get wakes a putter; none is left asleep. */
Test(queue_blocking, several_blocked_mpmc_getters_and_putters_each_return_promptly,
     .timeout = RINGQ_T(30), .disabled = UNBOUNDED_RUN) {
  struct ringq_queue *q = new_queue(RINGQ_QUEUE_MPMC, 1);
  struct waiter w[3];
  uint64_t seen = 0, before;
  size_t i;
  for (i = 0; i < 3; i++)
    launch(&w[i], q, get_ops[i], 0);
  await_asleep(q, 0, w, 3);
  for (i = 0; i < 3; i++) {
    int64_t released = test_now_ns(), give_up = released + PROMPT_NS;
    size_t done = 0, j;
    put_ok(q, (uint64_t)1 << i);
    /* Exactly one more getter must return, promptly. */
    while (done < i + 1 && test_now_ns() < give_up) {
      done = 0;
      for (j = 0; j < 3; j++)
        done += (size_t)atomic_load(&w[j].finished);
      sleep_ns(MS / 10);
    }
    cr_assert_eq(done, i + 1, "after %zu puts, %zu blocked getters had returned", i + 1, done);
  }
  for (i = 0; i < 3; i++) {
    finish(&w[i]);
    cr_assert_eq(w[i].status, RINGQ_OK);
    seen |= w[i].item;
  }
  cr_assert_eq(seen, 7, "the three getters did not get the three items");

  put_ok(q, 100);
  before = waits_of(q);
  for (i = 0; i < 3; i++)
    launch(&w[i], q, put_ops[i], 101 + i);
  await_asleep(q, before, w, 3);
  seen = 0;
  for (i = 0; i < 4; i++) {
    uint64_t item = 0;
    int64_t released = test_now_ns();
    enum ringq_status st = ringq_queue_get_timeout(q, &item, PROMPT_NS);
    cr_assert_eq(st, RINGQ_OK, "get #%zu: %s (a blocked putter was not woken in %" PRId64 " ms)", i,
                 ringq_strerror(st), (test_now_ns() - released) / MS);
    if (i == 0)
      cr_assert_eq(item, 100);
    else
      seen |= (uint64_t)1 << (item - 101);
  }
  cr_assert_eq(seen, 7, "the three putters' items did not all arrive");
  for (i = 0; i < 3; i++) {
    finish(&w[i]);
    cr_assert_eq(w[i].status, RINGQ_OK);
  }
  cr_assert_eq(capped_sleeps(), 0, "%" PRIu64 " sleeps ended on the sleep cap (lost wake-ups)",
               capped_sleeps());
  free_queue(q);
}

/* ---- task_done / join ---------------------------------------------------------------------- */

Test(queue_join, join_returns_only_after_the_last_task_done, .timeout = RINGQ_T(30)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 8);
    struct waiter w[2];
    int64_t released;
    uint64_t i;
    for (i = 0; i < 5; i++)
      put_ok(q, i);
    for (i = 0; i < 5; i++)
      get_expect(q, i);
    launch(&w[0], q, OP_JOIN, 0);
    launch(&w[1], q, OP_JOIN_TIMEOUT, 0);
    await_asleep(q, 0, w, 2);
    for (i = 0; i < 4; i++)
      task_done_ok(q);
    cr_assert_eq(ringq_queue_join_timeout(q, 20 * MS), RINGQ_TIMEDOUT,
                 "join ended with one task unfinished");
    expect_still_blocked(w, 2, "with one task unfinished");
    released = test_now_ns();
    task_done_ok(q);
    finish_expect(&w[0], RINGQ_OK, released, kind_name(kinds[k]));
    finish_expect(&w[1], RINGQ_OK, released, kind_name(kinds[k]));
    cr_assert_eq(ringq_queue_join_timeout(q, 0), RINGQ_OK);
    join_ok(q, "with nothing left to do");
    free_queue(q);
  }
}

/* Tasks are counted from the put: items not yet got keep join waiting too. */
Test(queue_join, join_waits_for_items_still_in_the_queue, .timeout = RINGQ_T(30)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 4);
    struct waiter w;
    int64_t released;
    put_ok(q, 1);
    put_ok(q, 2);
    launch(&w, q, OP_JOIN_UNTIL, 0);
    await_asleep(q, 0, &w, 1);
    get_expect(q, 1);
    task_done_ok(q);
    expect_still_blocked(&w, 1, "with an item still in the queue");
    get_expect(q, 2);
    expect_still_blocked(&w, 1, "with an item got but not done");
    released = test_now_ns();
    task_done_ok(q);
    finish_expect(&w, RINGQ_OK, released, kind_name(kinds[k]));
    free_queue(q);
  }
}

Test(queue_join, join_on_a_fresh_queue_returns_at_once, .timeout = RINGQ_T(10)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 4);
    struct timespec past = timespec_of(0), later = timespec_of(test_now_ns() + LONG_NS);
    uint64_t calls_before = futex_calls();
    int64_t started = test_now_ns();
    cr_assert_eq(ringq_queue_join(q), RINGQ_OK);
    cr_assert_eq(ringq_queue_join_timeout(q, 0), RINGQ_OK);
    cr_assert_eq(ringq_queue_join_timeout(q, LONG_NS), RINGQ_OK);
    cr_assert_eq(ringq_queue_join_until(q, &past), RINGQ_OK);
    cr_assert_eq(ringq_queue_join_until(q, &later), RINGQ_OK);
    cr_assert(test_now_ns() - started < PROMPT_NS);
    cr_assert_eq(futex_calls(), calls_before, "join on a fresh queue made a system call");
    /* And again once every task is done. */
    put_ok(q, 1);
    get_expect(q, 1);
    task_done_ok(q);
    join_ok(q, "with nothing left to do");
    free_queue(q);
  }
}

Test(queue_join, task_done_beyond_the_items_put_is_refused_and_changes_nothing,
     .timeout = RINGQ_T(10)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 4);
    cr_assert_eq(ringq_queue_task_done(q), RINGQ_ETASKDONE, "task_done on a fresh queue");
    cr_assert_eq(ringq_queue_join_timeout(q, 0), RINGQ_OK);
    put_ok(q, 1);
    put_ok(q, 2);
    get_expect(q, 1);
    task_done_ok(q);
    cr_assert_eq(ringq_queue_join_timeout(q, 0), RINGQ_TIMEDOUT);
    /* Item 2 was put but not got: as in Python, its task_done may come first. */
    task_done_ok(q);
    cr_assert_eq(ringq_queue_task_done(q), RINGQ_ETASKDONE);
    cr_assert_eq(ringq_queue_task_done(q), RINGQ_ETASKDONE);
    cr_assert_eq(ringq_queue_join_timeout(q, 0), RINGQ_OK,
                 "refused task_done calls changed the count");
    check_sizes(q, 1, 4);
    get_expect(q, 2);
    cr_assert_eq(ringq_queue_join_timeout(q, 0), RINGQ_OK);
    cr_assert_eq(ringq_queue_task_done(q), RINGQ_ETASKDONE);
    /* The count is intact: the next item is one task again. */
    put_ok(q, 3);
    cr_assert_eq(ringq_queue_join_timeout(q, 0), RINGQ_TIMEDOUT);
    get_expect(q, 3);
    task_done_ok(q);
    cr_assert_eq(ringq_queue_join_timeout(q, 0), RINGQ_OK);
    free_queue(q);
  }
}

/* ---- shutdown ------------------------------------------------------------------------------ */

/* An SPSC queue allows one putting and one getting thread at a time. */
static size_t
threads_for(enum ringq_queue_kind kind) {
  return kind == RINGQ_QUEUE_SPSC ? 1 : 3;
}

Test(queue_shutdown, a_graceful_shutdown_wakes_blocked_putters_with_shutdown_and_keeps_the_items,
     .timeout = RINGQ_T(30), .disabled = UNBOUNDED_RUN) {
  size_t k, i;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 2);
    struct waiter w[3];
    size_t n = threads_for(kinds[k]);
    int64_t released;
    uint64_t item = 0;
    put_ok(q, 1);
    put_ok(q, 2);
    for (i = 0; i < n; i++)
      launch(&w[i], q, put_ops[i], 10 + i);
    await_asleep(q, 0, w, n);
    cr_assert(!ringq_queue_is_shutdown(q));
    released = test_now_ns();
    cr_assert_eq(ringq_queue_shutdown(q, false), RINGQ_OK);
    for (i = 0; i < n; i++)
      finish_expect(&w[i], RINGQ_SHUTDOWN, released, kind_name(kinds[k]));
    cr_assert(ringq_queue_is_shutdown(q));
    check_sizes(q, 2, 2);
    get_expect(q, 1);
    get_expect(q, 2);
    cr_assert_eq(ringq_queue_get(q, &item), RINGQ_SHUTDOWN);
    free_queue(q);
  }
}

Test(queue_shutdown, a_graceful_shutdown_wakes_blocked_getters_with_shutdown,
     .timeout = RINGQ_T(30)) {
  size_t k, i;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 2);
    struct waiter w[3];
    size_t n = threads_for(kinds[k]);
    int64_t released;
    for (i = 0; i < n; i++)
      launch(&w[i], q, get_ops[i], 0);
    await_asleep(q, 0, w, n);
    released = test_now_ns();
    cr_assert_eq(ringq_queue_shutdown(q, false), RINGQ_OK);
    for (i = 0; i < n; i++)
      finish_expect(&w[i], RINGQ_SHUTDOWN, released, kind_name(kinds[k]));
    free_queue(q);
  }
}

/* Every put fails with SHUTDOWN and accepts nothing. */
static void
expect_puts_refused(struct ringq_queue *q) {
  uint64_t item = 1234;
  struct timespec later = timespec_of(test_now_ns() + LONG_NS);
  size_t before = ringq_queue_qsize(q);
  cr_assert_eq(ringq_queue_put(q, &item), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_queue_put_nowait(q, &item), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_queue_put_timeout(q, &item, 0), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_queue_put_timeout(q, &item, LONG_NS), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_queue_put_until(q, &item, &later), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_queue_qsize(q), before, "a refused put changed the size");
}

/* Every get fails with SHUTDOWN. */
static void
expect_gets_refused(struct ringq_queue *q) {
  uint64_t item = 4321;
  struct timespec later = timespec_of(test_now_ns() + LONG_NS);
  cr_assert_eq(ringq_queue_get(q, &item), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_queue_get_nowait(q, &item), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_queue_get_timeout(q, &item, 0), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_queue_get_timeout(q, &item, LONG_NS), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_queue_get_until(q, &item, &later), RINGQ_SHUTDOWN);
  cr_assert_eq(item, 4321, "a refused get wrote its output");
}

Test(queue_shutdown, after_a_graceful_shutdown_gets_drain_the_items_left_then_report_shutdown,
     .timeout = RINGQ_T(10)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 4);
    uint64_t item = 0;
    put_ok(q, 1);
    put_ok(q, 2);
    put_ok(q, 3);
    cr_assert_eq(ringq_queue_shutdown(q, false), RINGQ_OK);
    cr_assert(ringq_queue_is_shutdown(q));
    expect_puts_refused(q);
    check_sizes(q, 3, 4);
    cr_assert_eq(ringq_queue_get(q, &item), RINGQ_OK);
    cr_assert_eq(item, 1);
    cr_assert_eq(ringq_queue_get_timeout(q, &item, LONG_NS), RINGQ_OK);
    cr_assert_eq(item, 2);
    cr_assert_eq(ringq_queue_get_nowait(q, &item), RINGQ_OK);
    cr_assert_eq(item, 3);
    check_sizes(q, 0, 4);
    expect_gets_refused(q);
    /* The drained items are still tasks until done. */
    cr_assert_eq(ringq_queue_join_timeout(q, 0), RINGQ_TIMEDOUT);
    task_done_ok(q);
    task_done_ok(q);
    task_done_ok(q);
    join_ok(q, "with nothing left to do");
    cr_assert_eq(ringq_queue_shutdown(q, false), RINGQ_OK, "a second shutdown");
    free_queue(q);
  }
}

/* Python 3.13: shutdown() without immediate does not end join; the tasks left must be done. */
Test(queue_shutdown, a_graceful_shutdown_leaves_joiners_waiting_for_the_tasks_left,
     .timeout = RINGQ_T(30)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 4);
    struct waiter w;
    int64_t released;
    put_ok(q, 1);
    put_ok(q, 2);
    launch(&w, q, OP_JOIN, 0);
    await_asleep(q, 0, &w, 1);
    cr_assert_eq(ringq_queue_shutdown(q, false), RINGQ_OK);
    expect_still_blocked(&w, 1, "after a graceful shutdown with tasks left");
    cr_assert_eq(ringq_queue_join_timeout(q, 10 * MS), RINGQ_TIMEDOUT);
    get_expect(q, 1);
    get_expect(q, 2);
    task_done_ok(q);
    expect_still_blocked(&w, 1, "with one task left");
    released = test_now_ns();
    task_done_ok(q);
    finish_expect(&w, RINGQ_OK, released, kind_name(kinds[k]));
    free_queue(q);
  }
}

/* Shutdown is sticky: a call that would wait, made after it, returns at once and never sleeps. */
Test(queue_shutdown, a_thread_that_starts_to_wait_after_shutdown_never_sleeps,
     .timeout = RINGQ_T(10), .disabled = UNBOUNDED_RUN) {
  size_t k;
  int immediate;
  for (k = 0; k < NKINDS; k++) {
    for (immediate = 0; immediate < 2; immediate++) {
      struct ringq_queue *empty = new_queue(kinds[k], 1), *full = new_queue(kinds[k], 1);
      uint64_t calls_before;
      int64_t started;
      put_ok(full, 1);
      cr_assert_eq(ringq_queue_shutdown(empty, immediate), RINGQ_OK);
      cr_assert_eq(ringq_queue_shutdown(full, immediate), RINGQ_OK);
      calls_before = futex_calls();
      started = test_now_ns();
      expect_gets_refused(empty);
      expect_puts_refused(full);
      if (immediate) {
        /* The item left was discarded and counts as done. */
        join_ok(full, "after an immediate shutdown discarded the only task");
        expect_gets_refused(full);
      }
      cr_assert(test_now_ns() - started < PROMPT_NS, "calls after shutdown took %" PRId64 " ms",
                (test_now_ns() - started) / MS);
      cr_assert_eq(waits_of(empty) + waits_of(full), 0, "a call after shutdown went to sleep");
      cr_assert_eq(futex_calls(), calls_before, "a call after shutdown made a system call");
      if (!immediate) {
        get_expect(full, 1);
        task_done_ok(full);
      }
      free_queue(empty);
      free_queue(full);
    }
  }
}

Test(queue_shutdown, an_immediate_shutdown_discards_the_items_left_and_counts_them_as_done,
     .timeout = RINGQ_T(30)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 4);
    struct waiter w;
    int64_t released;
    put_ok(q, 1);
    put_ok(q, 2);
    put_ok(q, 3);
    put_ok(q, 4);
    get_expect(q, 1); /* got, not yet done */
    cr_assert_eq(ringq_queue_shutdown(q, true), RINGQ_OK);
    cr_assert(ringq_queue_is_shutdown(q));
    check_sizes(q, 0, 4);
    expect_gets_refused(q);
    expect_puts_refused(q);
    check_sizes(q, 0, 4);
    /* Only the item that was got is still a task. */
    cr_assert_eq(ringq_queue_join_timeout(q, 0), RINGQ_TIMEDOUT);
    launch(&w, q, OP_JOIN, 0);
    await_asleep(q, 0, &w, 1);
    expect_still_blocked(&w, 1, "with a got item not done");
    released = test_now_ns();
    task_done_ok(q);
    finish_expect(&w, RINGQ_OK, released, kind_name(kinds[k]));
    cr_assert_eq(ringq_queue_task_done(q), RINGQ_ETASKDONE, "task_done for a discarded item");
    join_ok(q, "after the got item was done");
    free_queue(q);
  }
}

Test(queue_shutdown, an_immediate_shutdown_wakes_blocked_putters_getters_and_joiners_promptly,
     .timeout = RINGQ_T(30), .disabled = UNBOUNDED_RUN) {
  size_t k, i;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *full = new_queue(kinds[k], 1), *empty = new_queue(kinds[k], 1);
    struct waiter putters[3], joiners[2], getters[3];
    size_t n = threads_for(kinds[k]);
    uint64_t before;
    int64_t released;
    put_ok(full, 1); /* full, one task never got */
    for (i = 0; i < n; i++)
      launch(&putters[i], full, put_ops[i], 2 + i);
    await_asleep(full, 0, putters, n);
    before = waits_of(full);
    launch(&joiners[0], full, OP_JOIN, 0);
    launch(&joiners[1], full, OP_JOIN_TIMEOUT, 0);
    await_asleep(full, before, joiners, 2);
    for (i = 0; i < n; i++)
      launch(&getters[i], empty, get_ops[i], 0);
    await_asleep(empty, 0, getters, n);

    released = test_now_ns();
    cr_assert_eq(ringq_queue_shutdown(full, true), RINGQ_OK);
    for (i = 0; i < n; i++)
      finish_expect(&putters[i], RINGQ_SHUTDOWN, released, kind_name(kinds[k]));
    /* The discarded item counts as done, and nothing was got: join ends. */
    finish_expect(&joiners[0], RINGQ_OK, released, kind_name(kinds[k]));
    finish_expect(&joiners[1], RINGQ_OK, released, kind_name(kinds[k]));
    check_sizes(full, 0, 1);

    released = test_now_ns();
    cr_assert_eq(ringq_queue_shutdown(empty, true), RINGQ_OK);
    for (i = 0; i < n; i++)
      finish_expect(&getters[i], RINGQ_SHUTDOWN, released, kind_name(kinds[k]));
    free_queue(full);
    free_queue(empty);
  }
}

Test(queue_shutdown, a_shutdown_can_become_immediate_but_never_less, .timeout = RINGQ_T(10)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *a = new_queue(kinds[k], 4), *b = new_queue(kinds[k], 4);
    cr_assert(!ringq_queue_is_shutdown(a));
    put_ok(a, 1);
    put_ok(a, 2);
    cr_assert_eq(ringq_queue_shutdown(a, false), RINGQ_OK);
    check_sizes(a, 2, 4);
    cr_assert_eq(ringq_queue_shutdown(a, true), RINGQ_OK);
    cr_assert(ringq_queue_is_shutdown(a));
    check_sizes(a, 0, 4);
    expect_gets_refused(a);
    join_ok(a, "after an immediate shutdown discarded both tasks");

    put_ok(b, 1);
    put_ok(b, 2);
    cr_assert_eq(ringq_queue_shutdown(b, true), RINGQ_OK);
    cr_assert_eq(ringq_queue_shutdown(b, false), RINGQ_OK);
    cr_assert(ringq_queue_is_shutdown(b));
    check_sizes(b, 0, 4);
    expect_gets_refused(b);
    join_ok(b, "after an immediate shutdown discarded both tasks");
    free_queue(a);
    free_queue(b);
  }
}

/* ---- destroy while busy -------------------------------------------------------------------- */

Test(queue_lifecycle, destroy_while_a_thread_is_blocked_is_refused_with_busy,
     .timeout = RINGQ_T(30), .disabled = UNBOUNDED_RUN) {
  static const enum op ops[] = {OP_GET, OP_PUT, OP_JOIN};
  size_t k, o;
  for (k = 0; k < NKINDS; k++) {
    for (o = 0; o < 3; o++) {
      struct ringq_queue *q = new_queue(kinds[k], 1);
      struct waiter w;
      int64_t released;
      if (ops[o] != OP_GET)
        put_ok(q, 1); /* full for put; one unfinished task for join */
      launch(&w, q, ops[o], 2);
      await_asleep(q, 0, &w, 1);
      cr_assert_eq(ringq_queue_destroy(q), RINGQ_EBUSY, "%s: destroy with a blocked %s",
                   kind_name(kinds[k]), op_names[ops[o]]);
      cr_assert_eq(ringq_queue_fini(q), RINGQ_EBUSY);
      expect_still_blocked(&w, 1, "after a refused destroy");
      released = test_now_ns();
      cr_assert_eq(ringq_queue_shutdown(q, true), RINGQ_OK);
      finish_expect(&w, ops[o] == OP_JOIN ? RINGQ_OK : RINGQ_SHUTDOWN, released,
                    kind_name(kinds[k]));
      cr_assert_eq(ringq_queue_fini(q), RINGQ_OK);
      cr_assert_eq(ringq_queue_destroy(q), RINGQ_OK);
    }
  }
}

/* ---- a process-shared queue across fork() -------------------------------------------------- */

#define SHARED_ITEMS 1000
#define SHARED_CAPACITY 4
#define SHARED_PAUSE_EVERY 100 /* each side pauses once per this many items */

/* The page after the queue: what the child reports, and the parent's thread id. */
enum { REPORT_PUT_AT, REPORT_GOT_AT, REPORT_ITEM, REPORT_CAPPED, REPORT_PARENT_TID };

static int64_t *
child_report(void *mem, size_t bytes) {
  return (int64_t *)((unsigned char *)mem + bytes); /* one page after the queue */
}

/* Wait until thread `tid` (of any process) sleeps while the queue holds `size` items. A side of
 * the stream sleeps only in the queue, so then it sleeps in its put (size: the capacity) or its
 * get (size 0), and that sleep was counted as a futex wait. false if it never does. */
static bool
await_peer_asleep(struct ringq_queue *q, pid_t tid, size_t size) {
  char path[64];
  int64_t give_up = test_now_ns() + FALL_ASLEEP_NS;
  snprintf(path, sizeof path, "/proc/%d/stat", (int)tid);
  for (;;) {
    if (ringq_queue_qsize(q) == size && proc_state(path) == 'S')
      return true;
    if (test_now_ns() > give_up)
      return false;
    sleep_ns(MS / 10);
  }
}

/* The child: put SHARED_ITEMS items with blocking put; once per SHARED_PAUSE_EVERY items, stop
 * until the parent has drained the queue and sleeps in get. Exit codes: 0 ok, 2 put failed,
 * 4 the parent never fell asleep. */
static void
child_puts(struct ringq_queue *q, const int64_t *report) {
  uint64_t i;
  for (i = 0; i < SHARED_ITEMS; i++) {
    if (i % SHARED_PAUSE_EVERY == SHARED_PAUSE_EVERY / 2 &&
        !await_peer_asleep(q, (pid_t)report[REPORT_PARENT_TID], 0))
      _exit(4);
    if (ringq_queue_put(q, &i) != RINGQ_OK)
      _exit(2);
  }
  _exit(0);
}

/* The child: one get that the parent releases; report when it returned, what it got and how many
 * of its sleeps ended on the queue's sleep cap rather than a wake-up. */
static void
child_gets_once(struct ringq_queue *q, int64_t *report) {
  uint64_t item = 0, capped_before = capped_sleeps(); /* the count is inherited from the parent */
  enum ringq_status st = ringq_queue_get_timeout(q, &item, LONG_NS);
  report[REPORT_GOT_AT] = test_now_ns();
  report[REPORT_ITEM] = (int64_t)item;
  report[REPORT_CAPPED] = (int64_t)(capped_sleeps() - capped_before);
  _exit(st == RINGQ_OK ? 0 : 3);
}

static void
await_child_asleep(struct ringq_queue *q, pid_t pid, uint64_t waits_before) {
  char path[64];
  int64_t give_up = test_now_ns() + FALL_ASLEEP_NS;
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  for (;;) {
    char s = proc_state(path);
    if (waits_of(q) > waits_before && (s == 'S' || s == '?'))
      return;
    cr_assert(test_now_ns() < give_up, "the child did not fall asleep in get");
    sleep_ns(MS);
  }
}

static void
reap(pid_t pid, int want_code) {
  int status = 0;
  cr_assert_eq(waitpid(pid, &status, 0), pid);
  cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == want_code,
            "child ended with wait status %#x, expected exit code %d", status, want_code);
}

Test(queue_shared, a_process_shared_queue_passes_items_between_a_parent_and_a_forked_child,
     .timeout = RINGQ_T(60), .disabled = UNBOUNDED_RUN) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    size_t bytes = 0, map_bytes;
    void *mem;
    struct ringq_queue *q;
    int64_t *report;
    struct ringq_queue_stats before, after;
    uint64_t i;
    pid_t pid;
    cr_assert_eq(ringq_queue_memsize(kinds[k], SHARED_CAPACITY, sizeof(uint64_t), &bytes),
                 RINGQ_OK);
    map_bytes = bytes + 4096;
    /* mmap memory is page-aligned, so aligned to RINGQ_CACHE_LINE. */
    mem = mmap(NULL, map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(mem, MAP_FAILED);
    report = child_report(mem, bytes);
    cr_assert_eq(ringq_queue_init(mem, bytes, kinds[k], SHARED_CAPACITY, sizeof(uint64_t),
                                  RINGQ_QUEUE_PROCESS_SHARED),
                 RINGQ_OK);
    q = (struct ringq_queue *)mem;

    /* 1. The child sleeps in get; the parent's put must wake it across the process boundary
     *    (a process-private futex would leave it asleep until the queue's 5 s cap on one sleep,
     *    which the child counts). */
    pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0)
      child_gets_once(q, report);
    await_child_asleep(q, pid, 0);
    report[REPORT_PUT_AT] = test_now_ns();
    put_ok(q, 77);
    reap(pid, 0);
    cr_assert_eq(report[REPORT_ITEM], 77);
    cr_assert_eq(report[REPORT_CAPPED], 0,
                 "%s: the child's sleep ended on the sleep cap: the put did not wake it",
                 kind_name(kinds[k]));
    cr_assert(report[REPORT_GOT_AT] - report[REPORT_PUT_AT] < PROMPT_NS,
              "%s: the child's get returned %" PRId64 " ms after the parent's put",
              kind_name(kinds[k]), (report[REPORT_GOT_AT] - report[REPORT_PUT_AT]) / MS);
    task_done_ok(q);

    /* 2. A stream through the queue: both sides block and wake each other. Each side pauses
     *    until the other sleeps (the child in put on a full queue, the parent in get on an empty
     *    one), so both directions of the cross-process wake-up are exercised every time. */
    ringq_queue_stats(q, &before);
    report[REPORT_PARENT_TID] = (int64_t)syscall(SYS_gettid);
    pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0)
      child_puts(q, report);
    for (i = 0; i < SHARED_ITEMS; i++) {
      uint64_t item = UINT64_MAX;
      enum ringq_status st;
      if (i % SHARED_PAUSE_EVERY == 0 && !await_peer_asleep(q, pid, SHARED_CAPACITY)) {
        kill(pid, SIGKILL);
        cr_assert_fail("%s: the child did not fall asleep in put before get #%" PRIu64,
                       kind_name(kinds[k]), i);
      }
      st = ringq_queue_get_timeout(q, &item, LONG_NS);
      if (st != RINGQ_OK)
        kill(pid, SIGKILL);
      cr_assert_eq(st, RINGQ_OK, "%s: parent get #%" PRIu64 ": %s", kind_name(kinds[k]), i,
                   ringq_strerror(st));
      cr_assert_eq(item, i, "%s: got %" PRIu64 ", expected %" PRIu64, kind_name(kinds[k]), item, i);
      task_done_ok(q);
    }
    reap(pid, 0);
    ringq_queue_stats(q, &after);
    after.waits -= before.waits;
    after.wakes -= before.wakes;
    cr_log_info("%s stream across fork: %" PRIu64 " futex waits, %" PRIu64 " wakes",
                kind_name(kinds[k]), after.waits, after.wakes);
    /* Each pause of one side made the other sleep, and each sleeper was woken by the other
     * process (a sleep ended by the 5 s cap would have made the other side's wait give up). */
    cr_assert(after.waits >= 2 * SHARED_ITEMS / SHARED_PAUSE_EVERY &&
                  after.wakes >= 2 * SHARED_ITEMS / SHARED_PAUSE_EVERY,
              "waits %" PRIu64 ", wakes %" PRIu64, after.waits, after.wakes);
    cr_assert_eq(ringq_queue_join_timeout(q, 0), RINGQ_OK);
    cr_assert_eq(ringq_queue_fini(q), RINGQ_OK);
    cr_assert_eq(munmap(mem, map_bytes), 0);
  }
}
