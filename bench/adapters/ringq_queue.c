/* SPDX-License-Identifier: MIT */
/* bench/adapters/ringq_queue.c: adapters for ringq's blocking queue (queue.h), SPSC and MPMC
 * kinds. */
#include "adapter.h"
#include "loops.h"
#include "ringq/queue.h"

#include <stdio.h>

static int
create_kind(enum ringq_queue_kind kind, void **q, const struct bench_queue_params *p, char *why,
            size_t why_len)
{
  struct ringq_queue *rq;
  enum ringq_status st = ringq_queue_create(kind, p->capacity, p->esize, &rq);
  if (st != RINGQ_OK) {
    snprintf(why, why_len, "%s", ringq_strerror(st));
    return -1;
  }
  *q = rq;
  return 0;
}

static int
spsc_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  return create_kind(RINGQ_QUEUE_SPSC, q, p, why, why_len);
}

static int
mpmc_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  return create_kind(RINGQ_QUEUE_MPMC, q, p, why, why_len);
}

static void
queue_destroy(void *q)
{
  /* After a stall the watchdog shut the queue down; the workers have all returned by now. */
  if (ringq_queue_destroy((struct ringq_queue *)q) != RINGQ_OK)
    fprintf(stderr, "ringq-bench: ringq_queue_destroy: threads still blocked (leaked)\n");
}

static void
queue_wake(void *q)
{
  if (ringq_queue_shutdown((struct ringq_queue *)q, true) != RINGQ_OK)
    fprintf(stderr, "ringq-bench: ringq_queue_shutdown failed\n");
}

static uint64_t
queue_syscalls(void *q)
{
  struct ringq_queue_stats s;
  ringq_queue_stats((struct ringq_queue *)q, &s);
  return s.waits + s.wakes + s.barriers;
}

/* put/get without a timeout; RINGQ_SHUTDOWN (the watchdog's wake) returns 0. */
BENCH_OP int
queue_put(void *q, const void *item)
{
  return ringq_queue_put((struct ringq_queue *)q, item) == RINGQ_OK;
}

BENCH_OP int
queue_get(void *q, void *item)
{
  return ringq_queue_get((struct ringq_queue *)q, item) == RINGQ_OK;
}

BENCH_BLOCKING_LOOPS(queue, queue_put, queue_get)

/* The same calls through their out-of-line twins ((ringq_queue_put)(q, item): what a function
 * pointer, dlopen or ctypes reaches), next to the inline fast path above in the same run. */
BENCH_OP int
twin_put(void *q, const void *item)
{
  return (ringq_queue_put)((struct ringq_queue *)q, item) == RINGQ_OK;
}

BENCH_OP int
twin_get(void *q, void *item)
{
  return (ringq_queue_get)((struct ringq_queue *)q, item) == RINGQ_OK;
}

BENCH_BLOCKING_LOOPS(twin, twin_put, twin_get)

/* put_many / get_many: blocking bursts. At most 20 ms per call, so that the loops see the
 * watchdog's abort flag; 0 means "nothing moved yet, call again". */
BENCH_OP size_t
queue_put_many(void *q, const void *items, size_t n)
{
  ptrdiff_t k = ringq_queue_put_many((struct ringq_queue *)q, items, n, 20000000);
  return k > 0 ? (size_t)k : 0;
}

BENCH_OP size_t
queue_get_many(void *q, void *items, size_t n)
{
  ptrdiff_t k = ringq_queue_get_many((struct ringq_queue *)q, items, n, 20000000);
  return k > 0 ? (size_t)k : 0;
}

BENCH_BURST_LOOPS(queue, queue_put_many, queue_get_many)

const struct bench_queue bench_q_ringq_queue_spsc = {
    .name = "ringq queue (SPSC)",
    .peer = "ringq",
    .note = "ringq queue: syscalls/M are the futex waits, futex wakes and membarrier calls "
            "ringq_queue_stats counts (a private SPSC queue makes a membarrier call each time a "
            "thread announces itself as a waiter, and one per shutdown: its asymmetric wait "
            "protocol)",
    .roles = BENCH_ROLE_BLOCKING | BENCH_ROLE_SPSC,
    .esizes = BENCH_ESIZE_ALL,
    .create = spsc_create,
    .destroy = queue_destroy,
    .wake = queue_wake,
    .syscalls = queue_syscalls,
    .burst = {queue_producer_burst, queue_consumer_burst, NULL, NULL},
    .blocking = {queue_producer_blocking, queue_consumer_blocking, queue_ping_blocking,
                 queue_pong_blocking},
    .solo = queue_solo,
};

const struct bench_queue bench_q_ringq_queue_mpmc = {
    .name = "ringq queue (MPMC)",
    .peer = "ringq",
    .roles = BENCH_ROLE_BLOCKING | BENCH_ROLE_MPMC,
    .esizes = BENCH_ESIZE_ALL,
    .create = mpmc_create,
    .destroy = queue_destroy,
    .wake = queue_wake,
    .syscalls = queue_syscalls,
    .burst = {queue_producer_burst, queue_consumer_burst, NULL, NULL},
    .blocking = {queue_producer_blocking, queue_consumer_blocking, queue_ping_blocking,
                 queue_pong_blocking},
    .solo = queue_solo,
};

const struct bench_queue bench_q_ringq_queue_spsc_twin = {
    .name = "ringq queue (SPSC), out-of-line calls",
    .peer = "ringq",
    .roles = BENCH_ROLE_BLOCKING | BENCH_ROLE_SPSC,
    .esizes = BENCH_ESIZE_ALL,
    .create = spsc_create,
    .destroy = queue_destroy,
    .wake = queue_wake,
    .syscalls = queue_syscalls,
    .blocking = {twin_producer_blocking, twin_consumer_blocking, twin_ping_blocking,
                 twin_pong_blocking},
    .solo = twin_solo,
};

BENCH_ADAPTER(ringq_queue, &bench_q_ringq_queue_spsc, &bench_q_ringq_queue_mpmc,
              &bench_q_ringq_queue_spsc_twin);
