/* SPDX-License-Identifier: MIT */
/* tests/unit/queue_faketime_test.c: timeouts and deadlines follow CLOCK_MONOTONIC, not the wall
 * clock. Run under libfaketime with only the wall clock faked (FAKETIME_DONT_FAKE_MONOTONIC=1):
 * a wall clock moved back a day, or running 10 times too fast or too slow, must not change how
 * long a 100 ms wait takes in real time.
 *
 * A plain executable, not Criterion (which forks): CTest sets LD_PRELOAD and FAKETIME.
 * Usage: queue_faketime_test <libfaketime path> <expected wall offset, s> <expected wall rate>
 * Exit codes: 0 pass, 1 fail, 77 skip (libfaketime is not installed). */
#define _GNU_SOURCE
#include <ringq/queue.h>

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MS ((int64_t)1000000)
#define WAIT_NS (100 * MS)
#define LATE_NS (400 * MS) /* lateness allowed on a shared machine; early is never allowed */

static int failures;
static int64_t
    started_real; /* real wall-clock time at start; libfaketime's start is a moment earlier */

#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                         \
      fprintf(stderr, __VA_ARGS__);                                                                \
      fputc('\n', stderr);                                                                         \
      failures++;                                                                                  \
    }                                                                                              \
  } while (0)

/* A clock read by the system call itself, which libfaketime does not intercept. */
static int64_t
real_ns(clockid_t clock) {
  struct timespec ts;
  if (syscall(SYS_clock_gettime, clock, &ts) != 0) {
    perror("clock_gettime syscall");
    exit(1);
  }
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A clock read through libc, which libfaketime intercepts when preloaded. */
static int64_t
libc_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double
seconds(int64_t ns) {
  return (double)ns / 1e9;
}

/* The wall clock is faked as told (offset_s from the start, then running at `rate`), time() with
 * it, and the monotonic clock is not faked. */
static void
check_faking(double offset_s, double rate) {
  int64_t fake = libc_ns(CLOCK_REALTIME), real = real_ns(CLOCK_REALTIME);
  time_t fake_time = time(NULL);
  double want = offset_s + seconds(real - started_real) * (rate - 1);
  double off = seconds(fake - real), time_off = (double)fake_time - seconds(real);
  int64_t mono = libc_ns(CLOCK_MONOTONIC) - real_ns(CLOCK_MONOTONIC);
  printf("wall clock offset %.3f s (expected %.3f s), time() offset %.3f s, monotonic offset "
         "%.6f s\n",
         off, want, time_off, seconds(mono));
  CHECK(off > want - 0.5 && off < want + 0.5,
        "the wall clock is not faked as expected: offset %.3f s, expected %.3f s (LD_PRELOAD?)",
        off, want);
  CHECK(time_off > want - 1.5 && time_off < want + 1.5, "time() is not faked: offset %.3f s",
        time_off);
  CHECK(mono > -10 * MS && mono < 10 * MS,
        "CLOCK_MONOTONIC is faked (offset %.6f s): set FAKETIME_DONT_FAKE_MONOTONIC=1",
        seconds(mono));
}

/* One timed call: real time taken, on the kernel's monotonic clock. */
struct timing {
  int64_t real; /* real monotonic nanoseconds */
  int64_t wall; /* faked wall-clock nanoseconds */
};

static void
check_wait(const char *what, enum ringq_status got, enum ringq_status want, struct timing t,
           double rate) {
  double wall_rate = (double)t.wall / (double)t.real;
  printf("%-28s %-16s real %7.3f ms, faked wall clock %8.3f ms (rate %.2f)\n", what,
         ringq_strerror(got), (double)t.real / 1e6, (double)t.wall / 1e6, wall_rate);
  CHECK(got == want, "%s returned %s, expected %s", what, ringq_strerror(got),
        ringq_strerror(want));
  CHECK(t.real >= WAIT_NS, "%s returned after %.3f ms of real time, before its 100 ms", what,
        (double)t.real / 1e6);
  CHECK(t.real < WAIT_NS + LATE_NS, "%s took %.3f ms of real time for a 100 ms wait", what,
        (double)t.real / 1e6);
  /* The faking is active during the wait: the wall clock ran at the faked rate. */
  CHECK(wall_rate > rate * 0.7 && wall_rate < rate * 1.3,
        "the wall clock ran at rate %.2f during %s, expected %.2f", wall_rate, what, rate);
}

#define TIMED(t, call)                                                                             \
  do {                                                                                             \
    int64_t r0_ = real_ns(CLOCK_MONOTONIC), w0_ = libc_ns(CLOCK_REALTIME);                         \
    st = (call);                                                                                   \
    (t).wall = libc_ns(CLOCK_REALTIME) - w0_;                                                      \
    (t).real = real_ns(CLOCK_MONOTONIC) - r0_;                                                     \
  } while (0)

static struct timespec
monotonic_after(int64_t ns) {
  int64_t at = libc_ns(CLOCK_MONOTONIC) + ns;
  struct timespec ts = {(time_t)(at / 1000000000), (long)(at % 1000000000)};
  return ts;
}

int
main(int argc, char **argv) {
  static const enum ringq_queue_kind kinds[] = {RINGQ_QUEUE_SPSC, RINGQ_QUEUE_MPMC};
  double offset_s, rate;
  size_t k;
  if (argc != 4) {
    fprintf(stderr, "usage: %s <libfaketime path> <wall offset s> <wall rate>\n", argv[0]);
    return 1;
  }
  if (access(argv[1], R_OK) != 0) {
    printf("SKIP: %s not found (install libfaketime)\n", argv[1]);
    return 77;
  }
  started_real = real_ns(CLOCK_REALTIME);
  offset_s = strtod(argv[2], NULL);
  rate = strtod(argv[3], NULL);
  printf("FAKETIME=\"%s\" FAKETIME_DONT_FAKE_MONOTONIC=%s LD_PRELOAD=%s\n",
         getenv("FAKETIME") ? getenv("FAKETIME") : "(unset)",
         getenv("FAKETIME_DONT_FAKE_MONOTONIC") ? getenv("FAKETIME_DONT_FAKE_MONOTONIC") : "",
         getenv("LD_PRELOAD") ? getenv("LD_PRELOAD") : "(unset)");
  check_faking(offset_s, rate);
  if (failures)
    return 1; /* without the faking the rest would pass vacuously */

  for (k = 0; k < 2; k++) {
    struct ringq_queue *empty = NULL, *full = NULL;
    struct timespec deadline;
    struct timing t;
    uint64_t item = 1;
    enum ringq_status st;
    printf("%s:\n", kinds[k] == RINGQ_QUEUE_SPSC ? "SPSC" : "MPMC");
    if (ringq_queue_create(kinds[k], 1, sizeof item, &empty) != RINGQ_OK ||
        ringq_queue_create(kinds[k], 1, sizeof item, &full) != RINGQ_OK ||
        ringq_queue_put(full, &item) != RINGQ_OK) {
      fprintf(stderr, "FAIL: cannot make the queues\n");
      return 1;
    }
    TIMED(t, ringq_queue_get_timeout(empty, &item, WAIT_NS));
    check_wait("get_timeout(100 ms)", st, RINGQ_EMPTY, t, rate);
    TIMED(t, ringq_queue_put_timeout(full, &item, WAIT_NS));
    check_wait("put_timeout(100 ms)", st, RINGQ_FULL, t, rate);
    TIMED(t, ringq_queue_join_timeout(full, WAIT_NS));
    check_wait("join_timeout(100 ms)", st, RINGQ_TIMEDOUT, t, rate);
    deadline = monotonic_after(WAIT_NS);
    TIMED(t, ringq_queue_get_until(empty, &item, &deadline));
    check_wait("get_until(monotonic + 100 ms)", st, RINGQ_EMPTY, t, rate);
    deadline = monotonic_after(WAIT_NS);
    TIMED(t, ringq_queue_put_until(full, &item, &deadline));
    check_wait("put_until(monotonic + 100 ms)", st, RINGQ_FULL, t, rate);
    if (ringq_queue_destroy(empty) != RINGQ_OK || ringq_queue_destroy(full) != RINGQ_OK) {
      fprintf(stderr, "FAIL: destroy\n");
      return 1;
    }
  }
  check_faking(offset_s, rate); /* still faked at the end (the offset grows with the rate) */
  if (failures) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  printf("PASS\n");
  return 0;
}
