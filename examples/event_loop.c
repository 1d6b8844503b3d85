/* SPDX-License-Identifier: MIT */
/* examples/event_loop.c: one epoll loop serving a ringq queue and a timer. Worker threads put
 * results; the loop collects them through the queue's descriptor while a timer ticks beside, and
 * ends when the workers are done and the queue is shut down and drained (asyncio's "results
 * queue" shape, in C). Exits non-zero if a result is missing or repeated. */
#define _GNU_SOURCE
#include <ringq/queue.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define WORKERS 3
#define JOBS 3000 /* per worker */

static struct ringq_queue *results;

static void *
worker(void *arg)
{
  uint64_t id = (uint64_t)(uintptr_t)arg, i;
  for (i = 0; i < JOBS; i++) {
    uint64_t result = id * JOBS + i; /* the "work" */
    if (ringq_queue_put(results, &result) != RINGQ_OK)
      return NULL;
  }
  return NULL;
}

int
main(void)
{
  static unsigned char seen[WORKERS * JOBS];
  pthread_t t[WORKERS];
  struct itimerspec every_ms = {{0, 1000000}, {0, 1000000}};
  struct epoll_event ev = {.events = EPOLLIN};
  int qfd, tfd, ep, done = 0;
  uint64_t got = 0, ticks = 0, i;

  if (ringq_queue_create(RINGQ_QUEUE_MPMC, 64, sizeof(uint64_t), &results) != RINGQ_OK ||
      ringq_queue_fd(results, RINGQ_POLL_READABLE, &qfd) != RINGQ_OK)
    return 1;
  tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  ep = epoll_create1(0);
  if (tfd < 0 || ep < 0 || timerfd_settime(tfd, 0, &every_ms, NULL) != 0)
    return 1;
  ev.data.fd = qfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, qfd, &ev);
  ev.data.fd = tfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
  for (i = 0; i < WORKERS; i++)
    pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i);

  while (!done) {
    struct epoll_event out[2];
    unsigned ready = 0;
    int n = epoll_wait(ep, out, 2, 5000), k;
    if (n <= 0)
      return 1; /* 5 s without anything: a lost readiness */
    for (k = 0; k < n; k++) {
      if (out[k].data.fd == tfd) {
        uint64_t expired;
        if (read(tfd, &expired, sizeof expired) == (ssize_t)sizeof expired)
          ticks += expired;
        if (ticks >= 5 && got == (uint64_t)WORKERS * JOBS && !ringq_queue_is_shutdown(results)) {
          for (i = 0; i < WORKERS; i++)
            pthread_join(t[i], NULL);
          if (ringq_queue_shutdown(results, false) != RINGQ_OK) /* wakes the loop */
            return 1;
        }
        continue;
      }
      for (;;) { /* the queue: drain, then prepare; "ready" means drain again */
        uint64_t r;
        enum ringq_status st;
        while ((st = ringq_queue_get_nowait(results, &r)) == RINGQ_OK) {
          if (r >= (uint64_t)WORKERS * JOBS || seen[r]++)
            return 1;
          got++;
        }
        if (st == RINGQ_SHUTDOWN) {
          done = 1;
          break;
        }
        if (ringq_queue_poll_prepare(results, RINGQ_POLL_READABLE, &ready) != RINGQ_OK)
          return 1;
        if (!ready)
          break;
      }
    }
  }
  printf("event_loop: %llu results from %d workers, each once; %llu timer ticks beside\n",
         (unsigned long long)got, WORKERS, (unsigned long long)ticks);
  close(ep);
  close(tfd);
  return ringq_queue_destroy(results) == RINGQ_OK && got == (uint64_t)WORKERS * JOBS ? 0 : 1;
}
