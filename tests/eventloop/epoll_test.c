/* SPDX-License-Identifier: MIT */
/* tests/eventloop/epoll_test.c: a queue's descriptors in an epoll loop next to a socketpair and a
 * timerfd; the "has room" descriptor throttling a same-thread producer; wait-any on a result and a
 * control queue; and a lost-readiness hunt with pauses injected between the steps of the protocol.
 * A plain executable (runs under TSan too). Usage: epoll_test <epoll|throttle|waitany|hunt>. */
#define _GNU_SOURCE
#include <ringq/queue.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "support.h"
#include "wait.h"

#define MS ((int64_t)1000000)
#define PRODUCERS 3
#define SCALE ((int64_t)RINGQ_TIMEOUT_SCALE)

static void
fail(const char *what, long a, long b) {
  fprintf(stderr, "FAIL: %s (%ld, %ld)\n", what, a, b);
  fflush(stderr);
  _exit(1);
}

#define CHECK(cond, a, b)                                                                          \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      fail(#cond, (long)(a), (long)(b));                                                           \
  } while (0)

static void
nap(int64_t ns) {
  struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
  nanosleep(&ts, NULL);
}

/* ---- a loop with a queue, a socketpair and a timer ------------------------------------------ */

struct producer {
  struct ringq_queue *q;
  uint64_t id, count;
};

static void *
produce(void *arg) {
  struct producer *p = arg;
  uint64_t i;
  for (i = 0; i < p->count; i++) {
    uint64_t item = (p->id << 48) | i;
    if (i % 997 == 0)
      nap(200000); /* let the loop go idle now and then, so it really waits */
    CHECK(ringq_queue_put(p->q, &item) == RINGQ_OK, p->id, i);
  }
  return NULL;
}

static void
test_epoll(void) {
  struct ringq_queue *q;
  struct producer prod[PRODUCERS];
  pthread_t t[PRODUCERS];
  uint64_t next[PRODUCERS] = {0}, got = 0, total, per = test_scaled_count(60000);
  int ep, qfd, sv[2], tfd, i, ticks = 0, socket_bytes = 0;
  unsigned ready;
  struct epoll_event ev;
  struct itimerspec its = {{0, 5 * MS}, {0, 5 * MS}};
  CHECK(ringq_queue_create(RINGQ_QUEUE_MPMC, 64, sizeof(uint64_t), &q) == RINGQ_OK, 0, 0);
  CHECK(ringq_queue_fd(q, RINGQ_POLL_READABLE, &qfd) == RINGQ_OK, 0, 0);
  CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0, errno, 0);
  tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  CHECK(tfd >= 0 && timerfd_settime(tfd, 0, &its, NULL) == 0, errno, 0);
  ep = epoll_create1(0);
  ev.events = EPOLLIN;
  ev.data.fd = qfd;
  CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, qfd, &ev) == 0, errno, 0);
  ev.data.fd = sv[1];
  CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev) == 0, errno, 0);
  ev.data.fd = tfd;
  CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) == 0, errno, 0);
  CHECK(ringq_queue_poll_prepare(q, RINGQ_POLL_READABLE, &ready) == RINGQ_OK, 0, 0);
  for (i = 0; i < PRODUCERS; i++) {
    prod[i].q = q;
    prod[i].id = (uint64_t)i;
    prod[i].count = per;
    CHECK(pthread_create(&t[i], NULL, produce, &prod[i]) == 0, i, 0);
  }
  total = per * PRODUCERS;
  while (got < total || socket_bytes < 3) {
    struct epoll_event evs[4];
    int n, k;
    if (ready == 0) {
      n = epoll_wait(ep, evs, 4, (int)(10000 * SCALE));
      CHECK(n > 0, n, got); /* 10 s without any event: readiness was lost */
    } else {
      n = 0; /* the queue was ready at prepare: drain without waiting */
    }
    for (k = 0; k < n; k++) {
      if (evs[k].data.fd == tfd) {
        uint64_t expirations;
        CHECK(read(tfd, &expirations, sizeof expirations) == 8, errno, 0);
        if (++ticks == 3) /* the timer drives the socket: the loop serves three sources */
          CHECK(write(sv[0], "abc", 3) == 3, errno, 0);
      } else if (evs[k].data.fd == sv[1]) {
        char buf[8];
        ssize_t r = read(sv[1], buf, sizeof buf);
        CHECK(r > 0, r, errno);
        socket_bytes += (int)r;
      }
    }
    for (;;) { /* drain, then prepare; ready: drain again */
      uint64_t item;
      while (ringq_queue_get_nowait(q, &item) == RINGQ_OK) {
        uint64_t id = item >> 48, seq = item & 0xffffffffffffull;
        CHECK(id < PRODUCERS && seq == next[id], id, seq);
        next[id]++;
        got++;
      }
      CHECK(ringq_queue_poll_prepare(q, RINGQ_POLL_READABLE, &ready) == RINGQ_OK, 0, 0);
      if (ready == 0 || got == total)
        break;
    }
  }
  for (i = 0; i < PRODUCERS; i++)
    pthread_join(t[i], NULL);
  printf("epoll: %" PRIu64 " items from %d producers in order, %d timer ticks, %d socket bytes\n",
         got, PRODUCERS, ticks, socket_bytes);
  close(ep);
  close(tfd);
  close(sv[0]);
  close(sv[1]);
  CHECK(ringq_queue_destroy(q) == RINGQ_OK, 0, 0);
}

/* ---- a loop's producer throttled by "has room" ----------------------------------------------- */

struct throttle_cons {
  struct ringq_queue *q;
  uint64_t total, got;
};

static void *
throttle_consumer(void *arg) {
  struct throttle_cons *c = arg;
  uint64_t item;
  while (c->got < c->total) {
    CHECK(ringq_queue_get(c->q, &item) == RINGQ_OK, c->got, 0);
    CHECK(item == c->got, item, c->got);
    c->got++;
    if (c->got % 64 == 0)
      nap(100000);
  }
  return NULL;
}

/* The loop fills a bounded queue until FULL, then waits on the "has room" descriptor; a slow
 * consumer thread empties it. A missed "has room" stalls the loop (the 10 s epoll timeout). */
static void
test_throttle(void) {
  struct ringq_queue *q;
  struct throttle_cons cons;
  pthread_t c;
  int rfd, wfd, ep;
  uint64_t sent = 0, total = test_scaled_count(100000), waits_for_room = 0;
  struct epoll_event ev;
  CHECK(ringq_queue_create(RINGQ_QUEUE_SPSC, 8, sizeof(uint64_t), &q) == RINGQ_OK, 0, 0);
  CHECK(ringq_queue_fd(q, RINGQ_POLL_READABLE, &rfd) == RINGQ_OK, 0, 0);
  CHECK(ringq_queue_fd(q, RINGQ_POLL_WRITABLE, &wfd) == RINGQ_OK, 0, 0);
  CHECK(rfd != wfd, rfd, wfd);
  ep = epoll_create1(0);
  ev.events = EPOLLIN;
  ev.data.fd = wfd;
  CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, wfd, &ev) == 0, errno, 0);
  cons.q = q;
  cons.total = total;
  cons.got = 0;
  CHECK(pthread_create(&c, NULL, throttle_consumer, &cons) == 0, 0, 0);
  while (sent < total) {
    enum ringq_status st = ringq_queue_put_nowait(q, &sent);
    unsigned ready = 0;
    if (st == RINGQ_OK) {
      sent++;
      continue;
    }
    CHECK(st == RINGQ_FULL, st, sent);
    CHECK(ringq_queue_poll_prepare(q, RINGQ_POLL_WRITABLE, &ready) == RINGQ_OK, 0, 0);
    if (ready == 0) {
      struct epoll_event out;
      CHECK(epoll_wait(ep, &out, 1, (int)(10000 * SCALE)) == 1, sent, waits_for_room);
      waits_for_room++;
    }
  }
  pthread_join(c, NULL);
  CHECK(cons.got == total, cons.got, total);
  printf("throttle: %" PRIu64 " items through a queue of 8, %" PRIu64 " waits for room\n",
         cons.got, waits_for_room);
  close(ep);
  CHECK(ringq_queue_destroy(q) == RINGQ_OK, 0, 0);
}

/* ---- wait-any on a result queue and a control queue ----------------------------------------- */

struct worker {
  struct ringq_queue *results, *control;
  uint64_t n;
};

static void *
work(void *arg) {
  struct worker *w = arg;
  uint64_t i, stop = 0xdead;
  for (i = 0; i < w->n; i++) {
    if (i % 128 == 0)
      nap(300000);
    CHECK(ringq_queue_put(w->results, &i) == RINGQ_OK, i, 0);
  }
  CHECK(ringq_queue_put(w->control, &stop) == RINGQ_OK, 0, 0);
  return NULL;
}

/* An item that lands in the second queue after wait-any's first check and before it announces
 * itself: no notifier sees the announcement, so only the re-check after announcing ([W2], or the
 * fallback's prepare) finds it. The hook puts it at exactly that point, once. */
static struct ringq_queue *late_queue;
static atomic_int late_armed;

static void
put_before_announce(enum ringq__hook_point point) {
  uint64_t item = 7;
  int armed = 1;
  /* seq_cst: the test arms it, the waiting thread (this one) fires it once. */
  if (point == RINGQ__HOOK_BEFORE_ANNOUNCE &&
      atomic_compare_exchange_strong(&late_armed, &armed, 0))
    CHECK(ringq_queue_put_nowait(late_queue, &item) == RINGQ_OK, 0, 0);
}

static void
test_waitany_recheck(struct ringq_queue *qs[2]) {
  uint64_t item = 0;
  size_t idx = 9;
  int64_t t0, limit = 10000 * MS * SCALE;
  enum ringq_status st;
  late_queue = qs[1];
  atomic_store(&late_armed, 1);
  atomic_store_explicit(&ringq__test_hook, put_before_announce, memory_order_relaxed);
  t0 = test_now_ns();
  st = ringq_queue_get_any(qs, 2, &item, limit, &idx);
  atomic_store_explicit(&ringq__test_hook, NULL, memory_order_relaxed);
  CHECK(atomic_load(&late_armed) == 0, 0, 0); /* the hook fired */
  CHECK(st == RINGQ_OK && idx == 1 && item == 7, st, idx);
  /* Found by the re-check, not after the timeout: "late" by seconds only (a loaded machine). */
  CHECK(test_now_ns() - t0 < limit / 2, test_now_ns() - t0, limit);
}

/* A wait-any asleep on both queues is woken by the second one: the item comes once the waiter
 * has announced itself in both and re-checked both (the hook before its sleep has run), so only a
 * sleep on both epochs (or on both descriptors, in the fallback) sees it. */
static atomic_int sleeps;

static void
count_sleeps(enum ringq__hook_point point) {
  /* seq_cst: read by the test's main thread. */
  if (point == RINGQ__HOOK_BEFORE_SLEEP)
    atomic_fetch_add(&sleeps, 1);
}

struct any_call {
  struct ringq_queue **qs;
  int64_t limit;
  uint64_t item;
  size_t idx;
  enum ringq_status st;
};

static void *
any_main(void *arg) {
  struct any_call *c = arg;
  c->st = ringq_queue_get_any(c->qs, 2, &c->item, c->limit, &c->idx);
  return NULL;
}

static void
test_waitany_wakes_on_second(struct ringq_queue *qs[2]) {
  struct any_call c = {qs, 10000 * MS * SCALE, 0, 9, RINGQ_ESYS};
  pthread_t t;
  uint64_t item = 5;
  int64_t t0 = test_now_ns();
  atomic_store(&sleeps, 0);
  atomic_store_explicit(&ringq__test_hook, count_sleeps, memory_order_relaxed);
  CHECK(pthread_create(&t, NULL, any_main, &c) == 0, 0, 0);
  while (atomic_load(&sleeps) == 0) {
    CHECK(test_now_ns() - t0 < c.limit / 2, test_now_ns() - t0, 0); /* it never got to sleep */
    nap(MS / 10);
  }
  t0 = test_now_ns();
  CHECK(ringq_queue_put_nowait(qs[1], &item) == RINGQ_OK, 0, 0);
  pthread_join(t, NULL);
  atomic_store_explicit(&ringq__test_hook, NULL, memory_order_relaxed);
  CHECK(c.st == RINGQ_OK && c.idx == 1 && c.item == 5, c.st, c.idx);
  /* Woken by the put, not by the timeout: "late" by seconds only (a loaded machine). */
  CHECK(test_now_ns() - t0 < c.limit / 2, test_now_ns() - t0, c.limit);
}

static void
test_waitany(void) {
  struct ringq_queue *qs[2];
  struct worker w;
  pthread_t t;
  uint64_t item, next = 0, n = test_scaled_count(20000);
  size_t idx = 9;
  struct ringq_queue_stats s;
  int64_t t0;
  CHECK(ringq_queue_create(RINGQ_QUEUE_MPMC, 16, sizeof(uint64_t), &qs[0]) == RINGQ_OK, 0, 0);
  CHECK(ringq_queue_create(RINGQ_QUEUE_SPSC, 4, sizeof(uint64_t), &qs[1]) == RINGQ_OK, 0, 0);
  /* nothing ready: times out, never early */
  t0 = test_now_ns();
  CHECK(ringq_queue_wait_any(qs, 2, RINGQ_POLL_READABLE, 20 * MS, &idx) == RINGQ_TIMEDOUT, idx, 0);
  CHECK(test_now_ns() - t0 >= 20 * MS, test_now_ns() - t0, 0);
  CHECK(idx == 2, idx, 0);
  /* bad arguments */
  CHECK(ringq_queue_wait_any(NULL, 2, RINGQ_POLL_READABLE, 0, &idx) == RINGQ_EINVAL, 0, 0);
  CHECK(ringq_queue_wait_any(qs, 0, RINGQ_POLL_READABLE, 0, &idx) == RINGQ_EINVAL, 0, 0);
  CHECK(ringq_queue_wait_any(qs, 2, 3u, 0, &idx) == RINGQ_EINVAL, 0, 0);
  CHECK(ringq_queue_wait_any(qs, 2, RINGQ_POLL_READABLE, -1, &idx) == RINGQ_EINVAL, 0, 0);
  test_waitany_recheck(qs);
  test_waitany_wakes_on_second(qs);
  /* room is ready at once, without a system call */
  ringq_queue_stats(qs[0], &s);
  CHECK(ringq_queue_wait_any(qs, 2, RINGQ_POLL_WRITABLE, 0, &idx) == RINGQ_OK && idx == 0, idx, 0);
  w.results = qs[0];
  w.control = qs[1];
  w.n = n;
  CHECK(pthread_create(&t, NULL, work, &w) == 0, 0, 0);
  for (;;) {
    enum ringq_status st = ringq_queue_get_any(qs, 2, &item, 10000 * MS * SCALE, &idx);
    CHECK(st == RINGQ_OK, st, next);
    if (idx == 1) {
      CHECK(item == 0xdead, item, 0);
      /* results put before the stop but seen after the results queue was checked */
      while (ringq_queue_get_nowait(qs[0], &item) == RINGQ_OK) {
        CHECK(item == next, item, next);
        next++;
      }
      break;
    }
    CHECK(item == next, item, next);
    next++;
  }
  CHECK(next == n, next, n); /* every result, in order, none after the stop */
  pthread_join(t, NULL);
  ringq_queue_stats(qs[0], &s);
  printf("waitany: %" PRIu64 " results then the stop; %" PRIu64 " futex waits on the results queue\n",
         next, s.waits);
  CHECK(ringq_queue_destroy(qs[0]) == RINGQ_OK, 0, 0);
  CHECK(ringq_queue_destroy(qs[1]) == RINGQ_OK, 0, 0);
}

/* ---- the lost-readiness hunt ---------------------------------------------------------------- */

static _Atomic(uint64_t) hook_calls;

static void
pause_hook(enum ringq__hook_point point) {
  /* relaxed: a counter for a pseudo-random choice, read by this hook only. */
  uint64_t n = atomic_fetch_add_explicit(&hook_calls, 1, memory_order_relaxed);
  (void)point;
  switch ((n * 2654435761u >> 7) % 8) {
  case 0: ringq__yield(); break;
  case 1: nap(1000 + (int64_t)(n % 50) * 1000); break;
  default: break;
  }
}

struct pinger {
  struct ringq_queue *in, *out;
  uint64_t rounds;
};

static void *
pong(void *arg) {
  struct pinger *p = arg;
  uint64_t i, x;
  for (i = 0; i < p->rounds; i++) {
    CHECK(ringq_queue_get(p->in, &x) == RINGQ_OK, i, 0);
    CHECK(ringq_queue_put(p->out, &x) == RINGQ_OK, i, 0);
  }
  return NULL;
}

/* Ping-pong where the loop side waits only through its descriptor (epoll), and the hook injects
 * yields and naps at every step of the wait protocol, notifier's and poller's. A missed readiness
 * leaves the loop in epoll_wait until the 10 s timeout fails the test. */
static void
test_hunt(void) {
  enum ringq_queue_kind kinds[2] = {RINGQ_QUEUE_SPSC, RINGQ_QUEUE_MPMC};
  int k;
  atomic_store_explicit(&ringq__test_hook, pause_hook, memory_order_relaxed);
  for (k = 0; k < 2; k++) {
    struct ringq_queue *a, *b;
    struct pinger p;
    pthread_t t;
    uint64_t i, x, waits = 0, rounds = test_scaled_count(4000);
    int fd, ep;
    struct epoll_event ev;
    CHECK(ringq_queue_create(kinds[k], 2, sizeof(uint64_t), &a) == RINGQ_OK, 0, 0);
    CHECK(ringq_queue_create(kinds[k], 2, sizeof(uint64_t), &b) == RINGQ_OK, 0, 0);
    CHECK(ringq_queue_fd(b, RINGQ_POLL_READABLE, &fd) == RINGQ_OK, 0, 0);
    ep = epoll_create1(0);
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0, errno, 0);
    p.in = a;
    p.out = b;
    p.rounds = rounds;
    CHECK(pthread_create(&t, NULL, pong, &p) == 0, 0, 0);
    for (i = 0; i < rounds; i++) {
      CHECK(ringq_queue_put(a, &i) == RINGQ_OK, i, 0);
      for (;;) {
        unsigned ready;
        struct epoll_event out;
        if (ringq_queue_get_nowait(b, &x) == RINGQ_OK)
          break;
        CHECK(ringq_queue_poll_prepare(b, RINGQ_POLL_READABLE, &ready) == RINGQ_OK, 0, 0);
        if (ready)
          continue;
        CHECK(epoll_wait(ep, &out, 1, (int)(10000 * SCALE)) == 1, i, waits);
        waits++;
      }
      CHECK(x == i, x, i);
    }
    pthread_join(t, NULL);
    printf("hunt %s: %" PRIu64 " round trips, %" PRIu64 " waits in epoll, %" PRIu64
           " injection points\n",
           kinds[k] == RINGQ_QUEUE_SPSC ? "SPSC" : "MPMC", rounds, waits,
           atomic_load_explicit(&hook_calls, memory_order_relaxed));
    close(ep);
    CHECK(ringq_queue_destroy(a) == RINGQ_OK, 0, 0);
    CHECK(ringq_queue_destroy(b) == RINGQ_OK, 0, 0);
  }
  atomic_store_explicit(&ringq__test_hook, NULL, memory_order_relaxed);
}

int
main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "";
  if (strcmp(what, "epoll") == 0)
    test_epoll();
  else if (strcmp(what, "throttle") == 0)
    test_throttle();
  else if (strcmp(what, "waitany") == 0)
    test_waitany();
  else if (strcmp(what, "hunt") == 0)
    test_hunt();
  else {
    fprintf(stderr, "usage: %s epoll|throttle|waitany|hunt\n", argv[0]);
    return 2;
  }
  printf("1 passed, 0 failed\n");
  return 0;
}
