/* SPDX-License-Identifier: MIT */
/* bench/main.c: ringq-bench's command line, the machine description, the schedule (warm-up, then
 * repetitions with the cases shuffled), progress, and the outputs. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_ISSET */
#include "bench_config.h"
#include "idle_loop.h"
#include "report.h"
#include "selftest.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* adapters/ringq_unbounded.c: bytes the unbounded queue holds around a backlog of `items` items. */
void bench_unbounded_memory_report(FILE *f, uint64_t items);

#define MAX_TARGETS 48

static void
usage(FILE *f)
{
  fprintf(f,
          "usage: ringq-bench [options]\n"
          "  --quick            short run (3 repetitions of 0.08 s per case; under a minute)\n"
          "  (default)          full run (5 repetitions of 0.5 s per case; a few minutes)\n"
          "  --reps N           repetitions (1..%d)\n"
          "  --duration SEC     timed window per case and repetition\n"
          "  --cpus LIST        CPUs to pin threads to, e.g. 0,1 or 0-3 (default: all allowed);\n"
          "                     thread i runs on cpu[i mod n], producers first\n"
          "  --only SUBSTRING   only the cases whose workload or queue contains it (plus the\n"
          "                     baselines they are compared with); e.g. spsc, mpmc-2p2c, DPDK\n"
          "  --csv FILE         also write the results as CSV\n"
          "  --json FILE        also write the results as JSON\n"
          "  --plot FILE.png    also plot throughput per workload and queue (needs gnuplot)\n"
          "  --seed N           seed of the shuffled order (default: from the clock)\n"
          "  --stall SEC        no progress for this long is a stall (default 3, quick 1.5)\n"
          "  --list             list the cases and exit\n"
          "  --process          only the workloads between processes (fork): ringq's shared\n"
          "                     queues, pipe, socketpair, POSIX mq, Boost.Interprocess, baseline\n"
          "  --bytes            only the byte-message workloads (16 B to 64 KiB messages)\n"
          "                     (both: both groups; neither: every workload)\n"
          "  --selftest         check that the item checks catch a queue that loses, duplicates,\n"
          "                     reorders or corrupts items, and the watchdog one that stops\n"
          "                     (a deliberately broken queue), then exit\n"
          "Exit status: 0, or 1 when a case FAILed its item check (a stall is a result, not an\n"
          "error), 2 on bad usage.\n",
          BENCH_MAX_REPS);
}

static int
parse_cpus(const char *s, struct bench_config *cfg)
{
  cfg->ncpus = 0;
  while (*s) {
    char *end;
    long a = strtol(s, &end, 10), b;
    if (end == s || a < 0 || a >= CPU_SETSIZE)
      return -1;
    b = a;
    s = end;
    if (*s == '-') {
      b = strtol(s + 1, &end, 10);
      if (end == s + 1 || b < a || b >= CPU_SETSIZE)
        return -1;
      s = end;
    }
    for (long c = a; c <= b; c++) {
      if (cfg->ncpus == BENCH_MAX_CPUS)
        return -1;
      cfg->cpus[cfg->ncpus++] = (int)c;
    }
    if (*s == ',')
      s++;
    else if (*s)
      return -1;
  }
  return cfg->ncpus ? 0 : -1;
}

static int
cpu_allowed(int cpu)
{
  cpu_set_t set;
  return sched_getaffinity(0, sizeof set, &set) == 0 && CPU_ISSET(cpu, &set);
}

static void
default_cpus(struct bench_config *cfg)
{
  cpu_set_t set;
  cfg->ncpus = 0;
  if (sched_getaffinity(0, sizeof set, &set) != 0)
    return;
  for (int c = 0; c < CPU_SETSIZE && cfg->ncpus < BENCH_MAX_CPUS; c++)
    if (CPU_ISSET(c, &set))
      cfg->cpus[cfg->ncpus++] = c;
}

/* Copy as much of src as fits (truncation is fine for the descriptive strings). */
static void
copy_text(char *dst, size_t len, const char *src)
{
  size_t n = strlen(src);
  if (n >= len)
    n = len - 1;
  memcpy(dst, src, n);
  dst[n] = '\0';
}

static void
read_first_line(const char *path, const char *prefix, char *out, size_t len)
{
  FILE *f = fopen(path, "r");
  char line[512];
  out[0] = '\0';
  if (f == NULL)
    return;
  while (fgets(line, sizeof line, f)) {
    if (prefix == NULL || strncmp(line, prefix, strlen(prefix)) == 0) {
      char *v = prefix ? strchr(line, ':') : line;
      if (v == NULL)
        continue;
      if (prefix)
        v++;
      while (*v == ' ' || *v == '\t')
        v++;
      v[strcspn(v, "\n")] = '\0';
      copy_text(out, len, v);
      break;
    }
  }
  fclose(f);
}

static void
loadavg(char *out, size_t len)
{
  char line[128];
  read_first_line("/proc/loadavg", NULL, line, sizeof line);
  {
    /* the first three fields: 1, 5 and 15 minute averages */
    char *p = line;
    for (int i = 0; i < 3 && (p = strchr(p, ' ')) != NULL; i++)
      if (i == 2)
        *p = '\0';
      else
        p++;
  }
  copy_text(out, len, line);
}

static void
describe_machine(struct bench_machine *m, const struct bench_config *cfg, int argc, char **argv)
{
  struct utsname u;
  time_t now = time(NULL);
  size_t used = 0;
  read_first_line("/proc/cpuinfo", "model name", m->cpu_model, sizeof m->cpu_model);
  if (m->cpu_model[0] == '\0')
    snprintf(m->cpu_model, sizeof m->cpu_model, "unknown CPU");
  m->nproc = sysconf(_SC_NPROCESSORS_ONLN);
  {
    cpu_set_t set;
    m->usable = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : m->nproc;
  }
  if (uname(&u) == 0) {
    char k[3 * sizeof u.release + 3];
    snprintf(k, sizeof k, "%s %s %s", u.sysname, u.release, u.machine);
    copy_text(m->kernel, sizeof m->kernel, k);
  }
  snprintf(m->compiler, sizeof m->compiler, "C: %s, C++: %s", BENCH_C_COMPILER,
           BENCH_CXX_COMPILER);
  snprintf(m->flags, sizeof m->flags, "%s", BENCH_FLAGS);
  for (unsigned i = 0; i < cfg->ncpus && used < sizeof m->cpus; i++)
    used += (size_t)snprintf(m->cpus + used, sizeof m->cpus - used, "%s%d", i ? "," : "",
                             cfg->cpus[i]);
  loadavg(m->load_start, sizeof m->load_start);
  strftime(m->date, sizeof m->date, "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
  used = 0;
  for (int i = 0; i < argc && used < sizeof m->command; i++)
    used += (size_t)snprintf(m->command + used, sizeof m->command - used, "%s%s", i ? " " : "",
                             argv[i]);
}

/* Cost of one clock reading, and the slow consumer's work calibrated to cfg->work_ns. Each is the
 * fastest of several rounds: a round the scheduler interrupted only looks slower. */
static void
calibrate(struct bench_config *cfg, struct bench_machine *m)
{
  enum { CLOCKS = 20000, ITERS = 200000, ITEMS = 1000 };
  double best = 1e30;
  uint64_t t0;
  for (int round = 0; round < 7; round++) {
    volatile uint64_t sink = 0;
    t0 = bench_now_ns();
    for (int i = 0; i < CLOCKS; i++)
      sink += bench_now_ns();
    (void)sink;
    if ((double)(bench_now_ns() - t0) / CLOCKS < best)
      best = (double)(bench_now_ns() - t0) / CLOCKS;
  }
  m->timer_ns = best;
  best = 1e30;
  for (int round = 0; round < 7; round++) {
    t0 = bench_now_ns();
    bench_work(ITERS);
    if ((double)(bench_now_ns() - t0) / ITERS < best)
      best = (double)(bench_now_ns() - t0) / ITERS;
  }
  cfg->work_iters = (uint64_t)(cfg->work_ns / best);
  if (cfg->work_iters == 0)
    cfg->work_iters = 1;
  best = 1e30;
  for (int round = 0; round < 7; round++) {
    t0 = bench_now_ns();
    for (int i = 0; i < ITEMS; i++)
      bench_work(cfg->work_iters);
    if ((double)(bench_now_ns() - t0) / ITEMS < best)
      best = (double)(bench_now_ns() - t0) / ITEMS;
  }
  m->work_ns = best;
}

static uint64_t
next_random(uint64_t *s)
{
  /* xorshift64* */
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * UINT64_C(2685821657736338717);
}

static void
shuffle(size_t *v, size_t n, uint64_t *state)
{
  for (size_t i = n; i > 1; i--) {
    size_t j = (size_t)(next_random(state) % i), t = v[i - 1];
    v[i - 1] = v[j];
    v[j] = t;
  }
}

static void
progress(int on, size_t done, size_t total, const char *phase, const struct bench_case *c,
         double eta_s)
{
  if (!on)
    return;
  fprintf(stderr, "\r\033[K[%zu/%zu, about %.0f s left] %s: %s / %s", done, total, eta_s, phase,
          c->wl->key, c->label);
  fflush(stderr);
}

/* Run one case once; sticky failures stop it from running again. */
static void
run_one(struct bench_case *c, const struct bench_config *cfg, unsigned rep, double duration)
{
  struct bench_sample s;
  bench_case_run(c, cfg, duration * c->wl->time_scale, &s);
  if (rep > 0) {
    c->samples[rep - 1] = s;
    c->nsamples = rep;
  }
  if (s.status != BENCH_OK && c->status == BENCH_OK) {
    c->status = s.status;
    c->failed_rep = rep;
  }
}

int
main(int argc, char **argv)
{
  struct bench_config cfg;
  struct bench_machine machine;
  struct bench_target_result targets[MAX_TARGETS];
  struct bench_report report;
  struct bench_case *cases;
  const char *csv = NULL, *json = NULL, *plot = NULL;
  size_t ncases, nsel = 0, *order, done = 0, total;
  int list = 0, selftest = 0, quick = 0, any_fail = 0, tty = isatty(2);
  int reps = -1;
  double duration = -1, stall = -1;
  uint64_t t_start = bench_now_ns(), rng;
  double per_run_s;

  memset(&cfg, 0, sizeof cfg);
  memset(&machine, 0, sizeof machine);
  cfg.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
  default_cpus(&cfg);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    int needs = strcmp(a, "--reps") == 0 || strcmp(a, "--duration") == 0 ||
                strcmp(a, "--cpus") == 0 || strcmp(a, "--only") == 0 ||
                strcmp(a, "--csv") == 0 || strcmp(a, "--json") == 0 ||
                strcmp(a, "--plot") == 0 || strcmp(a, "--seed") == 0 ||
                strcmp(a, "--stall") == 0;
    if (needs && v == NULL) {
      fprintf(stderr, "ringq-bench: %s needs a value\n", a);
      return 2;
    }
    if (strcmp(a, "--quick") == 0)
      quick = 1;
    else if (strcmp(a, "--full") == 0)
      quick = 0;
    else if (strcmp(a, "--list") == 0)
      list = 1;
    else if (strcmp(a, "--selftest") == 0)
      selftest = 1;
    else if (strcmp(a, "--process") == 0)
      cfg.groups |= BENCH_GROUP_PROCESS;
    else if (strcmp(a, "--bytes") == 0)
      cfg.groups |= BENCH_GROUP_BYTES;
    else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "--reps") == 0)
      reps = atoi(argv[++i]);
    else if (strcmp(a, "--duration") == 0)
      duration = atof(argv[++i]);
    else if (strcmp(a, "--stall") == 0)
      stall = atof(argv[++i]);
    else if (strcmp(a, "--cpus") == 0) {
      if (parse_cpus(argv[++i], &cfg) != 0) {
        fprintf(stderr, "ringq-bench: bad --cpus list '%s'\n", v);
        return 2;
      }
      for (unsigned k = 0; k < cfg.ncpus; k++)
        if (!cpu_allowed(cfg.cpus[k])) {
          fprintf(stderr, "ringq-bench: CPU %d is not one this process may run on\n",
                  cfg.cpus[k]);
          return 2;
        }
    } else if (strcmp(a, "--only") == 0)
      cfg.only = argv[++i];
    else if (strcmp(a, "--csv") == 0)
      csv = argv[++i];
    else if (strcmp(a, "--json") == 0)
      json = argv[++i];
    else if (strcmp(a, "--plot") == 0)
      plot = argv[++i];
    else if (strcmp(a, "--seed") == 0)
      cfg.seed = strtoull(argv[++i], NULL, 0);
    else {
      fprintf(stderr, "ringq-bench: unknown option '%s'\n", a);
      usage(stderr);
      return 2;
    }
  }
  cfg.quick = quick;
  cfg.reps = reps > 0 ? (unsigned)reps : quick ? 3 : 5;
  cfg.duration_s = duration > 0 ? duration : quick ? 0.08 : 0.5;
  cfg.warmup_s = cfg.duration_s / 4;
  cfg.stall_s = stall > 0 ? stall : quick ? 1.5 : 3.0;
  cfg.gap_ns = 100000;
  cfg.work_ns = 200;
  if (cfg.reps > BENCH_MAX_REPS || cfg.ncpus == 0) {
    fprintf(stderr, "ringq-bench: --reps must be 1..%d, and at least one CPU is needed\n",
            BENCH_MAX_REPS);
    return 2;
  }

  if (selftest)
    return bench_selftest(&cfg) ? 1 : 0;
  cases = bench_cases_build(&cfg, &ncases);
  if (cases == NULL) {
    fprintf(stderr, "ringq-bench: out of memory\n");
    return 1;
  }
  if (list) {
    for (size_t i = 0; i < ncases; i++)
      if (cases[i].selected)
        printf("%-30s %-40s %s\n", cases[i].wl->key, cases[i].label, cases[i].topology);
    for (const char *const *sk = bench_skipped_peers(); *sk; sk++)
      printf("%s\n", *sk);
    free(cases);
    return 0;
  }

  describe_machine(&machine, &cfg, argc, argv);
  calibrate(&cfg, &machine);
  order = (size_t *)malloc(ncases * sizeof *order);
  if (order == NULL)
    return 1;
  for (size_t i = 0; i < ncases; i++)
    if (cases[i].selected)
      order[nsel++] = i;
  for (const char *const *sk = bench_skipped_peers(); *sk; sk++)
    fprintf(stderr, "%s\n", *sk);

  /* Warm-up round (not recorded, but a FAIL or stall there counts), then the repetitions, each
   * in a new shuffled order so that no case always runs after the same one. */
  rng = cfg.seed | 1;
  total = nsel * (cfg.reps + 1);
  per_run_s = 0;
  for (size_t k = 0; k < nsel; k++)
    per_run_s += cases[order[k]].wl->time_scale * cfg.duration_s + 0.01;
  per_run_s /= nsel ? (double)nsel : 1.0;
  for (unsigned rep = 0; rep <= cfg.reps; rep++) {
    char phase[32];
    if (rep == 0)
      snprintf(phase, sizeof phase, "warm-up");
    else
      snprintf(phase, sizeof phase, "repetition %u/%u", rep, cfg.reps);
    shuffle(order, nsel, &rng);
    for (size_t k = 0; k < nsel; k++) {
      struct bench_case *c = &cases[order[k]];
      double left = (double)(total - done) * per_run_s * (rep == 0 ? 0.25 : 1.0);
      done++;
      if (c->status != BENCH_OK)
        continue;
      progress(tty, done, total, phase, c, left);
      run_one(c, &cfg, rep, rep == 0 ? cfg.warmup_s : cfg.duration_s);
    }
  }
  if (tty)
    fprintf(stderr, "\r\033[K");

  loadavg(machine.load_end, sizeof machine.load_end);
  machine.total_s = (double)(bench_now_ns() - t_start) / 1e9;
  report.cfg = &cfg;
  report.machine = &machine;
  report.cases = cases;
  report.ncases = ncases;
  report.ntargets = bench_targets_evaluate(cases, ncases, targets, MAX_TARGETS);
  report.targets = targets;
  bench_report_console(stdout, &report);
  if (cfg.groups == 0 && (cfg.only == NULL || strstr("idle-loop", cfg.only) != NULL))
    bench_idle_loop(stdout, quick ? 1.0 : 10.0);
  if (cfg.groups == 0 && (cfg.only == NULL || strstr("unbounded", cfg.only) != NULL))
    bench_unbounded_memory_report(stdout, 10000000);
  fflush(stdout);
  if (csv && bench_report_csv(csv, &report) != 0)
    fprintf(stderr, "ringq-bench: cannot write %s\n", csv);
  if (json && bench_report_json(json, &report) != 0)
    fprintf(stderr, "ringq-bench: cannot write %s\n", json);
  if (plot)
    (void)bench_report_plot(plot, &report);
  for (size_t i = 0; i < ncases; i++)
    any_fail |= cases[i].selected && cases[i].status == BENCH_FAIL;
  free(order);
  free(cases);
  return any_fail ? 1 : 0;
}
