/* SPDX-License-Identifier: MIT */
/* Producers and consumers ended by shutdown instead of sentinel items: nothing is lost. */
#include <ringq/queue.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define PRODUCERS 2
#define CONSUMERS 3
#define PER_PRODUCER 50000

static struct ringq_queue *q;

struct consumer_tally {
  uint64_t count, sum;
  enum ringq_status last; /* why the consumer stopped */
};

static void *
producer(void *arg)
{
  uint64_t id = (uint64_t)(uintptr_t)arg, i;
  for (i = 1; i <= PER_PRODUCER; i++) {
    uint64_t item = id * PER_PRODUCER + i; /* every item in the run is distinct */
    if (ringq_queue_put(q, &item) != RINGQ_OK)
      return (void *)1;
  }
  return NULL;
}

static void *
consumer(void *arg)
{
  struct consumer_tally *c = arg;
  uint64_t item;
  /* A graceful shutdown lets get drain what is left, then every get says RINGQ_SHUTDOWN. */
  while ((c->last = ringq_queue_get(q, &item)) == RINGQ_OK) {
    c->count++;
    c->sum += item;
  }
  return NULL;
}

int
main(void)
{
  pthread_t p[PRODUCERS], c[CONSUMERS];
  struct consumer_tally tally[CONSUMERS] = {{0, 0, RINGQ_OK}};
  uint64_t count = 0, sum = 0, expect_sum = 0, i, extra = 0;
  void *ret;
  int bad = 0;

  if (ringq_queue_create(RINGQ_QUEUE_MPMC, 256, sizeof(uint64_t), &q) != RINGQ_OK)
    return 1;
  for (i = 0; i < CONSUMERS; i++)
    pthread_create(&c[i], NULL, consumer, &tally[i]);
  for (i = 0; i < PRODUCERS; i++)
    pthread_create(&p[i], NULL, producer, (void *)(uintptr_t)i);
  for (i = 0; i < PRODUCERS; i++) {
    pthread_join(p[i], &ret);
    bad |= ret != NULL;
  }
  /* Every item is in the queue or already got: end the stream. Items still queued are not lost. */
  if (ringq_queue_shutdown(q, false) != RINGQ_OK)
    return 1;
  if (ringq_queue_put(q, &extra) != RINGQ_SHUTDOWN) /* the queue accepts nothing more */
    bad = 1;
  for (i = 0; i < CONSUMERS; i++) {
    pthread_join(c[i], NULL);
    bad |= tally[i].last != RINGQ_SHUTDOWN;
    count += tally[i].count;
    sum += tally[i].sum;
  }
  for (i = 0; i < PRODUCERS; i++) /* sum of id * PER + k for k = 1..PER */
    expect_sum += i * PER_PRODUCER * PER_PRODUCER + (uint64_t)PER_PRODUCER * (PER_PRODUCER + 1) / 2;
  bad |= count != (uint64_t)PRODUCERS * PER_PRODUCER || sum != expect_sum;
  if (ringq_queue_destroy(q) != RINGQ_OK)
    return 1;
  printf("producer_consumer: %llu items, sum %llu (expected %llu): %s\n",
         (unsigned long long)count, (unsigned long long)sum, (unsigned long long)expect_sum,
         bad ? "WRONG" : "ok");
  return bad;
}
