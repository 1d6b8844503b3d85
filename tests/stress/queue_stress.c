/* SPDX-License-Identifier: MIT */
/* tests/stress/queue_stress.c: producers and consumers on one blocking queue, mixing blocking,
 * non-blocking and timed operations, checking conservation, order, task_done/join and shutdown
 * while the threads are busy, under a watchdog.
 *
 * Every operation picks at random among the blocking call, the _nowait call (retried while FULL
 * or EMPTY), the _timeout call and the _until call (a short random limit of 0-200 us, retried
 * while FULL or EMPTY). Items carry (producer id, sequence). Every configuration runs on
 * capacities 1, 2 and 64 and in three modes:
 *   drain          producers put all their items and stop; main calls join(), which must return
 *                  only once every item was got and task_done'd, then shutdown(false) ends the
 *                  consumers. Checks: every item got exactly once; per producer, each consumer
 *                  gets its items in sequence order; task_done OK per item; join's return.
 *   shutdown       main calls shutdown(false) once a quarter of the items were got, producers
 *                  still putting. Checks: every put that returned RINGQ_OK is got exactly once
 *                  (consumers get until RINGQ_SHUTDOWN), none other is; a put that starts after
 *                  shutdown returned fails; join() returns, and only once every item was got
 *                  and done (nothing is got after it returned); nobody hangs.
 *   shutdown-now   the same with shutdown(true). Checks: nothing is got twice or was never
 *                  accepted; at most `capacity` accepted items are discarded; a get that starts
 *                  after shutdown returned gets nothing; join() returns once the consumers
 *                  task_done what they got (and nothing is got after it returned); nobody hangs.
 * This file has its own small driver rather than the shared one in driver.c: that driver has no
 * task_done/join step and no shutdown while threads are busy, which are what is tested here.
 *
 * Command line: [group...] [--seed=N] [--list]; groups are spsc (1x1), 2x2 and 4x4 (MPMC), and
 * unb-spsc, unb-2x2, unb-4x4: the same on unbounded queues (capacity 0).
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
#include <sys/syscall.h>
#include <unistd.h>

#include "driver.h" /* the item layout: STRESS_ITEM */
#include "stress_util.h"
#include "wait.h" /* ringq__test_capped_sleeps */

/* How long nothing may move before the watchdog fails the run: seconds that no scheduler delay
 * reaches on a loaded 2-CPU machine, scaled for sanitizer builds. It is above the 5 s cap that
 * src/queue.c puts on every futex sleep (MAX_SLEEP_NS), where a lost wake-up shows as a pause of
 * about 5 s followed by normal progress: ringq__test_capped_sleeps counts those, and a
 * configuration with any fails. */
#define QS_WATCHDOG_NS ((int64_t)10000000000 * RINGQ_TIMEOUT_SCALE)

/* Longest limit of one timed operation. */
#define QS_TIMED_MAX_US 200

#define QS_MAX_SIDE 4

enum qs_mode { MODE_DRAIN, MODE_SHUTDOWN, MODE_SHUTDOWN_NOW };
static const char *const mode_names[] = {"drain", "shutdown", "shutdown-now"};

struct qs_config {
  const char *group;
  enum ringq_queue_kind kind;
  unsigned producers, consumers;
  size_t capacity;
  enum qs_mode mode;
  uint64_t items; /* in total, in a plain build (the most a shutdown run may move) */
};

#define QS_ROWS(group, kind, p, c, cap, items)                                                   \
  {group, kind, p, c, cap, MODE_DRAIN, items},                                                   \
      {group, kind, p, c, cap, MODE_SHUTDOWN, items},                                            \
      {group, kind, p, c, cap, MODE_SHUTDOWN_NOW, items}

static const struct qs_config table[] = {
    QS_ROWS("spsc", RINGQ_QUEUE_SPSC, 1, 1, 1, 200000),
    QS_ROWS("spsc", RINGQ_QUEUE_SPSC, 1, 1, 2, 200000),
    QS_ROWS("spsc", RINGQ_QUEUE_SPSC, 1, 1, 64, 1000000),
    QS_ROWS("2x2", RINGQ_QUEUE_MPMC, 2, 2, 1, 200000),
    QS_ROWS("2x2", RINGQ_QUEUE_MPMC, 2, 2, 2, 200000),
    QS_ROWS("2x2", RINGQ_QUEUE_MPMC, 2, 2, 64, 2000000),
    QS_ROWS("4x4", RINGQ_QUEUE_MPMC, 4, 4, 1, 200000),
    QS_ROWS("4x4", RINGQ_QUEUE_MPMC, 4, 4, 2, 200000),
    QS_ROWS("4x4", RINGQ_QUEUE_MPMC, 4, 4, 64, 2000000),
    /* Unbounded queues (capacity 0; run from tests/unbounded/, label "unbounded"). */
    QS_ROWS("unb-spsc", RINGQ_QUEUE_SPSC, 1, 1, 0, 1000000),
    QS_ROWS("unb-2x2", RINGQ_QUEUE_MPMC, 2, 2, 0, 1000000),
    QS_ROWS("unb-4x4", RINGQ_QUEUE_MPMC, 4, 4, 0, 1000000),
};

/* The four ways to call put or get. */
enum op { OP_BLOCK, OP_NOWAIT, OP_TIMEOUT, OP_UNTIL, OP_COUNT };
static const char *const put_names[] = {"put", "put_nowait loop", "put_timeout loop",
                                        "put_until loop"};
static const char *const get_names[] = {"get", "get_nowait loop", "get_timeout loop",
                                        "get_until loop"};

/* One producer or consumer (or main). Own cache lines: the watchdog reads the atomics. */
struct qs_thread {
  _Alignas(128) struct qs_run *run;
  pthread_t tid;
  unsigned index;                /* 0-based; a producer's id is index + 1 */
  int is_producer;
  uint64_t rng;                  /* xorshift64*: operation choice and limits */
  _Atomic(const char *) where;   /* the call in progress, for the watchdog */
  _Atomic uint64_t moved;        /* items put (accepted) or got; written by the owner only */
  uint64_t ops[OP_COUNT];        /* owner only; read after join */
  uint64_t retries;              /* FULL / EMPTY answers retried */
  uint64_t *seen;                /* consumer: per producer, bitmap of the sequences got */
  uint64_t last[QS_MAX_SIDE];    /* consumer: per producer, last sequence got + 1 */
};

struct qs_run {
  const struct qs_config *cfg;
  struct ringq_queue *q;
  unsigned producers, consumers;
  uint64_t per_producer;         /* items each producer may put */
  uint64_t total;                /* producers * per_producer */
  size_t seen_words;             /* words of one producer's bitmap */
  pthread_barrier_t start;
  struct qs_thread th[2 * QS_MAX_SIDE + 1]; /* producers, consumers, then main */
  _Atomic uint64_t progress;     /* bumped on every item and phase change */
  _Atomic uint64_t got;          /* items got, by every consumer */
  _Atomic uint64_t accepted[QS_MAX_SIDE]; /* per producer: puts that returned RINGQ_OK */
  _Atomic int shutdown_returned; /* main's shutdown call has returned */
  _Atomic int finished;          /* stops the watchdog */
  int64_t longest_pause;         /* ns without progress; the watchdog writes it, main reads it
                                    after joining the watchdog */
  uint64_t got_at_join;          /* shutdown modes: `got` when main's join returned */
};

static uint64_t g_seed = 0x2545f4914f6cdd1du;

static void
set_where(struct qs_thread *t, const char *what)
{
  /* relaxed: read only by the watchdog. */
  atomic_store_explicit(&t->where, what, memory_order_relaxed);
}

static void
bump_progress(struct qs_run *run)
{
  /* relaxed: the watchdog only looks for change. */
  atomic_fetch_add_explicit(&run->progress, 1, memory_order_relaxed);
}

static void
count_moved(struct qs_thread *t)
{
  atomic_store_explicit(&t->moved, atomic_load_explicit(&t->moved, memory_order_relaxed) + 1,
                        memory_order_relaxed);
  bump_progress(t->run);
}

static void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/* After a FULL or EMPTY answer: spin a little, then give the CPU away (oversubscribed runs). */
static void
backoff(struct qs_thread *t, unsigned *fails)
{
  t->retries++;
  if (++*fails < 4)
    cpu_relax();
  else
    sched_yield();
}

static struct timespec
deadline_in(int64_t ns)
{
  int64_t d = test_now_ns() + ns;
  struct timespec ts;
  ts.tv_sec = (time_t)(d / 1000000000);
  ts.tv_nsec = (long)(d % 1000000000);
  return ts;
}

static int
shutdown_returned(struct qs_run *run)
{
  /* seq_cst: pairs with main's store after its shutdown call returned. */
  return atomic_load_explicit(&run->shutdown_returned, memory_order_seq_cst);
}

/* One put, by a randomly chosen call, retried while it answers RINGQ_FULL. Returns the final
 * status; *late says whether shutdown had returned before the final attempt started. */
static enum ringq_status
put_mixed(struct qs_thread *t, uint64_t item, int *late)
{
  struct ringq_queue *q = t->run->q;
  uint64_t r = next_rand(&t->rng);
  enum op op = (enum op)(r % OP_COUNT);
  int64_t limit = (int64_t)((r >> 16) % (QS_TIMED_MAX_US + 1)) * 1000;
  unsigned fails = 0;
  enum ringq_status st;
  t->ops[op]++;
  set_where(t, put_names[op]);
  for (;;) {
    *late = shutdown_returned(t->run);
    switch (op) {
    case OP_BLOCK: st = ringq_queue_put(q, &item); break;
    case OP_NOWAIT: st = ringq_queue_put_nowait(q, &item); break;
    case OP_TIMEOUT: st = ringq_queue_put_timeout(q, &item, limit); break;
    default: {
      struct timespec d = deadline_in(limit);
      st = ringq_queue_put_until(q, &item, &d);
      break;
    }
    }
    if (st != RINGQ_FULL)
      break;
    if (op == OP_BLOCK)
      fail("producer %u: put returned RINGQ_FULL", t->index + 1);
    backoff(t, &fails);
  }
  set_where(t, "between calls");
  return st;
}

/* One get, likewise, retried while it answers RINGQ_EMPTY; blocking when `block`. */
static enum ringq_status
get_mixed(struct qs_thread *t, uint64_t *item, int *late, int block)
{
  struct ringq_queue *q = t->run->q;
  uint64_t r = next_rand(&t->rng);
  enum op op = block ? OP_BLOCK : (enum op)(r % OP_COUNT);
  int64_t limit = (int64_t)((r >> 16) % (QS_TIMED_MAX_US + 1)) * 1000;
  unsigned fails = 0;
  enum ringq_status st;
  t->ops[op]++;
  set_where(t, get_names[op]);
  for (;;) {
    *late = shutdown_returned(t->run);
    switch (op) {
    case OP_BLOCK: st = ringq_queue_get(q, item); break;
    case OP_NOWAIT: st = ringq_queue_get_nowait(q, item); break;
    case OP_TIMEOUT: st = ringq_queue_get_timeout(q, item, limit); break;
    default: {
      struct timespec d = deadline_in(limit);
      st = ringq_queue_get_until(q, item, &d);
      break;
    }
    }
    if (st != RINGQ_EMPTY)
      break;
    if (op == OP_BLOCK)
      fail("consumer %u: get returned RINGQ_EMPTY", t->index + 1);
    backoff(t, &fails);
  }
  set_where(t, "between calls");
  return st;
}

static void *
producer_main(void *arg)
{
  struct qs_thread *t = arg;
  struct qs_run *run = t->run;
  unsigned id = t->index + 1;
  uint64_t seq = 0;
  pthread_barrier_wait(&run->start);
  while (seq < run->per_producer) {
    int late = 0;
    enum ringq_status st = put_mixed(t, STRESS_ITEM(id, seq), &late);
    if (st == RINGQ_OK) {
      if (late)
        fail("producer %u: a put that started after shutdown returned was accepted", id);
      seq++;
      /* seq_cst: main sums the counts once every thread is joined; the watchdog reads it. */
      atomic_store_explicit(&run->accepted[t->index], seq, memory_order_seq_cst);
      count_moved(t);
      continue;
    }
    if (st != RINGQ_SHUTDOWN || run->cfg->mode == MODE_DRAIN)
      fail("producer %u: put of item %" PRIu64 " returned %s", id, seq, ringq_strerror(st));
    /* Refused for good: every later put must say so, whatever call it uses. */
    {
      uint64_t item = STRESS_ITEM(id, seq);
      struct timespec d = deadline_in(1000);
      enum ringq_status a = ringq_queue_put_nowait(run->q, &item);
      enum ringq_status b = ringq_queue_put(run->q, &item);
      enum ringq_status c = ringq_queue_put_until(run->q, &item, &d);
      if (a != RINGQ_SHUTDOWN || b != RINGQ_SHUTDOWN || c != RINGQ_SHUTDOWN)
        fail("producer %u: puts after RINGQ_SHUTDOWN returned %s, %s, %s", id, ringq_strerror(a),
             ringq_strerror(b), ringq_strerror(c));
    }
    break;
  }
  set_where(t, "finished");
  bump_progress(run);
  return NULL;
}

static void *
consumer_main(void *arg)
{
  struct qs_thread *t = arg;
  struct qs_run *run = t->run;
  pthread_barrier_wait(&run->start);
  for (;;) {
    uint64_t v = 0, seq, *word, bit;
    unsigned id;
    int late = 0;
    /* In drain mode, once every item was got, block: then only shutdown can end the get, and
     * a shutdown that does not wake blocked getters hangs here. */
    int block = run->cfg->mode == MODE_DRAIN &&
                atomic_load_explicit(&run->got, memory_order_relaxed) == run->total;
    enum ringq_status st = get_mixed(t, &v, &late, block);
    if (st == RINGQ_SHUTDOWN)
      break;
    if (st != RINGQ_OK)
      fail("consumer %u: get returned %s", t->index + 1, ringq_strerror(st));
    if (late && run->cfg->mode == MODE_SHUTDOWN_NOW)
      fail("consumer %u: a get that started after shutdown(true) returned got item %#" PRIx64,
           t->index + 1, v);
    id = STRESS_ITEM_ID(v);
    seq = STRESS_ITEM_SEQ(v);
    if (id < 1 || id > run->producers || seq >= run->per_producer)
      fail("consumer %u: got %#" PRIx64 ", which no producer sent", t->index + 1, v);
    if (seq < t->last[id - 1])
      fail("consumer %u: got producer %u's item %" PRIu64 " after its item %" PRIu64
           " (per-producer order broken)",
           t->index + 1, id, seq, t->last[id - 1] - 1);
    t->last[id - 1] = seq + 1;
    word = &t->seen[(size_t)(id - 1) * run->seen_words + seq / 64];
    bit = (uint64_t)1 << (seq % 64);
    if (*word & bit)
      fail("consumer %u: got producer %u's item %" PRIu64 " twice", t->index + 1, id, seq);
    *word |= bit;
    count_moved(t);
    /* seq_cst: before task_done, so that main sees it once join returned. */
    atomic_fetch_add_explicit(&run->got, 1, memory_order_seq_cst);
    set_where(t, "task_done");
    st = ringq_queue_task_done(run->q);
    if (st != RINGQ_OK)
      fail("consumer %u: task_done returned %s", t->index + 1, ringq_strerror(st));
  }
  /* Shut down (and drained): every later get must say so at once. */
  {
    uint64_t v;
    enum ringq_status a = ringq_queue_get_nowait(run->q, &v);
    enum ringq_status b = ringq_queue_get(run->q, &v);
    if (a != RINGQ_SHUTDOWN || b != RINGQ_SHUTDOWN)
      fail("consumer %u: gets after RINGQ_SHUTDOWN returned %s, %s", t->index + 1,
           ringq_strerror(a), ringq_strerror(b));
  }
  set_where(t, "finished");
  bump_progress(run);
  return NULL;
}

static void
report_stuck(void *arg, double secs)
{
  struct qs_run *run = arg;
  unsigned i;
  struct ringq_queue_stats s;
  fflush(stdout);
  fprintf(stderr,
          "FAIL [%s]: no progress for %.1f s (lost wake-up or hang); %" PRIu64 " of %" PRIu64
          " items got. Where each thread is:\n",
          g_label, secs, atomic_load_explicit(&run->got, memory_order_relaxed), run->total);
  for (i = 0; i < run->producers + run->consumers + 1; i++) {
    struct qs_thread *t = &run->th[i];
    char name[32];
    if (i == run->producers + run->consumers)
      snprintf(name, sizeof name, "main");
    else
      snprintf(name, sizeof name, "%s %u", t->is_producer ? "producer" : "consumer",
               t->index + 1);
    fprintf(stderr, "  %-11s in %-28s %" PRIu64 " items\n", name,
            atomic_load_explicit(&t->where, memory_order_relaxed),
            atomic_load_explicit(&t->moved, memory_order_relaxed));
  }
  ringq_queue_stats(run->q, &s);
  fprintf(stderr, "  queue: qsize %zu of %zu, %s, futex waits %" PRIu64 ", wakes %" PRIu64 "\n",
          ringq_queue_qsize(run->q), ringq_queue_capacity(run->q),
          ringq_queue_is_shutdown(run->q) ? "shut down" : "open", s.waits, s.wakes);
  /* A join that would return now, while main still waits in one, is a missed wake-up; one that
   * would not, with every consumer finished, is wrong task accounting. */
  fprintf(stderr, "  join_timeout(0) now returns %s; %" PRIu64 " items got (and task_done'd)\n",
          ringq_strerror(ringq_queue_join_timeout(run->q, 0)),
          atomic_load_explicit(&run->got, memory_order_relaxed));
  {
    uint64_t acc = 0;
    unsigned p;
    for (p = 0; p < run->producers; p++)
      acc += atomic_load_explicit(&run->accepted[p], memory_order_relaxed);
    fprintf(stderr, "  %" PRIu64 " puts accepted\n", acc);
  }
  die();
}

static void *
watchdog_main(void *arg)
{
  struct qs_run *run = arg;
  watch_progress(&run->progress, &run->finished, QS_WATCHDOG_NS, &run->longest_pause,
                 report_stuck, run);
  return NULL;
}

static void
expect(enum ringq_status got, enum ringq_status want, const char *what)
{
  if (got != want)
    fail("%s returned %s, expected %s", what, ringq_strerror(got), ringq_strerror(want));
}

/* Main's part while the threads run: trigger the shutdown (if any) and join. */
static void
drive(struct qs_run *run, struct qs_thread *m)
{
  unsigned i, n = run->producers + run->consumers;
  const struct qs_config *cfg = run->cfg;
  if (cfg->mode == MODE_DRAIN) {
    set_where(m, "pthread_join(producers)");
    for (i = 0; i < run->producers; i++)
      pthread_join(run->th[i].tid, NULL);
    bump_progress(run);
    /* Every item was accepted: join must return once the consumers task_done them all. */
    set_where(m, "join()");
    expect(ringq_queue_join(run->q), RINGQ_OK, "join");
    /* seq_cst: the consumers' increments precede their task_done, which join waited for. */
    if (atomic_load_explicit(&run->got, memory_order_seq_cst) != run->total)
      fail("join returned with %" PRIu64 " of %" PRIu64 " items got and done",
           atomic_load_explicit(&run->got, memory_order_seq_cst), run->total);
    bump_progress(run);
    set_where(m, "shutdown(false)");
    expect(ringq_queue_shutdown(run->q, false), RINGQ_OK, "shutdown");
  } else {
    struct timespec tick = {0, 200 * 1000};
    uint64_t trigger = run->total / 4;
    set_where(m, "waiting for a quarter of the items");
    while (atomic_load_explicit(&run->got, memory_order_relaxed) < trigger)
      nanosleep(&tick, NULL);
    set_where(m, cfg->mode == MODE_SHUTDOWN ? "shutdown(false)" : "shutdown(true)");
    expect(ringq_queue_shutdown(run->q, cfg->mode == MODE_SHUTDOWN_NOW), RINGQ_OK,
           "shutdown");
    /* seq_cst: pairs with the threads' loads before each attempt. */
    atomic_store_explicit(&run->shutdown_returned, 1, memory_order_seq_cst);
    bump_progress(run);
    /* Shut down: join must return once the consumers task_done what was (or will be) got. */
    set_where(m, "join() after shutdown");
    expect(ringq_queue_join(run->q), RINGQ_OK, "join after shutdown");
    /* seq_cst: as in drain mode. check_end compares it with the final count: once join returned,
     * no item may be got (and so none may wait for task_done) any more. */
    run->got_at_join = atomic_load_explicit(&run->got, memory_order_seq_cst);
    bump_progress(run);
  }
  set_where(m, "pthread_join(all)");
  for (i = cfg->mode == MODE_DRAIN ? run->producers : 0; i < n; i++)
    pthread_join(run->th[i].tid, NULL);
  set_where(m, "finished");
}

/* After every thread is joined: conservation, exactly once, and the queue's end state. */
static void
check_end(struct qs_run *run, uint64_t *got_total, uint64_t *accepted_total)
{
  unsigned p, c;
  uint64_t seq, accepted_sum = 0, got = 0;
  const struct qs_config *cfg = run->cfg;
  for (c = 0; c < run->consumers; c++)
    got += atomic_load_explicit(&run->th[run->producers + c].moved, memory_order_relaxed);
  for (p = 0; p < run->producers; p++) {
    uint64_t acc = atomic_load_explicit(&run->accepted[p], memory_order_relaxed);
    accepted_sum += acc;
    if (cfg->mode == MODE_DRAIN && acc != run->per_producer)
      fail("producer %u: %" PRIu64 " of %" PRIu64 " puts accepted", p + 1, acc,
           run->per_producer);
    for (seq = 0; seq < run->per_producer; seq++) {
      size_t w = (size_t)p * run->seen_words + seq / 64;
      uint64_t bit = (uint64_t)1 << (seq % 64);
      unsigned times = 0;
      for (c = 0; c < run->consumers; c++)
        times += (run->th[run->producers + c].seen[w] & bit) != 0;
      if (seq >= acc && times != 0)
        fail("producer %u's item %" PRIu64 " was got, but its put was not accepted (%" PRIu64
             " were)",
             p + 1, seq, acc);
      if (times > 1)
        fail("producer %u's item %" PRIu64 " was got %u times", p + 1, seq, times);
      if (seq < acc && times == 0 && cfg->mode != MODE_SHUTDOWN_NOW)
        fail("producer %u's item %" PRIu64 " was accepted but never got (lost)", p + 1, seq);
    }
  }
  if (cfg->mode == MODE_SHUTDOWN_NOW) {
    /* Only what sat in the ring when shutdown(true) closed it may be discarded. */
    if (cfg->capacity != 0 && accepted_sum - got > cfg->capacity) /* 0: unbounded */
      fail("%" PRIu64 " accepted items were never got; shutdown(true) may discard at most the "
           "capacity, %zu",
           accepted_sum - got, cfg->capacity);
  } else if (got != accepted_sum) {
    fail("%" PRIu64 " items got, %" PRIu64 " accepted", got, accepted_sum);
  }
  if (cfg->mode != MODE_DRAIN && run->got_at_join != got)
    fail("join returned after the shutdown with %" PRIu64 " items got and done, but %" PRIu64
         " were got in the end",
         run->got_at_join, got);
  if (ringq_queue_qsize(run->q) != 0)
    fail("qsize %zu at the end, expected 0", ringq_queue_qsize(run->q));
  expect(ringq_queue_join_timeout(run->q, 0), RINGQ_OK, "join_timeout(0) at the end");
  expect(ringq_queue_task_done(run->q), RINGQ_ETASKDONE, "one task_done too many");
  {
    uint64_t v = 0;
    expect(ringq_queue_put_nowait(run->q, &v), RINGQ_SHUTDOWN, "put_nowait at the end");
    expect(ringq_queue_get_nowait(run->q, &v), RINGQ_SHUTDOWN, "get_nowait at the end");
  }
  *got_total = got;
  *accepted_total = accepted_sum;
}

static void
run_one(const struct qs_config *cfg, long cpus, unsigned row)
{
  struct qs_run *run;
  struct qs_thread *m;
  pthread_t dog;
  unsigned i, n = cfg->producers + cfg->consumers;
  uint64_t got = 0, accepted = 0, ops[OP_COUNT] = {0}, retries = 0;
  struct ringq_queue_stats stats;
  int64_t t0, t1;
  double secs;
  enum ringq_status st;
  int err;
  char line[sizeof g_label];

  snprintf(line, sizeof line, "%s %ux%u cap %zu %s",
           cfg->kind == RINGQ_QUEUE_SPSC ? "spsc" : "mpmc", cfg->producers, cfg->consumers,
           cfg->capacity, mode_names[cfg->mode]);
  snprintf(g_label, sizeof g_label, "%s", line);
  run = calloc(1, sizeof *run);
  if (run == NULL)
    fail("out of memory");
  run->cfg = cfg;
  run->producers = cfg->producers;
  run->consumers = cfg->consumers;
  run->per_producer = test_budgeted_count(cfg->items, g_started_ns) / cfg->producers;
  if (run->per_producer == 0)
    run->per_producer = 1;
  run->total = run->per_producer * cfg->producers;
  run->seen_words = (size_t)(run->per_producer + 63) / 64;
  atomic_init(&run->progress, 0);
  atomic_init(&run->got, 0);
  atomic_init(&run->shutdown_returned, 0);
  atomic_init(&run->finished, 0);
  for (i = 0; i < QS_MAX_SIDE; i++)
    atomic_init(&run->accepted[i], 0);
  st = ringq_queue_create(cfg->kind, cfg->capacity, sizeof(uint64_t), &run->q);
  if (st != RINGQ_OK)
    fail("ringq_queue_create returned %s", ringq_strerror(st));
  for (i = 0; i <= n; i++) {
    struct qs_thread *t = &run->th[i];
    t->run = run;
    t->is_producer = i < cfg->producers;
    t->index = t->is_producer ? i : i - cfg->producers;
    t->rng = (g_seed + (uint64_t)row * 0x9e3779b97f4a7c15u) ^ ((uint64_t)(i + 1) << 40);
    if (t->rng == 0)
      t->rng = 1;
    atomic_init(&t->where, "starting");
    atomic_init(&t->moved, 0);
    if (!t->is_producer && i < n) {
      t->seen = calloc((size_t)cfg->producers * run->seen_words, sizeof(uint64_t));
      if (t->seen == NULL)
        fail("out of memory");
    }
  }
  m = &run->th[n];
  if (pthread_barrier_init(&run->start, NULL, n + 1) != 0)
    fail("pthread_barrier_init failed");
  for (i = 0; i < n; i++) {
    err = pthread_create(&run->th[i].tid, NULL, i < cfg->producers ? producer_main : consumer_main,
                         &run->th[i]);
    if (err != 0)
      fail("pthread_create: %s", strerror(err));
  }
  if ((err = pthread_create(&dog, NULL, watchdog_main, run)) != 0)
    fail("pthread_create: %s", strerror(err));
  t0 = test_now_ns();
  pthread_barrier_wait(&run->start);
  drive(run, m);
  t1 = test_now_ns();
  /* release: pairs with the watchdog's acquire load. */
  atomic_store_explicit(&run->finished, 1, memory_order_release);
  pthread_join(dog, NULL);
  /* relaxed: read after every thread is joined. A sleep that ran into the queue's cap on a single
   * sleep means no notification came for it: a lost wake-up the cap only papered over. */
  if (atomic_load_explicit(&ringq__test_capped_sleeps, memory_order_relaxed) != 0)
    fail("%" PRIu64 " sleeps ended on the queue's sleep cap: lost wake-ups",
         atomic_load_explicit(&ringq__test_capped_sleeps, memory_order_relaxed));

  check_end(run, &got, &accepted);
  ringq_queue_stats(run->q, &stats);
  for (i = 0; i < n; i++) {
    unsigned k;
    for (k = 0; k < OP_COUNT; k++)
      ops[k] += run->th[i].ops[k];
    retries += run->th[i].retries;
    free(run->th[i].seen);
  }
  st = ringq_queue_destroy(run->q);
  if (st != RINGQ_OK)
    fail("destroy returned %s", ringq_strerror(st));
  secs = (double)(t1 - t0) / 1e9;
  printf("PASS %-27s %7" PRIu64 " got of %7" PRIu64 " accepted", line, got, accepted);
  if (cfg->mode != MODE_DRAIN)
    printf(" (%" PRIu64 " max)", run->total);
  printf(" in %5.2f s; calls %" PRIu64 " blocking / %" PRIu64 " nowait / %" PRIu64
         " timed, %" PRIu64 " retries; futex waits %" PRIu64 ", wakes %" PRIu64
         "; longest pause %.0f ms; %u threads on %ld CPUs%s\n",
         secs, ops[OP_BLOCK], ops[OP_NOWAIT], ops[OP_TIMEOUT] + ops[OP_UNTIL], retries,
         stats.waits, stats.wakes, (double)run->longest_pause / 1e6, n, cpus, (long)n > cpus ? ": oversubscribed" : "");
  fflush(stdout);
  pthread_barrier_destroy(&run->start);
  free(run);
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
  printf("queue_stress: %ld CPUs, seed %#" PRIx64 ", watchdog %.1f s, timeout scale %d\n", cpus,
         g_seed, (double)QS_WATCHDOG_NS / 1e9, RINGQ_TIMEOUT_SCALE);
  for (i = 0; i < n; i++) {
    if (!group_selected(argc, argv, any_group, table[i].group))
      continue;
    if (list) {
      printf("%s: %s %ux%u cap %zu %s\n", table[i].group,
             table[i].kind == RINGQ_QUEUE_SPSC ? "spsc" : "mpmc", table[i].producers,
             table[i].consumers, table[i].capacity, mode_names[table[i].mode]);
      continue;
    }
    run_one(&table[i], cpus, (unsigned)i);
    ran++;
  }
  if (!list)
    printf("queue_stress: %u configurations passed in %.1f s\n", ran,
           (double)(test_now_ns() - t0) / 1e9);
  return 0;
}
