/* SPDX-License-Identifier: MIT */
/* bench/adapters/selftest_faulty.c: a deliberately broken queue for --selftest: a locked ring that,
 * on every 100th pop, drops an item, hands one out twice, swaps two, or corrupts one, or after 100
 * pops stops handing out items, or (between processes only) kills its own process. The self-test
 * checks that every such run ends in FAIL (or a stall), never in a number. Never part of a normal
 * run. It lives in a MAP_SHARED mapping under a process-shared mutex, so that it also runs
 * between processes; bench_q_faulty_msgs is the same ring carrying byte messages of the
 * workload's size. */
#define _GNU_SOURCE /* MAP_ANONYMOUS */
#include "adapter.h"
#include "loops.h"
#include "selftest.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#define EVERY 100

enum bench_fault bench_fault_mode = BENCH_FAULT_DROP;

struct faulty {
  pthread_mutex_t mutex;
  unsigned char *buf; /* in the same mapping, after the struct */
  size_t bytes;       /* the mapping */
  size_t capacity, esize, head, count;
  uint64_t pops;
  enum bench_fault fault;
};

static int
faulty_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  size_t bytes = sizeof(struct faulty) + p->capacity * p->esize;
  pthread_mutexattr_t ma;
  struct faulty *f = (struct faulty *)mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                                           MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (f == MAP_FAILED || p->esize > BENCH_MAX_ESIZE) {
    if (f != MAP_FAILED)
      munmap(f, bytes);
    snprintf(why, why_len, "out of memory, or items above %d bytes", BENCH_MAX_ESIZE);
    return -1;
  }
  pthread_mutexattr_init(&ma);
  pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(&f->mutex, &ma);
  pthread_mutexattr_destroy(&ma);
  f->buf = (unsigned char *)(f + 1);
  f->bytes = bytes;
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
  munmap(f, f->bytes);
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
    if (fault && f->fault == BENCH_FAULT_DIE)
      raise(SIGKILL); /* a worker process killed mid-call, holding the mutex */
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

/* Byte messages of the ring's item size; an all-zero item is the end of the stream. */
BENCH_OP int
faulty_send(void *q, const void *buf, size_t len)
{
  static const unsigned char end[BENCH_MAX_ESIZE];
  return faulty_push(q, len ? buf : end);
}

BENCH_OP int
faulty_recv(void *q, void *buf, size_t cap, size_t *len)
{
  uint64_t first;
  if (!faulty_pop(q, buf))
    return 0;
  memcpy(&first, buf, sizeof first);
  *len = first ? cap : 0;
  return 1;
}

BENCH_MSG_LOOPS(faulty, faulty_send, faulty_recv)

const struct bench_queue bench_q_faulty_msgs = {
    .name = "faulty (self-test), messages",
    .peer = "baseline",
    .roles = BENCH_ROLE_BYTES,
    .esizes = BENCH_ESIZE_16 | BENCH_ESIZE_256,
    .create = faulty_create,
    .destroy = faulty_destroy,
    .single = {faulty_msg_producer, faulty_msg_consumer, NULL, NULL},
};

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
