/* SPDX-License-Identifier: MIT */
/* tests/bytes/bytes_stress.c: byte-message queues between threads and processes (plain
 * executable: runs under TSan and ASan). Each putter sends a stream of messages whose lengths are
 * random in 0..max (putter 0; the others 4..max, as their first 4 bytes carry a tag naming them)
 * with put, put_nowait, put_timeout and reserve / commit (some shortened, some reservations
 * aborted) mixed; the getter uses get, get_nowait, get_timeout, peek / release and too-small
 * buffers, and checks that each putter's messages come exactly once, in order, intact.
 *   bytes_stress <group>: spsc-1x1 mpsc-1x1 mpsc-2x1 mpsc-4x1 shutdown processes
 * On this 2-CPU machine the 2x1 and 4x1 groups oversubscribe the CPUs (on purpose: preemption in
 * the middle of a copy is what they look for). */
#include "bytes_util.h"
#include "support.h"

#include <ringq/queue.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PUTTERS 4

struct run {
  struct ringq_queue *q;
  unsigned putters;
  uint64_t count; /* messages per putter */
  size_t max;
  int shutdown_mode;
  _Atomic(uint64_t) accepted[MAX_PUTTERS]; /* shutdown mode: puts that returned RINGQ_OK */
  uint64_t next[MAX_PUTTERS];              /* the getter's expected sequence per putter */
  _Atomic(uint64_t) got;
  uint64_t discarded;
  /* shutdown mode: the discard callback's view (it may run while the getter checks its last
   * message, so it keeps its own words): first and next sequence discarded per putter. */
  uint64_t disc_first[MAX_PUTTERS], disc_next[MAX_PUTTERS];
};

static size_t
len_of(const struct run *r, uint32_t id, uint64_t seq)
{
  /* Putter 0's messages may be shorter than a tag, except in shutdown mode, whose discards are
   * identified by their tags alone. */
  return msg_len(id, seq, id == 0 && !r->shutdown_mode ? 0 : 4, r->max);
}

/* One message (id, seq) into the queue: RINGQ_OK, or RINGQ_SHUTDOWN in shutdown mode. */
static enum ringq_status
put_one(struct run *r, uint32_t id, uint64_t seq, uint64_t *rng, unsigned char *buf)
{
  size_t len = len_of(r, id, seq);
  enum ringq_status st;
  void *p = NULL;
  switch (rnd_next(rng) % 5) {
  case 0:
    fill_msg(buf, id, seq, len);
    return ringq_queue_put_bytes(r->q, buf, len);
  case 1:
    fill_msg(buf, id, seq, len);
    while ((st = ringq_queue_put_bytes_nowait(r->q, buf, len)) == RINGQ_FULL)
      sched_yield();
    return st;
  case 2:
    fill_msg(buf, id, seq, len);
    while ((st = ringq_queue_put_bytes_timeout(r->q, buf, len, 1000000)) == RINGQ_FULL)
      ;
    return st;
  default: {
    size_t extra = (size_t)(rnd_next(rng) % 3 == 0 ? rnd_next(rng) % (r->max - len + 1) : 0);
    if (rnd_next(rng) % 8 == 0) { /* a reservation given up */
      st = ringq_queue_reserve_bytes(r->q, len, &p, INT64_MAX);
      if (st != RINGQ_OK)
        return st;
      memset(p, 0xEE, len);
      CHECK_ST(ringq_queue_abort_bytes(r->q, p), RINGQ_OK);
    }
    while ((st = ringq_queue_reserve_bytes(r->q, len + extra, &p, 1000000)) == RINGQ_FULL)
      ;
    if (st != RINGQ_OK)
      return st;
    fill_msg(p, id, seq, len);
    memset((unsigned char *)p + len, 0xEE, extra);
    return ringq_queue_commit_bytes(r->q, p, len);
  }
  }
}

struct putter {
  struct run *r;
  uint32_t id;
};

static void *
putter_main(void *arg)
{
  struct putter *pa = arg;
  struct run *r = pa->r;
  unsigned char *buf = malloc(r->max + 1);
  uint64_t rng = 0x9E3779B97F4A7C15ull * (pa->id + 1), seq;
  CHECK(buf != NULL);
  for (seq = 0; seq < r->count; seq++) {
    enum ringq_status st = put_one(r, pa->id, seq, &rng, buf);
    if (r->shutdown_mode && st == RINGQ_SHUTDOWN)
      break;
    CHECK_ST(st, RINGQ_OK);
    /* relaxed: read after the threads are joined. */
    atomic_store_explicit(&r->accepted[pa->id], seq + 1, memory_order_relaxed);
  }
  free(buf);
  return NULL;
}

/* Check one message got (len bytes at m) against the streams, advance its putter's sequence. */
static void
check_got(struct run *r, const unsigned char *m, size_t len)
{
  uint32_t id = len < 4 ? 0 : msg_id(m);
  CHECK(id < r->putters);
  if (len != len_of(r, id, r->next[id]) || !msg_is(m, len, id, r->next[id])) {
    fprintf(stderr, "putter %u message %llu: wrong (length %zu, want %zu)\n", id,
            (unsigned long long)r->next[id], len, len_of(r, id, r->next[id]));
    exit(1);
  }
  r->next[id]++;
}

static void
on_discard(void *item, void *ctx)
{
  struct ringq_queue_msg *m = item;
  struct run *r = ctx;
  const unsigned char *d = m->data;
  uint32_t id;
  uint64_t seq;
  CHECK(m->len >= 4);
  id = msg_id(d);
  seq = ((uint64_t)d[1] << 16) | ((uint64_t)d[2] << 8) | d[3]; /* counts stay below 2^24 */
  CHECK(id < r->putters && m->len == len_of(r, id, seq) && msg_is(d, m->len, id, seq));
  if (r->disc_first[id] == UINT64_MAX)
    r->disc_first[id] = seq;
  else
    CHECK(seq == r->disc_next[id]); /* oldest first, none skipped */
  r->disc_next[id] = seq + 1;
  r->discarded++;
}

/* The getter: until every message came (or, in shutdown mode, until RINGQ_SHUTDOWN). */
static void *
getter_main(void *arg)
{
  struct run *r = arg;
  unsigned char *buf = malloc(r->max + 1);
  uint64_t rng = 12345, total = r->count * r->putters, n = 0;
  CHECK(buf != NULL);
  while (n < total) {
    size_t len = 0;
    const void *view = NULL;
    enum ringq_status st;
    switch (rnd_next(&rng) % 6) {
    case 0:
      st = ringq_queue_get_bytes(r->q, buf, r->max, &len);
      break;
    case 1:
      st = ringq_queue_get_bytes_nowait(r->q, buf, r->max, &len);
      if (st == RINGQ_EMPTY)
        sched_yield();
      break;
    case 2:
      st = ringq_queue_get_bytes_timeout(r->q, buf, r->max, &len, 1000000);
      break;
    case 3: {
      size_t cap = (size_t)(rnd_next(&rng) % 64);
      st = ringq_queue_get_bytes_timeout(r->q, buf, cap, &len, 1000000);
      if (st == RINGQ_EMSGSIZE) {
        CHECK(len > cap);
        st = ringq_queue_get_bytes_nowait(r->q, buf, r->max, &len);
        if (!(r->shutdown_mode && st == RINGQ_SHUTDOWN)) /* (an immediate shutdown came first) */
          CHECK_ST(st, RINGQ_OK); /* one getter: the message is still there */
      }
      break;
    }
    default:
      st = ringq_queue_peek_bytes(r->q, &view, &len, 1000000);
      if (st == RINGQ_OK) {
        check_got(r, view, len);
        CHECK_ST(ringq_queue_release_bytes(r->q), RINGQ_OK);
        CHECK_ST(ringq_queue_task_done(r->q), RINGQ_OK);
        n++;
        atomic_store_explicit(&r->got, n, memory_order_relaxed); /* relaxed: progress only */
        continue;
      }
      break;
    }
    if (st == RINGQ_EMPTY)
      continue;
    if (r->shutdown_mode && st == RINGQ_SHUTDOWN)
      break;
    CHECK_ST(st, RINGQ_OK);
    check_got(r, buf, len);
    CHECK_ST(ringq_queue_task_done(r->q), RINGQ_OK);
    n++;
    atomic_store_explicit(&r->got, n, memory_order_relaxed); /* relaxed: progress only */
  }
  free(buf);
  return NULL;
}

static void
threads(enum ringq_queue_kind kind, unsigned putters, size_t capacity, size_t max, uint64_t count,
        int shutdown_mode)
{
  struct run r;
  pthread_t pt[MAX_PUTTERS], gt;
  struct putter pa[MAX_PUTTERS];
  unsigned i;
  size_t len = 0;
  unsigned char sink[8];
  int64_t t0 = test_now_ns();
  memset(&r, 0, sizeof r);
  CHECK_ST(ringq_queue_create(kind, capacity, max, &r.q), RINGQ_OK);
  r.putters = putters;
  r.count = count;
  r.max = ringq_queue_bytes_max(r.q);
  r.shutdown_mode = shutdown_mode;
  for (i = 0; i < MAX_PUTTERS; i++)
    r.disc_first[i] = UINT64_MAX;
  if (shutdown_mode)
    CHECK_ST(ringq_queue_set_discard(r.q, on_discard, &r), RINGQ_OK);
  CHECK(pthread_create(&gt, NULL, getter_main, &r) == 0);
  for (i = 0; i < putters; i++) {
    pa[i].r = &r;
    pa[i].id = i;
    CHECK(pthread_create(&pt[i], NULL, putter_main, &pa[i]) == 0);
  }
  if (shutdown_mode) {
    /* relaxed: progress only. */
    while (atomic_load_explicit(&r.got, memory_order_relaxed) < count * putters / 3)
      sched_yield();
    CHECK_ST(ringq_queue_shutdown(r.q, true), RINGQ_OK);
  }
  for (i = 0; i < putters; i++)
    CHECK(pthread_join(pt[i], NULL) == 0);
  CHECK(pthread_join(gt, NULL) == 0);
  for (i = 0; i < putters; i++) {
    uint64_t want = shutdown_mode ? atomic_load_explicit(&r.accepted[i], memory_order_relaxed)
                                  : count;
    uint64_t last = r.next[i];
    if (r.disc_first[i] != UINT64_MAX) { /* the discards continue where the gets stopped */
      CHECK(r.disc_first[i] == r.next[i]);
      last = r.disc_next[i];
    }
    if (last != want) {
      fprintf(stderr, "putter %u: %llu accepted, %llu got or discarded\n", i,
              (unsigned long long)want, (unsigned long long)last);
      exit(1);
    }
  }
  if (!shutdown_mode) {
    /* The getter looks once more: PADs left after the last message are freed. */
    CHECK_ST(ringq_queue_get_bytes_nowait(r.q, sink, sizeof sink, &len), RINGQ_EMPTY);
    CHECK(ringq_queue_qsize(r.q) == 0 && ringq_queue_bytes_used(r.q) == 0);
  }
  CHECK_ST(ringq_queue_join_timeout(r.q, 10000000000LL), RINGQ_OK);
  printf("%s %ux1 capacity %zu max %zu: %llu messages got, %llu discarded, %.2f s\n",
         kind == RINGQ_QUEUE_BYTES_SPSC ? "spsc" : "mpsc", putters, ringq_queue_capacity(r.q),
         r.max, (unsigned long long)atomic_load_explicit(&r.got, memory_order_relaxed),
         (unsigned long long)r.discarded, (double)(test_now_ns() - t0) / 1e9);
  CHECK_ST(ringq_queue_destroy(r.q), RINGQ_OK);
}

/* Putter processes (fork) into a process-shared MPSC queue in a MAP_SHARED mapping; this process
 * gets. */
static void
processes(unsigned putters, size_t capacity, uint64_t count)
{
  size_t bytes = 0;
  void *mem;
  struct run r;
  pid_t pid[MAX_PUTTERS];
  unsigned i;
  memset(&r, 0, sizeof r);
  CHECK_ST(ringq_queue_memsize(RINGQ_QUEUE_BYTES_MPSC, capacity, 0, &bytes), RINGQ_OK);
  mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CHECK(mem != MAP_FAILED);
  CHECK_ST(ringq_queue_init(mem, bytes, RINGQ_QUEUE_BYTES_MPSC, capacity, 0,
                            RINGQ_QUEUE_PROCESS_SHARED),
           RINGQ_OK);
  r.q = mem;
  r.putters = putters;
  r.count = count;
  r.max = ringq_queue_bytes_max(r.q);
  for (i = 0; i < putters; i++) {
    pid[i] = fork();
    CHECK(pid[i] >= 0);
    if (pid[i] == 0) {
      struct putter pa;
      pa.r = &r;
      pa.id = i;
      putter_main(&pa);
      _exit(0);
    }
  }
  getter_main(&r);
  for (i = 0; i < putters; i++) {
    int status = 0;
    CHECK(waitpid(pid[i], &status, 0) == pid[i]);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(r.next[i] == count);
  }
  CHECK_ST(ringq_queue_join_timeout(r.q, 0), RINGQ_OK);
  printf("processes %ux1 capacity %zu: %llu messages each\n", putters, capacity,
         (unsigned long long)count);
  CHECK_ST(ringq_queue_fini(r.q), RINGQ_OK);
  munmap(mem, bytes);
}

int
main(int argc, char **argv)
{
  const char *g = argc > 1 ? argv[1] : "spsc-1x1";
  uint64_t n = test_scaled_count(200000);
  alarm(280 * RINGQ_TIMEOUT_SCALE); /* a hang fails the test (SIGALRM) */
  if (strcmp(g, "spsc-1x1") == 0) {
    threads(RINGQ_QUEUE_BYTES_SPSC, 1, 4096, 0, n, 0);
    threads(RINGQ_QUEUE_BYTES_SPSC, 1, 256, 0, n, 0);
    threads(RINGQ_QUEUE_BYTES_SPSC, 1, 1 << 16, 8000, n / 4, 0);
  } else if (strcmp(g, "mpsc-1x1") == 0) {
    threads(RINGQ_QUEUE_BYTES_MPSC, 1, 4096, 0, n, 0);
    threads(RINGQ_QUEUE_BYTES_MPSC, 1, 256, 0, n, 0);
  } else if (strcmp(g, "mpsc-2x1") == 0) {
    threads(RINGQ_QUEUE_BYTES_MPSC, 2, 4096, 0, n / 2, 0);
    threads(RINGQ_QUEUE_BYTES_MPSC, 2, 512, 0, n / 2, 0);
  } else if (strcmp(g, "mpsc-4x1") == 0) {
    threads(RINGQ_QUEUE_BYTES_MPSC, 4, 8192, 1000, n / 4, 0);
    threads(RINGQ_QUEUE_BYTES_MPSC, 4, 1024, 0, n / 4, 0);
  } else if (strcmp(g, "shutdown") == 0) {
    int k;
    for (k = 0; k < 20; k++) {
      threads(RINGQ_QUEUE_BYTES_MPSC, 2, 2048, 0, n / 20, 1);
      threads(RINGQ_QUEUE_BYTES_SPSC, 1, 2048, 0, n / 20, 1);
    }
  } else if (strcmp(g, "processes") == 0) {
    processes(2, 4096, n / 2);
    processes(3, 256, n / 10);
  } else {
    fprintf(stderr, "usage: %s spsc-1x1|mpsc-1x1|mpsc-2x1|mpsc-4x1|shutdown|processes\n", argv[0]);
    return 2;
  }
  printf("bytes_stress %s: ok\n", g);
  return 0;
}
