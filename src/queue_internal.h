/* SPDX-License-Identifier: MIT */
/* src/queue_internal.h: the blocking queue's layout and the pieces of its wait protocol that the
 * capability files (poll.c, ...) build on (never installed). The protocol itself, and why no
 * wake-up is lost, is described at the top of queue.c. */
#ifndef RINGQ_SRC_QUEUE_INTERNAL_H
#define RINGQ_SRC_QUEUE_INTERNAL_H

#include "ringq/queue.h"

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

/* Shutdown state, in the order shutdown sets the bits (they are never cleared):
 *   CLOSING    puts stop here ([A1], and a check before every other put); is_shutdown reads it;
 *   DISCARD    (immediate only) gets stop here; qsize reports 0; the thread whose fetch-or set
 *              it is the one discarder;
 *   SHUTDOWN   the ring is closed: no put can succeed any more;
 *   IMMEDIATE  the discarder is done: every item left was handed to the callback and counted. */
enum {
  STATE_CLOSING = RINGQ__STATE_CLOSING,
  STATE_DISCARD = RINGQ__STATE_DISCARD,
  STATE_SHUTDOWN = 4u,
  STATE_IMMEDIATE = 8u
};

/* The fields of a waitq word (struct ringq__waitq, ringq/queue.h). */
#define ONE_SLEEPER ((uint64_t)1 << 32)
#define ONE_TOKEN ((uint64_t)1 << 48)
#define POLLER ((uint64_t)1 << 63)
#define SLEEPERS_MAX 0x7fffu
#define EPOCH_OF(s) ((uint32_t)(s))
#define SLEEPERS_OF(s) ((uint32_t)((s) >> 32) & 0xffffu)
#define TOKENS_OF(s) ((uint32_t)((s) >> 48) & 0x7fffu)

/* A byte queue's record ring geometry (src/bytes.h), kept in the handle like struct ringq__geom:
 * computed once from the validated (kind, capacity, largest message) by ringq__bytes_geom, never
 * read from the ring, which may sit in a mapping other processes write. */
struct ringq__bgeom {
  uint64_t size;    /* data bytes: a power of two, at least 64 */
  uint64_t mask;    /* size - 1 */
  uint64_t max_len; /* the largest message: <= size / 2 - 8, and < 2^30 */
  uint32_t multi;   /* 1: several producers (BYTES_MPSC) */
  uint32_t claim;   /* 1: producers write their pid as claimant (process-shared queues) */
};

/* A queue as one process sees it: the handle (geometry and this process's state, read-only after
 * init or attach but for the atomics below) and where its shared words and ring are. A queue made
 * by init / create is its own handle and holds its shared words (`own`); a queue made or attached
 * by src/shm.c is a handle in private memory whose offsets lead into the mapping (`own` unused).
 * Offsets rather than pointers, computed as (uintptr_t)q + offset: a queue made by init in memory
 * shared between processes stays usable wherever each process maps it. */
struct ringq_queue {
  RINGQ__HANDLE_FIELDS        /* kind .. asym: what the inline fast path reads (ringq/queue.h) */
  uint32_t mapped;            /* 1: a handle made by src/shm.c (freed by ringq_queue_close) */
  _Atomic(uint32_t) degraded; /* 1: membarrier was refused after the queue relied on it */
  uint32_t bytes;             /* byte messages (src/bytes.h) at ring_offset: 1 BYTES_SPSC, 2
                                 BYTES_MPSC; kind is then RINGQ_QUEUE_SPSC (one getter, and its
                                 handshakes); read-only after init */
  struct ringq__bgeom bgeom;  /* byte queues: the record ring's geometry, validated once */
  ringq_discard_fn discard;   /* the user's discard callback, or NULL (ringq_queue_set_discard) */
  void *discard_ctx;
  /* Event-loop descriptors (src/poll.c), process-private queues only: an eventfd per direction,
   * -1 until first asked for. */
  _Atomic(int) poll_fd[2];
  /* A mapped handle's mapping (src/shm.c): where, how many bytes, its descriptor. */
  void *map_base;
  size_t map_bytes;
  int map_fd;
  /* The participant table (src/peers.c) of a mapped queue: this handle's entry + 1 (its tag),
   * or 0 (no table: every queue not made or attached by src/shm.c); read-only after attach. */
  uint32_t peer;
  uint64_t peers_offset; /* bytes from the handle to struct ringq__peers */
  uint64_t lock_base;    /* the file offset of entry 0's lock byte (the mapping's size) */
  uint32_t peer_pid;     /* ringq__self of the process that registered it (a fork child using
                            its parent's handle shares the entry, not the thread slots) */
  /* The ticket (+ 1) a getter / putter of this process last saw stuck, and since when (peers.c:
   * a heuristic that decides when to scan the table, never what to do). */
  _Atomic(uint64_t) stuck_get, stuck_put;
  _Atomic(int64_t) stuck_get_since, stuck_put_since;
  /* The closed tail (+ 1) at which a get or discard of this handle last found every slot of the
   * lap below it released or resolved (peers.c, [D4]): 0 until then. A closed queue's tail never
   * moves again, so the next one skips the sweep; a heuristic, never what to do. */
  _Atomic(uint64_t) swept_closed;
  /* A byte queue's consumer: `aborts` as it last saw it (src/bytes.c, BR0: a change since is an
   * abort, or a putter's nudge, and the consumer looks at a stuck record at once). */
  _Atomic(uint64_t) bytes_aborts_view;
  /* A byte queue's consumer: 0, or (the position just past the record it peeked) | 1. In the
   * handle, not the mapping: no other process can fake an open peek, and a consumer that dies
   * with one open leaves nothing behind but its record, which the next consumer reads again. */
  uint64_t bytes_peek_end;

  struct ringq__shared own;
};

/* The shared words of q. */
static inline struct ringq__shared *
ringq__sh(const struct ringq_queue *q)
{
  return (struct ringq__shared *)((uintptr_t)q + (uintptr_t)q->shared_offset);
}

/* ringq__self (declared in ringq/queue.h, defined in src/shm.c): the process identity private
 * queues compare with their owner. Make sure ringq__self is set and the fork handler registered;
 * returns ringq__self. */
uint32_t ringq__self_init(void);

/* Everything but the ring, for a queue whose shared words are at `sh` (init_common's work). */
void ringq__init_handle(struct ringq_queue *q, enum ringq_queue_kind kind, unsigned flags,
                        size_t elem_size, int unbounded);
void ringq__init_shared(struct ringq__shared *sh);
/* The geometry of a bounded ring as init makes it: RINGQ_OK or a status of memsize. */
enum ringq_status ringq__geom_for(enum ringq_queue_kind kind, size_t capacity, size_t elem_size,
                                  struct ringq__geom *g);

/* The first bytes of a shared queue's mapping (src/shm.c): the creator's record, written before
 * `ready` is stored (release) and read by an attach only after it loaded `ready` (acquire). */
struct ringq__shm_header {
  uint64_t magic;           /* SHM_MAGIC */
  uint32_t layout_version;  /* RINGQ_LAYOUT_VERSION of the creator's library */
  uint32_t cache_line;      /* RINGQ_CACHE_LINE */
  uint64_t layout_hash;     /* ringq_layout_hash() */
  uint64_t header_hash;     /* ringq__header_hash() (queue.h) */
  uint32_t creator_version; /* ringq_version(), for messages */
  uint32_t kind;            /* enum ringq_queue_kind */
  uint64_t capacity;
  uint64_t elem_size;       /* as given: 0 for a queue of tokens */
  uint64_t flags;           /* RINGQ_QUEUE_PROCESS_SHARED */
  uint64_t shared_offset;   /* struct ringq__shared */
  uint64_t peers_offset;    /* struct ringq__peers (src/peers.h) */
  uint64_t ring_offset;     /* struct ringq_spsc / ringq_mpmc, then the slots */
  uint64_t total_bytes;     /* the file's size */
  _Atomic(uint32_t) ready;  /* SHM_READY once everything above and after is made; written last */
};

/* src/shm.c: unmap and free a mapped handle (ringq_queue_close's work). */
enum ringq_status ringq__shm_close(struct ringq_queue *q);

/* Which poller direction a waitq serves (index into poll_fd), or -1. */
#define POLL_READABLE 0
#define POLL_WRITABLE 1

/* A get may succeed or must report SHUTDOWN / a put may / every task is done: the [W2] re-checks,
 * seq_cst loads. */
int ringq__get_may_proceed(struct ringq_queue *q);
int ringq__put_may_proceed(struct ringq_queue *q);

/* The futex word of a waitq (its epoch half). */
_Atomic(uint32_t) *ringq__epoch_word(struct ringq__waitq *w);

/* [W1], plus the asymmetric variant's heavy barrier: announce the caller as a sleeper of w and
 * store the epoch it announced in. Returns 0, announcing nothing, when w already counts
 * SLEEPERS_MAX sleepers (the caller must not sleep on the futex then; it naps and re-checks). The
 * caller then re-checks its condition [W2], may sleep on that epoch, and must call
 * ringq__take_back when it leaves, however it leaves. */
int ringq__announce(struct ringq_queue *q, struct ringq__waitq *w, uint32_t *epoch);

/* [W3] for an announcement made by ringq__announce: leave, consuming a wake if one is pending.
 * Returns 1 when it consumed one: the caller owes a pass-on (ringq__notify_one if the condition
 * holds) unless it completes an operation of this condition's kind. */
int ringq__take_back(struct ringq_queue *q, struct ringq__waitq *w);

/* [E2] for an event-loop poller: set POLLER in w (seq_cst RMW, plus the asymmetric variant's
 * heavy barrier). The next notifier of w signals the eventfd and clears the bit. */
void ringq__poll_announce(struct ringq_queue *q, struct ringq__waitq *w);

/* [N2]..[N4] for one unit of w's condition: the pass-on of a waiter that consumed a wake and
 * does not use it. */
void ringq__notify_one(struct ringq_queue *q, struct ringq__waitq *w);

/* A relative timeout as an absolute CLOCK_MONOTONIC deadline: NOWAIT (INT64_MIN) for 0,
 * RINGQ__FOREVER when too far to represent. timeout_ns >= 0. */
int64_t ringq__deadline_after(int64_t timeout_ns);
/* A timespec deadline in nanoseconds; RINGQ_EINVAL for NULL or an invalid one. */
enum ringq_status ringq__deadline_at(const struct timespec *ts, int64_t *deadline);

/* Whether the queue's futex words are process-shared. */
int ringq__is_shared(const struct ringq_queue *q);

/* poll.c: after a notifier bumped w's epoch [N3] and woke its sleepers [N4], signal the poller's
 * eventfd of that direction, if there is one. */
void ringq__poll_signal(struct ringq_queue *q, struct ringq__waitq *w);
/* poll.c: close the queue's eventfds (fini). */
void ringq__poll_close(struct ringq_queue *q);

/* bytes.c builds the byte-message calls on the protocol (the rest of the queue is reused):
 * ringq__block_until is queue.c's blocking loop (try, spin, [W1]..[W3], until the attempt gives
 * something else than `miss` or the deadline passes; deadline INT64_MIN: try once);
 * ringq__notify is [N2]..[N4] after an [N1] (wakes one sleeper); ringq__notify_all wakes every
 * sleeper (a byte queue's freed room: each woken putter needs room for its own length, and one
 * that finds too little sleeps again without passing the wake on); ringq__uses_asym says whether the SPSC asymmetric
 * variant is in force. ringq__bytes_give runs one put or commit (a struct ringq__bytes_put) as
 * the SPSC put path does (put_busy handshake, or the closing check and a closable publication):
 * 1, 0 (no room) or a status. ringq__bytes_take runs one get or peek (a struct ringq__bytes_get)
 * under the get_busy handshake ([G1]..[G2]; a peek that succeeds keeps get_busy raised until its
 * release): 1, 0 (empty) or a status. */
typedef enum ringq_status (*ringq__attempt_fn)(struct ringq_queue *q, void *op, int64_t deadline);
enum ringq_status ringq__block_until(struct ringq_queue *q, void *op, int64_t deadline,
                                     ringq__attempt_fn attempt, struct ringq__waitq *w,
                                     int (*ready)(struct ringq_queue *q), enum ringq_status miss);
void ringq__notify(struct ringq_queue *q, struct ringq__waitq *w);
void ringq__notify_all(struct ringq_queue *q, struct ringq__waitq *w);
int ringq__uses_asym(struct ringq_queue *q);
ptrdiff_t ringq__bytes_give(struct ringq_queue *q, const void *op);
ptrdiff_t ringq__bytes_take(struct ringq_queue *q, void *op);
/* bytes.c: the [W2] re-check of a putter of a byte queue (room for its own message; for any
 * other thread, such as an event loop, room for the largest), and the process's claimant word. */
int ringq__bytes_put_may_proceed(struct ringq_queue *q);
uint32_t ringq__bytes_claimant(const struct ringq_queue *q);
/* bytes.c: queue.c's push of a byte queue (a put: reserve, copy, commit; or a commit), with the
 * claim words of a queue with a participant table ("Dead putters"). As ringq__bytes_push. */
ptrdiff_t ringq__bytes_push_q(struct ringq_queue *q, const void *op, int closable);
/* bytes.c: the consumer (inside its get_busy window, or the discarder) resolves a record left by
 * a dead putter ("Dead putters", BR1..BR3). 1: something changed, look again; 0: wait. */
int ringq__bytes_unstick(struct ringq_queue *q);
/* bytes.c: the handle of a byte queue of `kind` (RINGQ_QUEUE_BYTES_SPSC / _MPSC), capacity in
 * bytes and largest message max_len (0: the largest possible): ringq__init_handle's fields, the
 * record ring's geometry (bgeom) and the byte-queue flags; the caller sets the offsets and makes
 * the ring (ringq__bytes_init). RINGQ_OK, RINGQ_EINVAL or RINGQ_ERANGE (as memsize). */
enum ringq_status ringq__bytes_handle(struct ringq_queue *q, enum ringq_queue_kind kind,
                                      size_t capacity, size_t max_len, unsigned flags);

#endif /* RINGQ_SRC_QUEUE_INTERNAL_H */
