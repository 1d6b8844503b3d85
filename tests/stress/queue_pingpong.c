/* SPDX-License-Identifier: MIT */
/* tests/stress/queue_pingpong.c: hunts lost wake-ups in the blocking layer's wait protocol by
 * handing items back and forth through capacity-1 queues, with yields and sleeps injected between
 * the protocol's steps (the hook points of src/wait.h: around the waiter's announcement, before
 * its sleep, after the notifier's publication, before its wake), under a watchdog.
 *
 * ThreadSanitizer cannot see a lost wake-up (it is not a data race): the symptom is a thread that
 * sleeps for good. So every configuration runs under a watchdog that fails the run, and says which
 * thread waits in which call and at which hook point it was last seen, when nothing moves for
 * PP_WATCHDOG_NS (10 s, scaled); and a wake-up lost then papered over by the queue's cap on one
 * sleep is caught by counting the sleeps that ended on that cap.
 *
 * Shapes (each run for RINGQ_QUEUE_SPSC and RINGQ_QUEUE_MPMC, all queues of capacity 1):
 *   pingpong  A: put(q1), get(q2); B: get(q1), put(q2). Only NOT_EMPTY waits happen.
 *   stream    one putter, one getter, one queue: put and get block in turn (NOT_FULL and
 *             NOT_EMPTY).
 *   2x2       two putters and two getters on one MPMC queue: several waiters per condition and
 *             one item or slot at a time, so a notification that reaches the wrong waiter, or
 *             none, strands an item; main joins (ALL_DONE) and then shuts the queue down.
 * Variants: plain (no hook), inject (the hook yields on ~20% and sleeps 1-50 us on ~1% of its
 * calls), timed (get_timeout / put_timeout of 100 us retried in a loop: deadlines that race with
 * notifications, and waiters that leave without taking what they were woken for).
 *
 * Command line: [group...] [--seed=N] [--list]; groups are spsc, mpmc and 2x2 (default: all).
 * Exit status 0 when every configuration passed, 1 on the first failure. */
#define _GNU_SOURCE
#include "ringq/queue.h"

#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/syscall.h>

#include "driver.h" /* the item layout: STRESS_ITEM */
#include "stress_util.h"
#include "wait.h"

/* How long nothing may move before the watchdog fails the run: seconds that no scheduler delay
 * reaches on a loaded 2-CPU machine (pauses of 3 s were seen there with yields injected), scaled
 * for sanitizer builds. It is above the 5 s cap that src/queue.c puts on every futex sleep
 * (MAX_SLEEP_NS), where a lost wake-up shows as a pause of about 5 s followed by normal progress:
 * ringq__test_capped_sleeps counts those, and a run with any fails. */
#define PP_WATCHDOG_NS ((int64_t)10000000000 * RINGQ_TIMEOUT_SCALE)

/* Seconds after which a pingpong or stream configuration stops early (times the build's scale),
 * once PP_MIN_ITEMS moved: with yields injected on a loaded machine a round trip can take tens of
 * milliseconds, and the checks hold for however many moved. */
#define PP_CONFIG_NS ((int64_t)20000000000 * RINGQ_TIMEOUT_SCALE)
#define PP_MIN_ITEMS 2000

/* Timeout of one timed get or put in the timed variants. */
#define PP_TIMED_NS 100000

/* Injection, per hook call, out of 10000: sleep (1-50 us) below PP_SLEEP, yield below PP_YIELD. */
#define PP_SLEEP 100
#define PP_YIELD (PP_SLEEP + 2000)

#define PP_MAX_THREADS 5

enum pp_shape { SHAPE_PINGPONG, SHAPE_STREAM, SHAPE_2X2 };

struct pp_config {
  const char *group;
  const char *name; /* printed in every line */
  enum pp_shape shape;
  enum ringq_queue_kind kind;
  int inject; /* install the delay-injecting hook */
  int timed;  /* timed gets (and puts, except in pingpong where a put never waits) */
  uint64_t count; /* round trips (pingpong) or items per putter, in a plain build */
};

static const struct pp_config table[] = {
    {"spsc", "pingpong spsc plain", SHAPE_PINGPONG, RINGQ_QUEUE_SPSC, 0, 0, 200000},
    {"spsc", "pingpong spsc inject", SHAPE_PINGPONG, RINGQ_QUEUE_SPSC, 1, 0, 200000},
    {"spsc", "pingpong spsc timed-get inject", SHAPE_PINGPONG, RINGQ_QUEUE_SPSC, 1, 1, 100000},
    {"spsc", "stream spsc inject", SHAPE_STREAM, RINGQ_QUEUE_SPSC, 1, 0, 200000},
    {"spsc", "stream spsc timed inject", SHAPE_STREAM, RINGQ_QUEUE_SPSC, 1, 1, 100000},
    {"mpmc", "pingpong mpmc plain", SHAPE_PINGPONG, RINGQ_QUEUE_MPMC, 0, 0, 200000},
    {"mpmc", "pingpong mpmc inject", SHAPE_PINGPONG, RINGQ_QUEUE_MPMC, 1, 0, 200000},
    {"mpmc", "pingpong mpmc timed-get inject", SHAPE_PINGPONG, RINGQ_QUEUE_MPMC, 1, 1, 100000},
    {"mpmc", "stream mpmc inject", SHAPE_STREAM, RINGQ_QUEUE_MPMC, 1, 0, 200000},
    {"mpmc", "stream mpmc timed inject", SHAPE_STREAM, RINGQ_QUEUE_MPMC, 1, 1, 100000},
    {"2x2", "2x2 mpmc plain", SHAPE_2X2, RINGQ_QUEUE_MPMC, 0, 0, 100000},
    {"2x2", "2x2 mpmc inject", SHAPE_2X2, RINGQ_QUEUE_MPMC, 1, 0, 50000},
    {"2x2", "2x2 mpmc timed inject", SHAPE_2X2, RINGQ_QUEUE_MPMC, 1, 1, 50000},
};

/* One thread taking part (main included when it calls into the queue). Own cache lines: the
 * watchdog reads the atomics while the owner writes them. */
struct pp_thread {
  _Alignas(128) const char *name;
  struct pp_run *run;
  pthread_t tid;
  unsigned index;                 /* 2x2: putter id - 1 or getter number */
  uint64_t rng;                   /* xorshift64* state: injection decisions */
  _Atomic(const char *) where;    /* the call in progress, or what the thread does */
  _Atomic int last_point;         /* last hook point seen, -1 before the first */
  _Atomic uint64_t hook_calls;    /* written by the owner only */
  _Atomic uint64_t moved;         /* round trips or items, written by the owner only */
  uint64_t yields, sleeps, timeouts; /* owner only; read after the thread is joined */
  uint64_t *seen;                 /* 2x2 getter: bitmap per putter of the sequences got */
  uint64_t last_seq[2];           /* 2x2 getter: per putter, last sequence got + 1 */
};

struct pp_run {
  const struct pp_config *cfg;
  struct ringq_queue *q[2];
  unsigned nq;
  struct pp_thread th[PP_MAX_THREADS];
  unsigned nth;
  uint64_t count;                 /* round trips or items per putter, scaled */
  _Atomic uint64_t limit;         /* pingpong, stream: round trips or items to do; the leading
                                     thread (A, the putter) lowers it at the time limit */
  int64_t stop_at;                /* test_now_ns() of the time limit (PP_CONFIG_NS) */
  size_t seen_words;              /* 2x2: words of one putter's bitmap */
  pthread_barrier_t start;
  _Atomic uint64_t progress;      /* bumped on every round trip, item and phase change */
  _Atomic uint64_t got;           /* 2x2: items got, all getters */
  _Atomic int finished;           /* stops the watchdog */
  int64_t longest_pause;         /* ns without progress; the watchdog writes it, main reads it
                                    after joining the watchdog */
};

static uint64_t g_seed = 0x9e3779b97f4a7c15u;
static _Thread_local struct pp_thread *tl_self;
static int g_inject; /* set before threads start, cleared after they are joined */

static const char *
point_name(int p)
{
  switch (p) {
  case RINGQ__HOOK_BEFORE_ANNOUNCE: return "BEFORE_ANNOUNCE (waiter: before [W1])";
  case RINGQ__HOOK_AFTER_ANNOUNCE: return "AFTER_ANNOUNCE (waiter: [W1] done, before [W2])";
  case RINGQ__HOOK_BEFORE_SLEEP: return "BEFORE_SLEEP (waiter: [W2] false, futex wait next)";
  case RINGQ__HOOK_AFTER_PUBLISH: return "AFTER_PUBLISH (notifier: [N1] done, before [N2])";
  case RINGQ__HOOK_BEFORE_WAKE: return "BEFORE_WAKE (notifier: [N2] saw waiters, before [N3])";
  case -1: return "none yet";
  }
  return "unknown";
}

/* The test hook: record where the thread is, then maybe yield or sleep a little. */
static void
inject_hook(enum ringq__hook_point p)
{
  struct pp_thread *t = tl_self;
  uint64_t r;
  if (t == NULL)
    return;
  /* relaxed: read only by the watchdog, for its report. */
  atomic_store_explicit(&t->last_point, (int)p, memory_order_relaxed);
  atomic_store_explicit(&t->hook_calls,
                        atomic_load_explicit(&t->hook_calls, memory_order_relaxed) + 1,
                        memory_order_relaxed);
  if (!g_inject)
    return;
  r = next_rand(&t->rng);
  if (r % 10000 < PP_SLEEP) {
    struct timespec ts = {0, (long)(1 + (r >> 32) % 50) * 1000};
    t->sleeps++;
    nanosleep(&ts, NULL);
  } else if (r % 10000 < PP_YIELD) {
    t->yields++;
    sched_yield();
  }
}

static void
set_where(struct pp_thread *t, const char *what)
{
  /* relaxed: read only by the watchdog. */
  atomic_store_explicit(&t->where, what, memory_order_relaxed);
}

static void
bump_progress(struct pp_run *run)
{
  /* relaxed: the watchdog only looks for change. */
  atomic_fetch_add_explicit(&run->progress, 1, memory_order_relaxed);
}

static void
count_moved(struct pp_thread *t)
{
  atomic_store_explicit(&t->moved, atomic_load_explicit(&t->moved, memory_order_relaxed) + 1,
                        memory_order_relaxed);
  bump_progress(t->run);
}

/* Short sleeps must be short: the default 50 us timer slack would stretch every injected sleep. */
static void
thread_setup(struct pp_thread *t)
{
  tl_self = t;
#ifdef __linux__
  (void)prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
#endif
}

static void
put_item(struct pp_thread *t, struct ringq_queue *q, const char *where, uint64_t v)
{
  enum ringq_status st;
  set_where(t, where);
  if (t->run->cfg->timed && t->run->cfg->shape != SHAPE_PINGPONG) {
    while ((st = ringq_queue_put_timeout(q, &v, PP_TIMED_NS)) == RINGQ_FULL)
      t->timeouts++;
  } else {
    st = ringq_queue_put(q, &v);
  }
  if (st != RINGQ_OK)
    fail("%s: %s returned %s", t->name, where, ringq_strerror(st));
  set_where(t, "between calls");
}

/* Get one item; RINGQ_SHUTDOWN is returned to the caller only when allowed. */
static enum ringq_status
get_item(struct pp_thread *t, struct ringq_queue *q, const char *where, uint64_t *v,
         int shutdown_ok)
{
  enum ringq_status st;
  set_where(t, where);
  if (t->run->cfg->timed) {
    while ((st = ringq_queue_get_timeout(q, v, PP_TIMED_NS)) == RINGQ_EMPTY)
      t->timeouts++;
  } else {
    st = ringq_queue_get(q, v);
  }
  if (st != RINGQ_OK && !(shutdown_ok && st == RINGQ_SHUTDOWN))
    fail("%s: %s returned %s", t->name, where, ringq_strerror(st));
  set_where(t, "between calls");
  return st;
}

static uint64_t
reply_of(uint64_t v)
{
  return ~v * 0x9e3779b97f4a7c15u;
}

/* The leading thread, before round trip or item i: past the time limit, make i the last one.
 * The follower reads the limit after it got item i - 1, so it still expects item i; it reads it
 * again after item i, which the store below happens-before. Returns whether i is the last. */
static int
lead_limit(struct pp_run *run, uint64_t i) {
  if (i < PP_MIN_ITEMS || (i & 63) != 0 || test_now_ns() <= run->stop_at)
    return 0;
  /* release: pairs with the follower's acquire load (the put of item i orders it as well). */
  atomic_store_explicit(&run->limit, i + 1, memory_order_release);
  return 1;
}

/* The follower's bound for round trip or item i. */
static uint64_t
follow_limit(struct pp_run *run) {
  /* acquire: pairs with lead_limit's release store. */
  return atomic_load_explicit(&run->limit, memory_order_acquire);
}

/* pingpong A: put(q1), get(q2). */
static void *
ping_main(void *arg)
{
  struct pp_thread *t = arg;
  struct pp_run *run = t->run;
  uint64_t i;
  thread_setup(t);
  pthread_barrier_wait(&run->start);
  for (i = 0; i < run->count; i++) {
    uint64_t r = 0;
    int last = lead_limit(run, i);
    put_item(t, run->q[0], "put(q1)", i);
    (void)get_item(t, run->q[1], run->cfg->timed ? "get_timeout(q2) loop" : "get(q2)", &r, 0);
    if (r != reply_of(i))
      fail("%s: round trip %" PRIu64 " came back as %#" PRIx64 ", expected %#" PRIx64, t->name,
           i, r, reply_of(i));
    count_moved(t);
    if (last)
      break;
  }
  set_where(t, "finished");
  return NULL;
}

/* pingpong B: get(q1), put(q2). */
static void *
pong_main(void *arg)
{
  struct pp_thread *t = arg;
  struct pp_run *run = t->run;
  uint64_t i;
  thread_setup(t);
  pthread_barrier_wait(&run->start);
  for (i = 0; i < follow_limit(run); i++) {
    uint64_t v = 0;
    (void)get_item(t, run->q[0], run->cfg->timed ? "get_timeout(q1) loop" : "get(q1)", &v, 0);
    if (v != i)
      fail("%s: got %" PRIu64 " from q1, expected %" PRIu64, t->name, v, i);
    put_item(t, run->q[1], "put(q2)", reply_of(v));
    count_moved(t);
  }
  set_where(t, "finished");
  return NULL;
}

/* stream: put 0, 1, 2, ... into q1. */
static void *
stream_put_main(void *arg)
{
  struct pp_thread *t = arg;
  struct pp_run *run = t->run;
  uint64_t i;
  thread_setup(t);
  pthread_barrier_wait(&run->start);
  for (i = 0; i < run->count; i++) {
    int last = lead_limit(run, i);
    put_item(t, run->q[0], run->cfg->timed ? "put_timeout(q1) loop" : "put(q1)", i);
    count_moved(t);
    if (last)
      break;
  }
  set_where(t, "finished");
  return NULL;
}

static void *
stream_get_main(void *arg)
{
  struct pp_thread *t = arg;
  struct pp_run *run = t->run;
  uint64_t i;
  thread_setup(t);
  pthread_barrier_wait(&run->start);
  for (i = 0; i < follow_limit(run); i++) {
    uint64_t v = 0;
    (void)get_item(t, run->q[0], run->cfg->timed ? "get_timeout(q1) loop" : "get(q1)", &v, 0);
    if (v != i)
      fail("%s: got %" PRIu64 ", expected %" PRIu64, t->name, v, i);
    count_moved(t);
  }
  set_where(t, "finished");
  return NULL;
}

static void *
many_put_main(void *arg)
{
  struct pp_thread *t = arg;
  struct pp_run *run = t->run;
  uint64_t i;
  thread_setup(t);
  pthread_barrier_wait(&run->start);
  for (i = 0; i < run->count; i++) {
    put_item(t, run->q[0], run->cfg->timed ? "put_timeout loop" : "put",
             STRESS_ITEM(t->index + 1, i));
    count_moved(t);
  }
  set_where(t, "finished");
  return NULL;
}

static void *
many_get_main(void *arg)
{
  struct pp_thread *t = arg;
  struct pp_run *run = t->run;
  thread_setup(t);
  pthread_barrier_wait(&run->start);
  for (;;) {
    uint64_t v = 0, seq, *word, bit;
    unsigned id;
    enum ringq_status st;
    if (get_item(t, run->q[0], run->cfg->timed ? "get_timeout loop" : "get", &v, 1) ==
        RINGQ_SHUTDOWN)
      break;
    id = STRESS_ITEM_ID(v);
    seq = STRESS_ITEM_SEQ(v);
    if (id < 1 || id > 2 || seq >= run->count)
      fail("%s: got %#" PRIx64 ", which no putter sent", t->name, v);
    if (seq + 1 <= t->last_seq[id - 1])
      fail("%s: got putter %u's item %" PRIu64 " after its item %" PRIu64
           " (per-putter order broken)",
           t->name, id, seq, t->last_seq[id - 1] - 1);
    t->last_seq[id - 1] = seq + 1;
    word = &t->seen[(size_t)(id - 1) * run->seen_words + seq / 64];
    bit = (uint64_t)1 << (seq % 64);
    *word |= bit;
    count_moved(t);
    /* seq_cst: main compares it with the total once join returned. */
    atomic_fetch_add_explicit(&run->got, 1, memory_order_seq_cst);
    set_where(t, "task_done");
    st = ringq_queue_task_done(run->q[0]);
    if (st != RINGQ_OK)
      fail("%s: task_done returned %s", t->name, ringq_strerror(st));
  }
  /* The queue is shut down and drained: a second get must say so at once. */
  {
    uint64_t v;
    enum ringq_status st = ringq_queue_get_nowait(run->q[0], &v);
    if (st != RINGQ_SHUTDOWN)
      fail("%s: get_nowait after RINGQ_SHUTDOWN returned %s", t->name, ringq_strerror(st));
  }
  set_where(t, "finished");
  return NULL;
}

static void
report_stuck(void *arg, double secs)
{
  struct pp_run *run = arg;
  unsigned i;
  uint64_t total = 0;
  for (i = 0; i < run->nth; i++)
    total += atomic_load_explicit(&run->th[i].moved, memory_order_relaxed);
  fflush(stdout);
  fprintf(stderr,
          "FAIL [%s]: no progress for %.1f s (lost wake-up?); %" PRIu64 " of %" PRIu64
          " %s done. Where each thread is:\n",
          g_label, secs, run->cfg->shape == SHAPE_PINGPONG ? total / 2 : total,
          run->cfg->shape == SHAPE_2X2 ? 4 * run->count : run->count,
          run->cfg->shape == SHAPE_PINGPONG ? "round trips" : "item moves (puts + gets)");
  for (i = 0; i < run->nth; i++) {
    struct pp_thread *t = &run->th[i];
    fprintf(stderr, "  %-9s in %-22s last hook point %s, %" PRIu64 " hook calls, %" PRIu64
                    " moved\n",
            t->name, atomic_load_explicit(&t->where, memory_order_relaxed),
            run->cfg->inject || atomic_load_explicit(&t->hook_calls, memory_order_relaxed)
                ? point_name(atomic_load_explicit(&t->last_point, memory_order_relaxed))
                : "(no hook installed)",
            atomic_load_explicit(&t->hook_calls, memory_order_relaxed),
            atomic_load_explicit(&t->moved, memory_order_relaxed));
  }
  for (i = 0; i < run->nq; i++) {
    struct ringq_queue_stats s;
    ringq_queue_stats(run->q[i], &s);
    fprintf(stderr, "  q%u: qsize %zu, %s, futex waits %" PRIu64 ", wakes %" PRIu64 "\n", i + 1,
            ringq_queue_qsize(run->q[i]),
            ringq_queue_is_shutdown(run->q[i]) ? "shut down" : "open", s.waits, s.wakes);
  }
  die();
}

static void *
watchdog_main(void *arg)
{
  struct pp_run *run = arg;
  watch_progress(&run->progress, &run->finished, PP_WATCHDOG_NS, &run->longest_pause,
                 report_stuck, run);
  return NULL;
}

static struct ringq_queue *
make_queue(enum ringq_queue_kind kind)
{
  struct ringq_queue *q = NULL;
  enum ringq_status st = ringq_queue_create(kind, 1, sizeof(uint64_t), &q);
  if (st != RINGQ_OK)
    fail("ringq_queue_create returned %s", ringq_strerror(st));
  return q;
}

static void
add_thread(struct pp_run *run, const char *name, unsigned index)
{
  struct pp_thread *t = &run->th[run->nth++];
  t->name = name;
  t->run = run;
  t->index = index;
  t->rng = g_seed ^ ((uint64_t)(run->nth) * 0xd1b54a32d192ed03u);
  if (t->rng == 0)
    t->rng = 1;
  atomic_init(&t->where, "starting");
  atomic_init(&t->last_point, -1);
  atomic_init(&t->hook_calls, 0);
  atomic_init(&t->moved, 0);
}

static void
start_thread(struct pp_thread *t, void *(*fn)(void *))
{
  int err = pthread_create(&t->tid, NULL, fn, t);
  if (err != 0)
    fail("pthread_create: %s", strerror(err));
}

static int
run_one(const struct pp_config *cfg, long cpus)
{
  struct pp_run *run;
  struct pp_thread *main_t = NULL;
  pthread_t dog;
  unsigned i, workers;
  uint64_t yields = 0, sleeps = 0, timeouts = 0, futex_before, futex_calls;
  int64_t t0, t1;
  double secs;
  int err, stopped = 0;

  snprintf(g_label, sizeof g_label, "%s", cfg->name);
  run = calloc(1, sizeof *run);
  if (run == NULL)
    fail("out of memory");
  run->cfg = cfg;
  run->count = test_budgeted_count(cfg->count, g_started_ns);
  atomic_init(&run->limit, run->count);
  run->stop_at = test_now_ns() + PP_CONFIG_NS;
  atomic_init(&run->progress, 0);
  atomic_init(&run->got, 0);
  atomic_init(&run->finished, 0);
  run->q[0] = make_queue(cfg->kind);
  run->nq = 1;
  switch (cfg->shape) {
  case SHAPE_PINGPONG:
    run->q[1] = make_queue(cfg->kind);
    run->nq = 2;
    add_thread(run, "A", 0);
    add_thread(run, "B", 1);
    break;
  case SHAPE_STREAM:
    add_thread(run, "putter", 0);
    add_thread(run, "getter", 0);
    break;
  case SHAPE_2X2:
    add_thread(run, "putter 1", 0);
    add_thread(run, "putter 2", 1);
    add_thread(run, "getter 1", 0);
    add_thread(run, "getter 2", 1);
    run->seen_words = (size_t)(run->count + 63) / 64;
    for (i = 2; i < 4; i++) {
      run->th[i].seen = calloc(2 * run->seen_words, sizeof(uint64_t));
      if (run->th[i].seen == NULL)
        fail("out of memory");
    }
    add_thread(run, "main", 0);
    main_t = &run->th[4];
    break;
  }
  workers = cfg->shape == SHAPE_2X2 ? 4 : 2;
  if (pthread_barrier_init(&run->start, NULL, workers + 1) != 0)
    fail("pthread_barrier_init failed");

  g_inject = cfg->inject;
  /* relaxed: installed before any thread that could call it starts (pthread_create orders it). */
  atomic_store_explicit(&ringq__test_hook, cfg->inject ? inject_hook : NULL,
                        memory_order_relaxed);
  futex_before = atomic_load_explicit(&ringq__test_futex_calls, memory_order_relaxed);

  switch (cfg->shape) {
  case SHAPE_PINGPONG:
    start_thread(&run->th[0], ping_main);
    start_thread(&run->th[1], pong_main);
    break;
  case SHAPE_STREAM:
    start_thread(&run->th[0], stream_put_main);
    start_thread(&run->th[1], stream_get_main);
    break;
  case SHAPE_2X2:
    start_thread(&run->th[0], many_put_main);
    start_thread(&run->th[1], many_put_main);
    start_thread(&run->th[2], many_get_main);
    start_thread(&run->th[3], many_get_main);
    break;
  }
  if ((err = pthread_create(&dog, NULL, watchdog_main, run)) != 0)
    fail("pthread_create: %s", strerror(err));
  t0 = test_now_ns();
  pthread_barrier_wait(&run->start);

  if (cfg->shape == SHAPE_2X2) {
    enum ringq_status st;
    uint64_t got;
    thread_setup(main_t);
    set_where(main_t, "joining putters");
    for (i = 0; i < 2; i++)
      pthread_join(run->th[i].tid, NULL);
    bump_progress(run);
    /* Every item was accepted: join must return once the getters task_done them all. */
    set_where(main_t, "join()");
    st = ringq_queue_join(run->q[0]);
    if (st != RINGQ_OK)
      fail("main: join returned %s", ringq_strerror(st));
    /* seq_cst: pairs with the getters' increments, which precede their task_done. */
    got = atomic_load_explicit(&run->got, memory_order_seq_cst);
    if (got != 2 * run->count)
      fail("join returned with %" PRIu64 " of %" PRIu64 " items got and done", got,
           2 * run->count);
    bump_progress(run);
    set_where(main_t, "shutdown(false)");
    st = ringq_queue_shutdown(run->q[0], false);
    if (st != RINGQ_OK)
      fail("main: shutdown returned %s", ringq_strerror(st));
    set_where(main_t, "joining getters");
    bump_progress(run);
    for (i = 2; i < 4; i++)
      pthread_join(run->th[i].tid, NULL);
    set_where(main_t, "finished");
    tl_self = NULL;
  } else {
    for (i = 0; i < workers; i++)
      pthread_join(run->th[i].tid, NULL);
    /* relaxed: both threads were joined. */
    if (atomic_load_explicit(&run->limit, memory_order_relaxed) < run->count) {
      run->count = atomic_load_explicit(&run->limit, memory_order_relaxed);
      stopped = 1;
    }
  }
  t1 = test_now_ns();
  /* release: pairs with the watchdog's acquire load. */
  atomic_store_explicit(&run->finished, 1, memory_order_release);
  pthread_join(dog, NULL);
  atomic_store_explicit(&ringq__test_hook, NULL, memory_order_relaxed);
  g_inject = 0;
  futex_calls = atomic_load_explicit(&ringq__test_futex_calls, memory_order_relaxed) - futex_before;
  /* relaxed: read after every worker is joined. A sleep that ran into the queue's cap on a single
   * sleep means no notification came for it: a lost wake-up the cap only papered over. */
  if (atomic_load_explicit(&ringq__test_capped_sleeps, memory_order_relaxed) != 0)
    fail("%" PRIu64 " sleeps ended on the queue's sleep cap: lost wake-ups",
         atomic_load_explicit(&ringq__test_capped_sleeps, memory_order_relaxed));

  if (cfg->shape == SHAPE_2X2) {
    /* Conservation: every item of every putter got exactly once, by one of the getters. */
    uint64_t id, seq;
    for (id = 0; id < 2; id++) {
      for (seq = 0; seq < run->count; seq++) {
        size_t w = (size_t)id * run->seen_words + seq / 64;
        uint64_t bit = (uint64_t)1 << (seq % 64);
        int a = (run->th[2].seen[w] & bit) != 0, b = (run->th[3].seen[w] & bit) != 0;
        if (a + b != 1)
          fail("putter %" PRIu64 "'s item %" PRIu64 " was got %d times", id + 1, seq, a + b);
      }
    }
    free(run->th[2].seen);
    free(run->th[3].seen);
  }
  for (i = 0; i < run->nq; i++) {
    enum ringq_status st;
    if (ringq_queue_qsize(run->q[i]) != 0)
      fail("q%u: qsize %zu at the end, expected 0", i + 1, ringq_queue_qsize(run->q[i]));
    st = ringq_queue_destroy(run->q[i]);
    if (st != RINGQ_OK)
      fail("q%u: destroy returned %s", i + 1, ringq_strerror(st));
  }
  for (i = 0; i < run->nth; i++) {
    yields += run->th[i].yields;
    sleeps += run->th[i].sleeps;
    timeouts += run->th[i].timeouts;
  }
  secs = (double)(t1 - t0) / 1e9;
  printf("PASS %-32s %7" PRIu64 " %s in %6.2f s (%5.1f us each), %" PRIu64
         " futex calls, injected %" PRIu64 " yields + %" PRIu64 " sleeps, %" PRIu64
         " timeouts, longest pause %.0f ms%s%s\n",
         cfg->name, cfg->shape == SHAPE_2X2 ? 2 * run->count : run->count,
         cfg->shape == SHAPE_PINGPONG ? "round trips" : "items      ", secs,
         secs * 1e6 / (double)(cfg->shape == SHAPE_2X2 ? 2 * run->count : run->count), futex_calls,
         yields, sleeps, timeouts, (double)run->longest_pause / 1e6,
         stopped ? "; stopped at the time limit" : "",
         (long)workers > cpus ? "; oversubscribed" : "");
  fflush(stdout);
  pthread_barrier_destroy(&run->start);
  free(run);
  return 0;
}

int
main(int argc, char **argv)
{
  size_t i, n = sizeof table / sizeof table[0];
  int j, any_group, list = 0;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  unsigned ran = 0;
  int64_t t0 = g_started_ns = test_now_ns();

  any_group = parse_options(argc, argv, &g_seed, &list);
  if (g_seed == 0)
    g_seed = 1;
  for (j = 1; j < argc; j++) {
    size_t k;
    int known = 0;
    if (argv[j][0] == '-')
      continue;
    for (k = 0; k < n; k++)
      known |= strcmp(argv[j], table[k].group) == 0;
    if (!known)
      fail("no configuration is in group '%s'", argv[j]);
  }
  printf("queue_pingpong: %ld CPUs, seed %#" PRIx64 ", watchdog %.1f s, timeout scale %d\n", cpus,
         g_seed, (double)PP_WATCHDOG_NS / 1e9, RINGQ_TIMEOUT_SCALE);
  for (i = 0; i < n; i++) {
    if (!group_selected(argc, argv, any_group, table[i].group))
      continue;
    if (list) {
      printf("%s: %s\n", table[i].group, table[i].name);
      continue;
    }
    run_one(&table[i], cpus);
    ran++;
  }
  if (!list)
    printf("queue_pingpong: %u configurations passed in %.1f s\n", ran,
           (double)(test_now_ns() - t0) / 1e9);
  return 0;
}
