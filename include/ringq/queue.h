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
 *
 * Results a sequential queue would give. After a put returns RINGQ_OK, a get that starts later
 * (in the same thread, or in any thread ordered after it) does not report EMPTY, and does not time
 * out, while that item or an earlier one is still in the queue; a put reports FULL only while
 * `capacity` items are accepted and not yet got (a get that returned has freed its room). In an
 * MPMC queue a put (or get) preempted between claiming its slot and finishing its copy holds that
 * slot; a get that needs it, because a completed put's item sits behind it, waits for that thread
 * to run again before it claims anything (and likewise a put for a getter mid-copy). So put_nowait
 * and get_nowait of an MPMC queue are not lock-free: they may wait for another thread to be
 * scheduled (a few instructions once it runs); a timed call waits for it until its deadline only,
 * and reports FULL or EMPTY if that passes first (the one case where a result can differ from a
 * sequential queue's: a peer stopped mid-copy for longer than the caller waits). A get that sees
 * only puts still under way reports EMPTY at once. Results that count such a claim agree with each
 * other: after a put reported FULL, or a task_done or a timed-out join counted a put still under
 * way, a later get does not report EMPTY for it; after a get reported EMPTY, a later put does not
 * report FULL for the gets it counted. An SPSC queue never waits for another thread in its nowait
 * calls.
 *
 * Unbounded queues. ringq_queue_create(kind, 0, elem_size, &q) makes a queue without a bound, as
 * Python's Queue() (maxsize <= 0): put never reports FULL and never waits for room; items go into
 * segments of slots allocated as the backlog grows (no allocation per item; one drained segment is
 * kept as a spare, the others are freed, so the bytes held, reported by ringq_queue_stats, follow
 * the backlog). A put that needs a new segment when no memory is left returns RINGQ_ENOMEM and
 * accepts nothing. full() is always false and capacity() is 0; everything else (timeouts, nowait,
 * bursts, task_done / join, shutdown, discards) is as above, with one difference: an unbounded
 * MPMC get that finds a put claimed but not yet copied waits for that putter, as Python's get
 * waits for the lock a put holds, instead of reporting EMPTY at once (its gets never overtake a
 * claim), and a timed get may then return after its deadline. Unbounded queues live in process
 * memory: ringq_queue_memsize and ringq_queue_init (caller memory, process-shared queues) refuse
 * capacity 0.
 *
 * Threads, signals, cancellation. The calls that may wait (put, get, join and their timed
 * variants; and put_nowait / get_nowait of an MPMC queue, see above) are cancellation points:
 * pthread_cancel of a thread waiting in one takes back its place among the waiters, so notifiers
 * stop paying for it and fini does not report EBUSY for it. shutdown and fini are not
 * cancellation points (they run with cancellation disabled). A thread may be cancelled only while
 * it waits, never while it holds a slot. Async-signal-safe: qsize, empty, full, capacity,
 * is_shutdown, stats, ringq_version, ringq_version_string, ringq_layout_version and
 * ringq_layout_hash; nothing else.
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
  RINGQ_QUEUE_SPSC = 1,       /* one putter thread and one getter thread at a time */
  RINGQ_QUEUE_MPMC = 2,       /* any number of putters and getters */
  RINGQ_QUEUE_BYTES_SPSC = 3, /* byte messages (see below): one putter, one getter at a time */
  RINGQ_QUEUE_BYTES_MPSC = 4  /* byte messages: any number of putters, one getter at a time */
};

/* Flags for ringq_queue_init / ringq_queue_create_ex. */
#define RINGQ_QUEUE_PROCESS_SHARED                                                                 \
  0x1u /* futexes without FUTEX_PRIVATE_FLAG: the queue may sit                                    \
          in memory shared between processes */

/* Opaque; its size is given by ringq_queue_memsize. */
struct ringq_queue;

/* What the inline fast path reads of a queue (see "the inline fast path" at the end of this
 * header): internals, shown here only because they are ABI. */

/* The leading fields of every struct ringq_queue (src/queue_internal.h lists the rest). Written at
 * init, read-only after but for asym. */
#define RINGQ__HANDLE_FIELDS                                                                       \
  uint32_t kind;            /* enum ringq_queue_kind */                                            \
  uint32_t flags;           /* RINGQ_QUEUE_PROCESS_SHARED or 0 */                                  \
  uint64_t ring_offset;     /* bytes from the handle to its ring */                                \
  uint64_t shared_offset;   /* bytes from the handle to its struct ringq__shared */                \
  uint32_t token;           /* 1: elem_size 0, items carry no bytes */                             \
  uint32_t unbounded;       /* 1: capacity 0, segments at ring_offset (src/unbounded.h) */         \
  struct ringq__geom geom;  /* the ring's geometry, validated once (bounded rings only) */         \
  uint32_t owner;           /* the pid (ringq__self) that may use a private queue; 0: any */       \
  uint32_t fast;            /* RINGQ__FAST(kind): the inline path serves this handle; 0: not */    \
  RINGQ__ATOMIC(uint32_t) asym; /* 1: the asymmetric (membarrier) protocol; only ever cleared */

/* A view of any struct ringq_queue (may_alias: the inline path reads a queue through it). */
#if defined(__GNUC__) || defined(__clang__)
#define RINGQ__MAY_ALIAS __attribute__((__may_alias__))
#else
#define RINGQ__MAY_ALIAS
#endif
struct RINGQ__MAY_ALIAS ringq__handle {
  RINGQ__HANDLE_FIELDS
};

/* What `fast` holds for a handle of `kind` that the inline path serves: the kind, the layout
 * version and the cache line the library was built with. Inline code compiled against other
 * headers than the library's (another RINGQ_LAYOUT_VERSION or RINGQ_CACHE_LINE, whose fields
 * would sit elsewhere) finds another value and calls the library for everything. */
#define RINGQ__FAST(kind)                                                                          \
  (0x51000000u | ((uint32_t)RINGQ_LAYOUT_VERSION << 12) |                                          \
   ((uint32_t)RINGQ_CACHE_LINE / 64u << 4) | (uint32_t)(kind))

/* The state bits the inline path reads (src/queue_internal.h has them all). */
#define RINGQ__STATE_CLOSING 1u /* a shutdown began: puts stop */
#define RINGQ__STATE_DISCARD 2u /* an immediate shutdown began: gets stop */

/* One waitable condition, one 64-bit word (queue.c, "Waking one waiter, not all"):
 *   bits  0..31  the epoch: the futex word; a notifier that issues wakes moves it on;
 *   bits 32..47  sleepers: waiters announced ([W1]) and not yet left ([W3]), at most SLEEPERS_MAX;
 *   bits 48..62  tokens: wakes issued and not yet consumed by a leaving waiter; never above
 *                sleepers, so 15 bits hold them;
 *   bit  63      POLLER: an event-loop poller announced itself (poll.c); the notifier that sees
 *                it clears it and signals the poller's eventfd. */
struct ringq__waitq {
  RINGQ__ATOMIC(uint64_t) word;
};

/* The words every participant of a queue writes: in the queue itself for a queue made by
 * ringq_queue_init / ringq_queue_create, in the mapping for a queue made or attached by src/shm.c.
 * In a mapping they are written by other processes and trusted by none: nothing read from here
 * sizes a copy or addresses memory (see docs/design/handle-and-layout.md). */
struct ringq__shared {
  /* Read by every put and get, written only by waiters, notifiers that found waiters and
   * shutdown: stays shared in every cache while nobody waits. */
  RINGQ__ALIGNAS(RINGQ_CACHE_LINE) struct ringq__waitq not_empty;
  struct ringq__waitq not_full;
  struct ringq__waitq all_done;
  RINGQ__ATOMIC(uint32_t) state; /* RINGQ__STATE_* bits; they are only ever set */

  /* Written by task_done and by the slow paths. */
  /* tickets of tasks done or discarded; never above tail */
  RINGQ__ALIGNAS(RINGQ_CACHE_LINE) RINGQ__ATOMIC(uint64_t) done;
  RINGQ__ATOMIC(uint32_t) blocked; /* threads inside wait_step (for fini) */
  /* A queue with a participant table: 0, or the tag of the immediate shutdown that holds the
   * discarder's role (src/peers.c, "Dead shutdown callers"). Unused in a private queue. */
  RINGQ__ATOMIC(uint32_t) discarder;
  /* MPMC: the highest ticket whose put (puts_seen) or get (gets_seen) a result has counted as
   * done while it may still have been copying; see queue.c, "Results a sequential queue would
   * give". Free-running tickets, compared by signed difference. */
  RINGQ__ATOMIC(uint64_t) puts_seen;
  RINGQ__ATOMIC(uint64_t) gets_seen;
  RINGQ__ATOMIC(uint64_t) tail_seen; /* task_done's copy of a value tail had (tail only grows) */
  RINGQ__ATOMIC(uint64_t) stat_waits;                      /* futex waits made */
  RINGQ__ATOMIC(uint64_t) stat_wakes;                      /* futex wakes made */
  RINGQ__ATOMIC(uint64_t) stat_barriers;                   /* membarrier calls made */
  RINGQ__ATOMIC(uint64_t) stat_lost; /* items skipped because their process died mid-claim
                                  (src/peers.c) */

  /* The SPSC putter's own line (asymmetric protocol only). */
  RINGQ__ALIGNAS(RINGQ_CACHE_LINE) RINGQ__ATOMIC(uint32_t) put_busy; /* 1 from [A1] to [A2] */

  /* The SPSC getter's own line. */
  RINGQ__ALIGNAS(RINGQ_CACHE_LINE) RINGQ__ATOMIC(uint32_t) get_busy; /* 1 from [G1] to [G2] */
};

/* A function that takes over an item the queue discards (ringq_queue_set_discard): `item` points
 * at its elem_size bytes (NULL in a queue of elem_size 0) and is valid only during the call; copy
 * what you need (for instance the pointer or descriptor the item holds) and release it. */
typedef void (*ringq_discard_fn)(void *item, void *ctx);

/* What a byte-message queue hands its discard callback as `item`: the message, in place. */
struct ringq_queue_msg {
  const void *data;
  size_t len;
};

/* Counters of the system calls made on the queue's behalf. */
struct ringq_queue_stats {
  uint64_t waits;    /* futex wait calls */
  uint64_t wakes;    /* futex wake calls */
  uint64_t barriers; /* membarrier calls: a private SPSC queue makes one each time a thread
                        announces itself as a waiter, and one per shutdown (its asymmetric
                        wait protocol; see README) */
  uint64_t bytes;    /* bytes the queue holds: its memsize for a bounded queue; for an unbounded
                        one (capacity 0) the queue plus its segments, which follow the backlog */
  uint64_t lost;     /* items lost to dead processes (queues made or attached by the shm API):
                        an MPMC item whose putter died between claiming and writing its slot,
                        or that a getter claimed and died before releasing; each is counted as
                        done for join. 0 for every other queue. README, "Between processes" */
};

/* Bytes of caller memory a queue needs, in *bytes. elem_size 0 makes a queue of tokens (items
 * carry no bytes, as Python code passes None through a Queue used as a throttle): item pointers
 * may then be NULL. Returns RINGQ_OK, RINGQ_EINVAL (bytes NULL, unknown kind, capacity 0: an
 * unbounded queue allocates, see ringq_queue_create) or RINGQ_ERANGE. */
RINGQ__NODISCARD RINGQ_API enum ringq_status
ringq_queue_memsize(enum ringq_queue_kind kind, size_t capacity, size_t elem_size, size_t *bytes);

/* Make a queue in caller memory (aligned to RINGQ_CACHE_LINE, at least memsize bytes); the queue
 * is `(struct ringq_queue *)mem`. flags: 0 or RINGQ_QUEUE_PROCESS_SHARED. Not thread-safe.
 * Returns RINGQ_OK, RINGQ_EINVAL (mem NULL, unknown kind or flag, capacity 0: unbounded queues
 * are made by ringq_queue_create only), RINGQ_ERANGE, RINGQ_EALIGN or RINGQ_ETOOSMALL. */
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_init(void *mem, size_t mem_bytes,
                                                              enum ringq_queue_kind kind,
                                                              size_t capacity, size_t elem_size,
                                                              unsigned flags);

/* Allocate and init a process-private queue; *out is the queue or NULL. capacity 0 makes an
 * unbounded queue (see "Unbounded queues" above). Returns RINGQ_OK, RINGQ_EINVAL (out NULL,
 * unknown kind), RINGQ_ERANGE or RINGQ_ENOMEM. */
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_create(enum ringq_queue_kind kind,
                                                                size_t capacity, size_t elem_size,
                                                                struct ringq_queue **out);

/* Check that no thread is blocked in the queue; a queue made with ringq_queue_init needs nothing
 * else before its memory is reused. Only threads asleep in the queue are seen: a thread still
 * spinning, or a putter still returning from the put whose item was already got, is not. Free the
 * queue only after every thread that called into it has returned (for instance: shut it down and
 * join your threads). When it returns RINGQ_OK, the items still in the queue are handed to the
 * discard callback, oldest first, if one is set (so ringq_queue_destroy loses nothing).
 * Returns RINGQ_OK, RINGQ_EINVAL (q NULL) or RINGQ_EBUSY (threads are blocked in put, get or
 * join: shut the queue down and let them leave first). */
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_fini(struct ringq_queue *q);

/* ringq_queue_fini, then free a queue made by ringq_queue_create (a handle of a shared queue made
 * or attached by the functions below: ringq_queue_close). On RINGQ_EBUSY nothing is freed.
 * Returns RINGQ_OK, RINGQ_EINVAL (q NULL) or RINGQ_EBUSY. */
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_destroy(struct ringq_queue *q);

/* ---- between processes (src/shm.c) ------------------------------------------------------- */

/* A queue several processes share: made by one (named: POSIX shared memory, by name; or an
 * anonymous memfd whose descriptor is passed on), attached by the others. Each process gets its
 * own handle (struct ringq_queue *, private memory), which it uses with every function of this
 * header and releases with ringq_queue_close; the queue itself lives on while any process maps
 * it (a named one until ringq_queue_shm_unlink too). An attach validates the queue's header once
 * (magic, layout version and hash, this program's compiled layout, kind, sizes, offsets, the
 * file's size) and keeps the geometry in the handle: no later call reads it from shared memory.
 * Shared queues are bounded and process-shared (RINGQ_QUEUE_PROCESS_SHARED; no event-loop
 * descriptors, no discard callback). What a process that writes the mapping can and cannot do
 * to the others: README, "Between processes".
 *
 * The create / open / attach functions are macros that pass this program's compiled
 * RINGQ_LAYOUT_VERSION and header hash to the library's _abi functions, so a program built
 * against other headers than its library is refused (RINGQ_EVERSION). Other languages call the
 * _abi functions with ringq_layout_version() and 0 (no inline code of these headers compiled in).
 *
 * Statuses common to them: RINGQ_EINVAL (out NULL, an empty or invalid name, unknown kind or flag,
 * capacity 0, a mode outside 0777), RINGQ_ERANGE (capacity or elem_size too large),
 * RINGQ_EVERSION (the caller's headers, or the queue's creator, use another layout), RINGQ_ENOMEM
 * (no memory, descriptors or shared memory space) and RINGQ_ESYS (another system call failure). */

/* The version of the layout processes sharing a queue read (see ringq_layout_version below). */
/* 2: shared queues; 3: the waitq words count sleepers and wake tokens (wake one); 4: the
 * participant table (dead peers); 5: a byte queue's open peek moved from the mapping to the
 * handle; 6: the inline fast path (the handle fields and shared words it reads became ABI). */
#define RINGQ_LAYOUT_VERSION 6u

/* Mode of a named queue created with mode 0: read and write for its owner only. */
#define RINGQ_SHM_DEFAULT_MODE 0600u

/* The layout this program's headers were compiled with, as a number: the library compares it
 * with its own at every create and attach. */
static inline uint64_t
ringq__header_hash(void)
{
  const uint64_t words[] = {
      RINGQ_LAYOUT_VERSION,
      RINGQ_CACHE_LINE,
      RINGQ__STEP,
      RINGQ__CLOSED,
      sizeof(struct ringq__geom),
      sizeof(struct ringq_spsc),
      offsetof(struct ringq_spsc, tail),
      offsetof(struct ringq_spsc, head_cache),
      offsetof(struct ringq_spsc, head),
      offsetof(struct ringq_spsc, tail_cache),
      sizeof(struct ringq_mpmc),
      offsetof(struct ringq_mpmc, tail),
      offsetof(struct ringq_mpmc, head_cache),
      offsetof(struct ringq_mpmc, head),
      /* What the inline fast path reads (below). */
      sizeof(struct ringq__handle),
      offsetof(struct ringq__handle, ring_offset),
      offsetof(struct ringq__handle, shared_offset),
      offsetof(struct ringq__handle, geom),
      offsetof(struct ringq__handle, owner),
      offsetof(struct ringq__handle, fast),
      offsetof(struct ringq__handle, asym),
      RINGQ__FAST(0),
      sizeof(struct ringq__shared),
      offsetof(struct ringq__shared, not_full),
      offsetof(struct ringq__shared, state),
      offsetof(struct ringq__shared, put_busy),
      offsetof(struct ringq__shared, get_busy),
      RINGQ__STATE_CLOSING,
      RINGQ__STATE_DISCARD,
  };
  uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a over the words' bytes */
  size_t i, b;
  for (i = 0; i < sizeof words / sizeof words[0]; i++)
    for (b = 0; b < 8; b++) {
      h ^= (words[i] >> (8 * b)) & 0xffu;
      h *= 0x100000001b3ull;
    }
  return h;
}

/* Create the named queue `name` (as shm_open(3): "/name"), exclusively, with permission bits
 * `mode` exactly (0: RINGQ_SHM_DEFAULT_MODE; the umask does not apply). Any bounded kind: for the
 * byte-message kinds, capacity in bytes and elem_size the largest message, as ringq_queue_create
 * takes them. flags: 0 or RINGQ_QUEUE_PROCESS_SHARED (implied). *out is this process's handle.
 * Every attach validates the header and keeps the geometry (a byte queue's ring size, mask and
 * largest message included) in its own handle. Returns RINGQ_OK,
 * RINGQ_EEXIST (the name exists), RINGQ_EACCES, or a common status. */
#define ringq_queue_shm_create(name, mode, kind, capacity, elem_size, flags, out)                  \
  ringq_queue_shm_create_abi((name), (mode), (kind), (capacity), (elem_size), (flags), (out),    \
                             RINGQ_LAYOUT_VERSION, ringq__header_hash())
RINGQ__NODISCARD RINGQ_API enum ringq_status
ringq_queue_shm_create_abi(const char *name, unsigned mode, enum ringq_queue_kind kind,
                           size_t capacity, size_t elem_size, unsigned flags,
                           struct ringq_queue **out, unsigned layout_version, uint64_t header_hash);

/* Attach the named queue `name`. A queue whose creator has not finished making it is waited for,
 * about 2 s at most. Returns RINGQ_OK, RINGQ_ENOENT (no such name), RINGQ_EACCES (its mode refuses
 * this process), RINGQ_TIMEDOUT (never made ready: its creator may have died), RINGQ_ECORRUPT (not
 * a ringq queue, impossible sizes or offsets, a file shorter than the queue), RINGQ_EVERSION, or a
 * common status. */
#define ringq_queue_shm_open(name, out)                                                            \
  ringq_queue_shm_open_abi((name), (out), RINGQ_LAYOUT_VERSION, ringq__header_hash())
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_shm_open_abi(const char *name,
                                                                      struct ringq_queue **out,
                                                                      unsigned layout_version,
                                                                      uint64_t header_hash);

/* Create `name` as ringq_queue_shm_create does, or attach it as ringq_queue_shm_open does if it
 * exists; *created says which. Several processes may race: one creates, the others attach.
 * Returns what those return, and RINGQ_EEXIST when the existing queue has another kind, capacity
 * or element size than asked for (a byte queue: another ring size or largest message than those
 * arguments give; nothing is attached). */
#define ringq_queue_shm_open_or_create(name, mode, kind, capacity, elem_size, flags, out,         \
                                       created)                                                    \
  ringq_queue_shm_open_or_create_abi((name), (mode), (kind), (capacity), (elem_size), (flags),   \
                                     (out), (created), RINGQ_LAYOUT_VERSION, ringq__header_hash())
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_shm_open_or_create_abi(
    const char *name, unsigned mode, enum ringq_queue_kind kind, size_t capacity,
    size_t elem_size, unsigned flags, struct ringq_queue **out, bool *created,
    unsigned layout_version, uint64_t header_hash);

/* Create a queue in an anonymous memory file (memfd, sealed against resizing), to share with
 * fork() children or to pass on: ringq_queue_shm_fd gives its descriptor (close-on-exec: clear
 * FD_CLOEXEC to inherit it across exec), which another process attaches with ringq_queue_attach_fd
 * (for instance after receiving it over a Unix socket, SCM_RIGHTS). Returns RINGQ_OK or a common
 * status. */
#define ringq_queue_memfd_create(kind, capacity, elem_size, flags, out)                            \
  ringq_queue_memfd_create_abi((kind), (capacity), (elem_size), (flags), (out),                   \
                               RINGQ_LAYOUT_VERSION, ringq__header_hash())
RINGQ__NODISCARD RINGQ_API enum ringq_status
ringq_queue_memfd_create_abi(enum ringq_queue_kind kind, size_t capacity, size_t elem_size,
                             unsigned flags, struct ringq_queue **out, unsigned layout_version,
                             uint64_t header_hash);

/* Attach the queue in the memory file `fd` (from ringq_queue_shm_fd, possibly of another process;
 * the handle keeps a duplicate, the caller still owns fd). Returns as ringq_queue_shm_open (with
 * RINGQ_EINVAL for a bad descriptor). */
#define ringq_queue_attach_fd(fd, out)                                                             \
  ringq_queue_attach_fd_abi((fd), (out), RINGQ_LAYOUT_VERSION, ringq__header_hash())
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_attach_fd_abi(int fd,
                                                                       struct ringq_queue **out,
                                                                       unsigned layout_version,
                                                                       uint64_t header_hash);

/* The descriptor of a shared queue's memory file (owned by the handle: closed by
 * ringq_queue_close), or -1 for a queue not made or attached by the functions above. */
RINGQ_API int ringq_queue_shm_fd(const struct ringq_queue *q);

/* Release this process's handle: unmap the queue and free the handle. The queue is not shut down
 * and other processes keep using it. No thread of this process may still be in a call on q.
 * Returns RINGQ_OK or RINGQ_EINVAL (q NULL, or not made or attached by the functions above). */
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_close(struct ringq_queue *q);

/* Remove the name of a named queue (processes that have it attached keep using it; the memory goes
 * when the last one closes it). Returns RINGQ_OK, RINGQ_ENOENT, RINGQ_EACCES or RINGQ_EINVAL. */
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_shm_unlink(const char *name);

/* What an attaching process needs to know (0 when q is NULL): the kind, the element size given
 * at creation (0: tokens), and the flags (RINGQ_QUEUE_PROCESS_SHARED or 0). On a byte-message
 * queue the kind is RINGQ_QUEUE_BYTES_SPSC or _MPSC and the element size is the largest message a
 * put accepts, the value in force (what ringq_queue_bytes_max returns, also when 0 was given at
 * creation). Any queue, shared or not. */
RINGQ_API enum ringq_queue_kind ringq_queue_kind(const struct ringq_queue *q);
RINGQ_API size_t ringq_queue_elem_size(const struct ringq_queue *q);
RINGQ_API unsigned ringq_queue_flags(const struct ringq_queue *q);

/* Put one item (elem_size bytes copied from item), waiting for room without limit.
 * Returns RINGQ_OK, RINGQ_SHUTDOWN (the queue was shut down; the item was not accepted),
 * RINGQ_EINVAL (q NULL, or item NULL with elem_size > 0), RINGQ_ESYS (the futex call failed
 * unexpectedly) or RINGQ_ENOMEM (unbounded queue only: no memory for a new segment; the item was
 * not accepted, at once, whatever the call's timeout). Every put and get below takes a NULL item in
 * a queue of elem_size 0, and every put below may return RINGQ_ENOMEM as put does (put_many: when
 * none was put, else the count). */
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_put(struct ringq_queue *q,
                                                             const void *item);

/* Put, waiting at most timeout_ns nanoseconds for room (0: do not wait).
 * Returns RINGQ_OK, RINGQ_FULL (no room within the timeout), RINGQ_SHUTDOWN, RINGQ_EINVAL
 * (q or item NULL, timeout_ns < 0) or RINGQ_ESYS. */
RINGQ__NODISCARD RINGQ_API enum ringq_status
ringq_queue_put_timeout(struct ringq_queue *q, const void *item, int64_t timeout_ns);

/* Put, waiting for room until the CLOCK_MONOTONIC time *deadline (a past deadline: do not wait).
 * Returns RINGQ_OK, RINGQ_FULL, RINGQ_SHUTDOWN, RINGQ_EINVAL (a NULL argument, an invalid
 * deadline) or RINGQ_ESYS. */
RINGQ__NODISCARD RINGQ_API enum ringq_status
ringq_queue_put_until(struct ringq_queue *q, const void *item, const struct timespec *deadline);

/* Put without waiting. Returns RINGQ_OK, RINGQ_FULL, RINGQ_SHUTDOWN or RINGQ_EINVAL. */
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_put_nowait(struct ringq_queue *q,
                                                                    const void *item);

/* Get the oldest item into item (elem_size bytes), waiting without limit.
 * Returns RINGQ_OK, RINGQ_SHUTDOWN (shut down and drained, or shut down immediately),
 * RINGQ_EINVAL (q or item NULL) or RINGQ_ESYS. */
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_get(struct ringq_queue *q, void *item);

/* Get, waiting at most timeout_ns nanoseconds (0: do not wait). Returns RINGQ_OK, RINGQ_EMPTY (no
 * item within the timeout), RINGQ_SHUTDOWN, RINGQ_EINVAL (NULL argument, timeout_ns < 0) or
 * RINGQ_ESYS. */
RINGQ__NODISCARD RINGQ_API enum ringq_status
ringq_queue_get_timeout(struct ringq_queue *q, void *item, int64_t timeout_ns);

/* Get, waiting until the CLOCK_MONOTONIC time *deadline. Returns RINGQ_OK, RINGQ_EMPTY,
 * RINGQ_SHUTDOWN, RINGQ_EINVAL (a NULL argument, an invalid deadline) or RINGQ_ESYS. */
RINGQ__NODISCARD RINGQ_API enum ringq_status
ringq_queue_get_until(struct ringq_queue *q, void *item, const struct timespec *deadline);

/* Get without waiting. Returns RINGQ_OK, RINGQ_EMPTY, RINGQ_SHUTDOWN or RINGQ_EINVAL. */
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_get_nowait(struct ringq_queue *q,
                                                                    void *item);

/* Put the n items of the array `items` (n * elem_size bytes), in order, waiting for room at most
 * timeout_ns in all (0: do not wait). Each round moves as many as fit with one publication and at
 * most one wake-up (a logging or packet path's batch). Returns n, or the number put before the
 * timeout or a shutdown (1 .. n-1: the rest was not accepted), or RINGQ_FULL (none within the
 * timeout), RINGQ_SHUTDOWN (none: shut down), RINGQ_EINVAL (q NULL, n 0, items NULL with
 * elem_size > 0, timeout_ns < 0) or RINGQ_ESYS. A cancellation point, like put. */
RINGQ__NODISCARD RINGQ_API ptrdiff_t ringq_queue_put_many(struct ringq_queue *q, const void *items,
                                                          size_t n, int64_t timeout_ns);

/* Get up to max items into the array `items`, oldest first, waiting at most timeout_ns for the
 * first one and not at all for the rest (what is there is taken with one release of room and at
 * most one wake-up). Returns the number got (1 .. max), RINGQ_EMPTY (none within the timeout),
 * RINGQ_SHUTDOWN, RINGQ_EINVAL (q NULL, max 0, items NULL with elem_size > 0, timeout_ns < 0) or
 * RINGQ_ESYS. A cancellation point, like get. */
RINGQ__NODISCARD RINGQ_API ptrdiff_t ringq_queue_get_many(struct ringq_queue *q, void *items,
                                                          size_t max, int64_t timeout_ns);

/* Items in the queue: exact when no put or get is running; under concurrency a value between 0
 * and capacity (any value for an unbounded queue). 0 after an immediate shutdown, and when q is
 * NULL. */
RINGQ_API size_t ringq_queue_qsize(struct ringq_queue *q);
/* qsize == 0. */
RINGQ_API bool ringq_queue_empty(struct ringq_queue *q);
/* qsize == capacity (false when q is NULL, and always for an unbounded queue). */
RINGQ_API bool ringq_queue_full(struct ringq_queue *q);
/* The capacity given at creation (0 when q is NULL, and for an unbounded queue). */
RINGQ_API size_t ringq_queue_capacity(const struct ringq_queue *q);

/* Mark one task as processed, as Python's task_done: every accepted put adds an unfinished task,
 * task_done removes one (it may come before the item is got, as in Python), and join waits for none
 * to be left. An immediate shutdown subtracts the items it discards, clamped at zero. Never an
 * extra atomic read-modify-write on the put path: accepted puts are counted by the ring itself.
 * Returns RINGQ_OK, RINGQ_ETASKDONE (called more times than items were put, discarded ones
 * counting as done; nothing changes) or RINGQ_EINVAL (q NULL). */
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_task_done(struct ringq_queue *q);

/* Wait until every accepted put has been matched by a task_done (or a discard of an immediate
 * shutdown). Returns RINGQ_OK, RINGQ_EINVAL (q NULL) or RINGQ_ESYS. */
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_join(struct ringq_queue *q);
/* join, waiting at most timeout_ns. Returns RINGQ_OK, RINGQ_TIMEDOUT, RINGQ_EINVAL (q NULL,
 * timeout_ns < 0) or RINGQ_ESYS. */
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_join_timeout(struct ringq_queue *q,
                                                                      int64_t timeout_ns);
/* join until the CLOCK_MONOTONIC time *deadline. Returns RINGQ_OK, RINGQ_TIMEDOUT, RINGQ_EINVAL
 * (a NULL argument, an invalid deadline) or RINGQ_ESYS. */
RINGQ__NODISCARD RINGQ_API enum ringq_status
ringq_queue_join_until(struct ringq_queue *q, const struct timespec *deadline);

/* Shut the queue down, for good (a later call may only upgrade to immediate). Afterwards every put
 * returns RINGQ_SHUTDOWN. immediate == false: gets return the items left, then RINGQ_SHUTDOWN.
 * immediate == true: the items left are discarded (each handed to the discard callback, oldest
 * first, exactly once, in the thread that started the immediate shutdown) and subtracted from the
 * unfinished tasks, clamped at zero; gets return RINGQ_SHUTDOWN at once. Every thread blocked in
 * put, get or join wakes and re-checks; a thread that starts to wait later never sleeps. Any
 * thread, but not from a signal handler (it waits for a put or get under way to finish). Returns
 * once the shutdown is complete (a concurrent immediate shutdown: once its discarding is done).
 * Returns RINGQ_OK or RINGQ_EINVAL (q NULL). */
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_shutdown(struct ringq_queue *q,
                                                                  bool immediate);

/* Whether a shutdown has begun, as Python's is_shutdown: true from the first step of shutdown, so
 * true once any put has failed with RINGQ_SHUTDOWN, and every put that starts afterwards fails
 * (false when q is NULL). */
RINGQ_API bool ringq_queue_is_shutdown(struct ringq_queue *q);

/* Register fn (NULL: none) to take over every item the queue discards: the items left by an
 * immediate shutdown, and those still in the queue when fini or destroy succeeds. Call it before
 * other threads may shut the queue down or finish it (it is not synchronized with them). fn runs
 * in the discarding thread with the item's slot held: it must not call shutdown, fini or destroy
 * on the same queue (it would wait for itself, or free the queue under its caller). Returns
 * RINGQ_OK or RINGQ_EINVAL (q NULL; a RINGQ_QUEUE_PROCESS_SHARED queue, where a function pointer
 * means nothing to the other processes). */
RINGQ__NODISCARD RINGQ_API enum ringq_status
ringq_queue_set_discard(struct ringq_queue *q, ringq_discard_fn fn, void *ctx);

/* ---- byte messages (src/bytes.c) ---------------------------------------------------------- */

/* A byte-message queue carries messages of any length from 0 to a maximum, copied in and out
 * whole, in the order they were accepted (per putter; between putters, in the order of their
 * reservations). Make one with kind RINGQ_QUEUE_BYTES_SPSC (one putter thread and one getter
 * thread at a time) or RINGQ_QUEUE_BYTES_MPSC (any number of putters, one getter thread at a
 * time): `capacity` is in bytes (rounded up to a power of two, at least 64; ringq_queue_capacity
 * reports the rounded value) and `elem_size` is the largest message, at most capacity / 2 - 8
 * (0: that largest value; above it: RINGQ_ERANGE; ringq_queue_bytes_max and ringq_queue_elem_size
 * report the value in force). Between processes, make one with ringq_queue_shm_create / _open /
 * _open_or_create or ringq_queue_memfd_create / ringq_queue_attach_fd, as any other kind (each
 * handle keeps the ring's geometry; shared memory is untrusted: a corrupt length or position gives
 * RINGQ_ECORRUPT, never an access outside the ring or the caller's buffer). Each message takes 8
 * bytes of header plus its length rounded up to 8; a message that does not fit before the end of the ring skips the rest
 * (a pad). Everything else is the queue's contract: blocking, timed and nowait calls, qsize (in
 * messages), task_done / join, shutdown(immediate) with the discard callback (it gets a struct
 * ringq_queue_msg *), descriptors and wait_any, RINGQ_QUEUE_PROCESS_SHARED, and no system call
 * while nobody waits. ringq_queue_put / get / put_many / get_many (and get_any) refuse a byte
 * queue with RINGQ_EINVAL.
 *
 * Room. A put waits until its own message fits; putters are woken together whenever room is
 * freed, so a large put that waits may be overtaken by small ones for as long as they keep the
 * ring too full for it (there is no reservation of room for a waiting putter). full() is true when
 * a message of the largest size would not fit now.
 *
 * Zero copy. ringq_queue_reserve_bytes gives a pointer to n bytes in the ring; the message is
 * accepted (counted, visible, a task) only by ringq_queue_commit_bytes, or dropped by
 * ringq_queue_abort_bytes. An open reservation holds back the messages reserved after it: the
 * getter waits for it (get_nowait reports RINGQ_EMPTY, a timed get waits until its deadline), so
 * commit or abort promptly. ringq_queue_peek_bytes shows the next message in place until
 * ringq_queue_release_bytes (the get is under way until then: an immediate shutdown waits for it).
 *
 * The getter never waits for a putter's copy unless a message committed later stands behind it
 * (then it waits as for an open reservation); a put racing a shutdown is either accepted (and got
 * or discarded) or fails with RINGQ_SHUTDOWN, as for the other queues. */

/* Put the len bytes at buf as one message, waiting for room without limit (_timeout: at most
 * timeout_ns, 0 not at all; _until: until the CLOCK_MONOTONIC *deadline; _nowait: not at all).
 * buf may be NULL when len is 0. Returns RINGQ_OK, RINGQ_FULL (no room in time), RINGQ_SHUTDOWN,
 * RINGQ_EMSGSIZE (len above the largest message), RINGQ_EINVAL (q NULL or not a byte queue, buf
 * NULL with len > 0, a bad timeout or deadline), RINGQ_ECORRUPT (shared memory) or RINGQ_ESYS. */
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_put_bytes(struct ringq_queue *q,
                                                                   const void *buf, size_t len);
RINGQ__NODISCARD RINGQ_API enum ringq_status
ringq_queue_put_bytes_timeout(struct ringq_queue *q, const void *buf, size_t len,
                              int64_t timeout_ns);
RINGQ__NODISCARD RINGQ_API enum ringq_status
ringq_queue_put_bytes_until(struct ringq_queue *q, const void *buf, size_t len,
                            const struct timespec *deadline);
RINGQ__NODISCARD RINGQ_API enum ringq_status
ringq_queue_put_bytes_nowait(struct ringq_queue *q, const void *buf, size_t len);

/* Get the oldest message into buf (cap bytes), its length in *len, waiting without limit (the
 * variants as for put). A message longer than cap stays in the queue: RINGQ_EMSGSIZE, and *len is
 * the length needed. Returns RINGQ_OK, RINGQ_EMPTY (none in time), RINGQ_SHUTDOWN,
 * RINGQ_EMSGSIZE, RINGQ_EINVAL (q or len NULL, not a byte queue, buf NULL with cap > 0, a peek
 * not yet released, a bad timeout or deadline), RINGQ_ECORRUPT or RINGQ_ESYS. */
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_get_bytes(struct ringq_queue *q, void *buf,
                                                                   size_t cap, size_t *len);
RINGQ__NODISCARD RINGQ_API enum ringq_status
ringq_queue_get_bytes_timeout(struct ringq_queue *q, void *buf, size_t cap, size_t *len,
                              int64_t timeout_ns);
RINGQ__NODISCARD RINGQ_API enum ringq_status
ringq_queue_get_bytes_until(struct ringq_queue *q, void *buf, size_t cap, size_t *len,
                            const struct timespec *deadline);
RINGQ__NODISCARD RINGQ_API enum ringq_status
ringq_queue_get_bytes_nowait(struct ringq_queue *q, void *buf, size_t cap, size_t *len);

/* Reserve room for a message of up to n bytes, waiting at most timeout_ns (0: not at all):
 * *ptr gets where to write them (8-byte aligned). Then commit or abort it. Several reservations
 * may be open at once (SPSC: all in the putter thread). Returns RINGQ_OK, RINGQ_FULL,
 * RINGQ_SHUTDOWN, RINGQ_EMSGSIZE, RINGQ_EINVAL (q or ptr NULL, not a byte queue, timeout_ns < 0),
 * RINGQ_ECORRUPT or RINGQ_ESYS. */
RINGQ__NODISCARD RINGQ_API enum ringq_status
ringq_queue_reserve_bytes(struct ringq_queue *q, size_t n, void **ptr, int64_t timeout_ns);
/* Commit the reservation at ptr as a message of its first len bytes (len <= n): accepted, like a
 * put; never waits. Returns RINGQ_OK, RINGQ_SHUTDOWN (the queue was shut down meanwhile: the
 * message was not accepted, the reservation is gone) or RINGQ_EINVAL (q NULL, ptr not an open
 * reservation of q, len above n). */
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_commit_bytes(struct ringq_queue *q,
                                                                      void *ptr, size_t len);
/* Give the reservation at ptr up: nothing is accepted. Returns RINGQ_OK or RINGQ_EINVAL. */
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_abort_bytes(struct ringq_queue *q,
                                                                     void *ptr);

/* Show the oldest message in place, waiting at most timeout_ns: *ptr and *len, valid until
 * ringq_queue_release_bytes, which removes it (a get). Getter thread only; one peek at a time.
 * Returns RINGQ_OK, RINGQ_EMPTY, RINGQ_SHUTDOWN, RINGQ_EINVAL (a NULL argument, not a byte queue,
 * a peek already open, timeout_ns < 0), RINGQ_ECORRUPT or RINGQ_ESYS. */
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_peek_bytes(struct ringq_queue *q,
                                                                    const void **ptr, size_t *len,
                                                                    int64_t timeout_ns);
/* Remove the peeked message. Returns RINGQ_OK, RINGQ_EINVAL (q NULL, no peek open) or
 * RINGQ_ECORRUPT (a shared queue whose mapping was overwritten where the peek is recorded: the get
 * ends, nothing is freed). */
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_release_bytes(struct ringq_queue *q);

/* Bytes of the ring in use (messages with their headers and padding, pads, open reservations),
 * beside qsize's count of messages; 0 when q is NULL or not a byte queue. Async-signal-safe. */
RINGQ_API size_t ringq_queue_bytes_used(struct ringq_queue *q);
/* The largest message a put accepts (0 when q is NULL or not a byte queue). */
RINGQ_API size_t ringq_queue_bytes_max(const struct ringq_queue *q);

/* ---- event loops and several queues (src/poll.c) ------------------------------------------ */

/* Events, for descriptors and wait-any. */
#define RINGQ_POLL_READABLE 0x1u /* an item can be got, or the queue is shut down */
#define RINGQ_POLL_WRITABLE 0x2u /* there is room for a put, or the queue is shut down */

/* The descriptor (an eventfd, made on first request, closed by fini) that an event loop waits on
 * for `event` (exactly one of RINGQ_POLL_READABLE, RINGQ_POLL_WRITABLE): wait for POLLIN / EPOLLIN
 * on it. It is armed when it is made: readable at once if the event already holds, and
 * signalled when it comes. Readiness follows the queue's wait protocol, so while no loop has called
 * ringq_queue_poll_prepare, puts and gets make no system call. The loop's order, every time the
 * descriptor is readable: drain with get_nowait (or put_nowait) until EMPTY (FULL), then call
 * ringq_queue_poll_prepare; if it reports the event ready, drain again; otherwise wait for the
 * descriptor again. Spurious readiness is possible, a missed one is not. Any thread; the same
 * descriptor for every call. Returns RINGQ_OK, RINGQ_EINVAL (a NULL argument, a bad event, a
 * RINGQ_QUEUE_PROCESS_SHARED queue: another process could not signal this process's eventfd) or
 * RINGQ_ESYS (eventfd failed). */
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_fd(struct ringq_queue *q, unsigned event,
                                                            int *fd);

/* Before an event loop waits for the queue's descriptors: clear them, register interest in
 * `events` (a mask), and re-check. *ready gets the events that already hold: do not wait for those,
 * drain and call again; 0 means waiting is safe. Makes the descriptors on first use. One loop
 * thread per queue and direction at a time. Returns RINGQ_OK, RINGQ_EINVAL (a NULL argument, an
 * empty or unknown mask, a process-shared queue) or RINGQ_ESYS. */
RINGQ__NODISCARD RINGQ_API enum ringq_status
ringq_queue_poll_prepare(struct ringq_queue *q, unsigned events, unsigned *ready);

/* Wait until one of the n queues can be got from (event RINGQ_POLL_READABLE) or put to
 * (RINGQ_POLL_WRITABLE), or is shut down, for at most timeout_ns (0: do not wait); *index is the
 * first such queue in array order (strict priority: a queue that is always ready starves the
 * queues after it; order the array, or rotate it, accordingly). No system call when a queue is
 * ready already. Linux 5.16+ futex_waitv, one system call for all the queues; otherwise, or for
 * more than 128 queues, a fallback on the queues' eventfds (process-shared queues: re-checked
 * every millisecond). The fallback arms the descriptors as ringq_queue_poll_prepare does, so do
 * not mix it with an event loop waiting on the same queue's descriptor. A cancellation point.
 * Returns RINGQ_OK, RINGQ_TIMEDOUT, RINGQ_EINVAL (qs or index NULL, n 0, a NULL queue, a bad event,
 * timeout_ns < 0), RINGQ_ENOMEM or RINGQ_ESYS. */
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_wait_any(struct ringq_queue *const *qs,
                                                                  size_t n, unsigned event,
                                                                  int64_t timeout_ns,
                                                                  size_t *index);
/* wait_any until the CLOCK_MONOTONIC time *deadline. Same returns (RINGQ_EINVAL also for an
 * invalid deadline). */
RINGQ__NODISCARD RINGQ_API enum ringq_status
ringq_queue_wait_any_until(struct ringq_queue *const *qs, size_t n, unsigned event,
                           const struct timespec *deadline, size_t *index);
/* Get one item from the first of the n queues that has one, waiting at most timeout_ns; item must
 * hold the elem_size of any of them. *index says which queue it came from. Returns RINGQ_OK,
 * RINGQ_EMPTY (none within the timeout), RINGQ_SHUTDOWN (queue *index is shut down and drained:
 * drop it from the array, or it keeps winning), RINGQ_EINVAL, RINGQ_ENOMEM (the fallback, more
 * than 16 queues) or RINGQ_ESYS. */
RINGQ__NODISCARD RINGQ_API enum ringq_status ringq_queue_get_any(struct ringq_queue *const *qs,
                                                                 size_t n, void *item,
                                                                 int64_t timeout_ns, size_t *index);

/* The queue's system-call counters (zeroes when a NULL argument is given). Any thread. */
RINGQ_API void ringq_queue_stats(struct ringq_queue *q, struct ringq_queue_stats *out);

/* The library's version, MAJOR * 10000 + MINOR * 100 + PATCH (0.3.0 is 300), and as a string
 * ("0.3.0"). Any thread, including a signal handler. A program built against one version and run
 * with another shared library of the same ABI (the same SONAME, libringq.so.N) works unchanged. */
RINGQ_API unsigned ringq_version(void);
RINGQ_API const char *ringq_version_string(void);

/* The version of the memory layout that processes sharing a queue read: bumped on any change to
 * it (a field added, moved or resized, a new state bit, another ticket encoding). A program can
 * compare it with the RINGQ_LAYOUT_VERSION it was compiled with (defined above, with the shared
 * queues). */
RINGQ_API unsigned ringq_layout_version(void);

/* A fingerprint of that layout as this library was built: RINGQ_LAYOUT_VERSION, RINGQ_CACHE_LINE,
 * the ticket encoding, and the size and offset of every shared field of the queue and the rings.
 * Two processes may share a queue only if their libraries give the same value (the same version
 * number is not enough: RINGQ_CACHE_LINE or a compiler's packing can differ). Never 0; the same
 * on every call. Async-signal-safe. */
RINGQ_API uint64_t ringq_layout_hash(void);

/* ---- the inline fast path ------------------------------------------------------------------ */

/* put, get, put_nowait and get_nowait are compiled into the caller: ringq_queue_put(q, item) is
 * a macro for ringq__put_inline, which makes the library's first try (one operation on the ring,
 * then a look at the other side's waiter word) in the caller's code. Everything else goes to the
 * exported function of the same name, its out-of-line twin: a full or empty ring, a shutdown, a
 * waiter to wake (after the item moved: the twin of the wake only), an error, another process's
 * private queue, and the queues this path does not serve (handles made or attached by the shm
 * functions, byte, token and unbounded queues). The twins are what a function pointer
 * (&ringq_queue_put), a parenthesized call ((ringq_queue_put)(q, item)), dlopen and ctypes reach;
 * define RINGQ_NO_INLINE before including this header to call them for everything.
 *
 * The inline code makes the same atomic operations, in the same order and with the same memory
 * orders, as src/queue.c's attempt_put / attempt_get (whose labels it carries), so the wait
 * protocol's ordering argument (the top of src/queue.c) covers it unchanged. What it reads is ABI
 * (docs/design/handle-and-layout.md): the handle's leading fields (RINGQ__HANDLE_FIELDS, which
 * begin every struct ringq_queue), the shared words (struct ringq__shared), the rings' indices
 * and slots, and ringq__self. RINGQ_LAYOUT_VERSION and ringq__header_hash() cover them. */

/* This process's pid as the library took it (at its first queue, and again in every fork child):
 * a private queue whose owner differs is used from another process (the twin says
 * RINGQ_EPROCESS). Written by the library only. */
RINGQ_API extern RINGQ__ATOMIC(uint32_t) ringq__self;

/* The wake-ups the inline path leaves to the library: [N2]..[N4] of src/queue.c for the getters
 * (after a put) or the putters (after a get), when the waiter word showed a sleeper without a
 * wake in flight, or a poller. */
RINGQ_API void ringq__wake_getters(struct ringq_queue *q);
RINGQ_API void ringq__wake_putters(struct ringq_queue *q);

#ifdef RINGQ_TEST_HOOKS
/* The test library's protocol hooks (src/wait.h), at the same points as in the library. */
RINGQ_API void ringq__inline_hook_after_publish(void);
RINGQ_API void ringq__inline_hook_get_busy(void);
#define RINGQ__INLINE_HOOK(point) ringq__inline_hook_##point()
#else
#define RINGQ__INLINE_HOOK(point) ((void)0)
#endif

#if !defined(RINGQ_NO_INLINE)

#ifdef __cplusplus
#define RINGQ__SIGNAL_FENCE() std::atomic_signal_fence(std::memory_order_seq_cst)
#else
#define RINGQ__SIGNAL_FENCE() atomic_signal_fence(memory_order_seq_cst)
#endif

/* The handle the inline path serves, or NULL (the caller goes to the twin). */
static inline struct ringq__handle *
ringq__fast_handle(struct ringq_queue *q)
{
  struct ringq__handle *h = (struct ringq__handle *)(void *)q;
  uint32_t self;
  if (q == NULL || (h->fast != RINGQ__FAST(RINGQ_QUEUE_SPSC) &&
                    h->fast != RINGQ__FAST(RINGQ_QUEUE_MPMC)))
    return NULL;
  /* relaxed: only this process writes ringq__self. A private queue is this process's if its
   * owner is this pid; a process-shared one (owner 0) is every process's. */
  self = RINGQ__LOAD(&ringq__self, RINGQ__MO(relaxed));
  return h->owner == self || h->owner == 0 ? h : NULL;
}

static inline struct ringq__shared *
ringq__fast_shared(struct ringq__handle *h)
{
  return (struct ringq__shared *)(void *)((uintptr_t)h + (uintptr_t)h->shared_offset);
}

static inline void *
ringq__fast_ring(struct ringq__handle *h)
{
  return (void *)((uintptr_t)h + (uintptr_t)h->ring_offset);
}

/* [N2] for w after this thread's [N1]: 1 when no waiter needs a wake (src/queue.c's covered():
 * no counted sleeper lacks a wake in flight, no poller). asym: acquire, as uses_asym(); pairs
 * with the library's clearing of it. */
static inline int
ringq__fast_nobody_waits(struct ringq__handle *h, struct ringq__waitq *w)
{
  uint64_t s;
  RINGQ__INLINE_HOOK(after_publish);
  if (RINGQ__LOAD(&h->asym, RINGQ__MO(acquire)) != 0) {
    /* [N2] asymmetric: compiler barrier and relaxed load; the waiter's heavy barrier between
     * [W1] and [W2] supplies the hardware barrier. */
    RINGQ__SIGNAL_FENCE();
    s = RINGQ__LOAD(&w->word, RINGQ__MO(relaxed));
  } else {
    /* [N2] seq_cst; pairs with [W1] in the total order S. */
    s = RINGQ__LOAD(&w->word, RINGQ__MO(seq_cst));
  }
  return ((uint32_t)(s >> 32) & 0xffffu) <= ((uint32_t)(s >> 48) & 0x7fffu) && (s >> 63) == 0;
}

/* attempt_put's first try: 1 when the item was put (and any waiter woken), 0 when nothing was
 * put and the twin must run. */
static inline int
ringq__fast_put(struct ringq_queue *q, const void *item)
{
  struct ringq__handle *h = ringq__fast_handle(q);
  struct ringq__shared *s;
  enum ringq_status st = RINGQ_SHUTDOWN;
  if (h == NULL || item == NULL)
    return 0;
  s = ringq__fast_shared(h);
  if (h->fast == RINGQ__FAST(RINGQ_QUEUE_SPSC) &&
      RINGQ__LOAD(&h->asym, RINGQ__MO(acquire)) != 0) {
    /* (acquire above: uses_asym().) [A1] relaxed store, compiler barrier, relaxed load: with
     * shutdown's heavy barrier [A3], a store-buffering pair. */
    RINGQ__STORE(&s->put_busy, 1u, RINGQ__MO(relaxed));
    RINGQ__SIGNAL_FENCE();
    if (!(RINGQ__LOAD(&s->state, RINGQ__MO(relaxed)) & RINGQ__STATE_CLOSING))
      st = ringq__spsc_push_g(&h->geom, (struct ringq_spsc *)ringq__fast_ring(h), item,
                              0); /* [N1] = [P3], release */
    /* [A2] release; pairs with [A4]: the push is complete before shutdown sets the mark. */
    RINGQ__STORE(&s->put_busy, 0u, RINGQ__MO(release));
  } else if (!(RINGQ__LOAD(&s->state, RINGQ__MO(relaxed)) & RINGQ__STATE_CLOSING)) {
    /* (relaxed: closing(); a put racing with shutdown lands before the closed mark or fails.) */
    if (h->fast == RINGQ__FAST(RINGQ_QUEUE_SPSC)) /* [N1] = [P3q]: seq_cst CAS, fails if closed */
      st = ringq__spsc_push_g(&h->geom, (struct ringq_spsc *)ringq__fast_ring(h), item, 1);
    else /* [N1] = [MP3]: the seq_cst claim */
      st = ringq__mpmc_push_g(&h->geom, (struct ringq_mpmc *)ringq__fast_ring(h), item,
                              RINGQ__MO(seq_cst));
  }
  if (st != RINGQ_OK)
    return 0;
  if (!ringq__fast_nobody_waits(h, &s->not_empty))
    ringq__wake_getters(q); /* [N3], [N4] */
  return 1;
}

/* attempt_get's first try: 1 when an item was got (and any waiting putter woken), 0 when nothing
 * was got and the twin must run. */
static inline int
ringq__fast_get(struct ringq_queue *q, void *item)
{
  struct ringq__handle *h = ringq__fast_handle(q);
  struct ringq__shared *s;
  enum ringq_status st = RINGQ_SHUTDOWN;
  if (h == NULL || item == NULL)
    return 0;
  s = ringq__fast_shared(h);
  if (h->fast == RINGQ__FAST(RINGQ_QUEUE_SPSC)) { /* spsc_take of one item, no participant table */
    uint32_t state;
    /* acquire: uses_asym(). */
    int asym = RINGQ__LOAD(&h->asym, RINGQ__MO(acquire)) != 0;
    if (asym) {
      /* [G1] relaxed store, compiler barrier, relaxed load: a store-buffering pair with
       * shutdown's state RMW, heavy barrier [A3] and get_busy load [G3]. */
      RINGQ__STORE(&s->get_busy, 1u, RINGQ__MO(relaxed));
      RINGQ__SIGNAL_FENCE();
      state = RINGQ__LOAD(&s->state, RINGQ__MO(relaxed));
    } else {
      /* [G1] seq_cst store and load: the same pair, in the total order S. */
      RINGQ__STORE(&s->get_busy, 1u, RINGQ__MO(seq_cst));
      state = RINGQ__LOAD(&s->state, RINGQ__MO(seq_cst));
    }
    RINGQ__INLINE_HOOK(get_busy);
    if (!(state & RINGQ__STATE_DISCARD)) /* [N1] = [C3]: release (asymmetric) or seq_cst */
      st = ringq__spsc_pop_g(&h->geom, (struct ringq_spsc *)ringq__fast_ring(h), item,
                             asym ? RINGQ__MO(release) : RINGQ__MO(seq_cst));
    /* [G2] release; pairs with [G3]: the pop is complete, head is final for it. */
    RINGQ__STORE(&s->get_busy, 0u, RINGQ__MO(release));
  } else if (!(RINGQ__LOAD(&s->state, RINGQ__MO(acquire)) & RINGQ__STATE_DISCARD)) {
    /* (acquire; pairs with shutdown's fetch-or: after an immediate shutdown began, take
     * nothing.) [N1] = [MC3]: the seq_cst claim. */
    st = ringq__mpmc_pop_g(&h->geom, (struct ringq_mpmc *)ringq__fast_ring(h), item,
                           RINGQ__MO(seq_cst));
  }
  if (st != RINGQ_OK)
    return 0;
  if (!ringq__fast_nobody_waits(h, &s->not_full))
    ringq__wake_putters(q); /* [N3], [N4] */
  return 1;
}

RINGQ__NODISCARD static inline enum ringq_status
ringq__put_inline(struct ringq_queue *q, const void *item)
{
  return ringq__fast_put(q, item) ? RINGQ_OK : (ringq_queue_put)(q, item);
}

RINGQ__NODISCARD static inline enum ringq_status
ringq__put_nowait_inline(struct ringq_queue *q, const void *item)
{
  return ringq__fast_put(q, item) ? RINGQ_OK : (ringq_queue_put_nowait)(q, item);
}

RINGQ__NODISCARD static inline enum ringq_status
ringq__get_inline(struct ringq_queue *q, void *item)
{
  return ringq__fast_get(q, item) ? RINGQ_OK : (ringq_queue_get)(q, item);
}

RINGQ__NODISCARD static inline enum ringq_status
ringq__get_nowait_inline(struct ringq_queue *q, void *item)
{
  return ringq__fast_get(q, item) ? RINGQ_OK : (ringq_queue_get_nowait)(q, item);
}

/* Variadic: an item argument with a comma of its own (a compound literal) stays one argument. */
#define ringq_queue_put(q, ...) ringq__put_inline((q), __VA_ARGS__)
#define ringq_queue_put_nowait(q, ...) ringq__put_nowait_inline((q), __VA_ARGS__)
#define ringq_queue_get(q, ...) ringq__get_inline((q), __VA_ARGS__)
#define ringq_queue_get_nowait(q, ...) ringq__get_nowait_inline((q), __VA_ARGS__)

#endif /* !RINGQ_NO_INLINE */

#ifdef __cplusplus
}
#endif

#endif /* RINGQ_QUEUE_H */
