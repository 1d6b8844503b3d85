/* SPDX-License-Identifier: MIT */
/* bench/report.c: summaries of the repetitions and every output format (console, CSV, JSON,
 * PNG). */
#define _GNU_SOURCE /* mkstemps */
#include "report.h"
#include "bench_config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
bench_higher_is_better(const struct bench_workload *wl)
{
  return wl->kind != BENCH_PINGPONG;
}

static double
median_of(double *v, size_t n)
{
  bench_sort_double(v, n);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void
bench_summarize(const struct bench_case *cases, size_t n, const struct bench_case *c,
                struct bench_summary *s)
{
  const struct bench_case *base = bench_case_baseline(cases, n, c);
  double v[BENCH_MAX_REPS], p99[BENCH_MAX_REPS], p999[BENCH_MAX_REPS], sys[BENCH_MAX_REPS];
  double ratio[BENCH_MAX_REPS], sleeps[BENCH_MAX_REPS];
  size_t nv = 0, nsys = 0, nr = 0;
  int higher = bench_higher_is_better(c->wl);
  memset(s, 0, sizeof *s);
  s->sys = -1;
  for (unsigned r = 0; r < c->nsamples; r++) {
    const struct bench_sample *x = &c->samples[r];
    if (x->status != BENCH_OK)
      continue;
    v[nv] = x->value;
    sleeps[nv] = x->sleeps_per_m;
    p99[nv] = x->p99;
    p999[nv] = x->p999;
    nv++;
    if (x->syscalls_per_m >= 0)
      sys[nsys++] = x->syscalls_per_m;
    /* The ratio within this repetition: both cases ran in it, interleaved. */
    if (base && base->status == BENCH_OK && r < base->nsamples &&
        base->samples[r].status == BENCH_OK && base->samples[r].value > 0 && x->value > 0)
      ratio[nr++] = higher ? x->value / base->samples[r].value : base->samples[r].value / x->value;
  }
  s->nok = (unsigned)nv;
  if (nv) {
    s->med = median_of(v, nv);
    s->min = v[0];
    s->max = v[nv - 1];
    s->p99 = median_of(p99, nv);
    s->p999 = median_of(p999, nv);
    s->sleeps = median_of(sleeps, nv);
  }
  if (nsys)
    s->sys = median_of(sys, nsys);
  if (nr) {
    s->have_ratio = 1;
    s->rmed = median_of(ratio, nr);
    s->rmin = ratio[0];
    s->rmax = ratio[nr - 1];
  }
}

/* ---- console ---- */

static const char *
fmt_num(char *buf, size_t len, double x)
{
  if (x >= 1000)
    snprintf(buf, len, "%.0f", x);
  else if (x >= 100)
    snprintf(buf, len, "%.1f", x);
  else if (x >= 10)
    snprintf(buf, len, "%.2f", x);
  else
    snprintf(buf, len, "%.3f", x);
  return buf;
}

static const char *
status_text(const struct bench_case *c, char *buf, size_t len)
{
  if (c->status == BENCH_ERROR && strncmp(c->why, "n/a", 3) == 0) {
    snprintf(buf, len, "%s", c->why); /* a peer that cannot run here, and why */
    return buf;
  }
  const char *word = c->status == BENCH_FAIL    ? "FAIL"
                     : c->status == BENCH_STALL ? "stall"
                                                : "error";
  if (c->failed_rep == 0)
    snprintf(buf, len, "%s (warm-up): %s", word, c->why);
  else
    snprintf(buf, len, "%s (repetition %u): %s", word, c->failed_rep, c->why);
  return buf;
}

static double
scale_of(const struct bench_workload *wl)
{
  return wl->kind == BENCH_PINGPONG ? 1.0 : 1e-6; /* ns as they are; items/s in millions */
}

static int
shows_syscalls(const struct bench_workload *wl)
{
  return wl->blocking;
}

int
bench_ringq_bytes_registered(void)
{
  for (const struct bench_queue *const *q = bench_queues(); *q; q++)
    if (strcmp((*q)->name, RINGQ_BYTES) == 0)
      return 1;
  return 0;
}

static int
is_bytes(const struct bench_workload *wl)
{
  return wl->role == BENCH_ROLE_BYTES;
}

static void
print_group(FILE *f, const struct bench_report *r, const struct bench_workload *wl)
{
  int pp = wl->kind == BENCH_PINGPONG, sys = shows_syscalls(wl), any = 0, bytes = is_bytes(wl);
  int have_ringq_bytes = 0;
  double k = scale_of(wl);
  for (size_t i = 0; i < r->ncases; i++)
    any |= r->cases[i].wl == wl && r->cases[i].selected;
  if (!any)
    return;
  fprintf(f, "\n%s  [%s]\n", wl->title, wl->key);
  fprintf(f, "  %-38s %-30s %10s %-21s", "queue", "threads@cpus",
          pp ? "median ns" : bytes ? "M msgs/s" : "M items/s", "(min - max)");
  if (pp)
    fprintf(f, " %9s %9s", "p99 ns", "p99.9 ns");
  if (bytes)
    fprintf(f, " %9s", "MB/s");
  fprintf(f, " %-22s", pp ? "x baseline (faster)" : "x baseline");
  if (sys)
    fprintf(f, " %12s %12s", "syscalls/M", "sleeps/M");
  fputc('\n', f);
  for (size_t i = 0; i < r->ncases; i++) {
    const struct bench_case *c = &r->cases[i];
    struct bench_summary s;
    char a[32], b[32], m[32], rng[112], rat[112], buf[320];
    if (c->wl != wl || !c->selected)
      continue;
    have_ringq_bytes |= strncmp(c->label, RINGQ_BYTES, strlen(RINGQ_BYTES)) == 0;
    fprintf(f, "  %-38s %-30s ", c->label, c->topology);
    if (c->status != BENCH_OK) {
      fprintf(f, "%s\n", status_text(c, buf, sizeof buf));
      continue;
    }
    bench_summarize(r->cases, r->ncases, c, &s);
    if (s.nok == 0) {
      fprintf(f, "not run\n");
      continue;
    }
    snprintf(rng, sizeof rng, "(%s - %s)", fmt_num(a, sizeof a, s.min * k),
             fmt_num(b, sizeof b, s.max * k));
    fprintf(f, "%10s %-21s", fmt_num(m, sizeof m, s.med * k), rng);
    if (pp)
      fprintf(f, " %9.0f %9.0f", s.p99, s.p999);
    if (bytes)
      fprintf(f, " %9.0f", s.med * (double)wl->esize / 1e6);
    if (c->is_baseline)
      snprintf(rat, sizeof rat, "1 (baseline)");
    else if (s.have_ratio)
      snprintf(rat, sizeof rat, "%s (%s - %s)", fmt_num(m, sizeof m, s.rmed),
               fmt_num(a, sizeof a, s.rmin), fmt_num(b, sizeof b, s.rmax));
    else
      snprintf(rat, sizeof rat, "-");
    fprintf(f, " %-22s", rat);
    if (sys) {
      if (s.sys >= 0)
        fprintf(f, " %12.1f", s.sys);
      else
        fprintf(f, " %12s", "n/a");
      fprintf(f, " %12.1f", s.sleeps);
    }
    fputc('\n', f);
  }
  /* The place of ringq's byte-message queue (issue 12) until an adapter registers it. */
  if (bytes && !have_ringq_bytes)
    fprintf(f, "  %-38s %-30s %s\n", RINGQ_BYTES, "",
            bench_ringq_bytes_registered()
                ? "n/a (its adapter does not take part in this message size)"
                : "n/a (not built: no adapter registers a queue named \"" RINGQ_BYTES "\")");
}

/* Where the process and byte-message workloads ran, and whether that oversubscribes. */
static void
print_cpu_notes(FILE *f, const struct bench_report *r)
{
  int proc = 0, bytes = 0, over = 0;
  for (size_t i = 0; i < r->ncases; i++) {
    const struct bench_case *c = &r->cases[i];
    if (!c->selected)
      continue;
    proc |= c->wl->role == BENCH_ROLE_PROCESS;
    bytes |= is_bytes(c->wl);
    over |= (c->wl->role == BENCH_ROLE_PROCESS || is_bytes(c->wl)) && c->oversubscribed;
  }
  if (proc)
    fprintf(f, "  between processes: the producer (or pinger) and the consumer (or ponger) are two "
               "processes made with fork(), pinned as threads are (threads@cpus, \"processes\"); "
               "\"[threads]\" rows run the same queue in the same shared mapping between two "
               "threads on the same CPUs. The queues are made before fork.\n");
  if (bytes)
    fprintf(f, "  byte messages: one producer thread and one consumer thread (threads@cpus; rows "
               "marked \"processes\": two processes made with fork(), the queue made before it "
               "in shared memory); MB/s = messages/s x message size.\n");
  if (proc || bytes)
    fprintf(f, "  CPUs: these two-worker cases use CPUs %s of the %ld online (%s); the run's own "
               "watchdog thread shares them, waking every 20 ms.\n",
            r->machine->cpus, r->machine->nproc,
            over ? "MORE workers than CPUs: oversubscribed, spin loops yield"
                 : r->cfg->ncpus >= 2 && r->machine->nproc <= 2
                     ? "both CPUs of this machine, one worker each: not oversubscribed"
                     : "one worker per CPU: not oversubscribed");
}

void
bench_report_console(FILE *f, const struct bench_report *r)
{
  size_t nw;
  const struct bench_workload *wls = bench_workloads(&nw);
  const struct bench_machine *m = r->machine;
  const struct bench_case *line = NULL, *futex = NULL, *stream = NULL;
  const char *noted[64];
  size_t nnoted = 0, filtered = 0;

  fprintf(f, "ringq-bench: %s mode, %u repetitions of %.2f s per case after a warm-up round, "
             "cases shuffled in each repetition (seed %llu)\n",
          r->cfg->quick ? "quick" : "full", r->cfg->reps, r->cfg->duration_s,
          (unsigned long long)r->cfg->seed);
  fprintf(f, "command: %s\n", m->command);
  fprintf(f, "machine: %s, %ld CPUs online, %ld usable (nproc); %s\n", m->cpu_model, m->nproc,
          m->usable, m->kernel);
  fprintf(f, "load average: %s at start, %s at end\n", m->load_start, m->load_end);
  fprintf(f, "compiler: %s\n", m->compiler);
  fprintf(f, "flags: %s\n", m->flags);
  if (strcmp(BENCH_BUILD_TYPE, "Release") != 0 && strcmp(BENCH_BUILD_TYPE, "RelWithDebInfo") != 0)
    fprintf(f, "WARNING: a %s build: its figures say little about the queues\n",
            BENCH_BUILD_TYPE[0] ? BENCH_BUILD_TYPE : "unoptimised");
  fprintf(f, "cpus: %s (thread i runs on cpu[i mod n], producers first, then consumers)\n",
          m->cpus);
  fprintf(f, "timer: clock_gettime(CLOCK_MONOTONIC), %.0f ns per reading (inside every timed round "
             "trip, cache line included)\n", m->timer_ns);
  for (size_t i = 0; i < r->ncases; i++) {
    const struct bench_case *c = &r->cases[i];
    if (!(c->q->roles & BENCH_ROLE_REFERENCE) || !c->selected)
      continue;
    if (strcmp(c->q->peer, "futex") == 0)
      futex = c;
    else if (strcmp(c->q->peer, "cacheline") == 0)
      line = c;
    else if (strcmp(c->q->peer, "stream") == 0 && stream == NULL)
      stream = c; /* the first workload it is in: ring 1024 */
  }
  if (line && line->status == BENCH_OK) {
    struct bench_summary s;
    bench_summarize(r->cases, r->ncases, line, &s);
    if (s.nok)
      fprintf(f, "cache-line round trip (two threads bouncing one atomic, %s): median %.0f ns "
                 "(%.0f - %.0f)\n", line->topology, s.med, s.min, s.max);
  }
  if (futex && futex->status == BENCH_OK) {
    struct bench_summary s;
    bench_summarize(r->cases, r->ncases, futex, &s);
    if (s.nok)
      fprintf(f, "wake-up round trip through raw futexes (the OS's own limit, %s): median %.0f ns "
                 "(%.0f - %.0f)\n", futex->topology, s.med, s.min, s.max);
  }
  if (stream && stream->status == BENCH_OK) {
    struct bench_summary s;
    bench_summarize(r->cases, r->ncases, stream, &s);
    if (s.nok)
      fprintf(f, "stream bound (8 B items copied in and out, indices every %zu items, ring %zu, "
                 "%s): median %.4g M items/s (%.4g - %.4g)\n", stream->wl->burst,
              stream->wl->capacity, stream->topology, s.med / 1e6, s.min / 1e6, s.max / 1e6);
  }
  for (const char *const *sk = bench_skipped_peers(); *sk; sk++)
    fprintf(f, "%s\n", *sk);
  fprintf(f, "figures: median over repetitions (min - max); \"x baseline\": median of the "
             "per-repetition ratios against the baseline row (> 1 is better)\n");

  for (size_t w = 0; w < nw; w++)
    print_group(f, r, &wls[w]);

  fprintf(f, "\nNotes:\n");
  fprintf(f, "  slow consumer: %.0f ns of busy work after each item (measured).\n", m->work_ns);
  fprintf(f, "  wake-up round trip: the pinger sleeps %.0f us before each round trip.\n",
          (double)r->cfg->gap_ns / 1e3);
  fprintf(f, "  syscalls/M: system calls per million items as the queue counts them (ringq: futex "
             "waits, futex wakes and membarrier calls from ringq_queue_stats).\n"
             "  sleeps/M: voluntary context switches of the worker threads per million items "
             "(getrusage), the same measure for every queue.\n");
  for (size_t i = 0; i < r->ncases; i++) {
    const struct bench_queue *q = r->cases[i].q;
    size_t j;
    if (!r->cases[i].selected || q->note == NULL)
      continue;
    for (j = 0; j < nnoted && noted[j] != q->note; j++) {
    }
    if (j == nnoted && nnoted < 64) {
      noted[nnoted++] = q->note; /* a note two queues share is printed once */
      fprintf(f, "  %s.\n", q->note);
    }
  }

  print_cpu_notes(f, r);

  fprintf(f, "\nTargets (from the issue; median of per-repetition ratios, min - max):\n"
             "  NOT MET: the measured ratio is short of the goal. It is a performance result, not a\n"
             "  failure of the program: the exit status stays 0 (only an item check that fails,\n"
             "  FAIL in the tables, makes it 1). n/a: a case the target needs was not run.\n");
  for (size_t i = 0; i < r->ntargets; i++) {
    const struct bench_target_result *t = &r->targets[i];
    const char *state = t->state == BENCH_TARGET_MET      ? "met"
                        : t->state == BENCH_TARGET_MISSED ? "NOT MET"
                                                          : "n/a";
    if (t->state == BENCH_TARGET_NA && t->filtered) {
      filtered++;
      continue;
    }
    fprintf(f, "  %-7s %-12s %s\n          %s\n", state, t->rule, t->text, t->detail);
  }
  if (filtered)
    fprintf(f, "  (%zu more not evaluated: their cases were left out by --only, --process or "
               "--bytes)\n", filtered);
  fprintf(f, "\ntotal time: %.1f s\n", m->total_s);
}

/* ---- CSV ---- */

static void
csv_field(FILE *f, const char *s, int last)
{
  if (strpbrk(s, ",\"\n")) {
    fputc('"', f);
    for (; *s; s++) {
      if (*s == '"')
        fputc('"', f);
      fputc(*s, f);
    }
    fputc('"', f);
  } else {
    fputs(s, f);
  }
  fputc(last ? '\n' : ',', f);
}

static const char *
mode_name(enum bench_mode m)
{
  switch (m) {
  case BENCH_MODE_SINGLE: return "single";
  case BENCH_MODE_BURST: return "burst";
  case BENCH_MODE_ZC: return "zero-copy";
  default: return "blocking";
  }
}

static const char *
status_name(enum bench_status st)
{
  switch (st) {
  case BENCH_OK: return "ok";
  case BENCH_FAIL: return "FAIL";
  case BENCH_STALL: return "stall";
  default: return "error";
  }
}

static const char *
unit_of(const struct bench_workload *wl)
{
  return wl->kind == BENCH_PINGPONG ? "ns per round trip" : is_bytes(wl) ? "M messages/s"
                                                                          : "M items/s";
}

int
bench_report_csv(const char *path, const struct bench_report *r)
{
  FILE *f = fopen(path, "w");
  if (f == NULL)
    return -1;
  fprintf(f, "workload,title,queue,mode,threads,topology,oversubscribed,status,unit,reps_ok,"
             "median,min,max,p99_ns,p999_ns,vs_baseline,vs_baseline_min,vs_baseline_max,"
             "syscalls_per_million,sleeps_per_million,why\n");
  for (size_t i = 0; i < r->ncases; i++) {
    const struct bench_case *c = &r->cases[i];
    struct bench_summary s;
    double k = scale_of(c->wl);
    char num[64];
    if (!c->selected)
      continue;
    bench_summarize(r->cases, r->ncases, c, &s);
    csv_field(f, c->wl->key, 0);
    csv_field(f, c->wl->title, 0);
    csv_field(f, c->label, 0);
    csv_field(f, mode_name(c->mode), 0);
    fprintf(f, "%u,", c->nthreads);
    csv_field(f, c->topology, 0);
    fprintf(f, "%d,%s,%s,%u,", c->oversubscribed, status_name(c->status), unit_of(c->wl),
            c->status == BENCH_OK ? s.nok : 0);
    if (c->status == BENCH_OK && s.nok) {
      fprintf(f, "%.6g,%.6g,%.6g,", s.med * k, s.min * k, s.max * k);
      if (c->wl->kind == BENCH_PINGPONG)
        fprintf(f, "%.0f,%.0f,", s.p99, s.p999);
      else
        fprintf(f, ",,");
      if (s.have_ratio)
        fprintf(f, "%.4g,%.4g,%.4g,", s.rmed, s.rmin, s.rmax);
      else
        fprintf(f, ",,,");
      if (s.sys >= 0)
        snprintf(num, sizeof num, "%.4g", s.sys);
      else
        num[0] = '\0';
      fprintf(f, "%s,%.4g,", num, s.sleeps);
    } else {
      fprintf(f, ",,,,,,,,,,");
    }
    csv_field(f, c->status == BENCH_OK ? "" : c->why, 1);
  }
  return fclose(f) == 0 ? 0 : -1;
}

/* ---- JSON ---- */

static void
json_str(FILE *f, const char *s)
{
  fputc('"', f);
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\')
      fprintf(f, "\\%c", ch);
    else if (ch < 0x20)
      fprintf(f, "\\u%04x", ch);
    else
      fputc(ch, f);
  }
  fputc('"', f);
}

static void
json_num(FILE *f, double x)
{
  if (isfinite(x))
    fprintf(f, "%.6g", x);
  else
    fputs("null", f);
}

int
bench_report_json(const char *path, const struct bench_report *r)
{
  const struct bench_machine *m = r->machine;
  FILE *f = fopen(path, "w");
  int first = 1;
  if (f == NULL)
    return -1;
  fprintf(f, "{\n  \"machine\": {\"cpu\": ");
  json_str(f, m->cpu_model);
  fprintf(f, ", \"cpus_online\": %ld, \"nproc\": %ld, \"kernel\": ", m->nproc, m->usable);
  json_str(f, m->kernel);
  fprintf(f, ", \"compiler\": ");
  json_str(f, m->compiler);
  fprintf(f, ", \"flags\": ");
  json_str(f, m->flags);
  fprintf(f, ", \"load_start\": ");
  json_str(f, m->load_start);
  fprintf(f, ", \"load_end\": ");
  json_str(f, m->load_end);
  fprintf(f, ", \"timer_ns\": ");
  json_num(f, m->timer_ns);
  fprintf(f, ", \"date\": ");
  json_str(f, m->date);
  fprintf(f, "},\n  \"config\": {\"command\": ");
  json_str(f, m->command);
  fprintf(f, ", \"mode\": \"%s\", \"repetitions\": %u, \"duration_s\": ",
          r->cfg->quick ? "quick" : "full", r->cfg->reps);
  json_num(f, r->cfg->duration_s);
  fprintf(f, ", \"cpus\": ");
  json_str(f, m->cpus);
  fprintf(f, ", \"seed\": %llu, \"slow_consumer_work_ns\": ", (unsigned long long)r->cfg->seed);
  json_num(f, m->work_ns);
  fprintf(f, ", \"wakeup_gap_ns\": %llu, \"total_s\": ", (unsigned long long)r->cfg->gap_ns);
  json_num(f, m->total_s);
  fprintf(f, "},\n  \"skipped\": [");
  for (const char *const *sk = bench_skipped_peers(); *sk; sk++) {
    fprintf(f, "%s", first ? "" : ", ");
    json_str(f, *sk);
    first = 0;
  }
  fprintf(f, "],\n  \"results\": [");
  first = 1;
  for (size_t i = 0; i < r->ncases; i++) {
    const struct bench_case *c = &r->cases[i];
    struct bench_summary s;
    double k = scale_of(c->wl);
    if (!c->selected)
      continue;
    bench_summarize(r->cases, r->ncases, c, &s);
    fprintf(f, "%s\n    {\"workload\": ", first ? "" : ",");
    first = 0;
    json_str(f, c->wl->key);
    fprintf(f, ", \"queue\": ");
    json_str(f, c->label);
    fprintf(f, ", \"mode\": \"%s\", \"threads\": %u, \"topology\": ", mode_name(c->mode),
            c->nthreads);
    json_str(f, c->topology);
    fprintf(f, ", \"oversubscribed\": %s, \"baseline\": %s, \"status\": \"%s\", \"unit\": ",
            c->oversubscribed ? "true" : "false", c->is_baseline ? "true" : "false",
            status_name(c->status));
    json_str(f, unit_of(c->wl));
    if (c->status != BENCH_OK) {
      fprintf(f, ", \"why\": ");
      json_str(f, c->why);
      fprintf(f, "}");
      continue;
    }
    fprintf(f, ", \"reps_ok\": %u, \"median\": ", s.nok);
    json_num(f, s.med * k);
    fprintf(f, ", \"min\": ");
    json_num(f, s.min * k);
    fprintf(f, ", \"max\": ");
    json_num(f, s.max * k);
    if (c->wl->kind == BENCH_PINGPONG) {
      fprintf(f, ", \"p99_ns\": ");
      json_num(f, s.p99);
      fprintf(f, ", \"p999_ns\": ");
      json_num(f, s.p999);
    }
    if (s.have_ratio) {
      fprintf(f, ", \"vs_baseline\": ");
      json_num(f, s.rmed);
      fprintf(f, ", \"vs_baseline_min\": ");
      json_num(f, s.rmin);
      fprintf(f, ", \"vs_baseline_max\": ");
      json_num(f, s.rmax);
    }
    if (is_bytes(c->wl)) {
      fprintf(f, ", \"message_bytes\": %zu, \"MB_per_s\": ", c->wl->esize);
      json_num(f, s.med * (double)c->wl->esize / 1e6);
    }
    if (s.sys >= 0) {
      fprintf(f, ", \"syscalls_per_million\": ");
      json_num(f, s.sys);
    }
    fprintf(f, ", \"sleeps_per_million\": ");
    json_num(f, s.sleeps);
    fprintf(f, ", \"samples\": [");
    for (unsigned j = 0; j < c->nsamples; j++) {
      fprintf(f, "%s", j ? ", " : "");
      json_num(f, c->samples[j].value * k);
    }
    fprintf(f, "]}");
  }
  fprintf(f, "\n  ],\n  \"targets\": [");
  for (size_t i = 0; i < r->ntargets; i++) {
    const struct bench_target_result *t = &r->targets[i];
    fprintf(f, "%s\n    {\"target\": ", i ? "," : "");
    json_str(f, t->text);
    fprintf(f, ", \"rule\": ");
    json_str(f, t->rule);
    fprintf(f, ", \"state\": \"%s\", \"median\": ", t->state == BENCH_TARGET_MET      ? "met"
                                                      : t->state == BENCH_TARGET_MISSED ? "not met"
                                                                                        : "n/a");
    json_num(f, t->state == BENCH_TARGET_NA ? NAN : t->med);
    fprintf(f, ", \"detail\": ");
    json_str(f, t->detail);
    fprintf(f, "}");
  }
  fprintf(f, "\n  ]\n}\n");
  return fclose(f) == 0 ? 0 : -1;
}

/* ---- PNG through gnuplot ---- */

static const char *const families[] = {"baseline", "ringq", "ck", "dpdk", "boost", "moodycamel",
                                       "urcu", "stream"};
#define NFAMILIES (sizeof families / sizeof families[0])

static size_t
family_of(const struct bench_queue *q)
{
  for (size_t i = 0; i < NFAMILIES; i++)
    if (strcmp(q->peer, families[i]) == 0)
      return i + 1;
  return 1;
}

static void
gp_str(FILE *f, const char *s)
{
  fputc('"', f);
  for (; *s; s++)
    if (*s != '"' && *s != '\\')
      fputc(*s, f);
  fputc('"', f);
}

/* The boxes of the plot: every throughput case with a figure, workloads left to right with a
 * gap between them. */
struct plot_box {
  const struct bench_case *c;
  double x, med, min, max;
};

static size_t
plot_boxes(const struct bench_report *r, struct plot_box *box, size_t max)
{
  size_t nw, n = 0;
  const struct bench_workload *wls = bench_workloads(&nw);
  double x = 0;
  for (size_t w = 0; w < nw; w++) {
    int any = 0;
    if (wls[w].kind == BENCH_PINGPONG)
      continue;
    for (size_t i = 0; i < r->ncases && n < max; i++) {
      const struct bench_case *c = &r->cases[i];
      struct bench_summary s;
      if (c->wl != &wls[w] || !c->selected || c->status != BENCH_OK)
        continue;
      bench_summarize(r->cases, r->ncases, c, &s);
      if (s.nok == 0)
        continue;
      box[n].c = c;
      box[n].x = x;
      box[n].med = s.med * 1e-6;
      box[n].min = s.min * 1e-6;
      box[n].max = s.max * 1e-6;
      n++;
      x += 1;
      any = 1;
    }
    if (any)
      x += 1.5;
  }
  return n;
}

int
bench_report_plot(const char *path, const struct bench_report *r)
{
  char script[] = "/tmp/ringq-bench-plot-XXXXXX.gp";
  struct plot_box *box;
  size_t n, lab = 1;
  FILE *f;
  int fd, rc;
  char cmd[600];

  if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
    fprintf(stderr, "ringq-bench: gnuplot not found (package gnuplot-nox): no plot written\n");
    return -1;
  }
  box = (struct plot_box *)calloc(r->ncases + 1, sizeof *box);
  if (box == NULL)
    return -1;
  n = plot_boxes(r, box, r->ncases);
  fd = mkstemps(script, 3);
  if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
    fprintf(stderr, "ringq-bench: cannot write a gnuplot script in /tmp\n");
    free(box);
    return -1;
  }
  fprintf(f, "set terminal pngcairo size 2400,1200 font ',9'\nset output ");
  gp_str(f, path);
  fprintf(f, "\nset label 999 'ringq-bench throughput: median of %u repetitions, bars: min-max; %s, "
             "cpus %s' at screen 0.5, 0.985 center font ',11' noenhanced\n",
          r->cfg->reps, r->machine->cpu_model, r->machine->cpus);
  fprintf(f, "set logscale y\nset format y '%%g'\nset ylabel 'M items/s (log scale)'\nset grid ytics\n"
             "set style fill solid 0.85 border -1\nset boxwidth 0.8\nset bars small\n"
             "set key outside right top noenhanced\nset xtics rotate by 90 right nomirror "
             "font ',7' noenhanced\nset bmargin 20\nset tmargin 13\nset offsets 1, 1, 0, 0\n");
  fprintf(f, "$data << EOD\n");
  for (size_t i = 0; i < n; i++)
    fprintf(f, "%g %g %g %g %zu\n", box[i].x, box[i].med, box[i].min, box[i].max,
            family_of(box[i].c->q));
  fprintf(f, "EOD\nset xtics (");
  for (size_t i = 0; i < n; i++) {
    fprintf(f, "%s", i ? ", " : "");
    gp_str(f, box[i].c->label);
    fprintf(f, " %g", box[i].x);
  }
  fprintf(f, ")\n");
  /* A label over each workload's boxes and a dotted line after them. */
  for (size_t i = 0, first = 0; i < n; i++) {
    if (i + 1 < n && box[i + 1].c->wl == box[i].c->wl)
      continue;
    fprintf(f, "set label %zu ", lab++);
    gp_str(f, box[i].c->wl->key);
    fprintf(f, " at first %g, graph 1.01 rotate by 90 left font ',8' noenhanced\n",
            (box[first].x + box[i].x) / 2);
    fprintf(f, "set arrow from first %g, graph 0 to first %g, graph 1 nohead dt 3 lc 'gray'\n",
            box[i].x + 1.25, box[i].x + 1.25);
    first = i + 1;
  }
  fprintf(f, "plot ");
  for (size_t k = 0; k < NFAMILIES; k++)
    fprintf(f, "%s$data using ($5==%zu ? $1 : NaN):2:3:4:(0.4) with boxerrorbars lc %zu title '%s'",
            k ? ", \\\n     " : "", k + 1, k + 1, families[k]);
  fprintf(f, "\n");
  fclose(f);
  free(box);
  snprintf(cmd, sizeof cmd, "gnuplot '%s' 2>&1", script);
  rc = system(cmd);
  unlink(script);
  if (rc != 0) {
    fprintf(stderr, "ringq-bench: gnuplot failed (exit %d)\n", rc);
    return -1;
  }
  return 0;
}
