/* SPDX-License-Identifier: MIT */
/* bench/adapters/ringq_bytes.c: ringq's byte-message queues in the byte-message workloads:
 * RINGQ_QUEUE_BYTES_SPSC and the MPSC kind with one putter between two threads, and BYTES_SPSC in
 * a memfd between two processes. Blocking put_bytes / get_bytes, a ring sized for the workload's
 * `capacity` messages of `esize` bytes (each takes 8 bytes of header plus its length rounded up
 * to 8), largest message `esize`. */
#include "adapter.h"
#include "loops.h"
#include "ringq/queue.h"

#include <stdio.h>

static int
make(void **q, const struct bench_queue_params *p, enum ringq_queue_kind kind, char *why,
     size_t why_len)
{
  struct ringq_queue *bq;
  size_t rec = 8 + ((p->esize + 7) & ~(size_t)7);
  enum ringq_status st = ringq_queue_create(kind, p->capacity * rec, p->esize, &bq);
  if (st != RINGQ_OK) {
    snprintf(why, why_len, "ringq_queue_create: %s", ringq_strerror(st));
    return -1;
  }
  *q = bq;
  return 0;
}

static int
spsc_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  return make(q, p, RINGQ_QUEUE_BYTES_SPSC, why, why_len);
}

static int
mpsc_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  return make(q, p, RINGQ_QUEUE_BYTES_MPSC, why, why_len);
}

static void
bytes_destroy(void *q)
{
  (void)ringq_queue_destroy((struct ringq_queue *)q);
}

static void
bytes_wake(void *q)
{
  /* Blocked calls return: puts with RINGQ_SHUTDOWN, gets once drained. */
  (void)ringq_queue_shutdown((struct ringq_queue *)q, false);
}

BENCH_OP int
bytes_send(void *q, const void *buf, size_t len)
{
  return ringq_queue_put_bytes((struct ringq_queue *)q, buf, len) == RINGQ_OK;
}

BENCH_OP int
bytes_recv(void *q, void *buf, size_t cap, size_t *len)
{
  return ringq_queue_get_bytes((struct ringq_queue *)q, buf, cap, len) == RINGQ_OK;
}

BENCH_MSG_LOOPS(bytes, bytes_send, bytes_recv) /* bytes_msg_producer, bytes_msg_consumer */

const struct bench_queue bench_q_ringq_bytes = {
    .name = "ringq bytes",
    .peer = "ringq",
    .roles = BENCH_ROLE_BYTES,
    .esizes = BENCH_ESIZE_MSGS,
    .create = spsc_create,
    .destroy = bytes_destroy,
    .wake = bytes_wake,
    .single = {bytes_msg_producer, bytes_msg_consumer, NULL, NULL},
};

const struct bench_queue bench_q_ringq_bytes_mpsc = {
    .name = "ringq bytes (MPSC, 1 putter)",
    .peer = "ringq",
    .roles = BENCH_ROLE_BYTES,
    .esizes = BENCH_ESIZE_MSGS,
    .create = mpsc_create,
    .destroy = bytes_destroy,
    .wake = bytes_wake,
    .single = {bytes_msg_producer, bytes_msg_consumer, NULL, NULL},
};

/* The same BYTES_SPSC queue between two processes: made by ringq_queue_memfd_create (a memfd
 * mapping, process-shared) before the workers are forked; each worker uses the handle it inherits
 * (a fork child may use its parent's process-shared handles). */
static int
shm_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  struct ringq_queue *bq;
  size_t rec = 8 + ((p->esize + 7) & ~(size_t)7);
  enum ringq_status st =
      ringq_queue_memfd_create(RINGQ_QUEUE_BYTES_SPSC, p->capacity * rec, p->esize, 0, &bq);
  if (st != RINGQ_OK) {
    snprintf(why, why_len, "ringq_queue_memfd_create: %s", ringq_strerror(st));
    return -1;
  }
  *q = bq;
  return 0;
}

static void
shm_destroy(void *q)
{
  (void)ringq_queue_close((struct ringq_queue *)q);
}

const struct bench_queue bench_q_ringq_bytes_shm = {
    .name = "ringq bytes (shm, processes)",
    .peer = "ringq",
    .roles = BENCH_ROLE_BYTES,
    .esizes = BENCH_ESIZE_MSGS,
    .processes = 1,
    .create = shm_create,
    .destroy = shm_destroy,
    .wake = bytes_wake,
    .single = {bytes_msg_producer, bytes_msg_consumer, NULL, NULL},
};

BENCH_ADAPTER(ringq_bytes, &bench_q_ringq_bytes, &bench_q_ringq_bytes_mpsc,
              &bench_q_ringq_bytes_shm);
