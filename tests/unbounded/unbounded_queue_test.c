/* SPDX-License-Identifier: MIT */
/* tests/unbounded/unbounded_queue_test.c: what only an unbounded blocking queue
 * (ringq_queue_create(kind, 0, ...)) does: it is never full and has capacity 0, put fails only
 * with RINGQ_ENOMEM (nothing accepted, no task added), its stats report the bytes it holds as the
 * backlog grows and shrinks, and discards (immediate shutdown, destroy) cross segments in order. */
#include <ringq/queue.h>

#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "queue_support.h"
#include "unbounded.h"

#define MANY 100000u /* many segments' worth of 8-byte items */

static struct ringq_queue *
unbounded(enum ringq_queue_kind kind, size_t elem_size) {
  struct ringq_queue *q = NULL;
  enum ringq_status st = ringq_queue_create(kind, 0, elem_size, &q);
  cr_assert_eq(st, RINGQ_OK, "create(%s, 0): %s", kind_name(kind), ringq_strerror(st));
  return q;
}

static uint64_t
bytes_of(struct ringq_queue *q) {
  struct ringq_queue_stats s;
  ringq_queue_stats(q, &s);
  return s.bytes;
}

Test(unbounded_queue, is_never_full_has_capacity_zero_and_keeps_order_through_many_segments,
     .timeout = RINGQ_T(30)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = unbounded(kinds[k], sizeof(uint64_t));
    uint64_t i, v;
    cr_assert_eq(ringq_queue_capacity(q), 0);
    for (i = 0; i < MANY; i++) {
      enum ringq_status st = (i & 1) ? ringq_queue_put_nowait(q, &i) : ringq_queue_put(q, &i);
      cr_assert_eq(st, RINGQ_OK, "%s put #%" PRIu64 ": %s", kind_name(kinds[k]), i,
                   ringq_strerror(st));
      cr_assert(!ringq_queue_full(q));
    }
    cr_assert_eq(ringq_queue_qsize(q), MANY);
    cr_assert(!ringq_queue_empty(q));
    for (i = 0; i < MANY; i++) {
      cr_assert_eq(ringq_queue_get_nowait(q, &v), RINGQ_OK);
      cr_assert_eq(v, i, "%s: got %" PRIu64 ", expected %" PRIu64, kind_name(kinds[k]), v, i);
      cr_assert_eq(ringq_queue_task_done(q), RINGQ_OK);
    }
    cr_assert_eq(ringq_queue_get_nowait(q, &v), RINGQ_EMPTY);
    cr_assert_eq(ringq_queue_join_timeout(q, 0), RINGQ_OK);
    cr_assert_eq(ringq_queue_task_done(q), RINGQ_ETASKDONE);
    free_queue(q);
  }
}

Test(unbounded_queue, stats_report_the_bytes_held_following_the_backlog, .timeout = RINGQ_T(30)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = unbounded(kinds[k], sizeof(uint64_t));
    uint64_t i, v, empty = bytes_of(q), peak;
    cr_assert_gt(empty, 0);
    for (i = 0; i < MANY; i++)
      cr_assert_eq(ringq_queue_put_nowait(q, &i), RINGQ_OK);
    peak = bytes_of(q);
    cr_assert_geq(peak, empty + MANY * sizeof(uint64_t), "%s: %" PRIu64 " bytes for %u items",
                  kind_name(kinds[k]), peak, MANY);
    cr_assert_lt(peak, empty + 3 * MANY * sizeof(uint64_t), "%s: %" PRIu64 " bytes for %u items",
                 kind_name(kinds[k]), peak, MANY);
    for (i = 0; i < MANY; i++)
      cr_assert_eq(ringq_queue_get_nowait(q, &v), RINGQ_OK);
    /* Drained: the current segment and one spare at most. */
    cr_assert_leq(bytes_of(q), 2 * empty, "%s: %" PRIu64 " bytes after draining (empty: %" PRIu64
                  ")", kind_name(kinds[k]), bytes_of(q), empty);
    cr_log_info("%s: bytes held empty %" PRIu64 ", %u items %" PRIu64 ", drained %" PRIu64,
                kind_name(kinds[k]), empty, MANY, peak, bytes_of(q));
    free_queue(q);
  }
}

/* ---- allocation failure -------------------------------------------------------------------- */

static atomic_int g_refuse;

static void *
refusing_alloc(size_t alignment, size_t bytes) {
  return atomic_load(&g_refuse) ? NULL : aligned_alloc(alignment, bytes);
}

Test(unbounded_queue, a_put_without_memory_returns_enomem_and_accepts_nothing,
     .timeout = RINGQ_T(30)) {
  size_t k;
  atomic_store(&ringq__test_unbounded_alloc, refusing_alloc);
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = unbounded(kinds[k], sizeof(uint64_t));
    uint64_t i = 0, v, accepted;
    enum ringq_status st;
    atomic_store(&g_refuse, 1);
    while ((st = ringq_queue_put_nowait(q, &i)) == RINGQ_OK)
      i++;
    cr_assert_eq(st, RINGQ_ENOMEM, "%s: %s", kind_name(kinds[k]), ringq_strerror(st));
    accepted = i;
    cr_assert_gt(accepted, 0, "the first segment holds items");
    /* Every put variant says the same, at once, and accepts nothing. */
    cr_assert_eq(ringq_queue_put(q, &i), RINGQ_ENOMEM);
    cr_assert_eq(ringq_queue_put_timeout(q, &i, 10 * MS), RINGQ_ENOMEM);
    cr_assert_eq(ringq_queue_qsize(q), accepted);
    /* No task was added: join needs exactly `accepted` task_done calls. */
    for (i = 0; i < accepted; i++) {
      cr_assert_eq(ringq_queue_get_nowait(q, &v), RINGQ_OK);
      cr_assert_eq(v, i);
      cr_assert_eq(ringq_queue_task_done(q), RINGQ_OK);
    }
    cr_assert_eq(ringq_queue_task_done(q), RINGQ_ETASKDONE, "%s", kind_name(kinds[k]));
    cr_assert_eq(ringq_queue_join_timeout(q, 0), RINGQ_OK);
    cr_assert_eq(ringq_queue_get_nowait(q, &v), RINGQ_EMPTY);
    /* Memory back: the queue works on. */
    atomic_store(&g_refuse, 0);
    for (i = 0; i < 5000; i++)
      cr_assert_eq(ringq_queue_put_nowait(q, &i), RINGQ_OK);
    for (i = 0; i < 5000; i++) {
      cr_assert_eq(ringq_queue_get_nowait(q, &v), RINGQ_OK);
      cr_assert_eq(v, i);
    }
    free_queue(q);
  }
  atomic_store(&ringq__test_unbounded_alloc, NULL);
}

/* ---- discards ------------------------------------------------------------------------------ */

struct seen {
  uint64_t next; /* the item expected next */
  uint64_t n;
  int out_of_order;
};

static void
expect_in_order(void *item, void *ctx) {
  struct seen *s = ctx;
  uint64_t v;
  memcpy(&v, item, sizeof v);
  if (v != s->next)
    s->out_of_order = 1;
  s->next = v + 1;
  s->n++;
}

Test(unbounded_queue, an_immediate_shutdown_discards_every_segment_in_order_and_join_returns,
     .timeout = RINGQ_T(30)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = unbounded(kinds[k], sizeof(uint64_t));
    struct seen s = {1, 0, 0};
    uint64_t i, v;
    cr_assert_eq(ringq_queue_set_discard(q, expect_in_order, &s), RINGQ_OK);
    for (i = 0; i < MANY; i++)
      cr_assert_eq(ringq_queue_put_nowait(q, &i), RINGQ_OK);
    cr_assert_eq(ringq_queue_get_nowait(q, &v), RINGQ_OK);
    cr_assert_eq(ringq_queue_task_done(q), RINGQ_OK);
    cr_assert_eq(ringq_queue_shutdown(q, true), RINGQ_OK);
    cr_assert_eq(s.n, MANY - 1, "%s: %" PRIu64 " discarded", kind_name(kinds[k]), s.n);
    cr_assert(!s.out_of_order, "%s: discards out of order", kind_name(kinds[k]));
    cr_assert_eq(ringq_queue_join_timeout(q, 0), RINGQ_OK);
    cr_assert_eq(ringq_queue_get_nowait(q, &v), RINGQ_SHUTDOWN);
    cr_assert_eq(ringq_queue_put_nowait(q, &v), RINGQ_SHUTDOWN);
    free_queue(q);
  }
}

Test(unbounded_queue, destroy_hands_the_items_left_to_the_callback_in_order,
     .timeout = RINGQ_T(30)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = unbounded(kinds[k], sizeof(uint64_t));
    struct seen s = {0, 0, 0};
    uint64_t i;
    cr_assert_eq(ringq_queue_set_discard(q, expect_in_order, &s), RINGQ_OK);
    for (i = 0; i < MANY; i++)
      cr_assert_eq(ringq_queue_put_nowait(q, &i), RINGQ_OK);
    cr_assert_eq(ringq_queue_shutdown(q, false), RINGQ_OK);
    cr_assert_eq(ringq_queue_destroy(q), RINGQ_OK);
    cr_assert_eq(s.n, MANY, "%s: %" PRIu64 " handed over", kind_name(kinds[k]), s.n);
    cr_assert(!s.out_of_order);
  }
}

Test(unbounded_queue, a_token_queue_of_elem_size_zero_counts_without_bytes,
     .timeout = RINGQ_T(10)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = unbounded(kinds[k], 0);
    unsigned i;
    for (i = 0; i < 5000; i++)
      cr_assert_eq(ringq_queue_put_nowait(q, NULL), RINGQ_OK);
    cr_assert_eq(ringq_queue_qsize(q), 5000);
    cr_assert(!ringq_queue_full(q));
    for (i = 0; i < 5000; i++)
      cr_assert_eq(ringq_queue_get(q, NULL), RINGQ_OK);
    cr_assert_eq(ringq_queue_get_nowait(q, NULL), RINGQ_EMPTY);
    free_queue(q);
  }
}

Test(unbounded_queue, init_and_memsize_refuse_capacity_zero, .timeout = RINGQ_T(10)) {
  size_t k, bytes = 0;
  static _Alignas(RINGQ_CACHE_LINE) unsigned char mem[1 << 16];
  for (k = 0; k < NKINDS; k++) {
    cr_assert_eq(ringq_queue_memsize(kinds[k], 0, 8, &bytes), RINGQ_EINVAL);
    cr_assert_eq(ringq_queue_init(mem, sizeof mem, kinds[k], 0, 8, 0), RINGQ_EINVAL);
    cr_assert_eq(ringq_queue_init(mem, sizeof mem, kinds[k], 0, 8, RINGQ_QUEUE_PROCESS_SHARED),
                 RINGQ_EINVAL);
  }
}
