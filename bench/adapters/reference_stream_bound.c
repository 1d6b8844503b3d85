/* SPDX-License-Identifier: MIT */
/* bench/adapters/reference_stream_bound.c: the most a ring can move between the two CPUs: a
 * producer fills an array of 8-byte items and a consumer reads them back, copying in and out as a
 * ring does, with the indices exchanged once per burst of 32 items. Not a queue: a ring stripped
 * to what no ring can avoid (a power-of-two array, a constant item size, one release store per
 * burst on each side, the other side's index re-read only when the cached copy runs out).
 *
 * It runs through the same burst loops as the queues (loops.h), so every item is made, tagged and
 * checked exactly as theirs are: the ratio of a queue's bursts to this row is the share of the
 * machine's stream bandwidth the queue reaches. */
#include "adapter.h"
#include "loops.h"

#include <stdio.h>
#include <stdlib.h>

struct stream {
  uint64_t *slots; /* a power of two of them, at least the capacity asked for */
  uint64_t mask;
  /* The producer's line: its published index and its cached copy of the consumer's. */
  BENCH_ALIGNED uint64_t head;
  uint64_t tail_seen;
  /* The consumer's line: its published index and its cached copy of the producer's. */
  BENCH_ALIGNED uint64_t tail;
  uint64_t head_seen;
};

static int
stream_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  struct stream *s;
  uint64_t slots = 1;
  if (p->esize != sizeof(uint64_t) || p->producers != 1 || p->consumers != 1) {
    snprintf(why, why_len, "8-byte items, one producer and one consumer only");
    return -1;
  }
  while (slots < p->capacity)
    slots <<= 1;
  s = (struct stream *)aligned_alloc(BENCH_LINE, sizeof *s);
  if (s == NULL) {
    snprintf(why, why_len, "out of memory");
    return -1;
  }
  memset(s, 0, sizeof *s);
  s->slots = (uint64_t *)aligned_alloc(BENCH_LINE, slots * sizeof(uint64_t));
  if (s->slots == NULL) {
    free(s);
    snprintf(why, why_len, "out of memory");
    return -1;
  }
  memset(s->slots, 0, slots * sizeof(uint64_t));
  s->mask = slots - 1;
  *q = s;
  return 0;
}

static void
stream_destroy(void *q)
{
  struct stream *s = (struct stream *)q;
  free(s->slots);
  free(s);
}

/* Copies n items (n <= 32) between an array of 8-byte items and the ring, in at most two pieces. */
BENCH_OP void
stream_copy_in(struct stream *s, uint64_t at, const void *items, size_t n)
{
  size_t first = (size_t)(s->mask + 1 - (at & s->mask));
  if (first > n)
    first = n;
  memcpy(s->slots + (at & s->mask), items, first * sizeof(uint64_t));
  memcpy(s->slots, (const uint64_t *)items + first, (n - first) * sizeof(uint64_t));
}

BENCH_OP void
stream_copy_out(const struct stream *s, uint64_t at, void *items, size_t n)
{
  size_t first = (size_t)(s->mask + 1 - (at & s->mask));
  if (first > n)
    first = n;
  memcpy(items, s->slots + (at & s->mask), first * sizeof(uint64_t));
  memcpy((uint64_t *)items + first, s->slots, (n - first) * sizeof(uint64_t));
}

/* All or nothing: the burst loop hands over whole bursts, so every publication is one burst. */
BENCH_OP size_t
stream_push_burst(void *q, const void *items, size_t n)
{
  struct stream *s = (struct stream *)q;
  uint64_t head = s->head; /* only this thread writes head */
  if (head + n - s->tail_seen > s->mask + 1) {
    /* Acquire: pairs with the consumer's release store of tail in stream_pop_burst, so its reads
     * of the slots before that store are done before the slots are written again here. */
    s->tail_seen = __atomic_load_n(&s->tail, __ATOMIC_ACQUIRE);
    if (head + n - s->tail_seen > s->mask + 1)
      return 0;
  }
  stream_copy_in(s, head, items, n);
  /* Release: pairs with the consumer's acquire load of head in stream_pop_burst, so the items
   * copied in above are visible before the index that announces them. */
  __atomic_store_n(&s->head, head + n, __ATOMIC_RELEASE);
  return n;
}

BENCH_OP size_t
stream_pop_burst(void *q, void *items, size_t max)
{
  struct stream *s = (struct stream *)q;
  uint64_t tail = s->tail; /* only this thread writes tail */
  size_t k;
  if (s->head_seen == tail) {
    /* Acquire: pairs with the producer's release store of head in stream_push_burst. */
    s->head_seen = __atomic_load_n(&s->head, __ATOMIC_ACQUIRE);
    if (s->head_seen == tail)
      return 0;
  }
  k = (size_t)(s->head_seen - tail);
  if (k > max)
    k = max;
  stream_copy_out(s, tail, items, k);
  /* Release: pairs with the producer's acquire load of tail in stream_push_burst. */
  __atomic_store_n(&s->tail, tail + k, __ATOMIC_RELEASE);
  return k;
}

BENCH_BURST_LOOPS(stream, stream_push_burst, stream_pop_burst)

const struct bench_queue bench_q_stream_bound = {
    .name = "stream bound (hardware)",
    .peer = "stream",
    .roles = BENCH_ROLE_SPSC | BENCH_ROLE_REFERENCE,
    .esizes = BENCH_ESIZE_8,
    .note = "stream bound: not a queue; a producer fills a power-of-two array, the consumer copies "
            "each item out and checks it, indices exchanged once per burst of 32 items: the most "
            "a ring can move between these two CPUs",
    .create = stream_create,
    .destroy = stream_destroy,
    .burst = {stream_producer_burst, stream_consumer_burst, NULL, NULL},
};

BENCH_ADAPTER(reference_stream_bound, &bench_q_stream_bound);
