/* SPDX-License-Identifier: MIT */
/* bench/adapters/selftest_faulty.c: a deliberately broken queue for --selftest: a locked ring that,
 * on every 100th pop, drops an item, hands one out twice, swaps two, or corrupts one, or after 100
 * pops stops handing out items. The self-test checks that every such run ends in FAIL (or a stall),
 * never in a number. Never part of a normal run. */
#include "adapter.h"
#include "loops.h"
#include "selftest.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define EVERY 100

enum bench_fault bench_fault_mode = BENCH_FAULT_DROP;

struct faulty {
  pthread_mutex_t mutex;
  unsigned char *buf;
  size_t capacity, esize, head, count;
  uint64_t pops;
  enum bench_fault fault;
};

static int
faulty_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  struct faulty *f = (struct faulty *)calloc(1, sizeof *f);
  if (f == NULL || (f->buf = (unsigned char *)malloc(p->capacity * p->esize)) == NULL) {
    free(f);
    snprintf(why, why_len, "out of memory");
    return -1;
  }
  pthread_mutex_init(&f->mutex, NULL);
  f->capacity = p->capacity;
  f->esize = p->esize;
  f->fault = bench_fault_mode;
  *q = f;
  return 0;
}

static void
faulty_destroy(void *q)
{
  struct faulty *f = (struct faulty *)q;
  pthread_mutex_destroy(&f->mutex);
  free(f->buf);
  free(f);
}

static unsigned char *
slot(struct faulty *f, size_t i)
{
  return f->buf + ((f->head + i) % f->capacity) * f->esize;
}

BENCH_OP int
faulty_push(void *q, const void *item)
{
  struct faulty *f = (struct faulty *)q;
  int ok = 0;
  pthread_mutex_lock(&f->mutex);
  if (f->count < f->capacity) {
    memcpy(slot(f, f->count), item, f->esize);
    f->count++;
    ok = 1;
  }
  pthread_mutex_unlock(&f->mutex);
  return ok;
}

BENCH_OP int
faulty_pop(void *q, void *item)
{
  struct faulty *f = (struct faulty *)q;
  int ok = 0;
  pthread_mutex_lock(&f->mutex);
  if (f->count > 0 && !(f->fault == BENCH_FAULT_HOLD && f->pops >= EVERY)) {
    int fault = ++f->pops % EVERY == 0;
    int advance = 1;
    if (fault && f->fault == BENCH_FAULT_DROP && f->count > 1) {
      f->head = (f->head + 1) % f->capacity; /* the oldest item vanishes */
      f->count--;
    } else if (fault && f->fault == BENCH_FAULT_DUPLICATE) {
      advance = 0; /* handed out now and again next time */
    } else if (fault && f->fault == BENCH_FAULT_SWAP && f->count > 1) {
      unsigned char tmp[BENCH_MAX_ESIZE];
      memcpy(tmp, slot(f, 0), f->esize);
      memcpy(slot(f, 0), slot(f, 1), f->esize);
      memcpy(slot(f, 1), tmp, f->esize);
    }
    memcpy(item, slot(f, 0), f->esize);
    if (fault && f->fault == BENCH_FAULT_CORRUPT)
      ((unsigned char *)item)[f->esize > 8 ? f->esize - 1 : 2] ^= 0x10;
    if (advance) {
      f->head = (f->head + 1) % f->capacity;
      f->count--;
    }
    ok = 1;
  }
  pthread_mutex_unlock(&f->mutex);
  return ok;
}

BENCH_OP size_t
faulty_push_burst(void *q, const void *items, size_t n)
{
  size_t k = 0;
  while (k < n && faulty_push(q, (const unsigned char *)items + k * ((struct faulty *)q)->esize))
    k++;
  return k;
}

BENCH_OP size_t
faulty_pop_burst(void *q, void *items, size_t n)
{
  size_t k = 0;
  while (k < n && faulty_pop(q, (unsigned char *)items + k * ((struct faulty *)q)->esize))
    k++;
  return k;
}

BENCH_SINGLE_LOOPS(faulty, faulty_push, faulty_pop)
BENCH_BURST_LOOPS(faulty, faulty_push_burst, faulty_pop_burst)
/* "Blocking" put/get that never sleep: the blocking loops retry them until they succeed. */
BENCH_BLOCKING_LOOPS(faulty, faulty_push, faulty_pop)

const struct bench_queue bench_q_faulty = {
    .name = "faulty (self-test)",
    .peer = "baseline",
    .roles = BENCH_ROLE_SPSC | BENCH_ROLE_MPMC | BENCH_ROLE_PINGPONG | BENCH_ROLE_BLOCKING,
    .esizes = BENCH_ESIZE_ALL,
    .create = faulty_create,
    .destroy = faulty_destroy,
    .single = {faulty_producer, faulty_consumer, faulty_ping, faulty_pong},
    .burst = {faulty_producer_burst, faulty_consumer_burst, NULL, NULL},
    .blocking = {faulty_producer_blocking, faulty_consumer_blocking, faulty_ping_blocking,
                 faulty_pong_blocking},
    .solo = faulty_solo,
};
