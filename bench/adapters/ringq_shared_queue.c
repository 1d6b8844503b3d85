/* SPDX-License-Identifier: MIT */
/* bench/adapters/ringq_shared_queue.c: ringq's blocking queue, SPSC and MPMC kinds, made with
 * ringq_queue_init(..., RINGQ_QUEUE_PROCESS_SHARED) in an anonymous MAP_SHARED mapping made before
 * the workers are forked: blocking put/get, and put_nowait/get_nowait with the caller spinning.
 * The process workloads also run it between two threads (same queue, same mapping). */
#define _GNU_SOURCE /* MAP_ANONYMOUS */
#include "adapter.h"
#include "loops.h"
#include "ringq/queue.h"

#include <stdio.h>
#include <sys/mman.h>

/* The mapping's length sits in front of the queue, in the same mapping. */
struct shared_queue {
  size_t bytes; /* the whole mapping */
  unsigned char pad[RINGQ_CACHE_LINE - sizeof(size_t)];
  /* the queue follows, aligned to RINGQ_CACHE_LINE */
};

static struct ringq_queue *
queue_of(void *q)
{
  return (struct ringq_queue *)((unsigned char *)q + sizeof(struct shared_queue));
}

static int
create_kind(enum ringq_queue_kind kind, void **q, const struct bench_queue_params *p, char *why,
            size_t why_len)
{
  size_t qbytes, bytes;
  struct shared_queue *s;
  enum ringq_status st = ringq_queue_memsize(kind, p->capacity, p->esize, &qbytes);
  if (st != RINGQ_OK) {
    snprintf(why, why_len, "ringq_queue_memsize: %s", ringq_strerror(st));
    return -1;
  }
  bytes = sizeof *s + qbytes;
  s = (struct shared_queue *)mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (s == MAP_FAILED) {
    snprintf(why, why_len, "mmap of %zu bytes failed", bytes);
    return -1;
  }
  s->bytes = bytes;
  st = ringq_queue_init(queue_of(s), qbytes, kind, p->capacity, p->esize,
                        RINGQ_QUEUE_PROCESS_SHARED);
  if (st != RINGQ_OK) {
    munmap(s, bytes);
    snprintf(why, why_len, "ringq_queue_init: %s", ringq_strerror(st));
    return -1;
  }
  *q = s;
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
shared_destroy(void *q)
{
  struct shared_queue *s = (struct shared_queue *)q;
  /* Every worker has returned (or its process was killed after a stall: a process killed
   * while asleep in the queue leaves its waiter count behind, so fini may say EBUSY). */
  if (ringq_queue_fini(queue_of(s)) != RINGQ_OK)
    fprintf(stderr, "ringq-bench: ringq_queue_fini of a shared queue: EBUSY (a worker was "
                    "killed while blocked); the mapping is unmapped anyway\n");
  munmap(s, s->bytes);
}

static void
shared_wake(void *q)
{
  if (ringq_queue_shutdown(queue_of(q), true) != RINGQ_OK)
    fprintf(stderr, "ringq-bench: ringq_queue_shutdown failed\n");
}

static uint64_t
shared_syscalls(void *q)
{
  struct ringq_queue_stats s;
  ringq_queue_stats(queue_of(q), &s);
  return s.waits + s.wakes + s.barriers;
}

/* put/get without a timeout; RINGQ_SHUTDOWN (the watchdog's wake) returns 0. */
BENCH_OP int
shared_put(void *q, const void *item)
{
  return ringq_queue_put(queue_of(q), item) == RINGQ_OK;
}

BENCH_OP int
shared_get(void *q, void *item)
{
  return ringq_queue_get(queue_of(q), item) == RINGQ_OK;
}

/* nowait: 0 when full / empty (or shut down); the loop spins. */
BENCH_OP int
shared_put_nowait(void *q, const void *item)
{
  return ringq_queue_put_nowait(queue_of(q), item) == RINGQ_OK;
}

BENCH_OP int
shared_get_nowait(void *q, void *item)
{
  return ringq_queue_get_nowait(queue_of(q), item) == RINGQ_OK;
}

BENCH_BLOCKING_LOOPS(shared, shared_put, shared_get)
BENCH_SINGLE_LOOPS(shared, shared_put_nowait, shared_get_nowait)

const struct bench_queue bench_q_ringq_shared_spsc = {
    .name = "ringq queue (SPSC, shm)",
    .peer = "ringq",
    .note = "ringq queue (SPSC, shm), (MPMC, shm): ringq_queue_init(..., "
            "RINGQ_QUEUE_PROCESS_SHARED) in an anonymous MAP_SHARED mapping made before fork; "
            "plain rows: blocking put/get, \"nowait\": put_nowait/get_nowait and the caller "
            "spins; \"[threads]\": the same queue in the same mapping between two threads",
    .roles = BENCH_ROLE_PROCESS,
    .esizes = BENCH_ESIZE_ALL,
    .create = spsc_create,
    .destroy = shared_destroy,
    .wake = shared_wake,
    .syscalls = shared_syscalls,
    .single = {shared_producer, shared_consumer, shared_ping, shared_pong},
    .blocking = {shared_producer_blocking, shared_consumer_blocking, shared_ping_blocking,
                 shared_pong_blocking},
};

const struct bench_queue bench_q_ringq_shared_mpmc = {
    .name = "ringq queue (MPMC, shm)",
    .peer = "ringq",
    .roles = BENCH_ROLE_PROCESS,
    .esizes = BENCH_ESIZE_ALL,
    .create = mpmc_create,
    .destroy = shared_destroy,
    .wake = shared_wake,
    .syscalls = shared_syscalls,
    .single = {shared_producer, shared_consumer, shared_ping, shared_pong},
    .blocking = {shared_producer_blocking, shared_consumer_blocking, shared_ping_blocking,
                 shared_pong_blocking},
};

BENCH_ADAPTER(ringq_shared_queue, &bench_q_ringq_shared_spsc, &bench_q_ringq_shared_mpmc);
