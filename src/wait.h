/* SPDX-License-Identifier: MIT */
/* src/wait.h: the internal contract of the platform wait primitive (never installed).
 *
 * One implementation per platform (wait_linux.c: futex). The blocking layer needs only: sleep on a
 * 32-bit word while it holds an expected value, until an absolute CLOCK_MONOTONIC deadline; wake
 * sleepers on a word; a monotonic clock; a CPU relax hint and a yield. `shared` selects words that
 * can be waited on from several processes (no FUTEX_PRIVATE_FLAG on Linux). */
#ifndef RINGQ_SRC_WAIT_H
#define RINGQ_SRC_WAIT_H

#include <stdatomic.h>
#include <stdint.h>

/* A deadline meaning "no limit". */
#define RINGQ__FOREVER INT64_MAX

/* Sleep while *word == expected, until woken or until the CLOCK_MONOTONIC time deadline_ns
 * (RINGQ__FOREVER: no limit). A cancellation point while it sleeps. Returns 0 when the caller must simply re-check its condition (woken,
 * the word no longer held `expected`, a signal, a spurious wake-up), RINGQ_TIMEDOUT once the
 * deadline has passed, RINGQ_ESYS on an unexpected failure. errno is left as it was. */
int ringq__wait(_Atomic(uint32_t) *word, uint32_t expected, int64_t deadline_ns, int shared);

/* Wake up to `count` threads sleeping on word (INT32_MAX: all). errno is left as it was. */
void ringq__wake(_Atomic(uint32_t) *word, int count, int shared);

/* Nanoseconds on CLOCK_MONOTONIC. */
int64_t ringq__now_ns(void);

/* Give the CPU to another thread (sched_yield). */
void ringq__yield(void);

/* Sleep about ns nanoseconds (signals may cut it short). */
void ringq__nap(int64_t ns);

/* Asymmetric barrier. ringq__heavy_barrier() makes every thread of this process that is running
 * execute a full memory barrier before it returns (Linux membarrier, PRIVATE_EXPEDITED); threads
 * that are not running pass through the scheduler's barriers. Paired with a compiler-only barrier
 * (atomic_signal_fence) on a fast path, it orders that path's earlier stores before its later
 * loads as seen by the caller: the caller's store / heavy barrier / load and the fast path's
 * store / compiler barrier / load cannot both miss each other's store.
 * ringq__heavy_barrier_available() registers the process once and tells whether it works: it
 * tries the real command once, so a kernel without it or a seccomp filter that refuses it (while
 * allowing QUERY and REGISTER) says no. ringq__heavy_barrier() returns 0, or -1 when the barrier
 * was refused (a filter installed later): the caller must then stop relying on it (queue.c
 * degrades the queue to the symmetric protocol). It never aborts. */
int ringq__heavy_barrier_available(void);
int ringq__heavy_barrier(void);

/* Tell the CPU we are spinning. */
static inline void
ringq__relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/* Test-only instrumentation, compiled in the ringq_testable library only (RINGQ_TEST_HOOKS). The
 * hook runs between the steps of the wait protocol so tests can inject yields and sleeps there;
 * the counter counts every futex system call actually made. */
enum ringq__hook_point {
  RINGQ__HOOK_BEFORE_ANNOUNCE, /* waiter: epoch read, not yet counted as a waiter */
  RINGQ__HOOK_AFTER_ANNOUNCE,  /* waiter: counted, condition not yet re-checked */
  RINGQ__HOOK_BEFORE_SLEEP,    /* waiter: condition re-checked false, futex wait next */
  RINGQ__HOOK_AFTER_PUBLISH,   /* notifier: ring updated, waiter count not yet read */
  RINGQ__HOOK_BEFORE_WAKE,     /* notifier: waiters seen, epoch not yet bumped */
  RINGQ__HOOK_PEER_PUT_CLAIMED, /* shared MPMC put (peers.c): tail claimed, slot not written */
  RINGQ__HOOK_PEER_GET_CLAIMED, /* shared MPMC get (peers.c): head claimed, slot not released */
  RINGQ__HOOK_GET_BUSY,         /* SPSC get: get_busy raised ([G1]), state not yet read */
  RINGQ__HOOK_BYTES_CLAIMED,    /* shared byte put / reserve: wpos claimed ([R3]), header 0 */
  RINGQ__HOOK_BYTES_WRITTEN,    /* shared byte put: BUSY, message copied, commit not begun */
  RINGQ__HOOK_BYTES_COUNTING,   /* shared byte commit: COUNTING CAS done, [P2] not yet */
  RINGQ__HOOK_BYTES_COUNTED,    /* shared byte commit: [P2] done, [P3] not yet */
  RINGQ__HOOK_SHUTDOWN_BEGUN,   /* shutdown: CLOSING set, closed mark not yet */
  RINGQ__HOOK_DISCARDED         /* immediate shutdown: one more item discarded and counted */
};
#ifdef RINGQ_TEST_HOOKS
typedef void (*ringq__hook_fn)(enum ringq__hook_point);
extern _Atomic(ringq__hook_fn) ringq__test_hook;
extern _Atomic(uint64_t) ringq__test_futex_calls;
/* Sleeps that ended because the queue's cap on one sleep (MAX_SLEEP_NS) passed, not the caller's
 * deadline: in a test without multi-second stalls, each one is a wake-up that was lost. */
extern _Atomic(uint64_t) ringq__test_capped_sleeps;
/* Calls that reached the library's single-item put / get, timed ones included (src/queue.c's
 * put_until / get_until: the twins of the inline fast path, and every call made with
 * RINGQ_NO_INLINE): a test can tell which path served a put or get. */
extern _Atomic(uint64_t) ringq__test_twin_calls;
#define RINGQ__COUNT_TWIN_CALL()                                                                 \
  /* relaxed: a statistic. */                                                                    \
  atomic_fetch_add_explicit(&ringq__test_twin_calls, 1, memory_order_relaxed)
#define RINGQ__HOOK(point)                                                                       \
  do {                                                                                           \
    /* relaxed: tests install the hook before starting threads. */                               \
    ringq__hook_fn hook_ = atomic_load_explicit(&ringq__test_hook, memory_order_relaxed);        \
    if (hook_ != NULL)                                                                           \
      hook_(point);                                                                              \
  } while (0)
#else
#define RINGQ__HOOK(point) ((void)0)
#define RINGQ__COUNT_TWIN_CALL() ((void)0)
#endif

#endif /* RINGQ_SRC_WAIT_H */
