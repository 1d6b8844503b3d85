/* SPDX-License-Identifier: MIT */
/* bench/targets.c: the targets, evaluated from the cases of the same run. A ratio is taken
 * within each repetition (both cases ran in it, interleaved), then the median of the ratios is
 * compared with the target. Targets are reported, never used to tune anything. */
#include "report.h"

#include <stdio.h>
#include <string.h>

struct ratio_target {
  const char *text;
  const char *rule;
  const char *key;       /* workload */
  const char *num;       /* ringq's case */
  const char *den[3];    /* peer case(s): the best of them in each repetition */
  double threshold;
  int at_most;           /* ratio <= threshold (latencies) instead of >= */
};

#define BASE_BLOCKING "baseline mutex+condvars, blocking"
#define SHM_SPSC "ringq queue (SPSC, shm)"
#define SHM_MPMC "ringq queue (MPMC, shm)"
#define POSIX_MQ "POSIX mq"
#define BOOST_MQ "Boost.Interprocess message_queue"
#define PROBE "hand-off probe (copy in, copy out)"

static const struct ratio_target ratio_targets[] = {
    {"SPSC single items, ring 1024: ringq spsc / best of ck_ring SPSC, moodycamel RWQ", ">= 1.5x",
     "spsc-1024-single-8B", "ringq spsc", {"ck_ring SPSC", "moodycamel ReaderWriterQueue", NULL},
     1.5, 0},
    {"SPSC bursts of 32, ring 1024: ringq spsc / DPDK rte_ring SP/SC bursts", ">= 1.3x",
     "spsc-1024-burst32-8B", "ringq spsc", {"DPDK rte_ring SP/SC", NULL, NULL}, 1.3, 0},
    {"SPSC bursts of 32, ring 1024: ringq spsc / the stream bound", ">= 0.9x",
     "spsc-1024-burst32-8B", "ringq spsc", {"stream bound (hardware)", NULL, NULL}, 0.9, 0},
    {"MPMC 1P1C single items: ringq mpmc / DPDK rte_ring MP/MC", ">= 7x", "mpmc-1p1c-single-8B",
     "ringq mpmc", {"DPDK rte_ring MP/MC", NULL, NULL}, 7.0, 0},
    {"MPMC 2P2C single items: ringq mpmc / DPDK rte_ring MP/MC", ">= 4x", "mpmc-2p2c-single-8B",
     "ringq mpmc", {"DPDK rte_ring MP/MC", NULL, NULL}, 4.0, 0},
    {"MPMC 4P4C single items, no stall: ringq mpmc / liburcu wfcqueue", ">= 5x",
     "mpmc-4p4c-single-8B", "ringq mpmc", {"liburcu wfcqueue", NULL, NULL}, 5.0, 0},
    {"Ping-pong round trip: ringq spsc / one cache line (median ns)", "<= 1.25x", "pingpong-8B",
     "ringq spsc", {"one cache line (hardware)", NULL, NULL}, 1.25, 1},
    {"Blocking, both sides busy: ringq queue (SPSC) / bare ringq spsc ring", ">= 0.85x",
     "blocking-1p1c-busy-8B", "ringq queue (SPSC)",
     {"ringq spsc (bare ring, spinning)", NULL, NULL}, 0.85, 0},
    {"Blocking, both sides busy: ringq queue (SPSC) / blocking baseline", ">= 8x",
     "blocking-1p1c-busy-8B", "ringq queue (SPSC)", {BASE_BLOCKING, NULL, NULL}, 8.0, 0},
    {"Wake-up round trip: ringq queue (SPSC) / blocking baseline (median ns)", "<= 0.5x",
     "wakeup-8B", "ringq queue (SPSC)", {BASE_BLOCKING, NULL, NULL}, 0.5, 1},
    {"Blocking, both sides busy: a descriptor armed but never needed / no descriptor (SPSC)",
     ">= 0.9x", "blocking-1p1c-busy-8B", "ringq queue (SPSC), descriptor armed, unused",
     {"ringq queue (SPSC)", NULL, NULL}, 0.9, 0},
    {"Wake-up round trip: wait-any over 2 queues / the single queue (MPMC, median ns)", "<= 1.2x",
     "wakeup-8B", "ringq queue (MPMC) via wait-any of 2", {"ringq queue (MPMC)", NULL, NULL}, 1.2,
     1},
    /* The unbounded queue (issue 13): against the bounded ring of its kind, and liburcu's list. */
    {"SPSC single items: ringq unbounded spsc / ringq spsc (ring 1024)", ">= 0.8x",
     "spsc-1024-single-8B", "ringq unbounded spsc", {"ringq spsc", NULL, NULL}, 0.8, 0},
    {"MPMC 1P1C single items: ringq unbounded mpmc / ringq mpmc", ">= 0.8x",
     "mpmc-1p1c-single-8B", "ringq unbounded mpmc", {"ringq mpmc", NULL, NULL}, 0.8, 0},
    {"MPMC 2P2C single items: ringq unbounded mpmc / ringq mpmc", ">= 0.8x",
     "mpmc-2p2c-single-8B", "ringq unbounded mpmc", {"ringq mpmc", NULL, NULL}, 0.8, 0},
    {"MPMC 1P1C single items: ringq unbounded mpmc / liburcu wfcqueue", ">= 3x",
     "mpmc-1p1c-single-8B", "ringq unbounded mpmc", {"liburcu wfcqueue", NULL, NULL}, 3.0, 0},
    {"MPMC 2P2C single items: ringq unbounded mpmc / liburcu wfcqueue", ">= 3x",
     "mpmc-2p2c-single-8B", "ringq unbounded mpmc", {"liburcu wfcqueue", NULL, NULL}, 3.0, 0},
    {"MPMC 4P4C single items: ringq unbounded mpmc / liburcu wfcqueue", ">= 3x",
     "mpmc-4p4c-single-8B", "ringq unbounded mpmc", {"liburcu wfcqueue", NULL, NULL}, 3.0, 0},
    /* Between processes (issue 10): the shared queue between two processes, against the same
     * queue in the same mapping between two threads, and against the kernel's and Boost's
     * message queues (the best of the two in each repetition). Blocking put/get. */
    {"Between processes, 8 B: ringq queue (SPSC, shm) / the same between threads", ">= 0.8x",
     "proc-1p1c-8B", SHM_SPSC, {SHM_SPSC " [threads]", NULL, NULL}, 0.8, 0},
    {"Between processes, 8 B: ringq queue (MPMC, shm) / the same between threads", ">= 0.8x",
     "proc-1p1c-8B", SHM_MPMC, {SHM_MPMC " [threads]", NULL, NULL}, 0.8, 0},
    {"Between processes, 64 B: ringq queue (SPSC, shm) / the same between threads", ">= 0.8x",
     "proc-1p1c-64B", SHM_SPSC, {SHM_SPSC " [threads]", NULL, NULL}, 0.8, 0},
    {"Between processes, 64 B: ringq queue (MPMC, shm) / the same between threads", ">= 0.8x",
     "proc-1p1c-64B", SHM_MPMC, {SHM_MPMC " [threads]", NULL, NULL}, 0.8, 0},
    {"Between processes, 8 B: ringq queue (SPSC, shm) / best of POSIX mq, Boost message_queue",
     ">= 10x", "proc-1p1c-8B", SHM_SPSC, {POSIX_MQ, BOOST_MQ, NULL}, 10.0, 0},
    {"Between processes, 8 B: ringq queue (MPMC, shm) / best of POSIX mq, Boost message_queue",
     ">= 10x", "proc-1p1c-8B", SHM_MPMC, {POSIX_MQ, BOOST_MQ, NULL}, 10.0, 0},
    {"Between processes, 64 B: ringq queue (SPSC, shm) / best of POSIX mq, Boost message_queue",
     ">= 10x", "proc-1p1c-64B", SHM_SPSC, {POSIX_MQ, BOOST_MQ, NULL}, 10.0, 0},
    {"Between processes, 64 B: ringq queue (MPMC, shm) / best of POSIX mq, Boost message_queue",
     ">= 10x", "proc-1p1c-64B", SHM_MPMC, {POSIX_MQ, BOOST_MQ, NULL}, 10.0, 0},
    {"Between processes, round trip: ringq queue (SPSC, shm) / the same between threads (median "
     "ns)", "<= 1.3x", "proc-pingpong-8B", SHM_SPSC, {SHM_SPSC " [threads]", NULL, NULL}, 1.3, 1},
    {"Between processes, round trip: ringq queue (MPMC, shm) / the same between threads (median "
     "ns)", "<= 1.3x", "proc-pingpong-8B", SHM_MPMC, {SHM_MPMC " [threads]", NULL, NULL}, 1.3, 1},
    /* Byte messages (issue 12). RINGQ_BYTES is the name the byte-message queue's adapter gives
     * its SPSC queue; until one is registered these say "n/a (not built)". 16 B: "within 1.5x of
     * the fixed-size ring's items/s" is messages/s >= items/s / 1.5. */
    {"Byte messages of 4 KiB: ringq bytes / the hand-off probe (copy in, copy out)", ">= 0.7x",
     "bytes-4KiB", RINGQ_BYTES, {PROBE, NULL, NULL}, 0.7, 0},
    {"Byte messages of 16 B: ringq bytes messages/s / the fixed-size ring's items/s (16 B items)",
     ">= 0.67x", "bytes-16B", RINGQ_BYTES, {"ringq spsc ring, 16 B items", NULL, NULL}, 1 / 1.5,
     0},
};

/* The case of `label` in workload `key`: NULL when it was not built (its peer's package is
 * missing); *left_out set when --only left it out. */
static const struct bench_case *
find(const struct bench_case *cases, size_t n, const char *key, const char *label, int *left_out)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(cases[i].wl->key, key) == 0 && strcmp(cases[i].label, label) == 0) {
      if (!cases[i].selected) {
        *left_out = 1;
        return NULL;
      }
      return &cases[i];
    }
  return NULL;
}

static const char *
status_word(enum bench_status st)
{
  return st == BENCH_FAIL ? "FAIL" : st == BENCH_STALL ? "stall" : "error";
}

static void
median_min_max(double *v, size_t n, double *med, double *min, double *max)
{
  bench_sort_double(v, n);
  *min = v[0];
  *max = v[n - 1];
  *med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
eval_ratio(const struct ratio_target *t, const struct bench_case *cases, size_t n,
           struct bench_target_result *out)
{
  const struct bench_case *num, *den[3] = {NULL, NULL, NULL};
  double ratios[BENCH_MAX_REPS];
  size_t nr = 0, nden = 0;
  int left_out = 0;
  memset(out, 0, sizeof *out);
  num = find(cases, n, t->key, t->num, &left_out);
  out->text = t->text;
  out->rule = t->rule;
  out->state = BENCH_TARGET_NA;
  for (size_t i = 0; i < 3 && t->den[i]; i++)
    if ((den[nden] = find(cases, n, t->key, t->den[i], &left_out)) != NULL)
      nden++;
  if (num == NULL && !left_out && strcmp(t->num, RINGQ_BYTES) == 0) {
    if (bench_ringq_bytes_registered())
      snprintf(out->detail, sizeof out->detail, "n/a: " RINGQ_BYTES " does not take part in %s",
               t->key);
    else
      snprintf(out->detail, sizeof out->detail, "n/a (not built): no adapter registers a queue "
               "named \"" RINGQ_BYTES "\" (bench/README.md, Adding a message queue)");
    return;
  }
  if (num == NULL || nden == 0) {
    out->filtered = left_out;
    snprintf(out->detail, sizeof out->detail, "n/a: %s not %s", num == NULL ? t->num : t->den[0],
             left_out ? "selected" : "built (its package is missing)");
    return;
  }
  if (num->status != BENCH_OK) {
    out->state = BENCH_TARGET_MISSED;
    snprintf(out->detail, sizeof out->detail, "%s: %s", t->num, status_word(num->status));
    return;
  }
  for (unsigned r = 0; r < num->nsamples; r++) {
    double best = 0;
    int have = 0;
    if (num->samples[r].status != BENCH_OK)
      continue;
    for (size_t d = 0; d < nden; d++) {
      const struct bench_sample *s;
      if (den[d]->status != BENCH_OK || r >= den[d]->nsamples)
        continue;
      s = &den[d]->samples[r];
      if (s->status != BENCH_OK)
        continue;
      /* The best peer: most items/s, or fewest ns. */
      if (!have || (t->at_most ? s->value < best : s->value > best))
        best = s->value;
      have = 1;
    }
    if (have && best > 0)
      ratios[nr++] = num->samples[r].value / best;
  }
  if (nr == 0) {
    snprintf(out->detail, sizeof out->detail, "n/a: %s %s", den[0]->label,
             den[0]->status != BENCH_OK ? status_word(den[0]->status) : "has no sample");
    return;
  }
  median_min_max(ratios, nr, &out->med, &out->min, &out->max);
  out->state = (t->at_most ? out->med <= t->threshold : out->med >= t->threshold)
                   ? BENCH_TARGET_MET
                   : BENCH_TARGET_MISSED;
  snprintf(out->detail, sizeof out->detail, "%.2fx (%.2f - %.2f) over %zu repetitions", out->med,
           out->min, out->max, nr);
}

/* Zero system calls per million items when nobody waits (one thread puts then gets). */
static void
eval_zero_syscalls(const char *label, const struct bench_case *cases, size_t n,
                   struct bench_target_result *out, const char *text)
{
  int left_out = 0;
  const struct bench_case *c = find(cases, n, "blocking-solo-8B", label, &left_out);
  double v[BENCH_MAX_REPS];
  size_t nv = 0;
  memset(out, 0, sizeof *out);
  out->text = text;
  out->rule = "0 syscalls/M";
  out->state = BENCH_TARGET_NA;
  if (c == NULL) {
    out->filtered = left_out;
    snprintf(out->detail, sizeof out->detail, "n/a: %s not measured", label);
    return;
  }
  if (c->status != BENCH_OK) {
    out->state = BENCH_TARGET_MISSED;
    snprintf(out->detail, sizeof out->detail, "%s", status_word(c->status));
    return;
  }
  for (unsigned r = 0; r < c->nsamples; r++)
    if (c->samples[r].status == BENCH_OK && c->samples[r].syscalls_per_m >= 0)
      v[nv++] = c->samples[r].syscalls_per_m;
  if (nv == 0) {
    snprintf(out->detail, sizeof out->detail, "n/a: no sample");
    return;
  }
  median_min_max(v, nv, &out->med, &out->min, &out->max);
  out->state = out->max == 0 ? BENCH_TARGET_MET : BENCH_TARGET_MISSED;
  snprintf(out->detail, sizeof out->detail, "%.3g syscalls/M (max %.3g) over %zu repetitions",
           out->med, out->max, nv);
}

size_t
bench_targets_evaluate(const struct bench_case *cases, size_t n, struct bench_target_result *out,
                       size_t max)
{
  size_t k = 0;
  for (size_t i = 0; i < sizeof ratio_targets / sizeof ratio_targets[0] && k < max; i++)
    eval_ratio(&ratio_targets[i], cases, n, &out[k++]);
  if (k < max)
    eval_zero_syscalls("ringq queue (SPSC)", cases, n, &out[k++],
                       "Nobody waits (one thread puts then gets): ringq queue (SPSC) syscalls");
  if (k < max)
    eval_zero_syscalls("ringq queue (MPMC)", cases, n, &out[k++],
                       "Nobody waits (one thread puts then gets): ringq queue (MPMC) syscalls");
  return k;
}
