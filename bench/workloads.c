/* SPDX-License-Identifier: MIT */
/* bench/workloads.c: the workload table, which queues take part in which workload, and one run of
 * one case: make the queue(s), start the threads, check every item, turn the run into a figure. */
#include "workloads.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPSC BENCH_ROLE_SPSC
#define MPMC BENCH_ROLE_MPMC
#define BLK BENCH_ROLE_BLOCKING
#define PP BENCH_ROLE_PINGPONG
#define PROC BENCH_ROLE_PROCESS
#define BYTES BENCH_ROLE_BYTES

/* key, title, kind, role, P, C, capacity, esize, burst, blocking, slow, wakeup, bare ring, time */
static const struct bench_workload workloads[] = {
    {"spsc-1024-single-8B", "SPSC throughput, ring 1024, single items, 8 B", BENCH_THROUGHPUT,
     SPSC, 1, 1, 1024, 8, 1, 0, 0, 0, 0, 1.0},
    {"spsc-1024-burst32-8B", "SPSC throughput, ring 1024, bursts of 32, 8 B", BENCH_THROUGHPUT,
     SPSC, 1, 1, 1024, 8, 32, 0, 0, 0, 0, 1.0},
    {"spsc-65536-single-8B", "SPSC throughput, ring 65536, single items, 8 B", BENCH_THROUGHPUT,
     SPSC, 1, 1, 65536, 8, 1, 0, 0, 0, 0, 1.0},
    {"spsc-65536-burst32-8B", "SPSC throughput, ring 65536, bursts of 32, 8 B", BENCH_THROUGHPUT,
     SPSC, 1, 1, 65536, 8, 32, 0, 0, 0, 0, 1.0},
    {"spsc-1024-single-64B", "SPSC throughput, ring 1024, single items, 64 B", BENCH_THROUGHPUT,
     SPSC, 1, 1, 1024, 64, 1, 0, 0, 0, 0, 1.0},
    {"spsc-1024-single-512B", "SPSC throughput, ring 1024, single items, 512 B", BENCH_THROUGHPUT,
     SPSC, 1, 1, 1024, 512, 1, 0, 0, 0, 0, 1.0},
    {"mpmc-1p1c-single-8B", "MPMC throughput, 1 producer 1 consumer, ring 1024, single items, 8 B",
     BENCH_THROUGHPUT, MPMC, 1, 1, 1024, 8, 1, 0, 0, 0, 0, 1.0},
    {"mpmc-2p2c-single-8B",
     "MPMC throughput, 2 producers 2 consumers, ring 1024, single items, 8 B",
     BENCH_THROUGHPUT, MPMC, 2, 2, 1024, 8, 1, 0, 0, 0, 0, 1.0},
    {"mpmc-4p4c-single-8B",
     "MPMC throughput, 4 producers 4 consumers, ring 1024, single items, 8 B",
     BENCH_THROUGHPUT, MPMC, 4, 4, 1024, 8, 1, 0, 0, 0, 0, 1.0},
    {"mpmc-1p1c-burst32-8B", "MPMC throughput, 1 producer 1 consumer, ring 1024, bursts of 32, 8 B",
     BENCH_THROUGHPUT, MPMC, 1, 1, 1024, 8, 32, 0, 0, 0, 0, 1.0},
    {"mpmc-2p2c-burst32-8B",
     "MPMC throughput, 2 producers 2 consumers, ring 1024, bursts of 32, 8 B",
     BENCH_THROUGHPUT, MPMC, 2, 2, 1024, 8, 32, 0, 0, 0, 0, 1.0},
    {"mpmc-4p4c-burst32-8B",
     "MPMC throughput, 4 producers 4 consumers, ring 1024, bursts of 32, 8 B",
     BENCH_THROUGHPUT, MPMC, 4, 4, 1024, 8, 32, 0, 0, 0, 0, 1.0},
    {"mpmc-1p1c-single-64B",
     "MPMC throughput, 1 producer 1 consumer, ring 1024, single items, 64 B",
     BENCH_THROUGHPUT, MPMC, 1, 1, 1024, 64, 1, 0, 0, 0, 0, 1.0},
    {"mpmc-1p1c-single-512B",
     "MPMC throughput, 1 producer 1 consumer, ring 1024, single items, 512 B", BENCH_THROUGHPUT,
     MPMC, 1, 1, 1024, 512, 1, 0, 0, 0, 0, 1.0},
    {"pingpong-8B", "Ping-pong round trip, spinning, two queues of 1024, 8 B", BENCH_PINGPONG, PP,
     1, 1, 1024, 8, 1, 0, 0, 0, 0, 1.0},
    {"blocking-1p1c-busy-8B", "Blocking queue, both sides busy, 1P1C, capacity 1024, 8 B",
     BENCH_THROUGHPUT, BLK, 1, 1, 1024, 8, 1, 1, 0, 0, 1, 1.0},
    {"blocking-2p2c-busy-8B", "Blocking queue, both sides busy, 2P2C, capacity 1024, 8 B",
     BENCH_THROUGHPUT, BLK, 2, 2, 1024, 8, 1, 1, 0, 0, 0, 1.0},
    {"blocking-1p1c-slow-8B",
     "Blocking queue, consumer slower than producer (putters block), 1P1C, capacity 1024, 8 B",
     BENCH_THROUGHPUT, BLK, 1, 1, 1024, 8, 1, 1, 1, 0, 0, 1.0},
    {"blocking-solo-8B", "Blocking queue, nobody waits: one thread puts then gets, 8 B", BENCH_SOLO,
     BLK, 1, 0, 1024, 8, 1, 1, 0, 0, 0, 0.5},
    {"blocking-pingpong-8B",
     "Blocking queue, ping-pong round trip, both sides awake (blocking put and get), 8 B",
     BENCH_PINGPONG, BLK, 1, 1, 1024, 8, 1, 1, 0, 0, 1, 1.0},
    {"wakeup-8B", "Blocking queue, wake-up round trip: the other side is asleep, 8 B",
     BENCH_PINGPONG, BLK, 1, 1, 1024, 8, 1, 1, 0, 1, 0, 3.0},
    /* Between processes (issue 10): a producer process and a consumer process (fork), the queue
     * in shared memory or in the kernel; ringq's rows also run between two threads. */
    {"proc-1p1c-8B", "Between processes: throughput, 1 producer and 1 consumer process, "
     "capacity 1024, 8 B", BENCH_THROUGHPUT, PROC, 1, 1, 1024, 8, 1, 1, 0, 0, 0, 1.0},
    {"proc-1p1c-64B", "Between processes: throughput, 1 producer and 1 consumer process, "
     "capacity 1024, 64 B", BENCH_THROUGHPUT, PROC, 1, 1, 1024, 64, 1, 1, 0, 0, 0, 1.0},
    {"proc-pingpong-8B", "Between processes: ping-pong round trip, two queues of 1024, 8 B",
     BENCH_PINGPONG, PROC, 1, 1, 1024, 8, 1, 1, 0, 0, 0, 1.0},
    /* Byte messages (issue 12), two threads; capacity: messages of the workload's size. */
    {"bytes-16B", "Byte messages of 16 B, two threads, room for 1024 messages", BENCH_THROUGHPUT,
     BYTES, 1, 1, 1024, 16, 1, 0, 0, 0, 0, 1.0},
    {"bytes-256B", "Byte messages of 256 B, two threads, room for 1024 messages",
     BENCH_THROUGHPUT, BYTES, 1, 1, 1024, 256, 1, 0, 0, 0, 0, 1.0},
    {"bytes-4KiB", "Byte messages of 4 KiB, two threads, room for 64 messages", BENCH_THROUGHPUT,
     BYTES, 1, 1, 64, 4096, 1, 0, 0, 0, 0, 1.0},
    {"bytes-64KiB", "Byte messages of 64 KiB, two threads, room for 8 messages",
     BENCH_THROUGHPUT, BYTES, 1, 1, 8, 65536, 1, 0, 0, 0, 0, 1.0},
};

const struct bench_workload *
bench_workloads(size_t *n)
{
  *n = sizeof workloads / sizeof workloads[0];
  return workloads;
}

static unsigned
esize_bit(size_t esize)
{
  switch (esize) {
  case 8: return BENCH_ESIZE_8;
  case 64: return BENCH_ESIZE_64;
  case 512: return BENCH_ESIZE_512;
  case 16: return BENCH_ESIZE_16;
  case 256: return BENCH_ESIZE_256;
  case 4096: return BENCH_ESIZE_4K;
  case 65536: return BENCH_ESIZE_64K;
  default: return 0;
  }
}

static unsigned
group_of(const struct bench_workload *wl)
{
  return wl->role == BENCH_ROLE_PROCESS ? BENCH_GROUP_PROCESS
         : wl->role == BENCH_ROLE_BYTES ? BENCH_GROUP_BYTES
                                        : 0;
}

static const struct bench_loops *
loops_of(const struct bench_queue *q, enum bench_mode mode)
{
  switch (mode) {
  case BENCH_MODE_SINGLE: return &q->single;
  case BENCH_MODE_BURST: return &q->burst;
  case BENCH_MODE_ZC: return &q->zc;
  default: return &q->blocking;
  }
}

static unsigned
threads_of(const struct bench_workload *wl)
{
  switch (wl->kind) {
  case BENCH_PINGPONG: return 2;
  case BENCH_SOLO: return 1;
  default: return wl->producers + wl->consumers;
  }
}

/* CPU of thread i: producers (pinger) first, then consumers (ponger), round robin on the list. */
static int
cpu_of(const struct bench_config *cfg, unsigned i)
{
  return cfg->ncpus ? cfg->cpus[i % cfg->ncpus] : -1;
}

static void
cpu_list(char *buf, size_t len, const struct bench_config *cfg, unsigned first, unsigned n)
{
  size_t used = 0;
  buf[0] = '\0';
  for (unsigned i = 0; i < n && i < cfg->ncpus && used < len; i++)
    used += (size_t)snprintf(buf + used, len - used, "%s%d", i ? "," : "",
                             cpu_of(cfg, first + i));
}

static void
describe_topology(struct bench_case *c, const struct bench_config *cfg)
{
  const struct bench_workload *wl = c->wl;
  char a[32], b[32];
  c->nthreads = threads_of(wl);
  c->oversubscribed = c->nthreads > cfg->ncpus;
  if (wl->kind == BENCH_PINGPONG) {
    snprintf(c->topology, sizeof c->topology, "ping@%d pong@%d", cpu_of(cfg, 0), cpu_of(cfg, 1));
  } else if (wl->kind == BENCH_SOLO) {
    snprintf(c->topology, sizeof c->topology, "1T@%d", cpu_of(cfg, 0));
  } else {
    cpu_list(a, sizeof a, cfg, 0, wl->producers);
    cpu_list(b, sizeof b, cfg, wl->producers, wl->consumers);
    snprintf(c->topology, sizeof c->topology, "%uP@%s %uC@%s", wl->producers, a, wl->consumers,
             b);
  }
  if (wl->role == BENCH_ROLE_PROCESS || (wl->role == BENCH_ROLE_BYTES && c->processes)) {
    size_t used = strlen(c->topology);
    snprintf(c->topology + used, sizeof c->topology - used,
             c->processes ? " processes" : " threads");
  }
  if (c->oversubscribed) {
    size_t used = strlen(c->topology);
    snprintf(c->topology + used, sizeof c->topology - used, " oversubscribed");
  }
}

static int
takes_part(const struct bench_workload *wl, const struct bench_queue *q)
{
  if (!(q->esizes & esize_bit(wl->esize)))
    return 0;
  /* Processes and byte messages: only the queues made for them. */
  if (wl->role == BENCH_ROLE_PROCESS || wl->role == BENCH_ROLE_BYTES ||
      (q->roles & (BENCH_ROLE_PROCESS | BENCH_ROLE_BYTES)))
    return (q->roles & wl->role) != 0;
  if (wl->blocking) {
    if (!(q->roles & BENCH_ROLE_BLOCKING))
      return 0;
    if ((wl->producers > 1 || wl->consumers > 1) && !(q->roles & BENCH_ROLE_MPMC))
      return 0;
    if (wl->slow_consumer && q->unbounded)
      return 0;
    return 1;
  }
  return (q->roles & wl->role) != 0;
}

void
bench_case_init(struct bench_case *c, const struct bench_workload *wl, const struct bench_queue *q,
                enum bench_mode mode, const char *suffix, const struct bench_config *cfg)
{
  memset(c, 0, sizeof *c);
  c->wl = wl;
  c->q = q;
  c->mode = mode;
  snprintf(c->label, sizeof c->label, "%s%s", q->name, suffix);
  c->is_baseline = (q->roles & BENCH_ROLE_BASELINE) != 0;
  c->status = BENCH_OK;
  c->selected = 1;
  describe_topology(c, cfg);
}

static void
add_case(struct bench_case *cases, size_t *n, const struct bench_workload *wl,
         const struct bench_queue *q, enum bench_mode mode, const char *suffix,
         const struct bench_config *cfg)
{
  bench_case_init(&cases[(*n)++], wl, q, mode, suffix, cfg);
}

/* A process workload: the queue's blocking loops (label as is) and its spinning ones (" nowait"),
 * between processes; ringq's also between two threads (" [threads]"), the same queue in the same
 * shared memory, for the targets "between processes / between threads". */
static void
add_process_cases(struct bench_case *cases, size_t *n, const struct bench_workload *wl,
                  const struct bench_queue *q, const struct bench_config *cfg)
{
  static const enum bench_mode modes[2] = {BENCH_MODE_BLOCKING, BENCH_MODE_SINGLE};
  static const char *const suffixes[2] = {"", " nowait"};
  for (int m = 0; m < 2; m++) {
    const struct bench_loops *lp = loops_of(q, modes[m]);
    if ((wl->kind == BENCH_PINGPONG ? lp->ping : lp->producer) == NULL)
      continue;
    for (int threads = 0; threads < 2; threads++) {
      struct bench_case *c = &cases[*n];
      char suffix[32];
      if (threads && strcmp(q->peer, "ringq") != 0)
        continue;
      snprintf(suffix, sizeof suffix, "%s%s", suffixes[m], threads ? " [threads]" : "");
      add_case(cases, n, wl, q, modes[m], suffix, cfg);
      c->processes = !threads;
      describe_topology(c, cfg);
    }
  }
}

static int
contains_nocase(const char *hay, const char *needle)
{
  size_t n = strlen(needle);
  for (; *hay; hay++) {
    size_t i = 0;
    while (i < n && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
      i++;
    if (i == n)
      return 1;
  }
  return n == 0;
}

struct bench_case *
bench_cases_build(const struct bench_config *cfg, size_t *n)
{
  size_t nw, nq = 0, count = 0;
  const struct bench_workload *wls = bench_workloads(&nw);
  const struct bench_queue *const *qs = bench_queues();
  const struct bench_queue *bare = NULL;
  struct bench_case *cases;
  while (qs[nq])
    nq++;
  cases = (struct bench_case *)calloc(nw * (nq * 4 + 1), sizeof *cases);
  if (cases == NULL)
    return NULL;
  for (size_t i = 0; i < nq; i++)
    if (strcmp(qs[i]->name, "ringq spsc") == 0)
      bare = qs[i];
  for (size_t w = 0; w < nw; w++) {
    const struct bench_workload *wl = &wls[w];
    size_t first = count;
    for (size_t i = 0; i < nq; i++) {
      const struct bench_queue *q = qs[i];
      if (!takes_part(wl, q))
        continue;
      if (wl->role == BENCH_ROLE_PROCESS) {
        add_process_cases(cases, &count, wl, q, cfg);
      } else if (wl->role == BENCH_ROLE_BYTES) {
        if (q->single.producer) {
          struct bench_case *c = &cases[count];
          add_case(cases, &count, wl, q, BENCH_MODE_SINGLE, "", cfg);
          c->processes = q->processes;
          describe_topology(c, cfg);
        }
      } else if (wl->kind == BENCH_SOLO) {
        if (q->solo)
          add_case(cases, &count, wl, q, BENCH_MODE_BLOCKING, "", cfg);
      } else if (wl->kind == BENCH_PINGPONG) {
        enum bench_mode m = wl->blocking ? BENCH_MODE_BLOCKING : BENCH_MODE_SINGLE;
        if (loops_of(q, m)->ping)
          add_case(cases, &count, wl, q, m, "", cfg);
      } else if (wl->blocking) {
        if (q->blocking.producer)
          add_case(cases, &count, wl, q, BENCH_MODE_BLOCKING, "", cfg);
      } else if (wl->burst > 1) {
        if (q->burst.producer)
          add_case(cases, &count, wl, q, BENCH_MODE_BURST, "", cfg);
        if (q->zc.producer)
          add_case(cases, &count, wl, q, BENCH_MODE_ZC, " zero-copy", cfg);
      } else if (q->single.producer) {
        add_case(cases, &count, wl, q, BENCH_MODE_SINGLE, "", cfg);
      }
    }
    if (wl->bare_ring && bare)
      add_case(cases, &count, wl, bare, BENCH_MODE_SINGLE, " (bare ring, spinning)", cfg);
    /* --only: a case is selected when the filter is found in its workload or queue; a
     * workload's baseline is kept whenever one of its cases is. */
    for (size_t i = first; i < count; i++) {
      char hay[320];
      snprintf(hay, sizeof hay, "%s | %s | %s", wl->key, wl->title, cases[i].label);
      cases[i].selected = cfg->only == NULL || contains_nocase(hay, cfg->only);
    }
    for (size_t i = first; i < count; i++)
      if (cases[i].selected)
        for (size_t j = first; j < count; j++)
          if (cases[j].is_baseline)
            cases[j].selected = 1;
    /* --process, --bytes: those groups only. */
    if (cfg->groups && !(cfg->groups & group_of(wl)))
      for (size_t i = first; i < count; i++)
        cases[i].selected = 0;
  }
  *n = count;
  return cases;
}

const struct bench_case *
bench_case_baseline(const struct bench_case *cases, size_t n, const struct bench_case *c)
{
  for (size_t i = 0; i < n; i++)
    if (cases[i].wl == c->wl && cases[i].is_baseline)
      return &cases[i];
  return NULL;
}

/* ---- one run ---- */

static void
set_error(struct bench_case *c, struct bench_sample *out, enum bench_status st, const char *why)
{
  out->status = st;
  snprintf(c->why, sizeof c->why, "%s", why);
}

/* Every item the producers pushed was accepted exactly once by some consumer. */
static int
check_conservation(const struct bench_run *run, const struct bench_worker *w, char *why,
                   size_t why_len)
{
  const struct bench_worker *cons = w + run->producers;
  if (run->exact) {
    if (cons[0].items != w[0].items) {
      snprintf(why, why_len, "producer pushed %llu items, consumer got %llu",
               (unsigned long long)w[0].items, (unsigned long long)cons[0].items);
      return 0;
    }
    return 1;
  }
  for (unsigned p = 0; p < run->producers; p++) {
    uint64_t count = 0, hsum = 0;
    for (unsigned c = 0; c < run->consumers; c++) {
      count += cons[c].count[p];
      hsum += cons[c].hsum[p];
    }
    if (count != w[p].items || hsum != w[p].hash) {
      snprintf(why, why_len, "producer %u pushed %llu items, consumers got %llu%s", p,
               (unsigned long long)w[p].items, (unsigned long long)count,
               count == w[p].items ? " but not the same ones (lost + duplicated)" : "");
      return 0;
    }
  }
  return 1;
}

void
bench_case_run(struct bench_case *c, const struct bench_config *cfg, double duration_s,
               struct bench_sample *out)
{
  const struct bench_workload *wl = c->wl;
  const struct bench_queue *q = c->q;
  const struct bench_loops *lp = loops_of(q, c->mode);
  struct bench_queue_params params = {wl->capacity, wl->esize, wl->producers, wl->consumers};
  struct bench_run *run = NULL;
  struct bench_worker *w = NULL;
  struct bench_thread_plan plan;
  struct bench_timing timing = {0, 0};
  char why[192];
  enum bench_status st;
  size_t wbytes = sizeof *w * BENCH_MAX_THREADS;

  memset(out, 0, sizeof *out);
  out->syscalls_per_m = -1;
  if (c->processes) { /* what the worker processes write, the parent reads */
    run = (struct bench_run *)bench_shared_alloc(sizeof *run);
    w = (struct bench_worker *)bench_shared_alloc(wbytes);
  } else {
    run = (struct bench_run *)aligned_alloc(BENCH_LINE, sizeof *run);
    w = (struct bench_worker *)aligned_alloc(BENCH_LINE, wbytes);
  }
  if (run == NULL || w == NULL) {
    set_error(c, out, BENCH_ERROR, "out of memory");
    goto done;
  }
  memset(run, 0, sizeof *run);
  memset(w, 0, wbytes);
  if (q->create(&run->q, &params, why, sizeof why) != 0) {
    run->q = NULL;
    set_error(c, out, BENCH_ERROR, why);
    goto done;
  }
  if (wl->kind == BENCH_PINGPONG && q->create(&run->q2, &params, why, sizeof why) != 0) {
    run->q2 = NULL;
    set_error(c, out, BENCH_ERROR, why);
    goto done;
  }
  run->esize = wl->esize;
  run->burst = wl->burst;
  run->producers = wl->producers;
  run->consumers = wl->consumers;
  run->exact = wl->producers == 1 && wl->consumers == 1;
  run->yield = c->oversubscribed;
  run->work_iters = wl->slow_consumer ? cfg->work_iters : 0;

  plan.n = c->nthreads;
  for (unsigned i = 0; i < plan.n; i++)
    plan.cpu[i] = cpu_of(cfg, i);
  if (wl->kind == BENCH_PINGPONG) {
    run->gap_ns = wl->wakeup ? cfg->gap_ns : 0;
    run->max_samples = wl->wakeup ? (size_t)(duration_s * 1e9 / (double)cfg->gap_ns) + 16
                                  : (size_t)(duration_s * 1e7) + 1024;
    run->samples = c->processes ? (uint64_t *)bench_shared_alloc(run->max_samples *
                                                                  sizeof *run->samples)
                                : (uint64_t *)malloc(run->max_samples * sizeof *run->samples);
    if (run->samples == NULL) {
      set_error(c, out, BENCH_ERROR, "out of memory");
      goto done;
    }
    plan.fn[0] = lp->ping;
    plan.fn[1] = lp->pong;
  } else if (wl->kind == BENCH_SOLO) {
    plan.fn[0] = q->solo;
  } else {
    for (unsigned i = 0; i < wl->producers; i++) {
      plan.fn[i] = lp->producer;
      w[i].index = i;
    }
    for (unsigned i = 0; i < wl->consumers; i++) {
      plan.fn[wl->producers + i] = lp->consumer;
      w[wl->producers + i].index = i;
    }
  }

  st = (c->processes ? bench_run_processes : bench_run_threads)(
      run, w, &plan, (uint64_t)(duration_s * 1e9), (uint64_t)(cfg->stall_s * 1e9), q->wake,
      &timing, why, sizeof why);
  if (st != BENCH_OK) {
    set_error(c, out, st, why);
    goto done;
  }
  out->seconds = (double)(timing.end_ns - timing.start_ns) / 1e9;
  if (wl->kind == BENCH_PINGPONG) {
    size_t n = (size_t)w[0].nsamples;
    if (n == 0) {
      set_error(c, out, BENCH_STALL, "no round trip completed");
      goto done;
    }
    bench_sort_u64(run->samples, n);
    out->items = n;
    out->value = (double)bench_percentile_sorted(run->samples, n, 50.0);
    out->p99 = (double)bench_percentile_sorted(run->samples, n, 99.0);
    out->p999 = (double)bench_percentile_sorted(run->samples, n, 99.9);
  } else if (wl->kind == BENCH_SOLO) {
    out->items = w[0].items;
    out->value = (double)out->items / out->seconds;
  } else {
    if (!check_conservation(run, w, why, sizeof why)) {
      set_error(c, out, BENCH_FAIL, why);
      goto done;
    }
    for (unsigned i = 0; i < wl->consumers; i++)
      out->items += w[wl->producers + i].items;
    out->value = (double)out->items / out->seconds;
  }
  if (out->items) {
    uint64_t sleeps = 0;
    for (unsigned i = 0; i < plan.n; i++)
      sleeps += w[i].sleeps;
    out->sleeps_per_m = (double)sleeps * 1e6 / (double)out->items;
  }
  if (q->syscalls && out->items) {
    uint64_t sc = q->syscalls(run->q) + (run->q2 ? q->syscalls(run->q2) : 0);
    out->syscalls_per_m = (double)sc * 1e6 / (double)out->items;
  }
  out->status = BENCH_OK;

done:
  if (run) {
    if (run->q)
      q->destroy(run->q);
    if (run->q2)
      q->destroy(run->q2);
    if (c->processes)
      bench_shared_free(run->samples, run->max_samples * sizeof *run->samples);
    else
      free(run->samples);
  }
  if (c->processes) {
    bench_shared_free(run, sizeof *run);
    bench_shared_free(w, wbytes);
  } else {
    free(run);
    free(w);
  }
}
