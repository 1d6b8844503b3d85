/* SPDX-License-Identifier: MIT */
/* tests/unit/queue_faketime_test.c: timeouts and deadlines follow CLOCK_MONOTONIC, not the wall
 * clock. Run under libfaketime with only the wall clock faked (FAKETIME_DONT_FAKE_MONOTONIC=1):
 * a wall clock moved back a day, or running 10 times too fast or 100 times too slow, must not
 * change how long a 100 ms wait takes in real time. Never early is checked strictly; late only by
 * seconds (a loaded machine delays a return by a scheduler's whim), which is why the slow clock is
 * 100 times slow: a wait that followed it would take 10 s. Every check that compares two clocks
 * reads the real clock before and after the other, so a preemption between reads cannot fail it.
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
#define LATE_NS (5000 * MS) /* lateness allowed on a shared machine; early is never allowed */

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

/* The faked wall clock at real wall-clock time `real`: offset_s from the start, then `rate`. */
static double
expected_offset(int64_t real, double offset_s, double rate) {
  return offset_s + seconds(real - started_real) * (rate - 1);
}

/* The wall clock is faked as told (offset_s from the start, then running at `rate`), time() with
 * it, and the monotonic clock is not faked. Each faked reading is bracketed by two real readings
 * and must fall between what the faking gives at each (with a tolerance for the start moment). */
static void
check_faking(double offset_s, double rate) {
  int64_t real0 = real_ns(CLOCK_REALTIME), fake = libc_ns(CLOCK_REALTIME);
  time_t fake_time = time(NULL);
  int64_t real1 = real_ns(CLOCK_REALTIME);
  int64_t mono0 = real_ns(CLOCK_MONOTONIC), mono = libc_ns(CLOCK_MONOTONIC);
  int64_t mono1 = real_ns(CLOCK_MONOTONIC);
  double lo = seconds(real0) + expected_offset(real0, offset_s, rate);
  double hi = seconds(real1) + expected_offset(real1, offset_s, rate);
  double fake_s = seconds(fake), time_s = (double)fake_time;
  if (lo > hi) { /* rate < 1 still runs forwards; keep the bracket ordered anyway */
    double t = lo;
    lo = hi;
    hi = t;
  }
  printf("wall clock offset %.3f s (expected %.3f s), time() offset %.3f s, monotonic within "
         "[%.6f, %.6f] s of the real one\n",
         fake_s - seconds(real0), expected_offset(real0, offset_s, rate), time_s - seconds(real0),
         seconds(mono - mono1), seconds(mono - mono0));
  CHECK(fake_s > lo - 0.5 && fake_s < hi + 0.5,
        "the wall clock is not faked as expected: %.3f s, expected between %.3f and %.3f s "
        "(LD_PRELOAD?)",
        fake_s, lo, hi);
  CHECK(time_s > lo - 1.5 && time_s < hi + 1.5, "time() is not faked: %.0f s, expected %.3f s",
        time_s, lo);
  CHECK(mono > mono0 - 10 * MS && mono < mono1 + 10 * MS,
        "CLOCK_MONOTONIC is faked (%.6f s off): set FAKETIME_DONT_FAKE_MONOTONIC=1",
        seconds(mono - mono0));
}

/* One timed call. Real monotonic readings around the faked wall-clock readings around the call:
 * real0 < wall0 < inner0 < call < inner1 < wall1 < real1. */
struct timing {
  int64_t real0, inner0, inner1, real1; /* real monotonic nanoseconds */
  int64_t wall;                         /* faked wall-clock nanoseconds, wall1 - wall0 */
};

/* `earliest`: the real monotonic time before which the call must not have returned (its start
 * plus its timeout, or its absolute deadline). */
static void
check_wait(const char *what, enum ringq_status got, enum ringq_status want, struct timing t,
           int64_t earliest, double rate) {
  int64_t outer = t.real1 - t.real0, inner = t.inner1 - t.inner0;
  printf("%-28s %-16s real %7.3f ms, faked wall clock %8.3f ms (rate %.3f)\n", what,
         ringq_strerror(got), (double)inner / 1e6, (double)t.wall / 1e6,
         (double)t.wall / (double)inner);
  CHECK(got == want, "%s returned %s, expected %s", what, ringq_strerror(got),
        ringq_strerror(want));
  CHECK(t.inner1 >= earliest, "%s returned %.3f ms of real time before its 100 ms were up", what,
        (double)(earliest - t.inner1) / 1e6);
  CHECK(t.inner1 - earliest < LATE_NS, "%s returned %.3f ms of real time after its 100 ms", what,
        (double)(t.inner1 - earliest) / 1e6);
  /* The faking is active during the wait: the wall clock ran at the faked rate. Its interval
   * holds the inner real one and lies within the outer one (5% for the faking's own rounding). */
  CHECK((double)t.wall >= rate * (double)inner * 0.95 &&
            (double)t.wall <= rate * (double)outer * 1.05,
        "the wall clock ran %.3f ms during %s, expected %.3f to %.3f ms at rate %.3f",
        (double)t.wall / 1e6, what, rate * (double)inner / 1e6, rate * (double)outer / 1e6, rate);
}

#define TIMED(t, call)                                                                             \
  do {                                                                                             \
    int64_t w0_;                                                                                   \
    (t).real0 = real_ns(CLOCK_MONOTONIC);                                                          \
    w0_ = libc_ns(CLOCK_REALTIME);                                                                 \
    (t).inner0 = real_ns(CLOCK_MONOTONIC);                                                         \
    st = (call);                                                                                   \
    (t).inner1 = real_ns(CLOCK_MONOTONIC);                                                         \
    (t).wall = libc_ns(CLOCK_REALTIME) - w0_;                                                      \
    (t).real1 = real_ns(CLOCK_MONOTONIC);                                                          \
  } while (0)

static struct timespec
monotonic_after(int64_t ns) {
  int64_t at = libc_ns(CLOCK_MONOTONIC) + ns;
  struct timespec ts = {(time_t)(at / 1000000000), (long)(at % 1000000000)};
  return ts;
}

static int64_t
ns_of(struct timespec ts) {
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
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
    check_wait("get_timeout(100 ms)", st, RINGQ_EMPTY, t, t.inner0 + WAIT_NS, rate);
    TIMED(t, ringq_queue_put_timeout(full, &item, WAIT_NS));
    check_wait("put_timeout(100 ms)", st, RINGQ_FULL, t, t.inner0 + WAIT_NS, rate);
    TIMED(t, ringq_queue_join_timeout(full, WAIT_NS));
    check_wait("join_timeout(100 ms)", st, RINGQ_TIMEDOUT, t, t.inner0 + WAIT_NS, rate);
    deadline = monotonic_after(WAIT_NS);
    TIMED(t, ringq_queue_get_until(empty, &item, &deadline));
    check_wait("get_until(monotonic + 100 ms)", st, RINGQ_EMPTY, t, ns_of(deadline), rate);
    deadline = monotonic_after(WAIT_NS);
    TIMED(t, ringq_queue_put_until(full, &item, &deadline));
    check_wait("put_until(monotonic + 100 ms)", st, RINGQ_FULL, t, ns_of(deadline), rate);
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
