/* SPDX-License-Identifier: MIT */
/* src/wait_linux.c: the wait primitive of wait.h on Linux futexes (FUTEX_WAIT_BITSET, whose
 * timeout is an absolute CLOCK_MONOTONIC time). */
#define _GNU_SOURCE
#include "wait.h"

#include "ringq/queue.h"

#include <errno.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifdef RINGQ_TEST_HOOKS
_Atomic(ringq__hook_fn) ringq__test_hook;
_Atomic(uint64_t) ringq__test_futex_calls;
_Atomic(uint64_t) ringq__test_capped_sleeps;
#define COUNT_FUTEX_CALL()                                                                       \
  /* relaxed: a statistic read after the threads are joined. */                                  \
  atomic_fetch_add_explicit(&ringq__test_futex_calls, 1, memory_order_relaxed)
#else
#define COUNT_FUTEX_CALL() ((void)0)
#endif

int
ringq__wait(_Atomic(uint32_t) *word, uint32_t expected, int64_t deadline_ns, int shared)
{
  struct timespec ts;
  struct timespec *tsp = NULL;
  int op = FUTEX_WAIT_BITSET | (shared ? 0 : FUTEX_PRIVATE_FLAG);
  int saved = errno, result;
  long rc;
  if (deadline_ns != RINGQ__FOREVER) {
    if (deadline_ns <= ringq__now_ns())
      return RINGQ_TIMEDOUT;
    ts.tv_sec = (time_t)(deadline_ns / 1000000000);
    ts.tv_nsec = (long)(deadline_ns % 1000000000);
    tsp = &ts;
  }
  COUNT_FUTEX_CALL();
  {
    /* A cancellation point, as a blocking wait should be: asynchronous cancellation only around
     * the bare system call (what libc's own cancellation points do), so pthread_cancel reaches a
     * sleeping thread; the caller's cleanup handler (queue.c, take_back) undoes its announcement.
     * Nothing happens when the thread disabled cancellation. */
    int old_type;
    pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &old_type);
    rc = syscall(SYS_futex, word, op, expected, tsp, NULL, FUTEX_BITSET_MATCH_ANY);
    pthread_setcanceltype(old_type, NULL);
  }
  if (rc == 0)
    result = 0;
  else if (errno == EAGAIN || errno == EINTR)
    result = 0; /* the word had changed, or a signal: the caller re-checks */
  else if (errno == ETIMEDOUT)
    result = RINGQ_TIMEDOUT;
  else
    result = RINGQ_ESYS;
  errno = saved;
  return result;
}

void
ringq__wake(_Atomic(uint32_t) *word, int count, int shared)
{
  int op = FUTEX_WAKE | (shared ? 0 : FUTEX_PRIVATE_FLAG);
  int saved = errno;
  COUNT_FUTEX_CALL();
  (void)syscall(SYS_futex, word, op, count, NULL, NULL, 0);
  errno = saved;
}

int64_t
ringq__now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void
ringq__yield(void)
{
  sched_yield();
}

/* 0: not asked yet; 1: registered; -1: unavailable. */
static _Atomic(int) heavy_barrier_state;

int
ringq__heavy_barrier_available(void)
{
  /* relaxed: the value is derived from the kernel alone; racing first callers both register, and
   * registering twice is harmless. */
  int st = atomic_load_explicit(&heavy_barrier_state, memory_order_relaxed);
  if (st == 0) {
    int saved = errno;
    long cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    st = -1;
    /* Probe the real command too: a seccomp filter may allow QUERY and REGISTER and refuse it. */
    if (cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
        syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0 &&
        syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0)
      st = 1;
#ifdef RINGQ_TEST_HOOKS
    /* Tests run the symmetric (seq_cst) protocol too. */
    if (getenv("RINGQ_TEST_NO_MEMBARRIER") != NULL)
      st = -1;
#endif
    errno = saved;
    atomic_store_explicit(&heavy_barrier_state, st, memory_order_relaxed);
  }
  return st == 1;
}

int
ringq__heavy_barrier(void)
{
  int saved = errno;
  long rc = syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
  errno = saved;
  if (rc != 0) /* relaxed, as above: queues made from now on start with the symmetric protocol */
    atomic_store_explicit(&heavy_barrier_state, -1, memory_order_relaxed);
  return rc == 0 ? 0 : -1; /* refused (a seccomp filter installed later): the caller degrades */
}

void
ringq__nap(int64_t ns)
{
  struct timespec ts;
  int saved = errno;
  ts.tv_sec = (time_t)(ns / 1000000000);
  ts.tv_nsec = (long)(ns % 1000000000);
  (void)nanosleep(&ts, NULL);
  errno = saved;
}
