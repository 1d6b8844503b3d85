/* SPDX-License-Identifier: MIT */
/* bench/harness.h: what every worker thread shares: the run's control words, per-thread results,
 * item tags and their verification, spinning, clocks, and the thread runner with its watchdog.
 *
 * This header is included by C11 files and by the C++17 adapters (the .cpp files),
 * so it uses the GCC/Clang __atomic builtins on plain fields instead of <stdatomic.h> / <atomic>:
 * they compile the same in both languages. The harness is Linux-only anyway (affinity, futexes). */
#ifndef BENCH_HARNESS_H
#define BENCH_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BENCH_LINE 128         /* keeps thread-owned fields apart (adjacent-line prefetch) */
#define BENCH_MAX_PRODUCERS 8  /* tags carry the producer id in their top byte */
#define BENCH_MAX_CONSUMERS 8
#define BENCH_MAX_THREADS (BENCH_MAX_PRODUCERS + BENCH_MAX_CONSUMERS)
#define BENCH_MAX_ESIZE 512    /* largest item the workloads use */
#define BENCH_MAX_BURST 32
#define BENCH_ALIGNED __attribute__((aligned(BENCH_LINE)))
#define BENCH_INLINE static inline __attribute__((always_inline))

/* run->phase: producers stop at BENCH_STOP (end of the timed window); every spin loop gives up
 * at BENCH_ABORT (watchdog: no progress for the stall timeout, or a verification failure). */
enum bench_phase { BENCH_RUNNING = 0, BENCH_STOP = 1, BENCH_ABORT = 2 };

/* State shared by the threads of one run. Fields above `phase` are read-only while it runs. */
struct bench_run {
  void *q;              /* the queue; ping-pong: pinger -> ponger */
  void *q2;             /* ping-pong: ponger -> pinger */
  size_t esize;         /* item size in bytes (8, 64 or 512) */
  size_t burst;         /* items per burst */
  unsigned producers, consumers;
  int exact;            /* 1 producer and 1 consumer: each item must be the previous one + 1 */
  int yield;            /* more threads than CPUs: spin loops yield now and then */
  uint64_t gap_ns;      /* wake-up ping-pong: pause before each round trip */
  uint64_t work_iters;  /* slow consumer: busy work after each item */
  uint64_t *samples;    /* ping-pong: one round-trip time (ns) per entry, pinger only */
  size_t max_samples;

  BENCH_ALIGNED int phase;       /* enum bench_phase; written by the main thread */
  int go;                        /* start barrier: 1 releases the workers */
  BENCH_ALIGNED unsigned ready;  /* workers at the start barrier */
  unsigned finished;             /* workers that returned */
  unsigned producers_done;       /* producers that pushed their last item */
};

/* One per thread, each on its own lines. */
struct bench_worker {
  struct bench_run *run;
  unsigned index; /* producer or consumer number */
  int cpu;        /* -1: not pinned */

  BENCH_ALIGNED uint64_t progress; /* items so far, published every 1024 (watchdog) */

  BENCH_ALIGNED uint64_t items; /* producer: items pushed; consumer: items accepted */
  uint64_t hash;                /* producer: sum of bench_mix(seq) over the items it pushed */
  uint64_t last[BENCH_MAX_PRODUCERS];  /* consumer: last sequence seen per producer */
  uint64_t count[BENCH_MAX_PRODUCERS]; /* consumer: items per producer */
  uint64_t hsum[BENCH_MAX_PRODUCERS];  /* consumer: sum of bench_mix(seq) per producer */
  uint64_t nsamples;                   /* pinger: round trips timed */
  uint64_t t_end;                      /* ns, when the worker finished */
  uint64_t sleeps;                     /* voluntary context switches while it ran */
  int failed;
  char why[192];
};

typedef void (*bench_worker_fn)(struct bench_worker *w);

/* ---- clocks, CPU ---- */

uint64_t bench_now_ns(void); /* CLOCK_MONOTONIC */
void bench_sleep_ns(uint64_t ns);
void bench_yield(void);

BENCH_INLINE void
bench_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield" ::: "memory");
#else
  __asm__ __volatile__("" ::: "memory");
#endif
}

/* Busy work that the compiler cannot remove: the slow consumer's "processing" of an item. */
BENCH_INLINE void
bench_work(uint64_t iters)
{
  for (uint64_t i = 0; i < iters; i++)
    __asm__ __volatile__("" ::: "memory");
}

/* ---- tags: every item says who sent it and its place in that producer's stream ---- */

#define BENCH_SEQ_MASK ((UINT64_C(1) << 56) - 1)
#define BENCH_PILL UINT64_MAX /* end of stream for blocking consumers (never a valid tag) */

/* Producer p's item number seq (seq >= 1): never 0, so a slot never written cannot pass. */
BENCH_INLINE uint64_t
bench_tag(unsigned p, uint64_t seq)
{
  return ((uint64_t)(p + 1) << 56) | seq;
}

/* A non-linear mix so that the per-producer sums catch a lost item traded for a duplicate. */
BENCH_INLINE uint64_t
bench_mix(uint64_t x)
{
  x ^= x >> 31;
  x *= UINT64_C(0x9E3779B97F4A7C15);
  x ^= x >> 29;
  return x;
}

/* Items larger than 8 bytes carry the tag in their first word and its complement in their last,
 * so a torn or partial copy fails too. */
BENCH_INLINE void
bench_item_write(void *item, size_t esize, uint64_t tag)
{
  memcpy(item, &tag, sizeof tag);
  if (esize > sizeof tag) {
    uint64_t inv = ~tag;
    memcpy((unsigned char *)item + esize - sizeof inv, &inv, sizeof inv);
  }
}

BENCH_INLINE uint64_t
bench_item_read(const void *item, size_t esize, int *torn)
{
  uint64_t tag;
  memcpy(&tag, item, sizeof tag);
  *torn = 0;
  if (esize > sizeof tag) {
    uint64_t inv;
    memcpy(&inv, (const unsigned char *)item + esize - sizeof inv, sizeof inv);
    *torn = inv != ~tag;
  }
  return tag;
}

/* ---- shared control words ---- */

BENCH_INLINE int
bench_phase(const struct bench_run *run)
{
  return __atomic_load_n(&run->phase, __ATOMIC_RELAXED);
}

BENCH_INLINE void
bench_publish_progress(struct bench_worker *w, uint64_t n)
{
  __atomic_store_n(&w->progress, n, __ATOMIC_RELAXED);
}

/* Record a verification failure (first one wins per thread) and make every thread give up. */
void bench_fail(struct bench_worker *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noinline, cold));

/* One round of waiting for the queue (empty or full). Returns 1 when the run is aborted. With
 * more threads than CPUs, yield every 64 rounds so that a preempted peer can finish its step. */
BENCH_INLINE int
bench_spin(const struct bench_run *run, unsigned *spins)
{
  bench_cpu_relax();
  if (run->yield && (++*spins & 63) == 0)
    bench_yield();
  return __atomic_load_n(&run->phase, __ATOMIC_RELAXED) == BENCH_ABORT;
}

/* A producer has pushed its last item (release: its pushes happen before a consumer that sees
 * producers_done == producers concludes the queue is drained). Returns the new count. */
BENCH_INLINE unsigned
bench_producer_done(struct bench_worker *w, uint64_t pushed)
{
  w->items = pushed;
  return __atomic_add_fetch(&w->run->producers_done, 1, __ATOMIC_ACQ_REL);
}

BENCH_INLINE int
bench_all_produced(const struct bench_run *run)
{
  return __atomic_load_n(&run->producers_done, __ATOMIC_ACQUIRE) == run->producers;
}

/* Check one received item; returns 0 (and fails the run) when it is lost, duplicated, reordered
 * or torn. Exact mode (1 producer, 1 consumer): the next sequence number exactly. Otherwise: per
 * producer strictly increasing for this consumer, and per-producer sums checked after the run. */
BENCH_INLINE int
bench_accept(struct bench_worker *w, const void *item)
{
  const struct bench_run *run = w->run;
  int torn;
  uint64_t tag = bench_item_read(item, run->esize, &torn);
  uint64_t p = (tag >> 56) - 1, seq = tag & BENCH_SEQ_MASK;
  if (__builtin_expect(torn || p >= run->producers, 0)) {
    bench_fail(w, "consumer %u: corrupt item %#llx%s", w->index, (unsigned long long)tag,
               torn ? " (torn copy)" : "");
    return 0;
  }
  if (run->exact) {
    if (__builtin_expect(seq != w->last[0] + 1, 0)) {
      bench_fail(w, "consumer: expected item %llu, got %llu (lost, duplicated or reordered)",
                 (unsigned long long)(w->last[0] + 1), (unsigned long long)seq);
      return 0;
    }
    w->last[0] = seq;
  } else {
    if (__builtin_expect(seq <= w->last[p], 0)) {
      bench_fail(w, "consumer %u: producer %llu's item %llu after item %llu (duplicated or "
                 "reordered)", w->index, (unsigned long long)p, (unsigned long long)seq,
                 (unsigned long long)w->last[p]);
      return 0;
    }
    w->last[p] = seq;
    w->count[p]++;
    w->hsum[p] += bench_mix(seq);
  }
  if ((++w->items & 1023) == 0)
    bench_publish_progress(w, w->items);
  return 1;
}

/* ---- running threads ---- */

enum bench_status { BENCH_OK = 0, BENCH_FAIL, BENCH_STALL, BENCH_ERROR };

struct bench_thread_plan {
  unsigned n;
  bench_worker_fn fn[BENCH_MAX_THREADS];
  int cpu[BENCH_MAX_THREADS];
};

struct bench_timing {
  uint64_t start_ns; /* the start barrier opened */
  uint64_t end_ns;   /* the last worker returned */
};

/* Start plan->n threads on `workers` (pinned to plan->cpu[i] unless -1), release them together,
 * stop producers after duration_ns (0: never; the workers end by themselves), and abort when no
 * worker's progress moves for stall_ns (calling wake(q) and wake(q2) if given, so that threads
 * blocked inside a queue return). Returns BENCH_OK, BENCH_FAIL (a worker failed a check; its
 * message is in *why), BENCH_STALL, or BENCH_ERROR (threads could not start; *why says why). */
enum bench_status bench_run_threads(struct bench_run *run, struct bench_worker *workers,
                                    const struct bench_thread_plan *plan, uint64_t duration_ns,
                                    uint64_t stall_ns, void (*wake)(void *q),
                                    struct bench_timing *timing, char *why, size_t why_len);

/* The same with one process per worker (fork), for the queues that live in shared memory: `run`,
 * `workers` and run->samples must be in memory from bench_shared_alloc, and the queue in a
 * MAP_SHARED mapping made before the call. Each process is pinned and released like a thread; a
 * process that dies is a FAIL; after a stall (or 10 s past the window) the processes still
 * running are killed, so the run goes on. */
enum bench_status bench_run_processes(struct bench_run *run, struct bench_worker *workers,
                                      const struct bench_thread_plan *plan, uint64_t duration_ns,
                                      uint64_t stall_ns, void (*wake)(void *q),
                                      struct bench_timing *timing, char *why, size_t why_len);

/* Zeroed memory shared with the worker processes forked later (MAP_SHARED | MAP_ANONYMOUS);
 * NULL when it cannot be mapped. */
void *bench_shared_alloc(size_t bytes);
void bench_shared_free(void *p, size_t bytes);

/* ---- statistics ---- */

void bench_sort_u64(uint64_t *v, size_t n);
void bench_sort_double(double *v, size_t n);
uint64_t bench_percentile_sorted(const uint64_t *v, size_t n, double pct);
double bench_median(const double *v, size_t n); /* sorts a copy; n > 0 */

#ifdef __cplusplus
}
#endif

#endif /* BENCH_HARNESS_H */
