/* SPDX-License-Identifier: MIT */
/* tests/misuse/queue_misuse_test.c: every error code that ringq/queue.h documents, provoked for
 * every function that documents it, and the NULL-tolerant getters. (RINGQ_ESYS, an unexpected
 * futex failure, cannot be provoked through the API.) */
#define _GNU_SOURCE
#include <ringq/queue.h>

#include <criterion/criterion.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asan_options.h"
#include "queue_support.h"

/* Kinds the API does not know. */
static const enum ringq_queue_kind bad_kinds[] = {
    (enum ringq_queue_kind)0, (enum ringq_queue_kind)5, (enum ringq_queue_kind)(-1)}; /* 3, 4: bytes */
#define NBAD_KINDS (sizeof(bad_kinds) / sizeof(bad_kinds[0]))

/* Deadlines the API must refuse with RINGQ_EINVAL. */
static const struct timespec bad_deadlines[] = {{0, -1},       {0, 1000000000}, {0, LONG_MIN},
                                                {0, LONG_MAX}, {-1, 0},         {-1, 999999999}};
#define NBAD_DEADLINES (sizeof(bad_deadlines) / sizeof(bad_deadlines[0]))

static const int64_t bad_timeouts[] = {-1, -1000000000, INT64_MIN};
#define NBAD_TIMEOUTS (sizeof(bad_timeouts) / sizeof(bad_timeouts[0]))

static struct timespec
in_the_future(void) {
  return timespec_of(test_now_ns() + LONG_NS);
}

#define EXPECT_STATUS(call, want)                                                                  \
  do {                                                                                             \
    enum ringq_status st_ = (call);                                                                \
    cr_assert_eq(st_, (want), "%s returned %s, expected %s", #call, ringq_strerror(st_),           \
                 ringq_strerror(want));                                                            \
  } while (0)

/* ---- memsize / init / create ---------------------------------------------------------------- */

Test(queue_misuse, memsize_refuses_null_unknown_kind_and_zero_capacity_with_einval) {
  size_t k, bytes = 12345;
  for (k = 0; k < NKINDS; k++) {
    EXPECT_STATUS(ringq_queue_memsize(kinds[k], 4, 8, NULL), RINGQ_EINVAL);
    EXPECT_STATUS(ringq_queue_memsize(kinds[k], 0, 8, &bytes), RINGQ_EINVAL);
    EXPECT_STATUS(ringq_queue_memsize(kinds[k], 0, 0, &bytes), RINGQ_EINVAL);
    /* elem_size 0 is a queue of tokens (tests/unit/queue_contract_test.c), not a misuse. */
  }
  for (k = 0; k < NBAD_KINDS; k++)
    EXPECT_STATUS(ringq_queue_memsize(bad_kinds[k], 4, 8, &bytes), RINGQ_EINVAL);
  cr_assert_eq(bytes, 12345, "a failed memsize wrote *bytes");
}

Test(queue_misuse, memsize_refuses_sizes_above_the_maximum_with_erange) {
  size_t k, bytes = 0;
  for (k = 0; k < NKINDS; k++) {
    EXPECT_STATUS(ringq_queue_memsize(kinds[k], RINGQ_MAX_CAPACITY + 1, 8, &bytes), RINGQ_ERANGE);
    EXPECT_STATUS(ringq_queue_memsize(kinds[k], (size_t)1 << 40, 8, &bytes), RINGQ_ERANGE);
    EXPECT_STATUS(ringq_queue_memsize(kinds[k], 4, RINGQ_MAX_ELEM_SIZE + 1, &bytes), RINGQ_ERANGE);
    EXPECT_STATUS(ringq_queue_memsize(kinds[k], 4, SIZE_MAX, &bytes), RINGQ_ERANGE);
    /* The maxima themselves are accepted. */
    EXPECT_STATUS(ringq_queue_memsize(kinds[k], RINGQ_MAX_CAPACITY, RINGQ_MAX_ELEM_SIZE, &bytes),
                  RINGQ_OK);
    cr_assert_geq(bytes, (size_t)RINGQ_MAX_CAPACITY * RINGQ_MAX_ELEM_SIZE);
  }
}

/* Capacities above 2^63 (SIZE_MAX among them) are refused like any capacity above the maximum,
 * and promptly: the timeout catches a search for the next power of two that never ends. */
Test(queue_misuse, capacities_above_two_to_the_63_are_refused_with_erange_at_once,
     .timeout = RINGQ_T(5)) {
  static const size_t huge[] = {((size_t)1 << 63) + 1, SIZE_MAX};
  size_t k, i, bytes = 0;
  static unsigned char mem[4096] __attribute__((aligned(RINGQ_CACHE_LINE)));
  for (k = 0; k < NKINDS; k++) {
    for (i = 0; i < sizeof huge / sizeof huge[0]; i++) {
      struct ringq_queue *q = NULL;
      EXPECT_STATUS(ringq_queue_memsize(kinds[k], huge[i], 8, &bytes), RINGQ_ERANGE);
      EXPECT_STATUS(ringq_queue_init(mem, sizeof mem, kinds[k], huge[i], 8, 0), RINGQ_ERANGE);
      EXPECT_STATUS(ringq_queue_create(kinds[k], huge[i], 8, &q), RINGQ_ERANGE);
    }
  }
}

Test(queue_misuse, init_refuses_bad_arguments_flags_alignment_and_size) {
  size_t k, i, need = 0;
  unsigned char *mem;
  for (k = 0; k < NKINDS; k++) {
    cr_assert_eq(ringq_queue_memsize(kinds[k], 4, 8, &need), RINGQ_OK);
    mem = aligned_alloc(RINGQ_CACHE_LINE, need + RINGQ_CACHE_LINE);
    cr_assert_not_null(mem);
    /* EINVAL: mem NULL, unknown kind or flag, capacity 0. */
    EXPECT_STATUS(ringq_queue_init(NULL, need, kinds[k], 4, 8, 0), RINGQ_EINVAL);
    for (i = 0; i < NBAD_KINDS; i++)
      EXPECT_STATUS(ringq_queue_init(mem, need, bad_kinds[i], 4, 8, 0), RINGQ_EINVAL);
    EXPECT_STATUS(ringq_queue_init(mem, need, kinds[k], 4, 8, 0x2u), RINGQ_EINVAL);
    EXPECT_STATUS(ringq_queue_init(mem, need, kinds[k], 4, 8, 0x80000000u), RINGQ_EINVAL);
    EXPECT_STATUS(ringq_queue_init(mem, need, kinds[k], 4, 8, ~0u), RINGQ_EINVAL);
    EXPECT_STATUS(ringq_queue_init(mem, need, kinds[k], 0, 8, 0), RINGQ_EINVAL);
    /* ERANGE. */
    EXPECT_STATUS(ringq_queue_init(mem, need, kinds[k], RINGQ_MAX_CAPACITY + 1, 8, 0),
                  RINGQ_ERANGE);
    EXPECT_STATUS(ringq_queue_init(mem, need, kinds[k], 4, RINGQ_MAX_ELEM_SIZE + 1, 0),
                  RINGQ_ERANGE);
    /* EALIGN: every misalignment below the cache line, with room enough. */
    for (i = 1; i < RINGQ_CACHE_LINE; i *= 2)
      EXPECT_STATUS(ringq_queue_init(mem + i, need, kinds[k], 4, 8, 0), RINGQ_EALIGN);
    /* ETOOSMALL. */
    EXPECT_STATUS(ringq_queue_init(mem, need - 1, kinds[k], 4, 8, 0), RINGQ_ETOOSMALL);
    EXPECT_STATUS(ringq_queue_init(mem, 0, kinds[k], 4, 8, 0), RINGQ_ETOOSMALL);
    EXPECT_STATUS(ringq_queue_init(mem, need, kinds[k], 1000, 8, 0), RINGQ_ETOOSMALL);
    /* And the exact size, both flags, works. */
    EXPECT_STATUS(ringq_queue_init(mem, need, kinds[k], 4, 8, 0), RINGQ_OK);
    EXPECT_STATUS(ringq_queue_fini((struct ringq_queue *)mem), RINGQ_OK);
    EXPECT_STATUS(ringq_queue_init(mem, need, kinds[k], 4, 8, RINGQ_QUEUE_PROCESS_SHARED),
                  RINGQ_OK);
    EXPECT_STATUS(ringq_queue_fini((struct ringq_queue *)mem), RINGQ_OK);
    free(mem);
  }
}

Test(queue_misuse, create_refuses_bad_arguments_and_sets_out_to_null) {
  size_t k, i;
  struct ringq_queue *q;
  for (k = 0; k < NKINDS; k++) {
    EXPECT_STATUS(ringq_queue_create(kinds[k], 4, 8, NULL), RINGQ_EINVAL);
    /* Capacity 0 is an unbounded queue (create only: init and memsize refuse it). */
    q = NULL;
    EXPECT_STATUS(ringq_queue_create(kinds[k], 0, 8, &q), RINGQ_OK);
    cr_assert_not_null(q);
    EXPECT_STATUS(ringq_queue_destroy(q), RINGQ_OK);
    q = (struct ringq_queue *)&q;
    EXPECT_STATUS(ringq_queue_create(kinds[k], 0, RINGQ_MAX_ELEM_SIZE + 1, &q), RINGQ_ERANGE);
    cr_assert_null(q, "a failed create left *out set");
    q = (struct ringq_queue *)&q;
    EXPECT_STATUS(ringq_queue_create(kinds[k], RINGQ_MAX_CAPACITY + 1, 8, &q), RINGQ_ERANGE);
    cr_assert_null(q);
    q = (struct ringq_queue *)&q;
    EXPECT_STATUS(ringq_queue_create(kinds[k], 4, RINGQ_MAX_ELEM_SIZE + 1, &q), RINGQ_ERANGE);
    cr_assert_null(q);
  }
  for (i = 0; i < NBAD_KINDS; i++) {
    q = (struct ringq_queue *)&q;
    EXPECT_STATUS(ringq_queue_create(bad_kinds[i], 4, 8, &q), RINGQ_EINVAL);
    cr_assert_null(q);
    q = (struct ringq_queue *)&q;
    EXPECT_STATUS(ringq_queue_create(bad_kinds[i], 0, 8, &q), RINGQ_EINVAL);
    cr_assert_null(q);
  }
}

/* 2^31 items of 2^24 bytes is 2^55 bytes: more than any x86-64 address space. Under ASan this
 * needs allocator_may_return_null=1 (tests/asan_options.h). */
Test(queue_misuse, create_of_the_largest_queue_fails_with_enomem) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = (struct ringq_queue *)&q;
    EXPECT_STATUS(ringq_queue_create(kinds[k], RINGQ_MAX_CAPACITY, RINGQ_MAX_ELEM_SIZE, &q),
                  RINGQ_ENOMEM);
    cr_assert_null(q, "%s: a failed create left *out set", kind_name(kinds[k]));
  }
}

/* ---- fini / destroy -------------------------------------------------------------------------- */

struct blocked {
  struct ringq_queue *q;
  _Atomic(int) finished;
  enum ringq_status status;
};

static void *
join_main(void *arg) {
  struct blocked *b = (struct blocked *)arg;
  b->status = ringq_queue_join(b->q);
  atomic_store(&b->finished, 1);
  return NULL;
}

static void
await_sleeper(struct ringq_queue *q, struct blocked *b) {
  int64_t give_up = test_now_ns() + FALL_ASLEEP_NS;
  struct ringq_queue_stats s = {0, 0, 0, 0, 0};
  while (s.waits == 0) {
    cr_assert(!atomic_load(&b->finished), "join returned %s instead of blocking",
              ringq_strerror(b->status));
    cr_assert(test_now_ns() < give_up, "join did not fall asleep");
    sleep_ns(MS);
    ringq_queue_stats(q, &s);
  }
}

Test(queue_misuse, fini_and_destroy_refuse_null_and_a_queue_with_a_blocked_thread,
     .timeout = RINGQ_T(30)) {
  size_t k;
  EXPECT_STATUS(ringq_queue_fini(NULL), RINGQ_EINVAL);
  EXPECT_STATUS(ringq_queue_destroy(NULL), RINGQ_EINVAL);
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 2);
    struct blocked b;
    pthread_t thread;
    uint64_t item = 1, got = 0;
    b.q = q;
    atomic_init(&b.finished, 0);
    b.status = RINGQ_OK;
    EXPECT_STATUS(ringq_queue_put(q, &item), RINGQ_OK); /* one unfinished task */
    cr_assert_eq(pthread_create(&thread, NULL, join_main, &b), 0);
    await_sleeper(q, &b);
    EXPECT_STATUS(ringq_queue_fini(q), RINGQ_EBUSY);
    EXPECT_STATUS(ringq_queue_destroy(q), RINGQ_EBUSY);
    EXPECT_STATUS(ringq_queue_get(q, &got), RINGQ_OK); /* still usable: nothing was freed */
    EXPECT_STATUS(ringq_queue_task_done(q), RINGQ_OK);
    cr_assert_eq(pthread_join(thread, NULL), 0);
    cr_assert_eq(b.status, RINGQ_OK);
    EXPECT_STATUS(ringq_queue_fini(q), RINGQ_OK);
    EXPECT_STATUS(ringq_queue_destroy(q), RINGQ_OK);
  }
}

/* ---- put ------------------------------------------------------------------------------------ */

Test(queue_misuse, puts_refuse_null_arguments_bad_timeouts_and_bad_deadlines_with_einval,
     .timeout = RINGQ_T(10)) {
  size_t k, i;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 2);
    uint64_t item = 1;
    struct timespec later = in_the_future();
    EXPECT_STATUS(ringq_queue_put(NULL, &item), RINGQ_EINVAL);
    EXPECT_STATUS(ringq_queue_put(q, NULL), RINGQ_EINVAL);
    EXPECT_STATUS(ringq_queue_put_nowait(NULL, &item), RINGQ_EINVAL);
    EXPECT_STATUS(ringq_queue_put_nowait(q, NULL), RINGQ_EINVAL);
    EXPECT_STATUS(ringq_queue_put_timeout(NULL, &item, 0), RINGQ_EINVAL);
    EXPECT_STATUS(ringq_queue_put_timeout(q, NULL, 0), RINGQ_EINVAL);
    EXPECT_STATUS(ringq_queue_put_until(NULL, &item, &later), RINGQ_EINVAL);
    EXPECT_STATUS(ringq_queue_put_until(q, NULL, &later), RINGQ_EINVAL);
    EXPECT_STATUS(ringq_queue_put_until(q, &item, NULL), RINGQ_EINVAL);
    for (i = 0; i < NBAD_TIMEOUTS; i++)
      EXPECT_STATUS(ringq_queue_put_timeout(q, &item, bad_timeouts[i]), RINGQ_EINVAL);
    for (i = 0; i < NBAD_DEADLINES; i++)
      EXPECT_STATUS(ringq_queue_put_until(q, &item, &bad_deadlines[i]), RINGQ_EINVAL);
    cr_assert_eq(ringq_queue_qsize(q), 0, "a refused put accepted its item");
    free_queue(q);
  }
}

Test(queue_misuse, puts_on_a_full_queue_report_full, .timeout = RINGQ_T(10)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 1);
    uint64_t item = 1;
    struct timespec past = {0, 0};
    EXPECT_STATUS(ringq_queue_put_nowait(q, &item), RINGQ_OK);
    EXPECT_STATUS(ringq_queue_put_nowait(q, &item), RINGQ_FULL);
    EXPECT_STATUS(ringq_queue_put_timeout(q, &item, 0), RINGQ_FULL);
    EXPECT_STATUS(ringq_queue_put_timeout(q, &item, MS), RINGQ_FULL);
    EXPECT_STATUS(ringq_queue_put_until(q, &item, &past), RINGQ_FULL);
    free_queue(q);
  }
}

Test(queue_misuse, puts_after_shutdown_report_shutdown, .timeout = RINGQ_T(10)) {
  size_t k;
  int immediate;
  for (k = 0; k < NKINDS; k++) {
    for (immediate = 0; immediate < 2; immediate++) {
      struct ringq_queue *q = new_queue(kinds[k], 1);
      uint64_t item = 1;
      struct timespec later = in_the_future();
      EXPECT_STATUS(ringq_queue_shutdown(q, immediate), RINGQ_OK);
      EXPECT_STATUS(ringq_queue_put(q, &item), RINGQ_SHUTDOWN);
      EXPECT_STATUS(ringq_queue_put_nowait(q, &item), RINGQ_SHUTDOWN);
      EXPECT_STATUS(ringq_queue_put_timeout(q, &item, LONG_NS), RINGQ_SHUTDOWN);
      EXPECT_STATUS(ringq_queue_put_until(q, &item, &later), RINGQ_SHUTDOWN);
      free_queue(q);
    }
  }
}

/* ---- get ------------------------------------------------------------------------------------ */

Test(queue_misuse, gets_refuse_null_arguments_bad_timeouts_and_bad_deadlines_with_einval,
     .timeout = RINGQ_T(10)) {
  size_t k, i;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 2);
    uint64_t item = 7, out = 0;
    struct timespec later = in_the_future();
    EXPECT_STATUS(ringq_queue_put(q, &item), RINGQ_OK);
    EXPECT_STATUS(ringq_queue_get(NULL, &out), RINGQ_EINVAL);
    EXPECT_STATUS(ringq_queue_get(q, NULL), RINGQ_EINVAL);
    EXPECT_STATUS(ringq_queue_get_nowait(NULL, &out), RINGQ_EINVAL);
    EXPECT_STATUS(ringq_queue_get_nowait(q, NULL), RINGQ_EINVAL);
    EXPECT_STATUS(ringq_queue_get_timeout(NULL, &out, 0), RINGQ_EINVAL);
    EXPECT_STATUS(ringq_queue_get_timeout(q, NULL, 0), RINGQ_EINVAL);
    EXPECT_STATUS(ringq_queue_get_until(NULL, &out, &later), RINGQ_EINVAL);
    EXPECT_STATUS(ringq_queue_get_until(q, NULL, &later), RINGQ_EINVAL);
    EXPECT_STATUS(ringq_queue_get_until(q, &out, NULL), RINGQ_EINVAL);
    for (i = 0; i < NBAD_TIMEOUTS; i++)
      EXPECT_STATUS(ringq_queue_get_timeout(q, &out, bad_timeouts[i]), RINGQ_EINVAL);
    for (i = 0; i < NBAD_DEADLINES; i++)
      EXPECT_STATUS(ringq_queue_get_until(q, &out, &bad_deadlines[i]), RINGQ_EINVAL);
    cr_assert_eq(ringq_queue_qsize(q), 1, "a refused get took the item");
    cr_assert_eq(out, 0, "a refused get wrote its output");
    free_queue(q);
  }
}

Test(queue_misuse, gets_on_an_empty_queue_report_empty, .timeout = RINGQ_T(10)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 1);
    uint64_t out = 0;
    struct timespec past = {0, 0};
    EXPECT_STATUS(ringq_queue_get_nowait(q, &out), RINGQ_EMPTY);
    EXPECT_STATUS(ringq_queue_get_timeout(q, &out, 0), RINGQ_EMPTY);
    EXPECT_STATUS(ringq_queue_get_timeout(q, &out, MS), RINGQ_EMPTY);
    EXPECT_STATUS(ringq_queue_get_until(q, &out, &past), RINGQ_EMPTY);
    free_queue(q);
  }
}

Test(queue_misuse, gets_after_shutdown_report_shutdown, .timeout = RINGQ_T(10)) {
  size_t k;
  int immediate;
  for (k = 0; k < NKINDS; k++) {
    for (immediate = 0; immediate < 2; immediate++) {
      struct ringq_queue *q = new_queue(kinds[k], 1);
      uint64_t out = 0;
      struct timespec later = in_the_future();
      EXPECT_STATUS(ringq_queue_shutdown(q, immediate), RINGQ_OK);
      EXPECT_STATUS(ringq_queue_get(q, &out), RINGQ_SHUTDOWN);
      EXPECT_STATUS(ringq_queue_get_nowait(q, &out), RINGQ_SHUTDOWN);
      EXPECT_STATUS(ringq_queue_get_timeout(q, &out, LONG_NS), RINGQ_SHUTDOWN);
      EXPECT_STATUS(ringq_queue_get_until(q, &out, &later), RINGQ_SHUTDOWN);
      free_queue(q);
    }
  }
}

/* ---- task_done / join / shutdown --------------------------------------------------------------
 */

Test(queue_misuse, task_done_refuses_null_and_one_call_too_many, .timeout = RINGQ_T(10)) {
  size_t k;
  EXPECT_STATUS(ringq_queue_task_done(NULL), RINGQ_EINVAL);
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 2);
    uint64_t item = 1;
    EXPECT_STATUS(ringq_queue_task_done(q), RINGQ_ETASKDONE);
    EXPECT_STATUS(ringq_queue_put(q, &item), RINGQ_OK);
    EXPECT_STATUS(ringq_queue_task_done(q), RINGQ_OK); /* put, not got: Python allows it */
    EXPECT_STATUS(ringq_queue_task_done(q), RINGQ_ETASKDONE);
    EXPECT_STATUS(ringq_queue_get(q, &item), RINGQ_OK);
    EXPECT_STATUS(ringq_queue_task_done(q), RINGQ_ETASKDONE);
    free_queue(q);
  }
}

Test(queue_misuse, set_discard_refuses_a_null_queue) {
  EXPECT_STATUS(ringq_queue_set_discard(NULL, NULL, NULL), RINGQ_EINVAL);
}

Test(queue_misuse, joins_refuse_null_bad_timeouts_and_bad_deadlines_and_time_out,
     .timeout = RINGQ_T(10)) {
  size_t k, i;
  struct timespec later = in_the_future(), past = {0, 0};
  EXPECT_STATUS(ringq_queue_join(NULL), RINGQ_EINVAL);
  EXPECT_STATUS(ringq_queue_join_timeout(NULL, 0), RINGQ_EINVAL);
  EXPECT_STATUS(ringq_queue_join_until(NULL, &later), RINGQ_EINVAL);
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 2);
    uint64_t item = 1;
    EXPECT_STATUS(ringq_queue_join_until(q, NULL), RINGQ_EINVAL);
    for (i = 0; i < NBAD_TIMEOUTS; i++)
      EXPECT_STATUS(ringq_queue_join_timeout(q, bad_timeouts[i]), RINGQ_EINVAL);
    for (i = 0; i < NBAD_DEADLINES; i++)
      EXPECT_STATUS(ringq_queue_join_until(q, &bad_deadlines[i]), RINGQ_EINVAL);
    EXPECT_STATUS(ringq_queue_put(q, &item), RINGQ_OK);
    EXPECT_STATUS(ringq_queue_join_timeout(q, 0), RINGQ_TIMEDOUT);
    EXPECT_STATUS(ringq_queue_join_timeout(q, MS), RINGQ_TIMEDOUT);
    EXPECT_STATUS(ringq_queue_join_until(q, &past), RINGQ_TIMEDOUT);
    /* Bad arguments are refused before the wait, even with tasks unfinished. */
    EXPECT_STATUS(ringq_queue_join_timeout(q, -1), RINGQ_EINVAL);
    EXPECT_STATUS(ringq_queue_join_until(q, &bad_deadlines[0]), RINGQ_EINVAL);
    free_queue(q);
  }
}

Test(queue_misuse, shutdown_refuses_null) {
  EXPECT_STATUS(ringq_queue_shutdown(NULL, false), RINGQ_EINVAL);
  EXPECT_STATUS(ringq_queue_shutdown(NULL, true), RINGQ_EINVAL);
}

/* ---- the NULL-tolerant getters -------------------------------------------------------------- */

Test(queue_misuse, getters_tolerate_a_null_queue) {
  struct ringq_queue_stats s;
  cr_assert_eq(ringq_queue_qsize(NULL), 0);
  cr_assert(ringq_queue_empty(NULL));
  cr_assert(!ringq_queue_full(NULL));
  cr_assert_eq(ringq_queue_capacity(NULL), 0);
  cr_assert(!ringq_queue_is_shutdown(NULL));
  memset(&s, 0xa5, sizeof s);
  ringq_queue_stats(NULL, &s);
  cr_assert_eq(s.waits, 0);
  cr_assert_eq(s.wakes, 0);
}

Test(queue_misuse, stats_tolerates_a_null_output) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 2);
    struct ringq_queue_stats s;
    ringq_queue_stats(q, NULL);
    ringq_queue_stats(NULL, NULL);
    memset(&s, 0xa5, sizeof s);
    ringq_queue_stats(q, &s);
    cr_assert_eq(s.waits, 0);
    cr_assert_eq(s.wakes, 0);
    free_queue(q);
  }
}

/* Every status the queue can return has its own message. */
Test(queue_misuse, every_queue_status_has_a_distinct_message) {
  static const enum ringq_status all[] = {
      RINGQ_OK,        RINGQ_EMPTY,  RINGQ_FULL,   RINGQ_TIMEDOUT,  RINGQ_SHUTDOWN,
      RINGQ_EINVAL,    RINGQ_ERANGE, RINGQ_ENOMEM, RINGQ_ETOOSMALL, RINGQ_EALIGN,
      RINGQ_ETASKDONE, RINGQ_EBUSY,  RINGQ_ESYS};
  const size_t n = sizeof all / sizeof all[0];
  size_t i, j;
  for (i = 0; i < n; i++) {
    cr_assert_not_null(ringq_strerror(all[i]));
    for (j = 0; j < i; j++)
      cr_assert_str_neq(ringq_strerror(all[i]), ringq_strerror(all[j]));
  }
}

/* Event-loop descriptors and wait-any: bad arguments, and no descriptor for a process-shared
 * queue (another process could not signal this process's eventfd). */
Test(queue_misuse, descriptors_refuse_bad_arguments_and_process_shared_queues) {
  size_t bytes = 0, idx = 99;
  unsigned ready = 7;
  int fd = 5;
  void *mem;
  struct ringq_queue *q = new_queue(RINGQ_QUEUE_MPMC, 4), *shared, *qs[2];
  EXPECT_STATUS(ringq_queue_fd(NULL, RINGQ_POLL_READABLE, &fd), RINGQ_EINVAL);
  cr_assert_eq(fd, -1, "a refused ringq_queue_fd leaves -1");
  EXPECT_STATUS(ringq_queue_fd(q, RINGQ_POLL_READABLE, NULL), RINGQ_EINVAL);
  EXPECT_STATUS(ringq_queue_fd(q, 0, &fd), RINGQ_EINVAL);
  EXPECT_STATUS(ringq_queue_fd(q, RINGQ_POLL_READABLE | RINGQ_POLL_WRITABLE, &fd), RINGQ_EINVAL);
  EXPECT_STATUS(ringq_queue_poll_prepare(NULL, RINGQ_POLL_READABLE, &ready), RINGQ_EINVAL);
  EXPECT_STATUS(ringq_queue_poll_prepare(q, 0, &ready), RINGQ_EINVAL);
  EXPECT_STATUS(ringq_queue_poll_prepare(q, 0x4u, &ready), RINGQ_EINVAL);
  EXPECT_STATUS(ringq_queue_poll_prepare(q, RINGQ_POLL_READABLE, NULL), RINGQ_EINVAL);
  cr_assert_eq(ringq_queue_memsize(RINGQ_QUEUE_MPMC, 4, 8, &bytes), RINGQ_OK);
  bytes = (bytes + RINGQ_CACHE_LINE - 1) & ~(size_t)(RINGQ_CACHE_LINE - 1);
  mem = aligned_alloc(RINGQ_CACHE_LINE, bytes);
  cr_assert_eq(ringq_queue_init(mem, bytes, RINGQ_QUEUE_MPMC, 4, 8, RINGQ_QUEUE_PROCESS_SHARED),
               RINGQ_OK);
  shared = mem;
  EXPECT_STATUS(ringq_queue_fd(shared, RINGQ_POLL_READABLE, &fd), RINGQ_EINVAL);
  EXPECT_STATUS(ringq_queue_poll_prepare(shared, RINGQ_POLL_READABLE, &ready), RINGQ_EINVAL);
  /* wait-any works for it (futex_waitv takes shared futexes): room is there at once */
  qs[0] = shared;
  qs[1] = q;
  EXPECT_STATUS(ringq_queue_wait_any(qs, 2, RINGQ_POLL_WRITABLE, 0, &idx), RINGQ_OK);
  cr_assert_eq(idx, 0);
  EXPECT_STATUS(ringq_queue_wait_any(qs, 2, RINGQ_POLL_READABLE, 0, &idx), RINGQ_TIMEDOUT);
  EXPECT_STATUS(ringq_queue_wait_any_until(qs, 2, RINGQ_POLL_READABLE, NULL, &idx), RINGQ_EINVAL);
  EXPECT_STATUS(ringq_queue_get_any(qs, 2, NULL, 0, &idx), RINGQ_EINVAL);
  EXPECT_STATUS(ringq_queue_get_any(qs, 2, &bytes, -1, &idx), RINGQ_EINVAL);
  cr_assert_eq(ringq_queue_fini(shared), RINGQ_OK);
  free(mem);
  free_queue(q);
}
