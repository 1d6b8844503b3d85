/* SPDX-License-Identifier: MIT */
/* bench/idle_loop.c: an event loop waiting on an idle queue's descriptor: how often it wakes and
 * how much CPU it burns (issue 11's target: no wake-ups, under 1 ms of CPU in 10 s). */
#define _GNU_SOURCE
#include "idle_loop.h"

#include "ringq/queue.h"

#include <poll.h>
#include <stdint.h>
#include <sys/resource.h>
#include <time.h>

static double
cpu_ms(void)
{
  struct rusage ru;
  getrusage(RUSAGE_THREAD, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static double
now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
bench_idle_loop(FILE *out, double seconds)
{
  struct ringq_queue *q;
  struct pollfd pfd = {.events = POLLIN};
  unsigned ready = 0;
  uint64_t wakeups = 0;
  double t0, cpu0, waited, cpu;
  if (ringq_queue_create(RINGQ_QUEUE_MPMC, 64, 8, &q) != RINGQ_OK ||
      ringq_queue_fd(q, RINGQ_POLL_READABLE, &pfd.fd) != RINGQ_OK ||
      ringq_queue_poll_prepare(q, RINGQ_POLL_READABLE, &ready) != RINGQ_OK) {
    fprintf(out, "idle loop: could not set up a queue descriptor\n");
    return;
  }
  t0 = now_s();
  cpu0 = cpu_ms();
  /* One poll for the whole span, as a loop with nothing else to do would; every early return
   * is a wake-up the queue caused (nobody puts). */
  while ((waited = now_s() - t0) < seconds) {
    int left_ms = (int)((seconds - waited) * 1e3) + 1;
    if (poll(&pfd, 1, left_ms) > 0)
      wakeups++;
  }
  cpu = cpu_ms() - cpu0;
  fprintf(out,
          "idle loop: %.1f s waiting on an idle queue's descriptor: %llu wake-ups, %.3f ms of CPU"
          " (target: 0 wake-ups, < 1 ms: %s)\n",
          waited, (unsigned long long)wakeups, cpu,
          wakeups == 0 && cpu < 1.0 ? "met" : "NOT MET, a ratio below the goal, not a failure");
  if (ringq_queue_destroy(q) != RINGQ_OK)
    fprintf(out, "idle loop: destroy failed\n");
}
