/* SPDX-License-Identifier: MIT */
/* A pool of worker threads fed by a blocking queue, with join as the barrier between batches. */
#include <ringq/queue.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define WORKERS 4
#define JOBS 2000

struct job {
  uint32_t index; /* where the result goes */
  uint32_t input;
};

static struct ringq_queue *jobs;
static uint64_t results[JOBS]; /* results[i] is written only by the worker that got job i */

/* Steps of the Collatz sequence from n down to 1: some work whose answer can be checked. */
static uint64_t
collatz_steps(uint64_t n)
{
  uint64_t steps = 0;
  while (n != 1) {
    n = n % 2 ? 3 * n + 1 : n / 2;
    steps++;
  }
  return steps;
}

static void *
worker(void *arg)
{
  struct job j;
  enum ringq_status st;
  (void)arg;
  /* get blocks while the queue is empty; after shutdown it returns RINGQ_SHUTDOWN. */
  while ((st = ringq_queue_get(jobs, &j)) == RINGQ_OK) {
    results[j.index] = collatz_steps(j.input);
    /* Tell join this job is finished; join returns once every job put has been marked. */
    if (ringq_queue_task_done(jobs) != RINGQ_OK)
      return (void *)1;
  }
  return st == RINGQ_SHUTDOWN ? NULL : (void *)1;
}

/* Put one batch of jobs, wait for all of them, check every result. */
static int
run_batch(uint32_t first_input)
{
  uint32_t i;
  for (i = 0; i < JOBS; i++) {
    struct job j = {i, first_input + i};
    if (ringq_queue_put(jobs, &j) != RINGQ_OK) /* blocks while all 64 slots are taken */
      return 1;
  }
  if (ringq_queue_join(jobs) != RINGQ_OK)
    return 1;
  /* join happens after each task_done, so the workers' results are visible here. */
  for (i = 0; i < JOBS; i++)
    if (results[i] != collatz_steps(first_input + i)) {
      fprintf(stderr, "job %u: got %llu\n", i, (unsigned long long)results[i]);
      return 1;
    }
  return 0;
}

int
main(void)
{
  pthread_t t[WORKERS];
  int i, bad = 0;
  void *ret;

  if (ringq_queue_create(RINGQ_QUEUE_MPMC, 64, sizeof(struct job), &jobs) != RINGQ_OK)
    return 1;
  for (i = 0; i < WORKERS; i++)
    if (pthread_create(&t[i], NULL, worker, NULL) != 0)
      return 1;
  bad |= run_batch(1);    /* the pool is reused: join is a barrier, not an end */
  bad |= run_batch(5001);
  /* No sentinels: shutdown wakes every worker, and get returns RINGQ_SHUTDOWN once drained. */
  if (ringq_queue_shutdown(jobs, false) != RINGQ_OK)
    return 1;
  for (i = 0; i < WORKERS; i++) {
    pthread_join(t[i], &ret);
    bad |= ret != NULL;
  }
  if (ringq_queue_destroy(jobs) != RINGQ_OK)
    return 1;
  printf("worker_pool: %d workers, 2 batches of %d jobs: %s\n", WORKERS, JOBS,
         bad ? "WRONG" : "all results right");
  return bad;
}
