/* SPDX-License-Identifier: MIT */
/* A bounded queue as a concurrency limiter: at most LIMIT tasks run at once, whatever the threads. */
#define _POSIX_C_SOURCE 200809L
#include <ringq/queue.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#define THREADS 8
#define TASKS_PER_THREAD 200
#define LIMIT 3

/* The queue holds one token per running task; capacity LIMIT makes the LIMIT+1-th put wait. */
static struct ringq_queue *slots;
static atomic_int running, most_running, tasks_done;

static void
task(void)
{
  struct timespec pause = {0, 20000}; /* 20 us of "work" */
  /* relaxed (all four): statistics only; the queue's put and get are what limit the tasks, and
   * the final values are read after pthread_join. */
  int now = atomic_fetch_add_explicit(&running, 1, memory_order_relaxed) + 1;
  int most = atomic_load_explicit(&most_running, memory_order_relaxed);
  while (now > most &&
         !atomic_compare_exchange_weak_explicit(&most_running, &most, now, memory_order_relaxed,
                                                memory_order_relaxed))
    ;
  nanosleep(&pause, NULL);
  atomic_fetch_sub_explicit(&running, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&tasks_done, 1, memory_order_relaxed);
}

static void *
client(void *arg)
{
  unsigned char token = 1;
  int i;
  (void)arg;
  for (i = 0; i < TASKS_PER_THREAD; i++) {
    if (ringq_queue_put(slots, &token) != RINGQ_OK) /* acquire a slot: waits while LIMIT run */
      return (void *)1;
    task();
    /* Release it. Our own token is in the queue, so this does not wait for a put (at most for
     * another client's put that claimed the oldest slot to finish copying one byte). */
    if (ringq_queue_get(slots, &token) != RINGQ_OK)
      return (void *)1;
  }
  return NULL;
}

int
main(void)
{
  pthread_t t[THREADS];
  int i, most, done, bad = 0;
  void *ret;

  if (ringq_queue_create(RINGQ_QUEUE_MPMC, LIMIT, 1, &slots) != RINGQ_OK)
    return 1;
  for (i = 0; i < THREADS; i++)
    pthread_create(&t[i], NULL, client, NULL);
  for (i = 0; i < THREADS; i++) {
    pthread_join(t[i], &ret);
    bad |= ret != NULL;
  }
  /* The limit must hold, and every task must have run; how close the peak came to LIMIT
   * depends on scheduling (on 2 CPUs it usually reaches it), so it is printed, not checked. */
  /* relaxed: the threads were joined, which orders their updates before these loads. */
  most = atomic_load_explicit(&most_running, memory_order_relaxed);
  done = atomic_load_explicit(&tasks_done, memory_order_relaxed);
  bad |= most > LIMIT || most < 1 || done != THREADS * TASKS_PER_THREAD;
  bad |= ringq_queue_qsize(slots) != 0;
  if (ringq_queue_destroy(slots) != RINGQ_OK)
    return 1;
  printf("throttle: %d tasks from %d threads, at most %d at once (limit %d): %s\n", done, THREADS,
         most, LIMIT, bad ? "WRONG" : "ok");
  return bad;
}
