/* SPDX-License-Identifier: MIT */
/* bench/adapters/dpdk_rte_ring.c: adapters for DPDK's rte_ring (libdpdk-dev), SP/SC and MP/MC,
 * single items and bursts, through the element API (items copied by value, any multiple of 4
 * bytes).
 *
 * No EAL: the ring lives in memory allocated here (rte_ring_get_memsize_elem + rte_ring_init),
 * which DPDK supports. RING_F_EXACT_SZ makes the capacity exactly the one asked for (the storage
 * is the next power of two above it). Compiled with DPDK's own pkg-config flags (including its
 * -march), in an object library of its own. */
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "adapter.h"
#include "loops.h"

#include <stdio.h>
#include <stdlib.h>

struct dpdk_q {
  struct rte_ring *r;
  unsigned esize;
};

static int
dpdk_create_flags(void **q, const struct bench_queue_params *p, unsigned flags, char *why,
                  size_t why_len)
{
  struct dpdk_q *d;
  unsigned slots = rte_align32pow2((uint32_t)p->capacity + 1);
  ssize_t bytes = rte_ring_get_memsize_elem((unsigned)p->esize, slots);
  int rc;
  if (bytes < 0) {
    snprintf(why, why_len, "rte_ring_get_memsize_elem: error %zd", bytes);
    return -1;
  }
  d = (struct dpdk_q *)malloc(sizeof *d);
  if (d == NULL ||
      (d->r = (struct rte_ring *)aligned_alloc(RTE_CACHE_LINE_SIZE * 2,
                                               ((size_t)bytes + 127) & ~(size_t)127)) == NULL) {
    free(d);
    snprintf(why, why_len, "out of memory");
    return -1;
  }
  rc = rte_ring_init(d->r, "ringq-bench", (unsigned)p->capacity, flags | RING_F_EXACT_SZ);
  if (rc != 0) {
    free(d->r);
    free(d);
    snprintf(why, why_len, "rte_ring_init: error %d", rc);
    return -1;
  }
  d->esize = (unsigned)p->esize;
  *q = d;
  return 0;
}

static int
dpdk_create_spsc(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  return dpdk_create_flags(q, p, RING_F_SP_ENQ | RING_F_SC_DEQ, why, why_len);
}

static int
dpdk_create_mpmc(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  return dpdk_create_flags(q, p, 0, why, why_len);
}

static void
dpdk_destroy(void *q)
{
  struct dpdk_q *d = (struct dpdk_q *)q;
  free(d->r);
  free(d);
}

/* DPDK's enqueue functions take non-const pointers; they only read the items. */
BENCH_OP int
sp_push(void *q, const void *item)
{
  struct dpdk_q *d = (struct dpdk_q *)q;
  return rte_ring_sp_enqueue_elem(d->r, (void *)(uintptr_t)item, d->esize) == 0;
}

BENCH_OP int
sc_pop(void *q, void *item)
{
  struct dpdk_q *d = (struct dpdk_q *)q;
  return rte_ring_sc_dequeue_elem(d->r, item, d->esize) == 0;
}

BENCH_OP size_t
sp_push_burst(void *q, const void *items, size_t n)
{
  struct dpdk_q *d = (struct dpdk_q *)q;
  return rte_ring_sp_enqueue_burst_elem(d->r, items, d->esize, (unsigned)n, NULL);
}

BENCH_OP size_t
sc_pop_burst(void *q, void *items, size_t n)
{
  struct dpdk_q *d = (struct dpdk_q *)q;
  return rte_ring_sc_dequeue_burst_elem(d->r, items, d->esize, (unsigned)n, NULL);
}

BENCH_OP int
mp_push(void *q, const void *item)
{
  struct dpdk_q *d = (struct dpdk_q *)q;
  return rte_ring_mp_enqueue_elem(d->r, (void *)(uintptr_t)item, d->esize) == 0;
}

BENCH_OP int
mc_pop(void *q, void *item)
{
  struct dpdk_q *d = (struct dpdk_q *)q;
  return rte_ring_mc_dequeue_elem(d->r, item, d->esize) == 0;
}

BENCH_OP size_t
mp_push_burst(void *q, const void *items, size_t n)
{
  struct dpdk_q *d = (struct dpdk_q *)q;
  return rte_ring_mp_enqueue_burst_elem(d->r, items, d->esize, (unsigned)n, NULL);
}

BENCH_OP size_t
mc_pop_burst(void *q, void *items, size_t n)
{
  struct dpdk_q *d = (struct dpdk_q *)q;
  return rte_ring_mc_dequeue_burst_elem(d->r, items, d->esize, (unsigned)n, NULL);
}

BENCH_SINGLE_LOOPS(spsc, sp_push, sc_pop)
BENCH_BURST_LOOPS(spsc, sp_push_burst, sc_pop_burst)
BENCH_SINGLE_LOOPS(mpmc, mp_push, mc_pop)
BENCH_BURST_LOOPS(mpmc, mp_push_burst, mc_pop_burst)

const struct bench_queue bench_q_dpdk_spsc = {
    .name = "DPDK rte_ring SP/SC",
    .peer = "dpdk",
    .roles = BENCH_ROLE_SPSC | BENCH_ROLE_PINGPONG,
    .esizes = BENCH_ESIZE_ALL,
    .create = dpdk_create_spsc,
    .destroy = dpdk_destroy,
    .single = {spsc_producer, spsc_consumer, spsc_ping, spsc_pong},
    .burst = {spsc_producer_burst, spsc_consumer_burst, NULL, NULL},
};

const struct bench_queue bench_q_dpdk_mpmc = {
    .name = "DPDK rte_ring MP/MC",
    .peer = "dpdk",
    .roles = BENCH_ROLE_MPMC | BENCH_ROLE_PINGPONG,
    .esizes = BENCH_ESIZE_ALL,
    .create = dpdk_create_mpmc,
    .destroy = dpdk_destroy,
    .single = {mpmc_producer, mpmc_consumer, mpmc_ping, mpmc_pong},
    .burst = {mpmc_producer_burst, mpmc_consumer_burst, NULL, NULL},
};

BENCH_ADAPTER(dpdk_rte_ring, &bench_q_dpdk_spsc, &bench_q_dpdk_mpmc);
