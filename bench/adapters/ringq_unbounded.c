/* SPDX-License-Identifier: MIT */
/* bench/adapters/ringq_unbounded.c: adapters for ringq's unbounded queue (src/unbounded.h, the
 * queue under ringq_queue_create(kind, 0, ...)), SPSC and MPMC, and the bytes it holds around a
 * 10M-item backlog.
 *
 * Like the liburcu adapter, the producers refuse ("full") while `capacity` items are in flight,
 * so that the throughput workloads compare queues holding the same backlog, and memory stays
 * bounded when producers are faster. The check costs what the bounded rings' own check costs: the
 * SPSC producer keeps a private copy of head and reads the consumers' line only when the copy says
 * "full"; MPMC producers share a copy (as mpmc.h's head_cache). Ping-pong never reaches the cap. */
#include "../../src/unbounded.h"
#include "adapter.h"
#include "loops.h"
#include "ringq/queue.h"

#include <stdio.h>
#include <stdlib.h>

struct ubq {
  struct ringq__unbounded u;
  uint64_t cap_span; /* capacity * RINGQ__STEP */
  /* SPSC producer's copy of head (producer-private), or MPMC producers' shared copy. */
  BENCH_ALIGNED uint64_t head_cache;
  _Atomic(uint64_t) shared_head_cache;
};

static int
ubq_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len, int kind)
{
  struct ubq *b = (struct ubq *)aligned_alloc(RINGQ_CACHE_LINE, sizeof *b);
  enum ringq_status st;
  if (b == NULL) {
    snprintf(why, why_len, "out of memory");
    return -1;
  }
  st = ringq__unbounded_init(&b->u, kind, p->esize);
  if (st != RINGQ_OK) {
    free(b);
    snprintf(why, why_len, "%s", ringq_strerror(st));
    return -1;
  }
  b->cap_span = (uint64_t)p->capacity * RINGQ__STEP;
  b->head_cache = 0;
  atomic_init(&b->shared_head_cache, 0);
  *q = b;
  return 0;
}

static int
spsc_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  return ubq_create(q, p, why, why_len, RINGQ__UNBOUNDED_SPSC);
}

static int
mpmc_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  return ubq_create(q, p, why, why_len, RINGQ__UNBOUNDED_MPMC);
}

static void
ubq_destroy(void *q)
{
  struct ubq *b = (struct ubq *)q;
  ringq__unbounded_fini(&b->u);
  free(b);
}

BENCH_OP int
spsc_push(void *q, const void *item)
{
  struct ubq *b = (struct ubq *)q;
  /* relaxed: only this producer moves tail. */
  uint64_t t = atomic_load_explicit(&b->u.tail, memory_order_relaxed);
  if (t - b->head_cache >= b->cap_span) {
    /* relaxed: the cap is the adapter's, not a synchronisation (the queue orders its own data). */
    b->head_cache = atomic_load_explicit(&b->u.head, memory_order_relaxed);
    if (t - b->head_cache >= b->cap_span)
      return 0;
  }
  return ringq__unbounded_spsc_push(&b->u, item, 0) == RINGQ_OK;
}

BENCH_OP int
spsc_pop(void *q, void *item)
{
  return ringq__unbounded_spsc_pop(&((struct ubq *)q)->u, item, memory_order_release) == RINGQ_OK;
}

BENCH_SINGLE_LOOPS(ubspsc, spsc_push, spsc_pop)

BENCH_OP int
mpmc_push(void *q, const void *item)
{
  struct ubq *b = (struct ubq *)q;
  /* relaxed: as above; a stale tail or copy only makes the cap approximate. */
  uint64_t t = atomic_load_explicit(&b->u.tail, memory_order_relaxed);
  uint64_t h = atomic_load_explicit(&b->shared_head_cache, memory_order_relaxed);
  if ((int64_t)(t - h) >= (int64_t)b->cap_span) {
    h = atomic_load_explicit(&b->u.head, memory_order_relaxed);
    atomic_store_explicit(&b->shared_head_cache, h, memory_order_relaxed);
    if ((int64_t)(t - h) >= (int64_t)b->cap_span)
      return 0;
  }
  return ringq__unbounded_mpmc_push(&b->u, item, memory_order_relaxed) == RINGQ_OK;
}

BENCH_OP int
mpmc_pop(void *q, void *item)
{
  return ringq__unbounded_mpmc_pop(&((struct ubq *)q)->u, item, memory_order_relaxed) ==
         RINGQ_OK;
}

BENCH_SINGLE_LOOPS(ubmpmc, mpmc_push, mpmc_pop)

const struct bench_queue bench_q_ringq_unbounded_spsc = {
    .name = "ringq unbounded spsc",
    .peer = "ringq",
    .roles = BENCH_ROLE_SPSC | BENCH_ROLE_PINGPONG,
    .esizes = BENCH_ESIZE_ALL,
    .note = "ringq unbounded spsc: segments of slots linked as they fill; the adapter keeps at "
            "most `capacity` items in flight (a cached head, like the bounded rings' own check)",
    .create = spsc_create,
    .destroy = ubq_destroy,
    .single = {ubspsc_producer, ubspsc_consumer, ubspsc_ping, ubspsc_pong},
};

const struct bench_queue bench_q_ringq_unbounded_mpmc = {
    .name = "ringq unbounded mpmc",
    .peer = "ringq",
    .roles = BENCH_ROLE_MPMC | BENCH_ROLE_PINGPONG,
    .esizes = BENCH_ESIZE_ALL,
    .note = "ringq unbounded mpmc: as the spsc one; its producers share their copy of head",
    .create = mpmc_create,
    .destroy = ubq_destroy,
    .single = {ubmpmc_producer, ubmpmc_consumer, ubmpmc_ping, ubmpmc_pong},
};

/* ---- the blocking queue with capacity 0 (queue.h), in the blocking workloads ---- */

static int
blocking_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len,
                enum ringq_queue_kind kind)
{
  struct ringq_queue *rq;
  enum ringq_status st = ringq_queue_create(kind, 0, p->esize, &rq); /* 0: unbounded */
  if (st != RINGQ_OK) {
    snprintf(why, why_len, "%s", ringq_strerror(st));
    return -1;
  }
  *q = rq;
  return 0;
}

static int
bspsc_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  return blocking_create(q, p, why, why_len, RINGQ_QUEUE_SPSC);
}

static int
bmpmc_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  return blocking_create(q, p, why, why_len, RINGQ_QUEUE_MPMC);
}

static void
blocking_destroy(void *q)
{
  if (ringq_queue_destroy((struct ringq_queue *)q) != RINGQ_OK)
    fprintf(stderr, "ringq-bench: ringq_queue_destroy: threads still blocked (leaked)\n");
}

static void
blocking_wake(void *q)
{
  if (ringq_queue_shutdown((struct ringq_queue *)q, true) != RINGQ_OK)
    fprintf(stderr, "ringq-bench: ringq_queue_shutdown failed\n");
}

static uint64_t
blocking_syscalls(void *q)
{
  struct ringq_queue_stats s;
  ringq_queue_stats((struct ringq_queue *)q, &s);
  return s.waits + s.wakes + s.barriers;
}

BENCH_OP int
uq_put(void *q, const void *item)
{
  return ringq_queue_put((struct ringq_queue *)q, item) == RINGQ_OK;
}

BENCH_OP int
uq_get(void *q, void *item)
{
  return ringq_queue_get((struct ringq_queue *)q, item) == RINGQ_OK;
}

BENCH_BLOCKING_LOOPS(uq, uq_put, uq_get)

const struct bench_queue bench_q_ringq_queue_unbounded_spsc = {
    .name = "ringq queue unbounded (SPSC)",
    .peer = "ringq",
    .roles = BENCH_ROLE_BLOCKING | BENCH_ROLE_SPSC,
    .esizes = BENCH_ESIZE_ALL,
    .unbounded = 1,
    .note = "ringq queue unbounded: ringq_queue_create(kind, 0, ...); put never blocks, so the "
            "backlog grows while the putter is faster (no cap in the blocking workloads)",
    .create = bspsc_create,
    .destroy = blocking_destroy,
    .wake = blocking_wake,
    .syscalls = blocking_syscalls,
    .blocking = {uq_producer_blocking, uq_consumer_blocking, uq_ping_blocking, uq_pong_blocking},
    .solo = uq_solo,
};

const struct bench_queue bench_q_ringq_queue_unbounded_mpmc = {
    .name = "ringq queue unbounded (MPMC)",
    .peer = "ringq",
    .roles = BENCH_ROLE_BLOCKING | BENCH_ROLE_MPMC,
    .esizes = BENCH_ESIZE_ALL,
    .unbounded = 1,
    .create = bmpmc_create,
    .destroy = blocking_destroy,
    .wake = blocking_wake,
    .syscalls = blocking_syscalls,
    .blocking = {uq_producer_blocking, uq_consumer_blocking, uq_ping_blocking, uq_pong_blocking},
    .solo = uq_solo,
};

/* Bytes the unbounded queue holds empty, with a backlog of `items` 8-byte items, and after
 * draining it (one thread pushes them all, then pops them all, checking each). Printed by
 * ringq-bench under its tables. */
void
bench_unbounded_memory_report(FILE *f, uint64_t items)
{
  static const char *const names[2] = {"spsc", "mpmc"};
  for (int kind = 0; kind < 2; kind++) {
    struct ringq__unbounded u;
    size_t empty, peak, after;
    uint64_t i, v = 0;
    int ok = 1;
    if (ringq__unbounded_init(&u, kind, sizeof(uint64_t)) != RINGQ_OK) {
      fprintf(f, "unbounded %s: out of memory\n", names[kind]);
      continue;
    }
    empty = ringq__unbounded_bytes(&u);
    for (i = 0; i < items && ok; i++)
      ok = (kind ? ringq__unbounded_mpmc_push(&u, &i, memory_order_relaxed)
                 : ringq__unbounded_spsc_push(&u, &i, 0)) == RINGQ_OK;
    peak = ringq__unbounded_bytes(&u);
    for (i = 0; i < items && ok; i++)
      ok = (kind ? ringq__unbounded_mpmc_pop(&u, &v, memory_order_relaxed)
                 : ringq__unbounded_spsc_pop(&u, &v, memory_order_release)) == RINGQ_OK &&
           v == i;
    after = ringq__unbounded_bytes(&u);
    fprintf(f,
            "ringq unbounded %s, 8-byte items: bytes held empty %zu, with a backlog of %llu items "
            "%zu (%.2f per item), after draining it %zu%s\n",
            names[kind], empty, (unsigned long long)items, peak, (double)peak / (double)items,
            after, ok ? "" : "  FAIL (an item was lost or reordered)");
    ringq__unbounded_fini(&u);
  }
}

BENCH_ADAPTER(ringq_unbounded, &bench_q_ringq_unbounded_spsc, &bench_q_ringq_unbounded_mpmc,
              &bench_q_ringq_queue_unbounded_spsc, &bench_q_ringq_queue_unbounded_mpmc);
