/* SPDX-License-Identifier: MIT */
/* ringq/queue.h: a blocking queue with Python's queue.Queue contract on a lock-free ring.
 *
 * put / get block with or without a timeout, put_nowait / get_nowait never block, qsize / empty /
 * full report the size, task_done / join track unfinished work, and shutdown(immediate) ends the
 * queue as Python 3.13 does. Underneath is an SPSC or MPMC ring (ringq/spsc.h, ringq/mpmc.h) and a
 * futex per waiting direction (not empty, not full, all tasks done). While nobody waits, put and
 * get make no system call, and no atomic read-modify-write beyond the ring's own (an MPMC claim;
 * a private SPSC queue has none at all, a process-shared one publishes with a compare-exchange).
 *
 * Threads. A RINGQ_QUEUE_MPMC queue may be used by any number of threads at once. A
 * RINGQ_QUEUE_SPSC queue allows one putting thread and one getting thread at a time; every other
 * function (qsize, task_done, join, shutdown, ...) may be called from any thread.
 *
 * Ordering. An item returned by get was fully copied in by the put that accepted it (the put
 * happens-before the get that returns its item). Items come out in the order they were accepted
 * (for MPMC: in the order of the puts' claims on the ring).
 *
 * Time. Relative timeouts are in nanoseconds; absolute deadlines are on CLOCK_MONOTONIC, so wall
 * clock changes do not move them. A timeout of 0 never blocks. A negative timeout, or a deadline
 * with tv_nsec outside [0, 1e9) or tv_sec < 0, is RINGQ_EINVAL. A timeout too large to represent
 * waits as if without limit. Signals and spurious wake-ups never end a wait early or restart it.
 *
 * Timed operations report as Python does: a put that times out returns RINGQ_FULL, a get that
 * times out returns RINGQ_EMPTY, a join that times out returns RINGQ_TIMEDOUT.
 */
#ifndef RINGQ_QUEUE_H
#define RINGQ_QUEUE_H

#include "ringq/mpmc.h"
#include "ringq/spsc.h"

#ifdef __cplusplus
#include <ctime>
extern "C" {
#else
#include <stdbool.h>
#include <time.h>
#endif

/* RINGQ_API marks the functions the library exports. libringq is built with hidden visibility
 * and a version script, so nothing else leaves libringq.so; a program that links the static
 * library into a shared object of its own keeps ringq's internals hidden too. */
#ifndef RINGQ_API
#if defined(__GNUC__) || defined(__clang__)
#define RINGQ_API __attribute__((visibility("default")))
#else
#define RINGQ_API
#endif
#endif

/* Which ring backs the queue. */
enum ringq_queue_kind {
  RINGQ_QUEUE_SPSC = 1, /* one putter thread and one getter thread at a time */
  RINGQ_QUEUE_MPMC = 2  /* any number of putters and getters */
};

/* Flags for ringq_queue_init / ringq_queue_create_ex. */
#define RINGQ_QUEUE_PROCESS_SHARED 0x1u /* futexes without FUTEX_PRIVATE_FLAG: the queue may sit
                                           in memory shared between processes */

/* Opaque; its size is given by ringq_queue_memsize. */
struct ringq_queue;

/* Counters of the system calls made on the queue's behalf. */
struct ringq_queue_stats {
  uint64_t waits;    /* futex wait calls */
  uint64_t wakes;    /* futex wake calls */
  uint64_t barriers; /* membarrier calls: a private SPSC queue makes one each time a thread
                        announces itself as a waiter, and one per shutdown (its asymmetric
                        wait protocol; see README) */
};

/* Bytes of caller memory a queue needs, in *bytes. Returns RINGQ_OK, RINGQ_EINVAL (bytes NULL,
 * unknown kind, capacity 0, elem_size 0) or RINGQ_ERANGE. */
RINGQ_API RINGQ__NODISCARD enum ringq_status
ringq_queue_memsize(enum ringq_queue_kind kind, size_t capacity, size_t elem_size, size_t *bytes);

/* Make a queue in caller memory (aligned to RINGQ_CACHE_LINE, at least memsize bytes); the queue
 * is `(struct ringq_queue *)mem`. flags: 0 or RINGQ_QUEUE_PROCESS_SHARED. Not thread-safe.
 * Returns RINGQ_OK, RINGQ_EINVAL (mem NULL, unknown kind or flag, capacity 0, elem_size 0),
 * RINGQ_ERANGE, RINGQ_EALIGN or RINGQ_ETOOSMALL. */
RINGQ_API RINGQ__NODISCARD enum ringq_status ringq_queue_init(void *mem, size_t mem_bytes,
                                                              enum ringq_queue_kind kind,
                                                              size_t capacity, size_t elem_size,
                                                              unsigned flags);

/* Allocate and init a process-private queue; *out is the queue or NULL. Returns RINGQ_OK,
 * RINGQ_EINVAL (out NULL, unknown kind, capacity 0, elem_size 0), RINGQ_ERANGE or RINGQ_ENOMEM. */
RINGQ_API RINGQ__NODISCARD enum ringq_status ringq_queue_create(enum ringq_queue_kind kind,
                                                                size_t capacity, size_t elem_size,
                                                                struct ringq_queue **out);

/* Check that no thread is blocked in the queue; a queue made with ringq_queue_init needs nothing
 * else before its memory is reused. Only threads asleep in the queue are seen: a thread still
 * spinning, or a putter still returning from the put whose item was already got, is not. Free the
 * queue only after every thread that called into it has returned (for instance: shut it down and
 * join your threads).
 * Returns RINGQ_OK, RINGQ_EINVAL (q NULL) or RINGQ_EBUSY (threads are blocked in put, get or
 * join: shut the queue down and let them leave first). */
RINGQ_API RINGQ__NODISCARD enum ringq_status ringq_queue_fini(struct ringq_queue *q);

/* ringq_queue_fini, then free a queue made by ringq_queue_create. On RINGQ_EBUSY nothing is freed.
 * Returns RINGQ_OK, RINGQ_EINVAL (q NULL) or RINGQ_EBUSY. */
RINGQ_API RINGQ__NODISCARD enum ringq_status ringq_queue_destroy(struct ringq_queue *q);

/* Put one item (elem_size bytes copied from item), waiting for room without limit.
 * Returns RINGQ_OK, RINGQ_SHUTDOWN (the queue was shut down; the item was not accepted),
 * RINGQ_EINVAL (q or item NULL) or RINGQ_ESYS (the futex call failed unexpectedly). */
RINGQ_API RINGQ__NODISCARD enum ringq_status ringq_queue_put(struct ringq_queue *q,
                                                             const void *item);

/* Put, waiting at most timeout_ns nanoseconds for room (0: do not wait).
 * Returns RINGQ_OK, RINGQ_FULL (no room within the timeout), RINGQ_SHUTDOWN, RINGQ_EINVAL
 * (q or item NULL, timeout_ns < 0) or RINGQ_ESYS. */
RINGQ_API RINGQ__NODISCARD enum ringq_status
ringq_queue_put_timeout(struct ringq_queue *q, const void *item, int64_t timeout_ns);

/* Put, waiting for room until the CLOCK_MONOTONIC time *deadline (a past deadline: do not wait).
 * Returns RINGQ_OK, RINGQ_FULL, RINGQ_SHUTDOWN, RINGQ_EINVAL (a NULL argument, an invalid
 * deadline) or RINGQ_ESYS. */
RINGQ_API RINGQ__NODISCARD enum ringq_status
ringq_queue_put_until(struct ringq_queue *q, const void *item, const struct timespec *deadline);

/* Put without waiting. Returns RINGQ_OK, RINGQ_FULL, RINGQ_SHUTDOWN or RINGQ_EINVAL. */
RINGQ_API RINGQ__NODISCARD enum ringq_status ringq_queue_put_nowait(struct ringq_queue *q,
                                                                    const void *item);

/* Get the oldest item into item (elem_size bytes), waiting without limit.
 * Returns RINGQ_OK, RINGQ_SHUTDOWN (shut down and drained, or shut down immediately),
 * RINGQ_EINVAL (q or item NULL) or RINGQ_ESYS. */
RINGQ_API RINGQ__NODISCARD enum ringq_status ringq_queue_get(struct ringq_queue *q, void *item);

/* Get, waiting at most timeout_ns nanoseconds (0: do not wait). Returns RINGQ_OK, RINGQ_EMPTY (no
 * item within the timeout), RINGQ_SHUTDOWN, RINGQ_EINVAL (NULL argument, timeout_ns < 0) or
 * RINGQ_ESYS. */
RINGQ_API RINGQ__NODISCARD enum ringq_status
ringq_queue_get_timeout(struct ringq_queue *q, void *item, int64_t timeout_ns);

/* Get, waiting until the CLOCK_MONOTONIC time *deadline. Returns RINGQ_OK, RINGQ_EMPTY,
 * RINGQ_SHUTDOWN, RINGQ_EINVAL (a NULL argument, an invalid deadline) or RINGQ_ESYS. */
RINGQ_API RINGQ__NODISCARD enum ringq_status
ringq_queue_get_until(struct ringq_queue *q, void *item, const struct timespec *deadline);

/* Get without waiting. Returns RINGQ_OK, RINGQ_EMPTY, RINGQ_SHUTDOWN or RINGQ_EINVAL. */
RINGQ_API RINGQ__NODISCARD enum ringq_status ringq_queue_get_nowait(struct ringq_queue *q,
                                                                    void *item);

/* Items in the queue: exact when no put or get is running; under concurrency a value between 0
 * and capacity. 0 after an immediate shutdown, and when q is NULL. */
RINGQ_API size_t ringq_queue_qsize(struct ringq_queue *q);
/* qsize == 0. */
RINGQ_API bool ringq_queue_empty(struct ringq_queue *q);
/* qsize == capacity (false when q is NULL). */
RINGQ_API bool ringq_queue_full(struct ringq_queue *q);
/* The capacity given at creation (0 when q is NULL). */
RINGQ_API size_t ringq_queue_capacity(const struct ringq_queue *q);

/* Mark one item got from the queue as processed. Every accepted put adds an unfinished task;
 * task_done removes one; join waits for none to be left. An item counts as got from the moment a
 * get takes it from the ring (for MPMC, slightly before that get returns).
 * Returns RINGQ_OK, RINGQ_ETASKDONE (more task_done calls than items were got; nothing changes)
 * or RINGQ_EINVAL (q NULL). */
RINGQ_API RINGQ__NODISCARD enum ringq_status ringq_queue_task_done(struct ringq_queue *q);

/* Wait until every accepted item has been got and marked done (after an immediate shutdown: every
 * item that was got). Returns RINGQ_OK, RINGQ_EINVAL (q NULL) or RINGQ_ESYS. */
RINGQ_API RINGQ__NODISCARD enum ringq_status ringq_queue_join(struct ringq_queue *q);
/* join, waiting at most timeout_ns. Returns RINGQ_OK, RINGQ_TIMEDOUT, RINGQ_EINVAL (q NULL,
 * timeout_ns < 0) or RINGQ_ESYS. */
RINGQ_API RINGQ__NODISCARD enum ringq_status ringq_queue_join_timeout(struct ringq_queue *q,
                                                                      int64_t timeout_ns);
/* join until the CLOCK_MONOTONIC time *deadline. Returns RINGQ_OK, RINGQ_TIMEDOUT, RINGQ_EINVAL
 * (a NULL argument, an invalid deadline) or RINGQ_ESYS. */
RINGQ_API RINGQ__NODISCARD enum ringq_status
ringq_queue_join_until(struct ringq_queue *q, const struct timespec *deadline);

/* Shut the queue down, for good (a later call may only upgrade to immediate). Afterwards every put
 * returns RINGQ_SHUTDOWN. immediate == false: gets return the items left, then RINGQ_SHUTDOWN.
 * immediate == true: the items left are discarded and counted as done for join, and gets return
 * RINGQ_SHUTDOWN at once. Every thread blocked in put, get or join wakes and re-checks; a thread
 * that starts to wait later never sleeps. Any thread, but not from a signal handler (for an SPSC
 * queue it waits for a put or get under way to finish). Returns RINGQ_OK or RINGQ_EINVAL
 * (q NULL). */
RINGQ_API RINGQ__NODISCARD enum ringq_status ringq_queue_shutdown(struct ringq_queue *q,
                                                                  bool immediate);

/* Whether a shutdown has taken effect: once true, every put fails (false when q is NULL). */
RINGQ_API bool ringq_queue_is_shutdown(struct ringq_queue *q);

/* The queue's system-call counters (zeroes when a NULL argument is given). Any thread. */
RINGQ_API void ringq_queue_stats(struct ringq_queue *q, struct ringq_queue_stats *out);

/* The library's version, MAJOR * 10000 + MINOR * 100 + PATCH (0.2.0 is 200), and as a string
 * ("0.2.0"). Any thread, including a signal handler. A program built against one version and run
 * with another shared library of the same ABI (the same SONAME, libringq.so.N) works unchanged. */
RINGQ_API unsigned ringq_version(void);
RINGQ_API const char *ringq_version_string(void);

#ifdef __cplusplus
}
#endif

#endif /* RINGQ_QUEUE_H */
