/* SPDX-License-Identifier: MIT */
/* bench/adapters/ck_ring.c: adapters for Concurrency Kit's ck_ring (libck-dev), SPSC and MPMC,
 * through its type-safe CK_RING_PROTOTYPE interface (items copied by value, one instantiation per
 * size). ck_ring holds size - 1 items for a power-of-two size, so the ring gets the smallest power
 * of two above the capacity asked for (1024 -> 2048 slots, as DPDK's exact-size rings do). ck_ring
 * has no burst interface. */
#include <ck_ring.h>

#include "adapter.h"
#include "loops.h"

#include <stdio.h>
#include <stdlib.h>

struct ck_item8 {
  uint64_t w[1];
};
struct ck_item64 {
  uint64_t w[8];
};
struct ck_item512 {
  uint64_t w[64];
};
CK_RING_PROTOTYPE(i8, ck_item8)
CK_RING_PROTOTYPE(i64, ck_item64)
CK_RING_PROTOTYPE(i512, ck_item512)

struct ck_q {
  struct ck_ring ring; /* padded to cache lines by ck itself */
  void *buffer;
  size_t esize;
};

static int
ck_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  struct ck_q *c;
  unsigned size = 2;
  while (size < p->capacity + 1)
    size <<= 1;
  if (p->esize != 8 && p->esize != 64 && p->esize != 512) {
    snprintf(why, why_len, "element size %zu not instantiated", p->esize);
    return -1;
  }
  c = (struct ck_q *)aligned_alloc(BENCH_LINE,
                                   (sizeof *c + BENCH_LINE - 1) & ~(size_t)(BENCH_LINE - 1));
  if (c == NULL || (c->buffer = aligned_alloc(BENCH_LINE, (size_t)size * p->esize)) == NULL) {
    free(c);
    snprintf(why, why_len, "out of memory");
    return -1;
  }
  ck_ring_init(&c->ring, size);
  c->esize = p->esize;
  *q = c;
  return 0;
}

static void
ck_destroy(void *q)
{
  struct ck_q *c = (struct ck_q *)q;
  free(c->buffer);
  free(c);
}

/* The ring functions take non-const item pointers; they only read them when enqueuing. */
#define CK_DISPATCH(op, c, item)                                                                \
  switch ((c)->esize) {                                                                         \
  case 8: return ck_ring_##op##_i8(&(c)->ring, (struct ck_item8 *)(c)->buffer,                  \
                                   (struct ck_item8 *)(uintptr_t)(item));                       \
  case 64: return ck_ring_##op##_i64(&(c)->ring, (struct ck_item64 *)(c)->buffer,               \
                                     (struct ck_item64 *)(uintptr_t)(item));                    \
  default: return ck_ring_##op##_i512(&(c)->ring, (struct ck_item512 *)(c)->buffer,             \
                                      (struct ck_item512 *)(uintptr_t)(item));                  \
  }

BENCH_OP int
ck_spsc_push(void *q, const void *item)
{
  CK_DISPATCH(enqueue_spsc, (struct ck_q *)q, item)
}

BENCH_OP int
ck_spsc_pop(void *q, void *item)
{
  CK_DISPATCH(dequeue_spsc, (struct ck_q *)q, item)
}

BENCH_OP int
ck_mpmc_push(void *q, const void *item)
{
  CK_DISPATCH(enqueue_mpmc, (struct ck_q *)q, item)
}

BENCH_OP int
ck_mpmc_pop(void *q, void *item)
{
  CK_DISPATCH(dequeue_mpmc, (struct ck_q *)q, item)
}

BENCH_SINGLE_LOOPS(ck_spsc, ck_spsc_push, ck_spsc_pop)
BENCH_SINGLE_LOOPS(ck_mpmc, ck_mpmc_push, ck_mpmc_pop)

const struct bench_queue bench_q_ck_spsc = {
    .name = "ck_ring SPSC",
    .peer = "ck",
    .roles = BENCH_ROLE_SPSC | BENCH_ROLE_PINGPONG,
    .esizes = BENCH_ESIZE_ALL,
    .create = ck_create,
    .destroy = ck_destroy,
    .single = {ck_spsc_producer, ck_spsc_consumer, ck_spsc_ping, ck_spsc_pong},
};

const struct bench_queue bench_q_ck_mpmc = {
    .name = "ck_ring MPMC",
    .peer = "ck",
    .roles = BENCH_ROLE_MPMC | BENCH_ROLE_PINGPONG,
    .esizes = BENCH_ESIZE_ALL,
    .create = ck_create,
    .destroy = ck_destroy,
    .single = {ck_mpmc_producer, ck_mpmc_consumer, ck_mpmc_ping, ck_mpmc_pong},
};

BENCH_ADAPTER(ck_ring, &bench_q_ck_spsc, &bench_q_ck_mpmc);
