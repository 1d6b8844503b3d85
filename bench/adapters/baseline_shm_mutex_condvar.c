/* SPDX-License-Identifier: MIT */
/* bench/adapters/baseline_shm_mutex_condvar.c: the baseline of the process workloads. A bounded
 * ring under one mutex and two condition variables, all PTHREAD_PROCESS_SHARED, in an anonymous
 * MAP_SHARED mapping made before fork; put waits on not_full, get on not_empty, each notifies
 * the other condition only when it has waiters (as baseline_mutex_condvar.c, CPython's way). */
#define _GNU_SOURCE /* MAP_ANONYMOUS */
#include "adapter.h"
#include "loops.h"

#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>

struct shm_baseline {
  pthread_mutex_t mutex;
  pthread_cond_t not_empty, not_full;
  size_t bytes;       /* the whole mapping */
  size_t capacity, esize;
  size_t head, count; /* oldest item's slot; items held */
  unsigned getters_waiting, putters_waiting;
  int closed;         /* set by the watchdog: waits end */
  uint64_t syscalls;  /* condvar waits + notifies that had a waiter (futex calls, at least) */
  unsigned char buf[]; /* capacity * esize */
};

static int
shm_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  size_t bytes = sizeof(struct shm_baseline) + p->capacity * p->esize;
  struct shm_baseline *b;
  pthread_mutexattr_t ma;
  pthread_condattr_t ca;
  b = (struct shm_baseline *)mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (b == MAP_FAILED) {
    snprintf(why, why_len, "mmap of %zu bytes failed", bytes);
    return -1;
  }
  pthread_mutexattr_init(&ma);
  pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(&b->mutex, &ma);
  pthread_mutexattr_destroy(&ma);
  pthread_condattr_init(&ca);
  pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
  pthread_cond_init(&b->not_empty, &ca);
  pthread_cond_init(&b->not_full, &ca);
  pthread_condattr_destroy(&ca);
  b->bytes = bytes;
  b->capacity = p->capacity;
  b->esize = p->esize;
  *q = b;
  return 0;
}

static void
shm_destroy(void *q)
{
  struct shm_baseline *b = (struct shm_baseline *)q;
  pthread_cond_destroy(&b->not_full);
  pthread_cond_destroy(&b->not_empty);
  pthread_mutex_destroy(&b->mutex);
  munmap(b, b->bytes);
}

/* The watchdog (in the parent process): close and wake everyone. A worker process stuck with the
 * mutex held must not hang the parent: give up after 2 s (the processes are killed then). */
static void
shm_wake(void *q)
{
  struct shm_baseline *b = (struct shm_baseline *)q;
  struct timespec dl;
  clock_gettime(CLOCK_REALTIME, &dl);
  dl.tv_sec += 2;
  if (pthread_mutex_timedlock(&b->mutex, &dl) != 0)
    return;
  b->closed = 1;
  pthread_cond_broadcast(&b->not_empty);
  pthread_cond_broadcast(&b->not_full);
  pthread_mutex_unlock(&b->mutex);
}

static uint64_t
shm_syscalls(void *q)
{
  struct shm_baseline *b = (struct shm_baseline *)q;
  uint64_t n;
  pthread_mutex_lock(&b->mutex);
  n = b->syscalls;
  pthread_mutex_unlock(&b->mutex);
  return n;
}

BENCH_OP int
shm_put(void *q, const void *item)
{
  struct shm_baseline *b = (struct shm_baseline *)q;
  int ok = 0;
  pthread_mutex_lock(&b->mutex);
  while (b->count == b->capacity && !b->closed) {
    b->putters_waiting++;
    b->syscalls++;
    pthread_cond_wait(&b->not_full, &b->mutex);
    b->putters_waiting--;
  }
  if (!b->closed) {
    memcpy(b->buf + (b->head + b->count) % b->capacity * b->esize, item, b->esize);
    b->count++;
    ok = 1;
    if (b->getters_waiting) {
      b->syscalls++;
      pthread_cond_signal(&b->not_empty);
    }
  }
  pthread_mutex_unlock(&b->mutex);
  return ok;
}

BENCH_OP int
shm_get(void *q, void *item)
{
  struct shm_baseline *b = (struct shm_baseline *)q;
  int ok = 0;
  pthread_mutex_lock(&b->mutex);
  while (b->count == 0 && !b->closed) {
    b->getters_waiting++;
    b->syscalls++;
    pthread_cond_wait(&b->not_empty, &b->mutex);
    b->getters_waiting--;
  }
  if (!b->closed) {
    memcpy(item, b->buf + b->head * b->esize, b->esize);
    b->head = (b->head + 1) % b->capacity;
    b->count--;
    ok = 1;
    if (b->putters_waiting) {
      b->syscalls++;
      pthread_cond_signal(&b->not_full);
    }
  }
  pthread_mutex_unlock(&b->mutex);
  return ok;
}

BENCH_BLOCKING_LOOPS(shm, shm_put, shm_get)

const struct bench_queue bench_q_baseline_shm = {
    .name = "baseline mutex+condvars, shm",
    .peer = "baseline",
    .note = "baseline mutex+condvars, shm: one mutex and two condition variables, all "
            "PTHREAD_PROCESS_SHARED, in a MAP_SHARED mapping; blocking put/get",
    .roles = BENCH_ROLE_PROCESS | BENCH_ROLE_BASELINE,
    .esizes = BENCH_ESIZE_ALL,
    .create = shm_create,
    .destroy = shm_destroy,
    .wake = shm_wake,
    .syscalls = shm_syscalls,
    .blocking = {shm_producer_blocking, shm_consumer_blocking, shm_ping_blocking,
                 shm_pong_blocking},
};

BENCH_ADAPTER(baseline_shm_mutex_condvar, &bench_q_baseline_shm);
