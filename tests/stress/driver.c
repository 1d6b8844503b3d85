/* SPDX-License-Identifier: MIT */
/* tests/stress/driver.c: runs stress configurations on any queue adapter: starts producers and
 * consumers behind a barrier, moves a fixed number of items, watches for hangs and checks
 * conservation, per-producer order and the queue's end state. */
#define _GNU_SOURCE
#include "driver.h"

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

#include "support.h"

/* Longest burst the driver asks for (also bounded by the capacity). */
#define STRESS_MAX_BURST 256

/* Seconds without any item moving before the watchdog fails the run (times the build's scale). */
#define STRESS_WATCHDOG_SECONDS 10

/* Seconds after which a configuration's producers stop early (times the build's scale), once each
 * has pushed STRESS_MIN_ITEMS (enough to pass the wrap point of a near-wrap run). On a loaded
 * machine a ring whose threads spin and yield moves a few items per scheduler time slice; the
 * checks hold for whatever moved, and the run ends far below its CTest timeout. */
#define STRESS_CONFIG_SECONDS 10
#define STRESS_MIN_ITEMS 2048

/* A thread that cannot move an item spins (pause instruction) through `budget` failed attempts,
 * then yields its CPU at every further one. The budget adapts per thread, like an adaptive mutex:
 * it doubles when the wait ended while spinning (the peer runs on another CPU and a hand-off costs
 * no system call) and halves when it took yields (the peer needs this CPU: more threads than CPUs,
 * or a CPU busy with other work), between these bounds. */
#define STRESS_SPIN_MIN 4
#define STRESS_SPIN_MAX 1024
#define STRESS_SPIN_START 64

/* What a thread is doing, for the watchdog's report. */
enum thread_state { TS_STARTING, TS_MOVING, TS_WAITING, TS_DONE };

static const char *const state_names[] = {"starting", "moving items", "retrying (would block)",
                                          "finished"};

/* One producer or consumer; each on its own cache lines (the counters are read by the
 * watchdog while the owner writes them). */
struct stress_thread {
  _Alignas(128) struct stress_run *run;
  pthread_t tid;
  unsigned index; /* 0-based producer or consumer number; a producer's id is index + 1 */
  int is_producer;
  uint64_t rng;           /* burst lengths */
  _Atomic uint64_t count; /* items pushed or popped so far (written by the owner only) */
  _Atomic int state;      /* enum thread_state */
  uint64_t *last;         /* consumer: per producer, last sequence received + 1 (0: none yet) */
  uint64_t *bits;         /* consumer: per producer bitmaps of the sequences received */
};

/* One configuration being run. */
struct stress_run {
  const struct stress_config *cfg;
  const struct stress_adapter *a;
  void *q;
  unsigned producers, consumers;
  uint64_t total;         /* items to move */
  uint64_t *per_producer; /* items each producer tries to send */
  uint64_t *accepted;     /* items each producer's pushes accepted (written as it exits) */
  size_t *bit_offset;     /* per producer: first word of its bitmap in stress_thread.bits */
  size_t max_burst;
  enum stress_finish finish;
  pthread_barrier_t barrier;
  atomic_uint producers_left;
  atomic_int closed; /* set just before adapter->close is called */
  atomic_int stop_watchdog;
  uint64_t stop_at;         /* now_ns() after which producers stop early (STRESS_CONFIG_SECONDS) */
  atomic_int stopped_early; /* a producer did */
  struct stress_thread *threads; /* producers first, then consumers */
};

static char g_label[192] = "setup";
static double g_scale = 1.0;
static int64_t g_started_ns; /* when stress_main began: the time budget counts from there */
static uint64_t g_seed = 0x5eed0001u;
static long g_cpus = 1;
static unsigned g_spin = 0;        /* --spin=N: fixed spin budget (0: adaptive) */
static const char *g_match = NULL; /* --match=TEXT: only configurations whose label contains it */

void
stress_fail(const char *fmt, ...)
{
  va_list ap;
  fflush(stdout);
  fprintf(stderr, "FAIL [%s]: ", g_label);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  fflush(stderr);
  _exit(1);
}

static const char *
rc_name(enum stress_rc rc)
{
  switch (rc) {
  case STRESS_OK: return "ok";
  case STRESS_AGAIN: return "would-block";
  case STRESS_CLOSED: return "closed";
  }
  return "an unknown status";
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

static uint64_t
next_rand(struct stress_thread *t)
{
  /* xorshift64* */
  t->rng ^= t->rng >> 12;
  t->rng ^= t->rng << 25;
  t->rng ^= t->rng >> 27;
  return t->rng * 0x2545F4914F6CDD1DULL;
}

/* A burst length: mostly 1..16, one time in four 1..max_burst. */
static size_t
burst_len(struct stress_thread *t)
{
  size_t max = t->run->max_burst;
  size_t small = max < 16 ? max : 16;
  uint64_t r = next_rand(t);
  return 1 + (size_t)((r >> 8) % ((r & 3) == 0 ? max : small));
}

static void
set_state(struct stress_thread *t, int *cur, int s)
{
  if (*cur != s) {
    *cur = s;
    atomic_store_explicit(&t->state, s, memory_order_relaxed);
  }
}

static uint64_t
now_ns(void)
{
  return (uint64_t)test_now_ns();
}

/* Failed attempts since the last success, and the spin budget. */
struct backoff {
  unsigned fails;
  unsigned budget;
};

static void
backoff_init(struct backoff *b)
{
  b->fails = 0;
  b->budget = g_spin ? g_spin : STRESS_SPIN_START;
}

/* One more failed attempt: spin while within the budget, else yield the CPU. */
static void
backoff(struct backoff *b)
{
  if (++b->fails <= b->budget)
    cpu_relax();
  else
    sched_yield();
}

/* An attempt succeeded: adapt the budget to how the wait ended. */
static void
backoff_success(struct backoff *b)
{
  if (b->fails == 0)
    return;
  if (g_spin == 0) {
    if (b->fails <= b->budget)
      b->budget = b->budget * 2 <= STRESS_SPIN_MAX ? b->budget * 2 : STRESS_SPIN_MAX;
    else
      b->budget = b->budget / 2 >= STRESS_SPIN_MIN ? b->budget / 2 : STRESS_SPIN_MIN;
  }
  b->fails = 0;
}

/* Push one item or a burst starting at sequence `next`; *done gets how many moved. */
static enum stress_rc
push_some(struct stress_thread *t, unsigned id, uint64_t next, uint64_t left, size_t *done)
{
  struct stress_run *run = t->run;
  uint64_t buf[STRESS_MAX_BURST];
  enum stress_rc rc;
  if (run->cfg->path == STRESS_BURST) {
    size_t i, want = burst_len(t);
    if (want > left)
      want = (size_t)left;
    for (i = 0; i < want; i++)
      buf[i] = STRESS_ITEM(id, next + i);
    *done = 0;
    rc = run->a->push_burst(run->q, buf, want, done);
    if ((rc == STRESS_OK && (*done < 1 || *done > want)) || (rc != STRESS_OK && *done != 0))
      stress_fail("producer %u: push_burst of %zu items reported %s with %zu done", id, want,
                  rc_name(rc), *done);
    return rc;
  }
  buf[0] = STRESS_ITEM(id, next);
  rc = run->a->push(run->q, buf);
  *done = rc == STRESS_OK;
  return rc;
}

static uint64_t
pushed_so_far(const struct stress_run *run)
{
  uint64_t sum = 0;
  unsigned i;
  for (i = 0; i < run->producers; i++)
    sum += atomic_load_explicit(&run->threads[i].count, memory_order_relaxed);
  return sum;
}

static uint64_t
popped_so_far(const struct stress_run *run)
{
  uint64_t sum = 0;
  unsigned i;
  for (i = 0; i < run->consumers; i++)
    sum += atomic_load_explicit(&run->threads[run->producers + i].count, memory_order_relaxed);
  return sum;
}

/* Whether the driver had begun to close the queue. Its flag is stored before close is called,
 * but a queue may report "closed" through a relaxed load that does not order the flag (MPMC's
 * push), so wait a little for it: a close that never began is still caught. */
static int
close_began(struct stress_run *run)
{
  uint64_t until = now_ns() + (uint64_t)RINGQ_TIMEOUT_SCALE * 1000000000u;
  while (!atomic_load(&run->closed)) {
    if (now_ns() > until)
      return 0;
    sched_yield();
  }
  return 1;
}

/* Close the queue from producer `id`, then check that it refuses the item of sequence `seq`.
 * When the producer has sent all its items, that sequence is out of range, so a consumer would
 * also flag it if it ever came out. */
static void
close_and_check(struct stress_thread *t, unsigned id, uint64_t seq)
{
  struct stress_run *run = t->run;
  size_t done = 0;
  enum stress_rc rc;
  atomic_store(&run->closed, 1); /* before close: a consumer seeing "closed" also sees this */
  run->a->close(run->q);
  rc = push_some(t, id, seq, 1, &done);
  if (rc != STRESS_CLOSED)
    stress_fail("producer %u: a push after its close reported %s, expected closed", id,
                rc_name(rc));
}

static void *
producer_main(void *arg)
{
  struct stress_thread *t = arg;
  struct stress_run *run = t->run;
  unsigned id = t->index + 1;
  uint64_t n = run->per_producer[t->index], next = 0;
  /* Producer 1 of a close-midway run closes after half of its own items or once half of all
   * items were accepted, whichever comes first. */
  int closes_midway = run->finish == STRESS_CLOSE_MIDWAY && t->index == 0;
  uint64_t stop = closes_midway ? n / 2 : n;
  struct backoff bo;
  int state = TS_STARTING, last;
  unsigned attempts = 0;
  backoff_init(&bo);
  pthread_barrier_wait(&run->barrier);
  set_state(t, &state, TS_MOVING);
  while (next < stop) {
    size_t done = 0;
    enum stress_rc rc;
    if (closes_midway && pushed_so_far(run) >= run->total / 2)
      break;
    if (next >= STRESS_MIN_ITEMS && (++attempts & 255) == 0 && now_ns() > run->stop_at) {
      /* relaxed: read by main after every thread is joined. */
      atomic_store_explicit(&run->stopped_early, 1, memory_order_relaxed);
      break; /* the time limit: what was accepted so far is what must arrive */
    }
    rc = push_some(t, id, next, stop - next, &done);
    if (rc == STRESS_OK) {
      next += done;
      atomic_store_explicit(&t->count, next, memory_order_relaxed);
      backoff_success(&bo);
      set_state(t, &state, TS_MOVING);
    } else if (rc == STRESS_AGAIN) {
      set_state(t, &state, TS_WAITING);
      backoff(&bo);
    } else if (run->finish == STRESS_CLOSE_MIDWAY && close_began(run)) {
      break; /* closed by producer 1: what was accepted so far is what must arrive */
    } else {
      stress_fail("producer %u: push reported %s after %" PRIu64 " of %" PRIu64
                  " items, before the queue was closed",
                  id, rc_name(rc), next, n);
    }
  }
  run->accepted[t->index] = next;
  /* At the end, the last producer to finish closes (every push has returned). */
  last = atomic_fetch_sub(&run->producers_left, 1) == 1;
  if (closes_midway || (last && run->finish == STRESS_CLOSE_AT_END))
    close_and_check(t, id, next);
  set_state(t, &state, TS_DONE);
  return NULL;
}

/* Check one item a consumer received. */
static void
check_item(struct stress_thread *t, uint64_t item)
{
  struct stress_run *run = t->run;
  unsigned id = STRESS_ITEM_ID(item);
  uint64_t seq = STRESS_ITEM_SEQ(item), last, *bits;
  uint64_t nth = atomic_load_explicit(&t->count, memory_order_relaxed) + 1;
  if (id == 0 || id > run->producers)
    stress_fail("consumer %u: its item #%" PRIu64 " is 0x%016" PRIx64
                ": producer id %u was never used (producers are 1..%u)",
                t->index, nth, item, id, run->producers);
  if (seq >= run->per_producer[id - 1])
    stress_fail("consumer %u: its item #%" PRIu64 " is 0x%016" PRIx64 ": producer %u seq %" PRIu64
                ", but that producer sent seqs 0..%" PRIu64 " only",
                t->index, nth, item, id, seq, run->per_producer[id - 1] - 1);
  last = t->last[id - 1];
  if (last != 0 && seq < last)
    stress_fail("consumer %u: order: producer %u seq %" PRIu64 " arrived after seq %" PRIu64
                "%s (consumer's item #%" PRIu64 ")",
                t->index, id, seq, last - 1, seq == last - 1 ? " (the same item twice)" : "", nth);
  t->last[id - 1] = seq + 1;
  bits = t->bits + run->bit_offset[id - 1];
  bits[seq >> 6] |= (uint64_t)1 << (seq & 63);
}

static enum stress_rc
pop_some(struct stress_thread *t, uint64_t *buf, size_t *done)
{
  struct stress_run *run = t->run;
  enum stress_rc rc;
  if (run->cfg->path == STRESS_BURST) {
    size_t want = burst_len(t);
    *done = 0;
    rc = run->a->pop_burst(run->q, buf, want, done);
    if ((rc == STRESS_OK && (*done < 1 || *done > want)) || (rc != STRESS_OK && *done != 0))
      stress_fail("consumer %u: pop_burst of up to %zu items reported %s with %zu done", t->index,
                  want, rc_name(rc), *done);
    return rc;
  }
  rc = run->a->pop(run->q, buf);
  *done = rc == STRESS_OK;
  return rc;
}

/* Every producer has finished, and every item their pushes got accepted was popped (producers
 * that stopped at the time limit accepted fewer than run->total). */
static int
all_accepted_popped(const struct stress_run *run) {
  uint64_t sum = 0;
  unsigned i;
  /* acquire: pairs with the producers' seq_cst fetch_sub, which follows their write of
   * accepted[] (the last one's value heads a release sequence holding every earlier one). */
  if (atomic_load_explicit(&run->producers_left, memory_order_acquire) != 0)
    return 0;
  for (i = 0; i < run->producers; i++)
    sum += run->accepted[i];
  return popped_so_far(run) >= sum;
}

static void *
consumer_main(void *arg)
{
  struct stress_thread *t = arg;
  struct stress_run *run = t->run;
  uint64_t buf[STRESS_MAX_BURST], got = 0;
  struct backoff bo;
  int state = TS_STARTING;
  backoff_init(&bo);
  pthread_barrier_wait(&run->barrier);
  set_state(t, &state, TS_MOVING);
  for (;;) {
    size_t i, done = 0;
    enum stress_rc rc = pop_some(t, buf, &done);
    if (rc == STRESS_OK) {
      for (i = 0; i < done; i++) {
        check_item(t, buf[i]);
        atomic_store_explicit(&t->count, ++got, memory_order_relaxed);
      }
      backoff_success(&bo);
      set_state(t, &state, TS_MOVING);
    } else if (rc == STRESS_CLOSED) {
      if (run->finish == STRESS_BY_COUNT)
        stress_fail("consumer %u: pop reported closed, but the queue was never closed", t->index);
      if (!close_began(run))
        stress_fail("consumer %u: pop reported closed before the queue was closed", t->index);
      rc = pop_some(t, buf, &done);
      if (rc != STRESS_CLOSED)
        stress_fail("consumer %u: pop reported closed, then %s", t->index, rc_name(rc));
      break;
    } else {
      if (run->finish == STRESS_BY_COUNT &&
          (popped_so_far(run) >= run->total || all_accepted_popped(run)))
        break;
      set_state(t, &state, TS_WAITING);
      backoff(&bo);
    }
  }
  set_state(t, &state, TS_DONE);
  return NULL;
}

/* Fail with a report of every thread when no item moves for too long. */
static void *
watchdog_main(void *arg)
{
  struct stress_run *run = arg;
  const uint64_t limit = (uint64_t)STRESS_WATCHDOG_SECONDS * RINGQ_TIMEOUT_SCALE * 1000000000u;
  uint64_t last_sum = UINT64_MAX, last_change = now_ns();
  unsigned n = run->producers + run->consumers, i;
  while (!atomic_load(&run->stop_watchdog)) {
    struct timespec ts = {0, 10 * 1000 * 1000};
    uint64_t sum = 0, now;
    nanosleep(&ts, NULL);
    for (i = 0; i < n; i++)
      sum += atomic_load_explicit(&run->threads[i].count, memory_order_relaxed);
    now = now_ns();
    if (sum != last_sum) {
      last_sum = sum;
      last_change = now;
      continue;
    }
    if (now - last_change < limit)
      continue;
    fflush(stdout);
    fprintf(stderr,
            "FAIL [%s]: watchdog: no item moved for %u s (limit %d s x RINGQ_TIMEOUT_SCALE %d); "
            "%" PRIu64 " of %" PRIu64 " items popped, %u of %u producers still pushing, "
            "queue %s\n",
            g_label, (unsigned)((now - last_change) / 1000000000u), STRESS_WATCHDOG_SECONDS,
            RINGQ_TIMEOUT_SCALE, popped_so_far(run), run->total, atomic_load(&run->producers_left),
            run->producers, atomic_load(&run->closed) ? "closed" : "not closed");
    for (i = 0; i < n; i++) {
      struct stress_thread *t = &run->threads[i];
      int s = atomic_load_explicit(&t->state, memory_order_relaxed);
      uint64_t c = atomic_load_explicit(&t->count, memory_order_relaxed);
      if (t->is_producer)
        fprintf(stderr, "  producer %u: pushed %" PRIu64 " of %" PRIu64 ", %s\n", t->index + 1, c,
                run->per_producer[t->index], state_names[s]);
      else
        fprintf(stderr, "  consumer %u: popped %" PRIu64 ", %s\n", t->index, c, state_names[s]);
    }
    fflush(stderr);
    abort();
  }
  return NULL;
}

/* After the run: every (producer, seq) whose push was accepted was received by exactly one
 * consumer, and no other was received. Returns the items moved. */
static uint64_t
check_conservation(const struct stress_run *run)
{
  unsigned p, c;
  uint64_t popped = popped_so_far(run), moved = 0;
  for (p = 0; p < run->producers; p++) {
    uint64_t n = run->per_producer[p], ok = run->accepted[p];
    uint64_t missing = 0, first_missing = 0, w, words = (n + 63) / 64;
    moved += ok;
    for (w = 0; w < words; w++) {
      uint64_t seen = 0, valid, lost;
      for (c = 0; c < run->consumers; c++) {
        uint64_t b = run->threads[run->producers + c].bits[run->bit_offset[p] + w];
        uint64_t dup = seen & b;
        if (dup) {
          uint64_t seq = w * 64 + (uint64_t)__builtin_ctzll(dup);
          unsigned other;
          for (other = 0; other < c; other++)
            if (run->threads[run->producers + other].bits[run->bit_offset[p] + w] & (dup & -dup))
              break;
          stress_fail("duplicate: producer %u seq %" PRIu64 " was received by consumer %u and by "
                      "consumer %u",
                      p + 1, seq, other, c);
        }
        seen |= b;
      }
      valid = (w + 1) * 64 <= ok ? UINT64_MAX : w * 64 >= ok ? 0 : ((uint64_t)1 << (ok % 64)) - 1;
      if (seen & ~valid)
        stress_fail("producer %u seq %" PRIu64 " was received, but the push of that item "
                    "reported closed (the producer's first %" PRIu64 " pushes were accepted)",
                    p + 1, w * 64 + (uint64_t)__builtin_ctzll(seen & ~valid), ok);
      lost = ~seen & valid;
      if (lost) {
        if (missing == 0)
          first_missing = w * 64 + (uint64_t)__builtin_ctzll(lost);
        missing += (uint64_t)__builtin_popcountll(lost);
      }
    }
    if (missing)
      stress_fail("loss: producer %u: %" PRIu64 " of its %" PRIu64
                  " accepted items were never received (first missing: seq %" PRIu64 ")",
                  p + 1, missing, ok, first_missing);
  }
  if (popped != moved)
    stress_fail("consumers counted %" PRIu64 " items, %" PRIu64 " were accepted", popped, moved);
  return moved;
}

static const char *
finish_name(enum stress_finish f)
{
  return f == STRESS_BY_COUNT ? "no-close" : f == STRESS_CLOSE_MIDWAY ? "close-midway" : "";
}

static const char *
path_name(enum stress_path p)
{
  return p == STRESS_BURST ? "burst" : "single";
}

static void
make_label(const struct stress_config *cfg)
{
  snprintf(g_label, sizeof g_label, "%s %s %ux%u cap %zu%s%s%s", cfg->adapter->name,
           path_name(cfg->path), cfg->producers, cfg->consumers, cfg->capacity,
           cfg->near_wrap ? " near-wrap" : "", cfg->finish ? " " : "", finish_name(cfg->finish));
}

static void
validate(const struct stress_config *cfg)
{
  const struct stress_adapter *a = cfg->adapter;
  if (cfg->producers < 1 || cfg->consumers < 1 || cfg->producers > 0xffff)
    stress_fail("bad configuration: %u producers, %u consumers", cfg->producers, cfg->consumers);
  if ((cfg->producers > 1 && !a->multi_producer) || (cfg->consumers > 1 && !a->multi_consumer))
    stress_fail("bad configuration: %s allows a single producer or consumer", a->name);
  if (cfg->path == STRESS_BURST && (a->push_burst == NULL || a->pop_burst == NULL))
    stress_fail("bad configuration: %s has no burst path", a->name);
  if (cfg->near_wrap && !a->can_start_at)
    stress_fail("bad configuration: %s cannot start its tickets near the wrap point", a->name);
  if (cfg->finish != STRESS_BY_COUNT && a->close == NULL)
    stress_fail("bad configuration: %s has no close; only STRESS_BY_COUNT rows", a->name);
  if (cfg->capacity == 0)
    stress_fail("bad configuration: capacity 0");
}

static void
xpthread(int err, const char *what)
{
  if (err != 0)
    stress_fail("%s: %s", what, strerror(err));
}

/* Run one configuration; returns the items moved and the seconds taken. */
static void
run_config(const struct stress_config *cfg, size_t row, uint64_t *items_out, double *secs_out)
{
  struct stress_run run;
  struct stress_params params;
  pthread_t watchdog;
  unsigned n, i;
  uint64_t t0, t1, total, moved;
  size_t words = 0;
  char note[96] = "", midway[64] = "", limited[48] = "";
  make_label(cfg);
  validate(cfg);

  memset(&run, 0, sizeof run);
  run.cfg = cfg;
  run.a = cfg->adapter;
  run.producers = cfg->producers;
  run.consumers = cfg->consumers;
  total = (uint64_t)((double)test_budgeted_count(cfg->items, g_started_ns) * g_scale);
  if (total < cfg->producers)
    total = cfg->producers;
  run.total = total;
  run.max_burst = cfg->capacity < STRESS_MAX_BURST ? cfg->capacity : STRESS_MAX_BURST;
  run.finish = cfg->finish;
  n = run.producers + run.consumers;
  atomic_init(&run.producers_left, run.producers);
  atomic_init(&run.closed, 0);
  atomic_init(&run.stop_watchdog, 0);
  atomic_init(&run.stopped_early, 0);
  run.stop_at = now_ns() + (uint64_t)STRESS_CONFIG_SECONDS * RINGQ_TIMEOUT_SCALE * 1000000000u;

  run.per_producer = calloc(run.producers, sizeof *run.per_producer);
  run.accepted = calloc(run.producers, sizeof *run.accepted);
  run.bit_offset = calloc(run.producers, sizeof *run.bit_offset);
  run.threads = aligned_alloc(_Alignof(struct stress_thread), n * sizeof *run.threads);
  if (!run.per_producer || !run.accepted || !run.bit_offset || !run.threads)
    stress_fail("out of memory");
  for (i = 0; i < run.producers; i++) {
    run.per_producer[i] = total / run.producers + (i < total % run.producers);
    run.bit_offset[i] = words;
    words += (size_t)((run.per_producer[i] + 63) / 64);
  }

  memset(&params, 0, sizeof params);
  params.capacity = cfg->capacity;
  params.elem_size = sizeof(uint64_t);
  params.near_wrap = cfg->near_wrap;
  params.producers = cfg->producers;
  params.consumers = cfg->consumers;
  run.q = run.a->create(&params);
  if (run.q == NULL)
    stress_fail("create returned NULL");

  memset(run.threads, 0, n * sizeof *run.threads);
  for (i = 0; i < n; i++) {
    struct stress_thread *t = &run.threads[i];
    t->run = &run;
    t->is_producer = i < run.producers;
    t->index = t->is_producer ? i : i - run.producers;
    t->rng = (g_seed ^ ((uint64_t)row << 32) ^ ((uint64_t)i * 0x9E3779B97F4A7C15ULL)) | 1;
    atomic_init(&t->count, 0);
    atomic_init(&t->state, TS_STARTING);
    if (!t->is_producer) {
      t->last = calloc(run.producers, sizeof *t->last);
      t->bits = calloc(words ? words : 1, sizeof *t->bits);
      if (!t->last || !t->bits)
        stress_fail("out of memory for %zu bitmap words", words);
    }
  }

  xpthread(pthread_barrier_init(&run.barrier, NULL, n + 1), "pthread_barrier_init");
  for (i = 0; i < n; i++)
    xpthread(pthread_create(&run.threads[i].tid, NULL,
                            run.threads[i].is_producer ? producer_main : consumer_main,
                            &run.threads[i]),
             "pthread_create");
  xpthread(pthread_create(&watchdog, NULL, watchdog_main, &run), "pthread_create (watchdog)");
  pthread_barrier_wait(&run.barrier);
  t0 = now_ns();
  for (i = 0; i < n; i++)
    xpthread(pthread_join(run.threads[i].tid, NULL), "pthread_join");
  t1 = now_ns();
  atomic_store(&run.stop_watchdog, 1);
  xpthread(pthread_join(watchdog, NULL), "pthread_join (watchdog)");
  pthread_barrier_destroy(&run.barrier);

  moved = check_conservation(&run);
  if (run.a->check_end)
    run.a->check_end(run.q, moved, note, sizeof note);
  run.a->destroy(run.q);

  *items_out = moved;
  *secs_out = (double)(t1 - t0) / 1e9;
  if (cfg->finish == STRESS_CLOSE_MIDWAY)
    snprintf(midway, sizeof midway, " (%" PRIu64 " of %" PRIu64 " accepted)", moved, total);
  /* relaxed: every producer was joined. */
  if (atomic_load_explicit(&run.stopped_early, memory_order_relaxed))
    snprintf(limited, sizeof limited, "  stopped at the %d s limit (of %" PRIu64 ")",
             STRESS_CONFIG_SECONDS * RINGQ_TIMEOUT_SCALE, total);
  printf("%-14s %-6s %ux%u cap %-5zu items %9" PRIu64 "  %7.3f s  %6.2f M/s%s%s%s%s%s%s%s%s\n",
         run.a->name, path_name(cfg->path), cfg->producers, cfg->consumers, cfg->capacity, moved,
         *secs_out, *secs_out > 0 ? (double)moved / *secs_out / 1e6 : 0.0,
         cfg->near_wrap ? "  near-wrap" : "", cfg->finish ? "  " : "", finish_name(cfg->finish),
         midway, note[0] ? "  " : "", note, limited, (long)n > g_cpus ? "  oversubscribed" : "");
  fflush(stdout);

  for (i = 0; i < n; i++) {
    free(run.threads[i].last);
    free(run.threads[i].bits);
  }
  free(run.threads);
  free(run.bit_offset);
  free(run.accepted);
  free(run.per_producer);
}

static int
group_selected(const char *group, int argc, char **argv)
{
  int i, any = 0;
  for (i = 1; i < argc; i++) {
    if (argv[i][0] == '-')
      continue;
    any = 1;
    if (strcmp(argv[i], group) == 0)
      return 1;
  }
  return !any;
}

/* The group is on the command line (or none is) and the label matches --match; the label is
 * matched with a space after it, so "cap 1 " selects capacity 1 only. Leaves the label set. */
static int
selected(const struct stress_config *cfg, int argc, char **argv)
{
  char padded[sizeof g_label + 1];
  make_label(cfg);
  if (!group_selected(cfg->group, argc, argv))
    return 0;
  snprintf(padded, sizeof padded, "%s ", g_label);
  return g_match == NULL || strstr(padded, g_match) != NULL;
}

int
stress_main(int argc, char **argv, const struct stress_config *table, size_t count)
{
  size_t i, runs = 0;
  uint64_t items = 0;
  double secs = 0;
  int a, list = 0;
  g_started_ns = test_now_ns();
  g_cpus = sysconf(_SC_NPROCESSORS_ONLN);
  if (g_cpus < 1)
    g_cpus = 1;
  for (a = 1; a < argc; a++) {
    if (strncmp(argv[a], "--scale=", 8) == 0) {
      g_scale = strtod(argv[a] + 8, NULL);
      if (!(g_scale > 0)) {
        fprintf(stderr, "%s: --scale needs a positive number\n", argv[0]);
        return 2;
      }
    } else if (strncmp(argv[a], "--seed=", 7) == 0) {
      g_seed = strtoull(argv[a] + 7, NULL, 0);
    } else if (strncmp(argv[a], "--spin=", 7) == 0) {
      g_spin = (unsigned)strtoul(argv[a] + 7, NULL, 0);
    } else if (strncmp(argv[a], "--match=", 8) == 0) {
      g_match = argv[a] + 8;
    } else if (strcmp(argv[a], "--list") == 0) {
      list = 1;
    } else if (argv[a][0] == '-') {
      fprintf(stderr,
              "usage: %s [group...] [--match=TEXT] [--scale=F] [--seed=N] [--spin=N] [--list]\n",
              argv[0]);
      return 2;
    } else {
      for (i = 0; i < count; i++)
        if (strcmp(table[i].group, argv[a]) == 0)
          break;
      if (i == count) {
        fprintf(stderr, "%s: no configuration in group '%s'\n", argv[0], argv[a]);
        return 2;
      }
    }
  }
  if (list) {
    for (i = 0; i < count; i++) {
      if (selected(&table[i], argc, argv))
        printf("%-10s %s\n", table[i].group, g_label);
    }
    return 0;
  }
  printf(
      "ringq stress: %ld CPUs, RINGQ_TIMEOUT_SCALE %d (item counts / %d), scale %g, seed %" PRIu64
      "\n",
      g_cpus, RINGQ_TIMEOUT_SCALE, RINGQ_TIMEOUT_SCALE, g_scale, g_seed);
  for (i = 0; i < count; i++) {
    uint64_t n;
    double s;
    if (!selected(&table[i], argc, argv))
      continue;
    run_config(&table[i], i, &n, &s);
    items += n;
    secs += s;
    runs++;
  }
  snprintf(g_label, sizeof g_label, "summary");
  if (runs == 0) {
    fprintf(stderr, "%s: no configuration selected\n", argv[0]);
    return 2;
  }
  printf("total: %" PRIu64 " items moved in %zu configurations, %.3f s\n", items, runs, secs);
  return 0;
}
