/* SPDX-License-Identifier: MIT */
/* tests/stress/queue_batch_stress.c: put_many / get_many between threads: every item once, in
 * order per producer, with random batch sizes across the ring's wrap, for an SPSC queue (1x1) and
 * an MPMC queue (2x2; more threads than the 2 CPUs once the main thread counts). A plain executable
 * (runs under TSan). Usage: queue_batch_stress <spsc|mpmc> [unbounded] (unbounded: capacity 0
 * instead of 100). */
#include <ringq/queue.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define MAXP 2
#define BATCH 64

static struct ringq_queue *q;
static uint64_t per_producer;

static void
fail(const char *what, uint64_t a, uint64_t b)
{
  fprintf(stderr, "FAIL: %s (%" PRIu64 ", %" PRIu64 ")\n", what, a, b);
  exit(1);
}

static uint64_t
next_rand(uint64_t *s)
{
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static void *
producer(void *arg)
{
  uint64_t id = (uint64_t)(uintptr_t)arg, sent = 0, rng = 0x9e3779b97f4a7c15ull * (id + 1);
  uint64_t batch[BATCH];
  while (sent < per_producer) {
    uint64_t want = 1 + next_rand(&rng) % BATCH, i;
    ptrdiff_t k;
    if (want > per_producer - sent)
      want = per_producer - sent;
    for (i = 0; i < want; i++)
      batch[i] = (id << 48) | (sent + i);
    k = ringq_queue_put_many(q, batch, (size_t)want, 10000000000LL * RINGQ_TIMEOUT_SCALE);
    if (k != (ptrdiff_t)want) /* no timeout or shutdown here: every item goes in */
      fail("put_many", (uint64_t)k, want);
    sent += want;
  }
  return NULL;
}

struct consumer {
  uint64_t next[MAXP], count;
};

static void *
consumer(void *arg)
{
  struct consumer *c = arg;
  uint64_t rng = (uint64_t)(uintptr_t)c | 1, batch[BATCH];
  for (;;) {
    ptrdiff_t k = ringq_queue_get_many(q, batch, 1 + next_rand(&rng) % BATCH,
                                       10000000000LL * RINGQ_TIMEOUT_SCALE);
    ptrdiff_t i;
    if (k == RINGQ_SHUTDOWN)
      return NULL;
    if (k <= 0)
      fail("get_many", (uint64_t)k, 0);
    for (i = 0; i < k; i++) {
      uint64_t id = batch[i] >> 48, seq = batch[i] & 0xffffffffffffull;
      if (id >= MAXP || seq < c->next[id]) /* per producer, a consumer sees increasing numbers */
        fail("order", id, seq);
      c->next[id] = seq + 1;
      c->count++;
    }
  }
}

int
main(int argc, char **argv)
{
  int mpmc = argc > 1 && strcmp(argv[1], "mpmc") == 0;
  int unbounded = argc > 2 && strcmp(argv[2], "unbounded") == 0; /* capacity 0 */
  unsigned np = mpmc ? 2 : 1, nc = mpmc ? 2 : 1, i;
  pthread_t p[MAXP], c[MAXP];
  struct consumer cs[MAXP];
  uint64_t total = 0;
  per_producer = test_scaled_count(400000);
  if (ringq_queue_create(mpmc ? RINGQ_QUEUE_MPMC : RINGQ_QUEUE_SPSC, unbounded ? 0 : 100,
                         sizeof(uint64_t), &q) != RINGQ_OK)
    fail("create", 0, 0);
  memset(cs, 0, sizeof cs);
  for (i = 0; i < nc; i++)
    pthread_create(&c[i], NULL, consumer, &cs[i]);
  for (i = 0; i < np; i++)
    pthread_create(&p[i], NULL, producer, (void *)(uintptr_t)i);
  for (i = 0; i < np; i++)
    pthread_join(p[i], NULL);
  if (ringq_queue_shutdown(q, false) != RINGQ_OK) /* consumers drain, then see SHUTDOWN */
    fail("shutdown", 0, 0);
  for (i = 0; i < nc; i++) {
    pthread_join(c[i], NULL);
    total += cs[i].count;
  }
  if (total != per_producer * np) /* with per-producer order, the count proves exactly once */
    fail("items", total, per_producer * np);
  printf("%s: %" PRIu64 " items in batches of 1..%d, %ux%u threads\n", mpmc ? "MPMC" : "SPSC",
         total, BATCH, np, nc);
  if (ringq_queue_destroy(q) != RINGQ_OK)
    fail("destroy", 0, 0);
  printf("1 passed, 0 failed\n");
  return 0;
}
