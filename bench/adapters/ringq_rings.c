/* SPDX-License-Identifier: MIT */
/* bench/adapters/ringq_rings.c: adapters for ringq's header-only rings (spsc.h, mpmc.h). */
#include "adapter.h"
#include "loops.h"
#include "ringq/mpmc.h"
#include "ringq/spsc.h"

#include <stdio.h>
#include <stdlib.h>

/* ---- SPSC ---- */

static int
spsc_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  struct ringq_spsc *r;
  enum ringq_status st = ringq_spsc_create(p->capacity, p->esize, &r);
  if (st != RINGQ_OK) {
    snprintf(why, why_len, "%s", ringq_strerror(st));
    return -1;
  }
  *q = r;
  return 0;
}

static void
spsc_destroy(void *q)
{
  ringq_spsc_destroy((struct ringq_spsc *)q);
}

BENCH_OP int
spsc_push(void *q, const void *item)
{
  return ringq_spsc_try_push((struct ringq_spsc *)q, item) == RINGQ_OK;
}

BENCH_OP int
spsc_pop(void *q, void *item)
{
  return ringq_spsc_try_pop((struct ringq_spsc *)q, item) == RINGQ_OK;
}

BENCH_OP size_t
spsc_push_burst(void *q, const void *items, size_t n)
{
  ptrdiff_t k = ringq_spsc_push_burst((struct ringq_spsc *)q, items, n);
  return k > 0 ? (size_t)k : 0;
}

BENCH_OP size_t
spsc_pop_burst(void *q, void *items, size_t n)
{
  ptrdiff_t k = ringq_spsc_pop_burst((struct ringq_spsc *)q, items, n);
  return k > 0 ? (size_t)k : 0;
}

BENCH_OP size_t
spsc_reserve(void *q, size_t max, void **where)
{
  ptrdiff_t k = ringq_spsc_reserve((struct ringq_spsc *)q, max, where);
  return k > 0 ? (size_t)k : 0;
}

BENCH_OP void
spsc_commit(void *q, size_t n)
{
  if (ringq_spsc_commit((struct ringq_spsc *)q, n) != RINGQ_OK)
    abort(); /* n came from the reserve just before: cannot happen */
}

BENCH_OP size_t
spsc_peek(void *q, size_t max, const void **where)
{
  ptrdiff_t k = ringq_spsc_peek((struct ringq_spsc *)q, max, where);
  return k > 0 ? (size_t)k : 0;
}

BENCH_OP void
spsc_release(void *q, size_t n)
{
  if (ringq_spsc_release((struct ringq_spsc *)q, n) != RINGQ_OK)
    abort(); /* n came from the peek just before: cannot happen */
}

BENCH_SINGLE_LOOPS(spsc, spsc_push, spsc_pop)
BENCH_BURST_LOOPS(spsc, spsc_push_burst, spsc_pop_burst)
BENCH_ZC_LOOPS(spsc, spsc_reserve, spsc_commit, spsc_peek, spsc_release)

const struct bench_queue bench_q_ringq_spsc = {
    .name = "ringq spsc",
    .peer = "ringq",
    .roles = BENCH_ROLE_SPSC | BENCH_ROLE_PINGPONG,
    .esizes = BENCH_ESIZE_ALL,
    .create = spsc_create,
    .destroy = spsc_destroy,
    .single = {spsc_producer, spsc_consumer, spsc_ping, spsc_pong},
    .burst = {spsc_producer_burst, spsc_consumer_burst, NULL, NULL},
    .zc = {spsc_producer_zc, spsc_consumer_zc, NULL, NULL},
};

/* ---- MPMC ---- */

static int
mpmc_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  struct ringq_mpmc *r;
  enum ringq_status st = ringq_mpmc_create(p->capacity, p->esize, &r);
  if (st != RINGQ_OK) {
    snprintf(why, why_len, "%s", ringq_strerror(st));
    return -1;
  }
  *q = r;
  return 0;
}

static void
mpmc_destroy(void *q)
{
  ringq_mpmc_destroy((struct ringq_mpmc *)q);
}

BENCH_OP int
mpmc_push(void *q, const void *item)
{
  return ringq_mpmc_try_push((struct ringq_mpmc *)q, item) == RINGQ_OK;
}

BENCH_OP int
mpmc_pop(void *q, void *item)
{
  return ringq_mpmc_try_pop((struct ringq_mpmc *)q, item) == RINGQ_OK;
}

BENCH_OP size_t
mpmc_push_burst(void *q, const void *items, size_t n)
{
  ptrdiff_t k = ringq_mpmc_push_burst((struct ringq_mpmc *)q, items, n);
  return k > 0 ? (size_t)k : 0;
}

BENCH_OP size_t
mpmc_pop_burst(void *q, void *items, size_t n)
{
  ptrdiff_t k = ringq_mpmc_pop_burst((struct ringq_mpmc *)q, items, n);
  return k > 0 ? (size_t)k : 0;
}

BENCH_SINGLE_LOOPS(mpmc, mpmc_push, mpmc_pop)
BENCH_BURST_LOOPS(mpmc, mpmc_push_burst, mpmc_pop_burst)

const struct bench_queue bench_q_ringq_mpmc = {
    .name = "ringq mpmc",
    .peer = "ringq",
    .roles = BENCH_ROLE_MPMC | BENCH_ROLE_PINGPONG,
    .esizes = BENCH_ESIZE_ALL,
    .create = mpmc_create,
    .destroy = mpmc_destroy,
    .single = {mpmc_producer, mpmc_consumer, mpmc_ping, mpmc_pong},
    .burst = {mpmc_producer_burst, mpmc_consumer_burst, NULL, NULL},
};

BENCH_ADAPTER(ringq_rings, &bench_q_ringq_spsc, &bench_q_ringq_mpmc);
