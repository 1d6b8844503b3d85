/* SPDX-License-Identifier: MIT */
/* tests/eventloop/uv_test.c: a libuv loop (uv_poll_t on the queue's descriptor) consuming a ringq
 * queue fed by producer threads, with a uv timer beside it; every item once, in order per producer,
 * and the loop ends by shutdown. A plain executable. */
#define _GNU_SOURCE
#include <ringq/queue.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <uv.h>

#include "support.h"

#define PRODUCERS 2

static struct ringq_queue *q;
static uint64_t next_seq[PRODUCERS], got, ticks;
static uv_poll_t poller;
static uv_timer_t timer, watchdog;

static void
fail(const char *what, uint64_t a) {
  fprintf(stderr, "FAIL: %s (%" PRIu64 ")\n", what, a);
  exit(1);
}

/* The loop's order: drain until EMPTY, prepare, drain again while it says ready. */
static void
on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  if (status < 0)
    fail("uv_poll status", (uint64_t)-status);
  for (;;) {
    uint64_t item;
    unsigned ready = 0;
    enum ringq_status st;
    while ((st = ringq_queue_get_nowait(q, &item)) == RINGQ_OK) {
      uint64_t id = item >> 48, seq = item & 0xffffffffffffull;
      if (id >= PRODUCERS || seq != next_seq[id])
        fail("order", item);
      next_seq[id]++;
      got++;
    }
    if (st == RINGQ_SHUTDOWN) { /* shut down and drained: the loop is done */
      uv_poll_stop(handle);
      uv_timer_stop(&timer);
      uv_timer_stop(&watchdog);
      return;
    }
    if (ringq_queue_poll_prepare(q, RINGQ_POLL_READABLE, &ready) != RINGQ_OK)
      fail("poll_prepare", 0);
    if (!ready)
      return;
  }
}

static void
on_tick(uv_timer_t *t) {
  (void)t;
  ticks++;
}

static void
on_watchdog(uv_timer_t *t) {
  (void)t;
  fail("no progress for 10 s: readiness lost; items got", got);
}

struct producer {
  uint64_t id, count;
};

static void *
produce(void *arg) {
  struct producer *p = arg;
  uint64_t i;
  for (i = 0; i < p->count; i++) {
    uint64_t item = (p->id << 48) | i;
    struct timespec nap = {0, 200000};
    if (i % 1000 == 0)
      nanosleep(&nap, NULL);
    if (ringq_queue_put(q, &item) != RINGQ_OK)
      fail("put", i);
  }
  return NULL;
}

static void *
closer(void *arg) {
  pthread_t *producers = arg;
  int i;
  for (i = 0; i < PRODUCERS; i++)
    pthread_join(producers[i], NULL);
  if (ringq_queue_shutdown(q, false) != RINGQ_OK)
    fail("shutdown", 0);
  return NULL;
}

int
main(void) {
  uv_loop_t *loop = uv_default_loop();
  struct producer p[PRODUCERS];
  pthread_t t[PRODUCERS], c;
  uint64_t per = test_scaled_count(50000);
  int fd, i;
  unsigned ready;
  if (ringq_queue_create(RINGQ_QUEUE_MPMC, 128, sizeof(uint64_t), &q) != RINGQ_OK)
    fail("create", 0);
  if (ringq_queue_fd(q, RINGQ_POLL_READABLE, &fd) != RINGQ_OK)
    fail("fd", 0);
  uv_poll_init(loop, &poller, fd);
  uv_poll_start(&poller, UV_READABLE, on_readable);
  uv_timer_init(loop, &timer);
  uv_timer_start(&timer, on_tick, 1, 1);
  uv_timer_init(loop, &watchdog);
  uv_timer_start(&watchdog, on_watchdog, 10000 * RINGQ_TIMEOUT_SCALE, 0);
  if (ringq_queue_poll_prepare(q, RINGQ_POLL_READABLE, &ready) != RINGQ_OK)
    fail("prepare", 0);
  for (i = 0; i < PRODUCERS; i++) {
    p[i].id = (uint64_t)i;
    p[i].count = per;
    pthread_create(&t[i], NULL, produce, &p[i]);
  }
  pthread_create(&c, NULL, closer, t);
  uv_run(loop, UV_RUN_DEFAULT);
  pthread_join(c, NULL);
  if (got != per * PRODUCERS)
    fail("items", got);
  printf("libuv: %" PRIu64 " items in order from %d producers, %" PRIu64 " timer ticks beside\n",
         got, PRODUCERS, ticks);
  uv_close((uv_handle_t *)&poller, NULL);
  uv_close((uv_handle_t *)&timer, NULL);
  uv_close((uv_handle_t *)&watchdog, NULL);
  uv_run(loop, UV_RUN_DEFAULT);
  uv_loop_close(loop);
  if (ringq_queue_destroy(q) != RINGQ_OK)
    fail("destroy", 0);
  printf("1 passed, 0 failed\n");
  return 0;
}
