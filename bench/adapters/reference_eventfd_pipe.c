/* SPDX-License-Identifier: MIT */
/* bench/adapters/reference_eventfd_pipe.c: what an event loop's wake-up costs without ringq: a
 * one-item mailbox signalled through an eventfd (put writes it, get polls and reads it), and a
 * pipe carrying the item itself. Ping-pong only: they are the references for the wake-up round
 * trip through ringq's descriptor (adapters/ringq_eventloop.c). */
#define _GNU_SOURCE
#include "adapter.h"
#include "loops.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* The getter polls at most 20 ms at a time, so that the loop can see the watchdog's abort flag. */
#define POLL_MS 20

struct evbox {
  BENCH_ALIGNED uint32_t full;
  unsigned char item[BENCH_MAX_ESIZE];
  size_t esize;
  int fd;
};

static int
evbox_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  struct evbox *m = (struct evbox *)aligned_alloc(BENCH_LINE, sizeof(struct evbox));
  if (m == NULL || (m->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
    snprintf(why, why_len, "eventfd: %s", m == NULL ? "out of memory" : strerror(errno));
    free(m);
    return -1;
  }
  m->full = 0;
  m->esize = p->esize;
  *q = m;
  return 0;
}

static void
evbox_destroy(void *q)
{
  close(((struct evbox *)q)->fd);
  free(q);
}

BENCH_OP int
evbox_put(void *q, const void *item)
{
  struct evbox *m = (struct evbox *)q;
  uint64_t one = 1;
  if (__atomic_load_n(&m->full, __ATOMIC_ACQUIRE))
    return 0;
  memcpy(m->item, item, m->esize);
  __atomic_store_n(&m->full, 1, __ATOMIC_RELEASE);
  return write(m->fd, &one, sizeof one) == (ssize_t)sizeof one;
}

BENCH_OP int
evbox_get(void *q, void *item)
{
  struct evbox *m = (struct evbox *)q;
  struct pollfd pfd = {m->fd, POLLIN, 0};
  uint64_t count;
  if (!__atomic_load_n(&m->full, __ATOMIC_ACQUIRE)) {
    if (poll(&pfd, 1, POLL_MS) <= 0)
      return 0; /* the loop checks for an abort and calls again */
    if (read(m->fd, &count, sizeof count) < 0 && errno != EAGAIN)
      return 0;
    if (!__atomic_load_n(&m->full, __ATOMIC_ACQUIRE))
      return 0;
  } else if (read(m->fd, &count, sizeof count) < 0 && errno != EAGAIN) {
    return 0;
  }
  memcpy(item, m->item, m->esize);
  __atomic_store_n(&m->full, 0, __ATOMIC_RELEASE);
  return 1;
}

BENCH_BLOCKING_LOOPS(evbox, evbox_put, evbox_get)

const struct bench_queue bench_q_eventfd = {
    .name = "raw eventfd mailbox (OS)",
    .peer = "reference",
    .roles = BENCH_ROLE_BLOCKING | BENCH_ROLE_REFERENCE,
    .esizes = BENCH_ESIZE_ALL,
    .create = evbox_create,
    .destroy = evbox_destroy,
    .blocking = {NULL, NULL, evbox_ping_blocking, evbox_pong_blocking},
};

struct pipeq {
  int fd[2];
  size_t esize;
};

static int
pipe_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  struct pipeq *pq = (struct pipeq *)malloc(sizeof *pq);
  if (pq == NULL || pipe2(pq->fd, O_CLOEXEC) != 0) {
    snprintf(why, why_len, "pipe: %s", pq == NULL ? "out of memory" : strerror(errno));
    free(pq);
    return -1;
  }
  pq->esize = p->esize;
  *q = pq;
  return 0;
}

static void
pipe_destroy(void *q)
{
  struct pipeq *pq = (struct pipeq *)q;
  close(pq->fd[0]);
  close(pq->fd[1]);
  free(pq);
}

/* Items are at most 512 bytes, below PIPE_BUF: each write is atomic, never split. */
BENCH_OP int
pipe_put(void *q, const void *item)
{
  struct pipeq *pq = (struct pipeq *)q;
  return write(pq->fd[1], item, pq->esize) == (ssize_t)pq->esize;
}

BENCH_OP int
pipe_get(void *q, void *item)
{
  struct pipeq *pq = (struct pipeq *)q;
  struct pollfd pfd = {pq->fd[0], POLLIN, 0};
  if (poll(&pfd, 1, POLL_MS) <= 0)
    return 0;
  return read(pq->fd[0], item, pq->esize) == (ssize_t)pq->esize;
}

BENCH_BLOCKING_LOOPS(pipeq, pipe_put, pipe_get)

const struct bench_queue bench_q_pipe = {
    .name = "pipe (OS)",
    .peer = "reference",
    .roles = BENCH_ROLE_BLOCKING | BENCH_ROLE_REFERENCE,
    .esizes = BENCH_ESIZE_ALL,
    .create = pipe_create,
    .destroy = pipe_destroy,
    .blocking = {NULL, NULL, pipeq_ping_blocking, pipeq_pong_blocking},
};

BENCH_ADAPTER(reference_eventfd_pipe, &bench_q_eventfd, &bench_q_pipe);
