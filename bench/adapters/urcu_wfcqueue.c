/* SPDX-License-Identifier: MIT */
/* bench/adapters/urcu_wfcqueue.c: adapter for liburcu's wait-free concurrent queue (cds_wfcq,
 * urcu/wfcqueue.h), used through its static inline implementation (_LGPL_SOURCE).
 *
 * cds_wfcq is an unbounded intrusive list: the adapter mallocs one node per item (the consumer
 * copies the item out and frees it), which is how a copying user of it works. To keep memory
 * bounded when the producers are faster, producers refuse ("full") while about `capacity` items
 * are in flight; the counts behind that check are published in batches of 256, so it costs one
 * shared read-modify-write per 256 items on each side. Dequeue: __cds_wfcq_dequeue_nonblocking,
 * alone for one consumer, under the queue's dequeue lock for several (the library requires
 * dequeuers to exclude each other; cds_wfcq_dequeue_blocking does the same with the blocking
 * variant). */
#define _LGPL_SOURCE
#include <urcu/wfcqueue.h>

#include "adapter.h"
#include "loops.h"

#include <stdio.h>
#include <stdlib.h>

#define BATCH 256

struct urcu_q {
  struct cds_wfcq_head head;
  BENCH_ALIGNED struct cds_wfcq_tail tail;
  size_t esize;
  int64_t bound;
  int single_consumer;
  BENCH_ALIGNED uint64_t enq_published; /* items pushed, in whole batches */
  BENCH_ALIGNED uint64_t deq_published; /* items popped, in batches or when found empty */
};

struct urcu_node {
  struct cds_wfcq_node node;
  uint64_t data[]; /* esize bytes */
};

/* Per thread, per side: the queue it last used and its count not yet published. */
static _Thread_local struct {
  void *q;
  uint64_t n;
} enq_pending, deq_pending;

static int
urcu_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  struct urcu_q *u = (struct urcu_q *)aligned_alloc(BENCH_LINE, sizeof *u);
  if (u == NULL) {
    snprintf(why, why_len, "out of memory");
    return -1;
  }
  memset(u, 0, sizeof *u);
  cds_wfcq_init(&u->head, &u->tail);
  u->esize = p->esize;
  u->bound = (int64_t)p->capacity;
  u->single_consumer = p->consumers <= 1;
  *q = u;
  return 0;
}

static void
urcu_destroy(void *q)
{
  struct urcu_q *u = (struct urcu_q *)q;
  struct cds_wfcq_node *n;
  while ((n = __cds_wfcq_dequeue_blocking(&u->head, &u->tail)) != NULL)
    free(caa_container_of(n, struct urcu_node, node));
  cds_wfcq_destroy(&u->head, &u->tail);
  free(u);
}

BENCH_OP int
urcu_push(void *q, const void *item)
{
  struct urcu_q *u = (struct urcu_q *)q;
  struct urcu_node *n;
  if (enq_pending.q != q) {
    enq_pending.q = q;
    enq_pending.n = 0;
  }
  if (enq_pending.n == 0) {
    uint64_t e = __atomic_load_n(&u->enq_published, __ATOMIC_RELAXED);
    uint64_t d = __atomic_load_n(&u->deq_published, __ATOMIC_RELAXED);
    if ((int64_t)(e - d) >= u->bound)
      return 0;
  }
  n = (struct urcu_node *)malloc(sizeof *n + u->esize);
  if (n == NULL)
    return 0;
  cds_wfcq_node_init(&n->node);
  memcpy(n->data, item, u->esize);
  cds_wfcq_enqueue(&u->head, &u->tail, &n->node);
  if (++enq_pending.n == BATCH) {
    __atomic_fetch_add(&u->enq_published, BATCH, __ATOMIC_RELAXED);
    enq_pending.n = 0;
  }
  return 1;
}

BENCH_OP int
urcu_pop(void *q, void *item)
{
  struct urcu_q *u = (struct urcu_q *)q;
  struct cds_wfcq_node *node;
  struct urcu_node *n;
  if (deq_pending.q != q) {
    deq_pending.q = q;
    deq_pending.n = 0;
  }
  /* Non-blocking dequeue: while an enqueue is half done it answers "would block" at once (the
   * blocking one spins 10 times, then sleeps 10 ms); the harness spins instead. */
  if (u->single_consumer) {
    node = __cds_wfcq_dequeue_nonblocking(&u->head, &u->tail);
  } else {
    cds_wfcq_dequeue_lock(&u->head, &u->tail);
    node = __cds_wfcq_dequeue_nonblocking(&u->head, &u->tail);
    cds_wfcq_dequeue_unlock(&u->head, &u->tail);
  }
  if (node == CDS_WFCQ_WOULDBLOCK)
    return 0;
  if (node == NULL) {
    if (deq_pending.n) {
      __atomic_fetch_add(&u->deq_published, deq_pending.n, __ATOMIC_RELAXED);
      deq_pending.n = 0;
    }
    return 0;
  }
  n = caa_container_of(node, struct urcu_node, node);
  memcpy(item, n->data, u->esize);
  free(n);
  if (++deq_pending.n == BATCH) {
    __atomic_fetch_add(&u->deq_published, BATCH, __ATOMIC_RELAXED);
    deq_pending.n = 0;
  }
  return 1;
}

BENCH_SINGLE_LOOPS(urcu, urcu_push, urcu_pop)

const struct bench_queue bench_q_urcu = {
    .name = "liburcu wfcqueue",
    .peer = "urcu",
    .roles = BENCH_ROLE_MPMC | BENCH_ROLE_PINGPONG,
    .esizes = BENCH_ESIZE_8,
    .note = "liburcu wfcqueue: unbounded list, one malloc'd node per item; the adapter keeps "
            "about `capacity` items in flight (counts published every 256 items)",
    .create = urcu_create,
    .destroy = urcu_destroy,
    .single = {urcu_producer, urcu_consumer, urcu_ping, urcu_pong},
};

BENCH_ADAPTER(urcu_wfcqueue, &bench_q_urcu);
