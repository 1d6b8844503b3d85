/* SPDX-License-Identifier: MIT */
/* bench/harness.c: thread and process start and pinning, the start barrier, the timed window,
 * the stall watchdog, clocks and the small statistics helpers. */
#define _GNU_SOURCE /* pthread_attr_setaffinity_np, pthread_timedjoin_np, CPU_SET, MAP_ANONYMOUS */
#include "harness.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

uint64_t
bench_now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
bench_sleep_ns(uint64_t ns)
{
  struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
  while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR) {
  }
}

void
bench_yield(void)
{
  sched_yield();
}

void
bench_fail(struct bench_worker *w, const char *fmt, ...)
{
  va_list ap;
  if (!w->failed) {
    va_start(ap, fmt);
    vsnprintf(w->why, sizeof w->why, fmt, ap);
    va_end(ap);
    w->failed = 1;
  }
  __atomic_store_n(&w->run->phase, BENCH_ABORT, __ATOMIC_RELAXED);
}

struct thread_arg {
  struct bench_worker *w;
  bench_worker_fn fn;
};

static void *
thread_main(void *p)
{
  struct thread_arg *a = (struct thread_arg *)p;
  struct bench_run *run = a->w->run;
  struct rusage before, after;
  __atomic_add_fetch(&run->ready, 1, __ATOMIC_ACQ_REL);
  while (!__atomic_load_n(&run->go, __ATOMIC_ACQUIRE)) {
    bench_cpu_relax();
    if (run->yield)
      sched_yield();
  }
  getrusage(RUSAGE_THREAD, &before);
  a->fn(a->w);
  a->w->t_end = bench_now_ns();
  getrusage(RUSAGE_THREAD, &after);
  a->w->sleeps = (uint64_t)(after.ru_nvcsw - before.ru_nvcsw);
  __atomic_add_fetch(&run->finished, 1, __ATOMIC_RELEASE);
  return NULL;
}

static uint64_t
total_progress(struct bench_worker *w, unsigned n)
{
  uint64_t sum = 0;
  for (unsigned i = 0; i < n; i++)
    sum += __atomic_load_n(&w[i].progress, __ATOMIC_RELAXED);
  return sum;
}

static int
all_finished(struct bench_run *run, unsigned n)
{
  return __atomic_load_n(&run->finished, __ATOMIC_ACQUIRE) == n;
}

/* Join every thread; if some never return (stuck inside a queue's own spin loop 10 s after an
 * abort), the process cannot go on measuring anything fairly: say so and leave. */
static void
join_all(pthread_t *tids, unsigned n)
{
  for (unsigned i = 0; i < n; i++) {
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 10;
    if (pthread_timedjoin_np(tids[i], NULL, &dl) != 0) {
      fprintf(stderr, "ringq-bench: a worker thread is stuck inside a queue 10 s after the "
                      "watchdog gave up on it; stopping the whole run.\n");
      fflush(NULL);
      _exit(3);
    }
  }
}

/* The watchdog, shared by threads and processes: wakes up every 20 ms (a few microseconds of a
 * CPU the workers share), exactly at the end of the timed window, and every millisecond while the
 * consumers drain. Time counts towards a stall only as far as the watchdog itself was running:
 * when its 20 ms nap took a second, the whole machine (a virtual machine's CPUs) was held up, not
 * just the queue. `reap` (processes only, else NULL) is called on every round and returns nonzero
 * when a worker can never finish (its process died). Returns 1 when the run stalled. */
static int
watch(struct bench_run *run, struct bench_worker *workers, unsigned n, uint64_t t0,
      uint64_t duration_ns, uint64_t stall_ns, void (*wake)(void *q),
      int (*reap)(void *ctx), void *reap_ctx)
{
  uint64_t last_progress = 0, last_tick = t0, stuck_ns = 0, stalled_at = 0, nap, now;
  int stalled = 0;
  while (!all_finished(run, n)) {
    uint64_t p, slept;
    now = bench_now_ns();
    slept = now - last_tick;
    last_tick = now;
    nap = 20000000;
    if (bench_phase(run) == BENCH_RUNNING && duration_ns) {
      if (now - t0 >= duration_ns)
        __atomic_store_n(&run->phase, BENCH_STOP, __ATOMIC_RELAXED);
      else if (t0 + duration_ns - now < nap)
        nap = t0 + duration_ns - now;
    }
    if (bench_phase(run) != BENCH_RUNNING)
      nap = 1000000;
    if (reap && reap(reap_ctx))
      break; /* a worker process died: its fate is reported by the caller */
    p = total_progress(workers, n);
    if (p != last_progress) {
      last_progress = p;
      stuck_ns = 0;
    } else {
      stuck_ns += slept < 2 * 20000000 ? slept : 2 * 20000000;
    }
    if (stalled && now - stalled_at > 10000000000u)
      break; /* a worker is stuck inside the queue's own code: the caller gives up on it */
    if (!stalled && stuck_ns >= stall_ns && !all_finished(run, n)) {
      stalled = 1;
      stalled_at = now;
      __atomic_store_n(&run->phase, BENCH_ABORT, __ATOMIC_RELAXED);
      if (wake) {
        if (run->q)
          wake(run->q);
        if (run->q2)
          wake(run->q2);
      }
    }
    bench_sleep_ns(nap);
  }
  return stalled;
}

/* The run's result once every worker is done: timing, the first failure, or the stall. */
static enum bench_status
outcome(const struct bench_worker *workers, unsigned n, uint64_t t0, int stalled,
        uint64_t stall_ns, struct bench_timing *timing, char *why, size_t why_len)
{
  timing->start_ns = t0;
  timing->end_ns = t0;
  for (unsigned i = 0; i < n; i++)
    if (workers[i].t_end > timing->end_ns)
      timing->end_ns = workers[i].t_end;
  for (unsigned i = 0; i < n; i++)
    if (workers[i].failed) {
      snprintf(why, why_len, "%s", workers[i].why);
      return BENCH_FAIL;
    }
  if (stalled) {
    snprintf(why, why_len, "no progress for %.1f s", (double)stall_ns / 1e9);
    return BENCH_STALL;
  }
  return BENCH_OK;
}

enum bench_status
bench_run_threads(struct bench_run *run, struct bench_worker *workers,
                  const struct bench_thread_plan *plan, uint64_t duration_ns, uint64_t stall_ns,
                  void (*wake)(void *q), struct bench_timing *timing, char *why, size_t why_len)
{
  pthread_t tids[BENCH_MAX_THREADS];
  struct thread_arg args[BENCH_MAX_THREADS];
  unsigned started = 0, n = plan->n;
  uint64_t t0;
  int stalled;
  enum bench_status st = BENCH_OK;

  why[0] = '\0';
  run->phase = BENCH_RUNNING;
  run->go = 0;
  run->ready = run->finished = run->producers_done = 0;
  for (unsigned i = 0; i < n; i++) {
    pthread_attr_t attr;
    int rc;
    args[i].w = &workers[i];
    args[i].fn = plan->fn[i];
    workers[i].run = run;
    workers[i].cpu = plan->cpu[i];
    pthread_attr_init(&attr);
    if (plan->cpu[i] >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(plan->cpu[i], &set);
      pthread_attr_setaffinity_np(&attr, sizeof set, &set);
    }
    rc = pthread_create(&tids[i], &attr, thread_main, &args[i]);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
      snprintf(why, why_len, "pthread_create failed (error %d; CPU %d allowed?)", rc,
               plan->cpu[i]);
      st = BENCH_ERROR;
      break;
    }
    started++;
  }
  if (st != BENCH_OK) {
    __atomic_store_n(&run->phase, BENCH_ABORT, __ATOMIC_RELAXED);
    __atomic_store_n(&run->go, 1, __ATOMIC_RELEASE);
    join_all(tids, started);
    return st;
  }
  while (__atomic_load_n(&run->ready, __ATOMIC_ACQUIRE) != n)
    bench_sleep_ns(100000);

  t0 = bench_now_ns();
  __atomic_store_n(&run->go, 1, __ATOMIC_RELEASE);
  stalled = watch(run, workers, n, t0, duration_ns, stall_ns, wake, NULL, NULL);
  join_all(tids, n);
  return outcome(workers, n, t0, stalled, stall_ns, timing, why, why_len);
}

/* ---- processes ---- */

void *
bench_shared_alloc(size_t bytes)
{
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

void
bench_shared_free(void *p, size_t bytes)
{
  if (p)
    munmap(p, bytes);
}

/* A worker process: pinned like a thread, the same barrier, then _exit (no atexit handlers, no
 * stdio flush of the parent's buffers). */
static void
process_main(struct bench_worker *w, bench_worker_fn fn)
{
  struct bench_run *run = w->run;
  struct rusage before, after;
  if (w->cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(w->cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
  }
  __atomic_add_fetch(&run->ready, 1, __ATOMIC_ACQ_REL);
  while (!__atomic_load_n(&run->go, __ATOMIC_ACQUIRE)) {
    bench_cpu_relax();
    if (run->yield)
      sched_yield();
  }
  getrusage(RUSAGE_SELF, &before);
  fn(w);
  w->t_end = bench_now_ns();
  getrusage(RUSAGE_SELF, &after);
  w->sleeps = (uint64_t)(after.ru_nvcsw - before.ru_nvcsw);
  __atomic_add_fetch(&run->finished, 1, __ATOMIC_RELEASE);
  _exit(0);
}

struct reaper {
  pid_t pid[BENCH_MAX_THREADS];
  int done[BENCH_MAX_THREADS]; /* waited for */
  unsigned n;
  char died[160];              /* the first worker that died without finishing */
};

/* Collect the workers that exited; 1 when one died before it finished its loop. */
static int
reap_some(void *ctx)
{
  struct reaper *r = (struct reaper *)ctx;
  for (unsigned i = 0; i < r->n; i++) {
    int status;
    if (r->done[i] || waitpid(r->pid[i], &status, WNOHANG) != r->pid[i])
      continue;
    r->done[i] = 1;
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) && r->died[0] == '\0') {
      if (WIFSIGNALED(status))
        snprintf(r->died, sizeof r->died, "worker process %u died of signal %d", i,
                 WTERMSIG(status));
      else
        snprintf(r->died, sizeof r->died, "worker process %u exited with status %d", i,
                 WEXITSTATUS(status));
    }
  }
  return r->died[0] != '\0';
}

/* Wait for every worker process; those still running after `grace_ns` are killed. */
static void
reap_all(struct reaper *r, uint64_t grace_ns)
{
  uint64_t until = bench_now_ns() + grace_ns;
  int left = 1;
  while (left && bench_now_ns() < until) {
    (void)reap_some(r);
    left = 0;
    for (unsigned i = 0; i < r->n; i++)
      left |= !r->done[i];
    if (left)
      bench_sleep_ns(1000000);
  }
  for (unsigned i = 0; i < r->n; i++)
    if (!r->done[i]) {
      kill(r->pid[i], SIGKILL);
      while (waitpid(r->pid[i], NULL, 0) < 0 && errno == EINTR) {
      }
      r->done[i] = 1;
    }
}

enum bench_status
bench_run_processes(struct bench_run *run, struct bench_worker *workers,
                    const struct bench_thread_plan *plan, uint64_t duration_ns,
                    uint64_t stall_ns, void (*wake)(void *q), struct bench_timing *timing,
                    char *why, size_t why_len)
{
  struct reaper r;
  unsigned n = plan->n;
  uint64_t t0;
  int stalled;

  memset(&r, 0, sizeof r);
  why[0] = '\0';
  run->phase = BENCH_RUNNING;
  run->go = 0;
  run->ready = run->finished = run->producers_done = 0;
  fflush(NULL); /* nothing buffered is written twice */
  for (unsigned i = 0; i < n; i++) {
    pid_t pid;
    workers[i].run = run;
    workers[i].cpu = plan->cpu[i];
    pid = fork();
    if (pid == 0)
      process_main(&workers[i], plan->fn[i]);
    if (pid < 0) {
      snprintf(why, why_len, "fork failed (%s)", strerror(errno));
      __atomic_store_n(&run->phase, BENCH_ABORT, __ATOMIC_RELAXED);
      __atomic_store_n(&run->go, 1, __ATOMIC_RELEASE);
      reap_all(&r, 10000000000u);
      return BENCH_ERROR;
    }
    r.pid[r.n++] = pid;
  }
  /* A worker that dies before the barrier would keep the others waiting for ever. */
  while (__atomic_load_n(&run->ready, __ATOMIC_ACQUIRE) != n) {
    if (reap_some(&r)) {
      __atomic_store_n(&run->phase, BENCH_ABORT, __ATOMIC_RELAXED);
      __atomic_store_n(&run->go, 1, __ATOMIC_RELEASE);
      reap_all(&r, 2000000000u);
      snprintf(why, why_len, "%s", r.died);
      return BENCH_ERROR;
    }
    bench_sleep_ns(100000);
  }

  t0 = bench_now_ns();
  __atomic_store_n(&run->go, 1, __ATOMIC_RELEASE);
  stalled = watch(run, workers, n, t0, duration_ns, stall_ns, wake, reap_some, &r);
  if (r.died[0]) {
    /* The others cannot finish without it: stop them. */
    __atomic_store_n(&run->phase, BENCH_ABORT, __ATOMIC_RELAXED);
    if (wake) {
      if (run->q)
        wake(run->q);
      if (run->q2)
        wake(run->q2);
    }
    reap_all(&r, 2000000000u);
    snprintf(why, why_len, "%s", r.died);
    return BENCH_FAIL;
  }
  /* After a stall, the workers had the watchdog's wake and 10 s; the rest are killed. Processes
   * can be, unlike threads, so the run goes on. */
  reap_all(&r, stalled ? 2000000000u : 10000000000u);
  return outcome(workers, n, t0, stalled, stall_ns, timing, why, why_len);
}

static int
cmp_u64(const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

static int
cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

void
bench_sort_u64(uint64_t *v, size_t n)
{
  qsort(v, n, sizeof *v, cmp_u64);
}

void
bench_sort_double(double *v, size_t n)
{
  qsort(v, n, sizeof *v, cmp_double);
}

/* Nearest-rank percentile of sorted values. */
uint64_t
bench_percentile_sorted(const uint64_t *v, size_t n, double pct)
{
  size_t rank;
  if (n == 0)
    return 0;
  rank = (size_t)(pct / 100.0 * (double)n + 0.999999999);
  if (rank < 1)
    rank = 1;
  if (rank > n)
    rank = n;
  return v[rank - 1];
}

double
bench_median(const double *v, size_t n)
{
  double tmp[64], m;
  double *c = n <= 64 ? tmp : (double *)malloc(n * sizeof *c);
  if (c == NULL)
    return v[0];
  memcpy(c, v, n * sizeof *c);
  bench_sort_double(c, n);
  m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
  if (c != tmp)
    free(c);
  return m;
}
