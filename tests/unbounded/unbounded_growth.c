/* SPDX-License-Identifier: MIT */
/* tests/unbounded/unbounded_growth.c: grow an unbounded queue to 10M items (8 bytes each) and
 * drain it, SPSC and MPMC (MPMC drained by two threads); check order and the bytes held, which
 * must follow the backlog up and back down to at most two segments. Prints the bytes held at the
 * peak and after draining (item counts are divided by RINGQ_TIMEOUT_SCALE in sanitizer builds). */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "support.h"
#include "unbounded.h"

struct drain {
  struct ringq__unbounded *u;
  uint64_t got, sum;
  int bad_order;
};

/* One consumer of two: checks that the values it gets increase, counts and sums them. */
static void *
drain_main(void *arg)
{
  struct drain *d = arg;
  uint64_t v, last = 0;
  enum ringq_status st;
  while ((st = ringq__unbounded_mpmc_pop(d->u, &v, memory_order_relaxed)) == RINGQ_OK) {
    if (d->got > 0 && v <= last)
      d->bad_order = 1;
    last = v;
    d->got++;
    d->sum += v;
  }
  if (st != RINGQ_SHUTDOWN)
    d->bad_order = 2;
  return NULL;
}

static int
grow_and_drain(int kind, uint64_t n)
{
  struct ringq__unbounded u;
  uint64_t i, v;
  size_t empty_bytes, peak, after;
  int64_t t0, t1, t2;
  enum ringq_status st = ringq__unbounded_init(&u, kind, sizeof(uint64_t));
  const char *name = kind == RINGQ__UNBOUNDED_MPMC ? "mpmc" : "spsc";
  uint64_t segs_needed;
  if (st != RINGQ_OK) {
    fprintf(stderr, "FAIL: init: %s\n", ringq_strerror(st));
    return 1;
  }
  empty_bytes = ringq__unbounded_bytes(&u);
  t0 = test_now_ns();
  for (i = 0; i < n; i++) {
    st = kind == RINGQ__UNBOUNDED_MPMC ? ringq__unbounded_mpmc_push(&u, &i, memory_order_relaxed)
                                       : ringq__unbounded_spsc_push(&u, &i, 0);
    if (st != RINGQ_OK) {
      fprintf(stderr, "FAIL: %s push %" PRIu64 ": %s\n", name, i, ringq_strerror(st));
      return 1;
    }
  }
  t1 = test_now_ns();
  peak = ringq__unbounded_bytes(&u);
  if (ringq__unbounded_size(&u) != n) {
    fprintf(stderr, "FAIL: %s size %zu after %" PRIu64 " pushes\n", name,
            ringq__unbounded_size(&u), n);
    return 1;
  }
  if (kind == RINGQ__UNBOUNDED_SPSC) {
    for (i = 0; i < n; i++) {
      st = ringq__unbounded_spsc_pop(&u, &v, memory_order_release);
      if (st != RINGQ_OK || v != i) {
        fprintf(stderr, "FAIL: spsc pop %" PRIu64 ": %s, value %" PRIu64 "\n", i,
                ringq_strerror(st), v);
        return 1;
      }
    }
    if (ringq__unbounded_spsc_pop(&u, &v, memory_order_release) != RINGQ_EMPTY) {
      fprintf(stderr, "FAIL: spsc not empty after draining\n");
      return 1;
    }
  } else {
    struct drain d[2] = {{&u, 0, 0, 0}, {&u, 0, 0, 0}};
    pthread_t th[2];
    ringq__unbounded_close(&u); /* the consumers stop at SHUTDOWN: closed and drained */
    for (i = 0; i < 2; i++)
      pthread_create(&th[i], NULL, drain_main, &d[i]);
    for (i = 0; i < 2; i++)
      pthread_join(th[i], NULL);
    if (d[0].bad_order || d[1].bad_order || d[0].got + d[1].got != n ||
        d[0].sum + d[1].sum != n * (n - 1) / 2) {
      fprintf(stderr, "FAIL: mpmc drain: order %d/%d, %" PRIu64 " items, sum %" PRIu64 "\n",
              d[0].bad_order, d[1].bad_order, d[0].got + d[1].got, d[0].sum + d[1].sum);
      return 1;
    }
  }
  t2 = test_now_ns();
  after = ringq__unbounded_bytes(&u);
  segs_needed = (n + u.slots - 1) / u.slots;
  printf("%s: %" PRIu64 " items of 8 bytes, %" PRIu64 " slots per segment (%" PRIu64
         " bytes each)\n  bytes held: empty %zu, peak %zu (%.2f bytes per item), after draining "
         "%zu\n  push %.1f M items/s, %s %.1f M items/s (one thread%s)\n",
         name, n, u.slots, u.seg_bytes, empty_bytes, peak, (double)peak / (double)n, after,
         (double)n / ((double)(t1 - t0) / 1e3), "drain",
         (double)n / ((double)(t2 - t1) / 1e3),
         kind == RINGQ__UNBOUNDED_MPMC ? "; drain: two" : "");
  /* Peak: the segments the items need (+1: MPMC installs the next one with the last slot; +1
   * for a segment boundary), nothing per item. After draining: at most the current segment and
   * the spare. */
  if (peak > sizeof u + (segs_needed + 2) * u.seg_bytes ||
      peak < sizeof u + segs_needed * u.seg_bytes) {
    fprintf(stderr, "FAIL: %s peak %zu bytes, expected about %" PRIu64 " segments\n", name, peak,
            segs_needed);
    return 1;
  }
  if (after > sizeof u + 2 * u.seg_bytes) {
    fprintf(stderr, "FAIL: %s still holds %zu bytes after draining\n", name, after);
    return 1;
  }
  ringq__unbounded_fini(&u);
  return 0;
}

int
main(void)
{
  uint64_t n = test_scaled_count(10000000);
  int rc = grow_and_drain(RINGQ__UNBOUNDED_SPSC, n);
  rc |= grow_and_drain(RINGQ__UNBOUNDED_MPMC, n);
  return rc;
}
