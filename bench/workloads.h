/* SPDX-License-Identifier: MIT */
/* bench/workloads.h: the workloads (what is measured), the cases (workload x queue) and running one
 * case once. */
#ifndef BENCH_WORKLOADS_H
#define BENCH_WORKLOADS_H

#include "adapter.h"

#define BENCH_MAX_REPS 32
#define BENCH_MAX_CPUS 64

enum bench_kind {
  BENCH_THROUGHPUT, /* items/s, producers for a timed window, consumers drain */
  BENCH_PINGPONG,   /* ns per round trip, every round trip timed */
  BENCH_SOLO        /* items/s, one thread puts and gets */
};

enum bench_mode { BENCH_MODE_SINGLE, BENCH_MODE_BURST, BENCH_MODE_ZC, BENCH_MODE_BLOCKING };

struct bench_workload {
  const char *key;   /* short and stable: --only, CSV, targets */
  const char *title; /* table heading */
  enum bench_kind kind;
  unsigned role;     /* BENCH_ROLE_SPSC, _MPMC, _BLOCKING, _PINGPONG, _PROCESS or _BYTES */
  unsigned producers, consumers;
  size_t capacity, esize, burst;
  int blocking;      /* put/get that sleep */
  int slow_consumer; /* the consumer works after each item, so putters block */
  int wakeup;        /* ping-pong with a pause before each round trip */
  int bare_ring;     /* add ringq's bare SPSC ring, spinning, as a reference row */
  double time_scale; /* multiplies the run duration */
};

/* Everything the command line decides. */
struct bench_config {
  int quick;
  unsigned reps;
  double duration_s, warmup_s, stall_s;
  int cpus[BENCH_MAX_CPUS];
  unsigned ncpus;
  const char *only;
  uint64_t seed;
  uint64_t gap_ns;     /* wake-up ping-pong pause */
  double work_ns;      /* slow consumer: work per item */
  uint64_t work_iters; /* ... calibrated to that many loop iterations */
  unsigned groups;     /* BENCH_GROUP_*: only these groups (--process, --bytes); 0: all */
};

/* Groups of workloads the command line can pick alone. */
#define BENCH_GROUP_PROCESS 0x1u /* workloads of role BENCH_ROLE_PROCESS (--process) */
#define BENCH_GROUP_BYTES 0x2u   /* workloads of role BENCH_ROLE_BYTES (--bytes) */

struct bench_sample {
  enum bench_status status;
  double value;          /* throughput: items/s; ping-pong: median ns */
  double p99, p999;      /* ping-pong: ns */
  double syscalls_per_m; /* per million items, < 0 when the queue cannot tell */
  double sleeps_per_m;   /* voluntary context switches of the workers per million items */
  uint64_t items;
  double seconds;
};

struct bench_case {
  const struct bench_workload *wl;
  const struct bench_queue *q;
  enum bench_mode mode;
  char label[64];        /* queue name, with " zero-copy" / " (bare ring, spinning)" */
  char topology[128];    /* "1P@0 1C@1", "... oversubscribed" */
  unsigned nthreads;
  int oversubscribed;
  int is_baseline;
  int selected;          /* passes --only (baselines of selected cases too) */
  int processes;         /* the workers are processes (fork), not threads */
  enum bench_status status; /* sticky: FAIL, STALL and ERROR stop further runs */
  char why[192];
  unsigned failed_rep;   /* repetition (1-based; 0 = warm-up) of the FAIL/STALL/ERROR */
  struct bench_sample samples[BENCH_MAX_REPS];
  unsigned nsamples;     /* one per repetition, in order */
};

const struct bench_workload *bench_workloads(size_t *n);

/* All cases for the compiled-in queues; *n gets their number. Caller frees. */
struct bench_case *bench_cases_build(const struct bench_config *cfg, size_t *n);

/* Make one case of workload wl for queue q used in `mode`; the label is q's name + suffix. */
void bench_case_init(struct bench_case *c, const struct bench_workload *wl,
                     const struct bench_queue *q, enum bench_mode mode, const char *suffix,
                     const struct bench_config *cfg);

/* Run one case once for duration_s; fills *out (status, value, ...) and, on FAIL/STALL/ERROR,
 * c->why. */
void bench_case_run(struct bench_case *c, const struct bench_config *cfg, double duration_s,
                    struct bench_sample *out);

/* The baseline case of c's workload (NULL if none). */
const struct bench_case *bench_case_baseline(const struct bench_case *cases, size_t n,
                                             const struct bench_case *c);

#endif /* BENCH_WORKLOADS_H */
