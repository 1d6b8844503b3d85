/* SPDX-License-Identifier: MIT */
/* bench/report.h: summaries of the repetitions (median, min-max, ratios against the baseline),
 * the targets, and the outputs: console table, CSV, JSON, PNG plot. */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include "workloads.h"

#include <stdio.h>

struct bench_machine {
  char cpu_model[128];
  long nproc;          /* CPUs online */
  long usable;         /* CPUs this process may run on (what nproc prints) */
  char kernel[128];
  char compiler[160];  /* C and C++ compilers */
  char flags[512];     /* build type and flags, peers' own flags */
  char cpus[256];      /* --cpus as given */
  double timer_ns;     /* cost of one bench_now_ns() */
  double work_ns;      /* measured cost of the slow consumer's work per item */
  char load_start[64], load_end[64]; /* /proc/loadavg */
  char date[64];
  char command[1024];
  double total_s;      /* the whole run */
};

struct bench_summary {
  unsigned nok;           /* repetitions that produced a number */
  double med, min, max;   /* of the figure (items/s or ns) */
  double p99, p999;       /* ping-pong: medians over repetitions */
  double sys;             /* median syscalls per million items; < 0 unknown */
  double sleeps;          /* median voluntary context switches per million items */
  int have_ratio;
  double rmed, rmin, rmax; /* against the baseline, within each repetition: > 1 is better */
};

/* Throughput figures are better higher, ping-pong figures (ns) lower. */
int bench_higher_is_better(const struct bench_workload *wl);
void bench_summarize(const struct bench_case *cases, size_t n, const struct bench_case *c,
                     struct bench_summary *s);

enum bench_target_state { BENCH_TARGET_NA, BENCH_TARGET_MET, BENCH_TARGET_MISSED };

struct bench_target_result {
  const char *text;      /* what is compared */
  const char *rule;      /* ">= 1.5x", "<= 1.25x", "0" */
  enum bench_target_state state;
  double med, min, max;  /* measured (ratio, or syscalls per million) */
  char detail[160];      /* why n/a, or what the number is */
  int filtered;          /* n/a because --only left a case out */
};

/* The name a byte-message queue of ringq's (issue 12) registers its SPSC queue under: the
 * byte-message targets and the placeholder row look for it. */
#define RINGQ_BYTES "ringq bytes"

/* 1 when a compiled-in adapter registers a queue named RINGQ_BYTES. */
int bench_ringq_bytes_registered(void);

/* Evaluate the targets from the cases; returns how many were written to out. */
size_t bench_targets_evaluate(const struct bench_case *cases, size_t n,
                              struct bench_target_result *out, size_t max);

struct bench_report {
  const struct bench_config *cfg;
  const struct bench_machine *machine;
  const struct bench_case *cases;
  size_t ncases;
  const struct bench_target_result *targets;
  size_t ntargets;
};

void bench_report_console(FILE *f, const struct bench_report *r);
int bench_report_csv(const char *path, const struct bench_report *r);
int bench_report_json(const char *path, const struct bench_report *r);
/* Writes the PNG with gnuplot; returns -1 (and says why on stderr) when it cannot. */
int bench_report_plot(const char *path, const struct bench_report *r);

#endif /* BENCH_REPORT_H */
