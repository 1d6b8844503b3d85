/* SPDX-License-Identifier: MIT */
/* bench/adapters/baseline_mutex_condvar.c: the baseline every ratio is against. A bounded ring
 * guarded by one pthread mutex and two condition variables, built the way CPython builds
 * queue.Queue: put waits on not_full, get waits on not_empty, each notifies the other condition
 * when it has waiters. Used in try mode (put_nowait / get_nowait, the caller spins) and in blocking
 * mode. */
#include "adapter.h"
#include "loops.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct baseline {
  pthread_mutex_t mutex;
  pthread_cond_t not_empty, not_full;
  unsigned char *buf;
  size_t capacity, esize;
  size_t head, count; /* oldest item's slot; items held */
  unsigned getters_waiting, putters_waiting;
  int closed;         /* set by the watchdog: waits end */
  uint64_t syscalls;  /* condvar waits + notifies that had a waiter (futex calls, at least) */
};

static int
baseline_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  struct baseline *b = (struct baseline *)calloc(1, sizeof *b);
  if (b == NULL || (b->buf = (unsigned char *)malloc(p->capacity * p->esize)) == NULL) {
    free(b);
    snprintf(why, why_len, "out of memory");
    return -1;
  }
  pthread_mutex_init(&b->mutex, NULL);
  pthread_cond_init(&b->not_empty, NULL);
  pthread_cond_init(&b->not_full, NULL);
  b->capacity = p->capacity;
  b->esize = p->esize;
  *q = b;
  return 0;
}

static void
baseline_destroy(void *q)
{
  struct baseline *b = (struct baseline *)q;
  pthread_cond_destroy(&b->not_full);
  pthread_cond_destroy(&b->not_empty);
  pthread_mutex_destroy(&b->mutex);
  free(b->buf);
  free(b);
}

static void
baseline_wake(void *q)
{
  struct baseline *b = (struct baseline *)q;
  pthread_mutex_lock(&b->mutex);
  b->closed = 1;
  pthread_cond_broadcast(&b->not_empty);
  pthread_cond_broadcast(&b->not_full);
  pthread_mutex_unlock(&b->mutex);
}

static uint64_t
baseline_syscalls(void *q)
{
  struct baseline *b = (struct baseline *)q;
  uint64_t n;
  pthread_mutex_lock(&b->mutex);
  n = b->syscalls;
  pthread_mutex_unlock(&b->mutex);
  return n;
}

/* Copy up to n items in or out under the mutex (the caller holds it); returns how many. */
static inline size_t
put_locked(struct baseline *b, const unsigned char *items, size_t n)
{
  size_t room = b->capacity - b->count, tail, first;
  if (n > room)
    n = room;
  tail = (b->head + b->count) % b->capacity;
  first = b->capacity - tail < n ? b->capacity - tail : n;
  memcpy(b->buf + tail * b->esize, items, first * b->esize);
  memcpy(b->buf, items + first * b->esize, (n - first) * b->esize);
  b->count += n;
  if (n && b->getters_waiting) {
    b->syscalls++;
    pthread_cond_signal(&b->not_empty);
  }
  return n;
}

static inline size_t
get_locked(struct baseline *b, unsigned char *items, size_t n)
{
  size_t first;
  if (n > b->count)
    n = b->count;
  first = b->capacity - b->head < n ? b->capacity - b->head : n;
  memcpy(items, b->buf + b->head * b->esize, first * b->esize);
  memcpy(items + first * b->esize, b->buf, (n - first) * b->esize);
  b->head = (b->head + n) % b->capacity;
  b->count -= n;
  if (n && b->putters_waiting) {
    b->syscalls++;
    pthread_cond_signal(&b->not_full);
  }
  return n;
}

BENCH_OP size_t
baseline_push_burst(void *q, const void *items, size_t n)
{
  struct baseline *b = (struct baseline *)q;
  pthread_mutex_lock(&b->mutex);
  n = put_locked(b, (const unsigned char *)items, n);
  pthread_mutex_unlock(&b->mutex);
  return n;
}

BENCH_OP size_t
baseline_pop_burst(void *q, void *items, size_t n)
{
  struct baseline *b = (struct baseline *)q;
  pthread_mutex_lock(&b->mutex);
  n = get_locked(b, (unsigned char *)items, n);
  pthread_mutex_unlock(&b->mutex);
  return n;
}

BENCH_OP int
baseline_push(void *q, const void *item)
{
  return (int)baseline_push_burst(q, item, 1);
}

BENCH_OP int
baseline_pop(void *q, void *item)
{
  return (int)baseline_pop_burst(q, item, 1);
}

BENCH_OP int
baseline_put(void *q, const void *item)
{
  struct baseline *b = (struct baseline *)q;
  int ok = 0;
  pthread_mutex_lock(&b->mutex);
  while (b->count == b->capacity && !b->closed) {
    b->putters_waiting++;
    b->syscalls++;
    pthread_cond_wait(&b->not_full, &b->mutex);
    b->putters_waiting--;
  }
  if (!b->closed)
    ok = (int)put_locked(b, (const unsigned char *)item, 1);
  pthread_mutex_unlock(&b->mutex);
  return ok;
}

BENCH_OP int
baseline_get(void *q, void *item)
{
  struct baseline *b = (struct baseline *)q;
  int ok = 0;
  pthread_mutex_lock(&b->mutex);
  while (b->count == 0 && !b->closed) {
    b->getters_waiting++;
    b->syscalls++;
    pthread_cond_wait(&b->not_empty, &b->mutex);
    b->getters_waiting--;
  }
  if (!b->closed)
    ok = (int)get_locked(b, (unsigned char *)item, 1);
  pthread_mutex_unlock(&b->mutex);
  return ok;
}

BENCH_SINGLE_LOOPS(baseline, baseline_push, baseline_pop)
BENCH_BURST_LOOPS(baseline, baseline_push_burst, baseline_pop_burst)
BENCH_BLOCKING_LOOPS(baseline, baseline_put, baseline_get)

const struct bench_queue bench_q_baseline_try = {
    .name = "baseline mutex+condvars, try",
    .peer = "baseline",
    .roles = BENCH_ROLE_SPSC | BENCH_ROLE_MPMC | BENCH_ROLE_PINGPONG | BENCH_ROLE_BASELINE,
    .esizes = BENCH_ESIZE_ALL,
    .create = baseline_create,
    .destroy = baseline_destroy,
    .single = {baseline_producer, baseline_consumer, baseline_ping, baseline_pong},
    .burst = {baseline_producer_burst, baseline_consumer_burst, NULL, NULL},
};

const struct bench_queue bench_q_baseline_blocking = {
    .name = "baseline mutex+condvars, blocking",
    .peer = "baseline",
    .roles = BENCH_ROLE_BLOCKING | BENCH_ROLE_MPMC | BENCH_ROLE_BASELINE,
    .esizes = BENCH_ESIZE_ALL,
    .note = "baseline syscalls/M ops counts condvar waits and notifies to a waiter (one futex "
            "call each, at least); futex calls from mutex contention are not counted",
    .create = baseline_create,
    .destroy = baseline_destroy,
    .wake = baseline_wake,
    .syscalls = baseline_syscalls,
    .blocking = {baseline_producer_blocking, baseline_consumer_blocking, baseline_ping_blocking,
                 baseline_pong_blocking},
    .solo = baseline_solo,
};

BENCH_ADAPTER(baseline_mutex_condvar, &bench_q_baseline_try, &bench_q_baseline_blocking);
