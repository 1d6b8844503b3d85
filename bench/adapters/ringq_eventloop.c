/* SPDX-License-Identifier: MIT */
/* bench/adapters/ringq_eventloop.c: ringq's blocking queue waited on the event-loop ways (issue
 * 11): through its descriptor with poll(2) in the loop's order (get_nowait until EMPTY, prepare,
 * poll); with a descriptor armed once and never needed afterwards (the cost of a registered
 * poller on the fast path); and through wait-any over the queue and an idle second queue. */
#define _GNU_SOURCE
#include "adapter.h"
#include "loops.h"
#include "ringq/queue.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

#define POLL_MS 20 /* the most one wait lasts, so that the loops see the watchdog's abort flag */

struct evq {
  struct ringq_queue *q[2]; /* [1]: wait-any's idle second queue */
  int fd;
};

static int
evq_make(enum ringq_queue_kind kind, int arm, int second, void **out,
         const struct bench_queue_params *p, char *why, size_t why_len)
{
  struct evq *e = (struct evq *)calloc(1, sizeof *e);
  unsigned ready;
  enum ringq_status st = RINGQ_ENOMEM;
  if (e != NULL && (st = ringq_queue_create(kind, p->capacity, p->esize, &e->q[0])) == RINGQ_OK &&
      (!second || (st = ringq_queue_create(kind, 1, p->esize, &e->q[1])) == RINGQ_OK) &&
      (!arm || ((st = ringq_queue_fd(e->q[0], RINGQ_POLL_READABLE, &e->fd)) == RINGQ_OK &&
                (st = ringq_queue_poll_prepare(e->q[0], RINGQ_POLL_READABLE, &ready)) == RINGQ_OK))) {
    *out = e;
    return 0;
  }
  snprintf(why, why_len, "%s", ringq_strerror(st));
  if (e != NULL) {
    if (e->q[0] != NULL && ringq_queue_destroy(e->q[0]) != RINGQ_OK)
      fprintf(stderr, "ringq-bench: destroy failed\n");
    if (e->q[1] != NULL && ringq_queue_destroy(e->q[1]) != RINGQ_OK)
      fprintf(stderr, "ringq-bench: destroy failed\n");
    free(e);
  }
  return -1;
}

static int
fd_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  return evq_make(RINGQ_QUEUE_MPMC, 1, 0, q, p, why, why_len);
}

static int
armed_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  return evq_make(RINGQ_QUEUE_SPSC, 1, 0, q, p, why, why_len);
}

static int
any_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  return evq_make(RINGQ_QUEUE_MPMC, 0, 1, q, p, why, why_len);
}

static void
evq_destroy(void *q)
{
  struct evq *e = (struct evq *)q;
  int i;
  for (i = 0; i < 2; i++)
    if (e->q[i] != NULL && ringq_queue_destroy(e->q[i]) != RINGQ_OK)
      fprintf(stderr, "ringq-bench: ringq_queue_destroy: threads still blocked (leaked)\n");
  free(e);
}

static void
evq_wake(void *q)
{
  struct evq *e = (struct evq *)q;
  if (ringq_queue_shutdown(e->q[0], true) != RINGQ_OK)
    fprintf(stderr, "ringq-bench: ringq_queue_shutdown failed\n");
}

static uint64_t
evq_syscalls(void *q)
{
  struct ringq_queue_stats s;
  ringq_queue_stats(((struct evq *)q)->q[0], &s);
  return s.waits + s.wakes + s.barriers;
}

BENCH_OP int
evq_put(void *q, const void *item)
{
  return ringq_queue_put(((struct evq *)q)->q[0], item) == RINGQ_OK;
}

BENCH_OP int
evq_get(void *q, void *item)
{
  return ringq_queue_get(((struct evq *)q)->q[0], item) == RINGQ_OK;
}

/* The loop's order: drain, prepare, wait (one wait per call, at most POLL_MS). */
BENCH_OP int
fd_get(void *q, void *item)
{
  struct evq *e = (struct evq *)q;
  struct pollfd pfd = {e->fd, POLLIN, 0};
  for (;;) {
    unsigned ready = 0;
    enum ringq_status st = ringq_queue_get_nowait(e->q[0], item);
    if (st != RINGQ_EMPTY)
      return st == RINGQ_OK;
    if (ringq_queue_poll_prepare(e->q[0], RINGQ_POLL_READABLE, &ready) != RINGQ_OK)
      return 0;
    if (!ready)
      return poll(&pfd, 1, POLL_MS) > 0 && ringq_queue_get_nowait(e->q[0], item) == RINGQ_OK;
  }
}

BENCH_OP int
any_get(void *q, void *item)
{
  struct evq *e = (struct evq *)q;
  size_t which;
  return ringq_queue_get_any(e->q, 2, item, (int64_t)POLL_MS * 1000000, &which) == RINGQ_OK &&
         which == 0;
}

BENCH_BLOCKING_LOOPS(fdq, evq_put, fd_get)
BENCH_BLOCKING_LOOPS(armedq, evq_put, evq_get)
BENCH_BLOCKING_LOOPS(anyq, evq_put, any_get)

const struct bench_queue bench_q_ringq_fd = {
    .name = "ringq queue (MPMC) via its descriptor",
    .peer = "ringq",
    .roles = BENCH_ROLE_BLOCKING,
    .esizes = BENCH_ESIZE_ALL,
    .create = fd_create,
    .destroy = evq_destroy,
    .wake = evq_wake,
    .syscalls = evq_syscalls,
    .blocking = {NULL, NULL, fdq_ping_blocking, fdq_pong_blocking},
};

const struct bench_queue bench_q_ringq_armed = {
    .name = "ringq queue (SPSC), descriptor armed, unused",
    .peer = "ringq",
    .roles = BENCH_ROLE_BLOCKING,
    .esizes = BENCH_ESIZE_ALL,
    .create = armed_create,
    .destroy = evq_destroy,
    .wake = evq_wake,
    .syscalls = evq_syscalls,
    .blocking = {armedq_producer_blocking, armedq_consumer_blocking, NULL, NULL},
};

const struct bench_queue bench_q_ringq_any = {
    .name = "ringq queue (MPMC) via wait-any of 2",
    .peer = "ringq",
    .roles = BENCH_ROLE_BLOCKING,
    .esizes = BENCH_ESIZE_ALL,
    .create = any_create,
    .destroy = evq_destroy,
    .wake = evq_wake,
    .syscalls = evq_syscalls,
    .blocking = {NULL, NULL, anyq_ping_blocking, anyq_pong_blocking},
};

BENCH_ADAPTER(ringq_eventloop, &bench_q_ringq_fd, &bench_q_ringq_armed, &bench_q_ringq_any);
