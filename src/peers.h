/* SPDX-License-Identifier: MIT */
/* src/peers.h: the participant table of a queue made or attached by src/shm.c, and the MPMC ring
 * operations that record their claims in it so that a claim left by a dead process can be found
 * and skipped (never installed; the argument is at the top of src/peers.c). */
#ifndef RINGQ_SRC_PEERS_H
#define RINGQ_SRC_PEERS_H

#include "queue_internal.h"

#include <stddef.h>
#include <stdint.h>

/* Entries of the table: at most this many handles (each attach is one) use a queue at once. */
#define RINGQ__PEERS 64u
/* Claim words per direction and entry: at most this many threads of one participant are between
 * a claim and its publication (or release) at once; more wait for a word (a few instructions). */
#define RINGQ__LANES 8u

/* One participant (one handle: one attach, one open file description). Written by its owner's
 * threads; by other processes only to clear a claim word of an owner found dead (CAS), and by the
 * process that takes the entry over after its owner died. Every value read here is validated. */
struct ringq__peer {
  /* Claim words (see peers.c, "Claims"): 0, or bit 0 set, bits 1..47 a ticket's low bits, bits
   * 48..62 the count of consecutive tickets claimed from it. */
  _Alignas(RINGQ_CACHE_LINE) _Atomic(uint64_t) put[RINGQ__LANES];
  _Alignas(RINGQ_CACHE_LINE) _Atomic(uint64_t) get[RINGQ__LANES];
  /* Threads of this participant inside wait_step (ringq_queue_fini's EBUSY): a dead owner's
   * count is ignored (fini sums live entries) and cleared at takeover. */
  _Alignas(RINGQ_CACHE_LINE) _Atomic(uint32_t) blocked;
  _Atomic(uint32_t) pid; /* the owner's pid: for people reading a dump, never trusted */
};

struct ringq__peers {
  struct ringq__peer entry[RINGQ__PEERS];
};

/* q's participant table (a queue made or attached by src/shm.c; q->peer != 0). */
static inline struct ringq__peers *
ringq__peers_of(const struct ringq_queue *q)
{
  return (struct ringq__peers *)((uintptr_t)q + (uintptr_t)q->peers_offset);
}

/* shm.c, at attach and create: take a free entry for the handle q (whose peers_offset,
 * lock_base and map_fd are set): an OFD write lock on byte lock_base + i of the queue's file.
 * An entry whose owner died is taken over once its claims are resolved. RINGQ_OK (q->peer set),
 * RINGQ_ENOMEM (every entry live, or held by claims that cannot be resolved yet, for
 * ATTACH_WAIT_NS) or RINGQ_ESYS. */
enum ringq_status ringq__peers_register(struct ringq_queue *q);
/* shm.c, at close: clear the entry (its lock goes with the descriptor). */
void ringq__peers_leave(struct ringq_queue *q);

/* The MPMC ring operations of a queue with a table (q->peer != 0): as ringq__mpmc_push_burst_g /
 * pop_burst_g (the count moved, 0 for full / empty, RINGQ_SHUTDOWN or RINGQ_ECORRUPT), with the
 * claim recorded; a get also consumes the holes left where a dead putter's item was (not counted:
 * they were counted lost when marked), and one that finds the queue closed and drained resolves
 * the claims dead getters left in the last lap ([D4] in peers.c). items may be NULL for a get
 * (discard). At most n items, 1 <= n. */
ptrdiff_t ringq__peers_put(struct ringq_queue *q, const void *items, size_t n);
ptrdiff_t ringq__peers_get(struct ringq_queue *q, void *items, size_t n);

/* join_until (queue.c), while `done` stalls ([D5] in peers.c): resolve the claims dead getters
 * left in the lap below the current head, counting their items lost (and done, so a joiner sees
 * the work complete). Nothing unless q is an MPMC queue with a table. *clean: the caller's memo
 * (0 at first): head + 1 after a sweep that left no claim open, so that the next call, while head
 * stays there, costs one load. Bounded: one load per slot, a table scan per claimed slot. */
void ringq__peers_sweep_gets(struct ringq_queue *q, uint64_t *clean);

/* A getter sees the slot of ticket h (its head) claimed and not published; a putter sees the slot
 * its ticket t needs held by the getter of t - lap. Once the same ticket has been stuck for
 * STUCK_NS in this handle's view, look for its claimant in the table and, if only a dead one
 * claims it, skip it (a hole) or release it, counting the item lost. 1: something changed, retry
 * at once; 0: wait as before. Slow paths only (they read the clock). */
int ringq__peers_unstick_get(struct ringq_queue *q, uint64_t h);
int ringq__peers_unstick_put(struct ringq_queue *q, uint64_t t);

/* An SPSC busy word's value (a participant's tag, peer index + 1) names an entry whose owner is
 * dead: its step will never finish. 0 for any other value (own, live, not a tag). */
int ringq__peers_tag_dead(struct ringq_queue *q, uint32_t tag);

/* ringq_queue_shutdown(immediate) of a queue with a table: take the discarder's role ([D1] in
 * peers.c), free or held by a participant found dead. 1: this handle is now the one discarder;
 * 0: a live participant (this process included) holds it, or the word is not a tag. */
int ringq__peers_take_discard(struct ringq_queue *q);

/* ringq_queue_fini: threads blocked in the queue, summed over live participants. */
uint32_t ringq__peers_blocked(struct ringq_queue *q);

/* queue.c: count n items lost (stats) and as done (task accounting: nobody will task_done them),
 * waking joiners if that completes the work; wake a sleeper of `w` (NULL: none) for the slot the
 * caller freed or the hole it made. */
void ringq__count_lost(struct ringq_queue *q, uint64_t n, struct ringq__waitq *w);

/* ---- the single-item fast paths, inline in queue.c -------------------------------------- */

#include "wait.h" /* RINGQ__HOOK */

#define RINGQ__HOLE ((uint64_t)3)
#define RINGQ__CLAIM_TICKET_MASK (((uint64_t)1 << 48) - 1)
/* Claim words 0 .. RINGQ__OWN_LANES - 1 of an entry belong to the owner process's thread slots. */
#define RINGQ__OWN_LANES 6u
enum { RINGQ__PEER_PUT = 0, RINGQ__PEER_GET = 1 };

/* This thread's slot in its process (0: none chosen yet; i + 1: slot i; more: none). initial-exec:
 * read on every shared MPMC put and get, where a __tls_get_addr call (the general-dynamic model of
 * a position-independent library) would cost more than the claim itself; 4 bytes of the static
 * TLS that glibc keeps for libraries loaded later (dlopen). */
#define RINGQ__SLOT_TLS _Thread_local __attribute__((tls_model("initial-exec")))
extern RINGQ__SLOT_TLS uint32_t ringq__peer_slot;

static inline _Atomic(uint64_t) *
ringq__peer_lanes(struct ringq__peer *p, int dir)
{
  return dir == RINGQ__PEER_PUT ? p->put : p->get;
}

static inline uint64_t
ringq__claim_of(uint64_t t, uint64_t k)
{
  return (t & RINGQ__CLAIM_TICKET_MASK) | 1u | (k << 48);
}

/* The claim word of this thread's slot in q's entry, when the thread has a slot and the entry is
 * its process's (a fork child using its parent's handle has not): NULL otherwise. */
static inline _Atomic(uint64_t) *
ringq__peers_own(const struct ringq_queue *q, int dir)
{
  uint32_t slot = ringq__peer_slot;
  /* relaxed: only this process writes ringq__self (src/shm.c). */
  if (__builtin_expect(slot - 1u < RINGQ__OWN_LANES, 1) &&
      q->peer_pid == atomic_load_explicit(&ringq__self, memory_order_relaxed))
    return &ringq__peer_lanes(
        &ringq__peers_of(q)->entry[q->peer - 1],
        dir)[slot - 1u];
  return NULL;
}

/* One put of a queue with a table, the common case inline: this thread's own claim word, the
 * protocol of ringq__peers_put ([K1] relaxed store, [MP3] seq_cst CAS, copy, [MP4], [K2]).
 * RINGQ_OK, RINGQ_FULL, RINGQ_SHUTDOWN or RINGQ_ECORRUPT, as ringq__mpmc_push_g. */
static inline enum ringq_status
ringq__peers_put1(struct ringq_queue *q, const void *item)
{
  const struct ringq__geom *g = &q->geom;
  struct ringq_mpmc *r = (struct ringq_mpmc *)((uintptr_t)q + (uintptr_t)q->ring_offset);
  _Atomic(uint64_t) *w = ringq__peers_own(q, RINGQ__PEER_PUT), *seq;
  enum ringq_status st = RINGQ_FULL;
  uint64_t t;
  if (w == NULL) {
    ptrdiff_t k = ringq__peers_put(q, item, 1);
    return k == 1 ? RINGQ_OK : k == 0 ? RINGQ_FULL : (enum ringq_status)k;
  }
  /* [MP1] relaxed: a stale tail only makes the claim fail. */
  t = atomic_load_explicit(&r->tail, memory_order_relaxed);
  for (;;) {
    int64_t diff;
    if (t & RINGQ__CLOSED) {
      st = RINGQ_SHUTDOWN;
      break;
    }
    if (g->bounded && ringq__mpmc_bound_g(g, r, t, 1) == 0)
      break;
    seq = ringq__mpmc_seq_g(g, r, t);
    /* [MP2] acquire; pairs with [MC4] and a resolver's release of the slot. */
    diff = (int64_t)(atomic_load_explicit(seq, memory_order_acquire) - t);
    if (diff == 0) {
      /* [K1] relaxed: published by the release of the CAS below (src/peers.c). */
      atomic_store_explicit(w, ringq__claim_of(t, 1), memory_order_relaxed);
      /* [MP3] seq_cst; on failure t is reloaded. */
      if (atomic_compare_exchange_strong_explicit(&r->tail, &t, t + RINGQ__STEP,
                                                  memory_order_seq_cst, memory_order_relaxed)) {
        RINGQ__HOOK(RINGQ__HOOK_PEER_PUT_CLAIMED);
        ringq__copy(ringq__mpmc_data(seq), item, g->elem_size);
        /* [MP4] release; pairs with [MC2]. */
        atomic_store_explicit(seq, t + 1, memory_order_release);
        st = RINGQ_OK;
        break;
      }
    } else if (diff < 0) {
      break; /* full */
    } else {
      uint64_t was = t;
      /* [MP1] relaxed: another producer claimed t; catch up. */
      t = atomic_load_explicit(&r->tail, memory_order_relaxed);
      if (t == was) {
        st = RINGQ_ECORRUPT;
        break;
      }
    }
  }
  /* [K2] release; pairs with a resolver's acquire: 0 is read only after the publication. (Also
   * clears a claim left by a failed CAS.) */
  atomic_store_explicit(w, 0, memory_order_release);
  return st;
}

/* One get of a queue with a table, the common case inline (a published item at head, this
 * thread's own claim word); a hole at head, no own word, or a queue closed and drained ([D4] in
 * peers.c) goes to ringq__peers_get. RINGQ_OK,
 * RINGQ_EMPTY, RINGQ_SHUTDOWN or RINGQ_ECORRUPT. */
static inline enum ringq_status
ringq__peers_get1(struct ringq_queue *q, void *item)
{
  const struct ringq__geom *g = &q->geom;
  struct ringq_mpmc *r = (struct ringq_mpmc *)((uintptr_t)q + (uintptr_t)q->ring_offset);
  _Atomic(uint64_t) *w = ringq__peers_own(q, RINGQ__PEER_GET), *seq;
  enum ringq_status st;
  uint64_t h;
  if (w == NULL)
    goto slow;
  /* [MC1] relaxed: a stale head only makes the claim fail. */
  h = atomic_load_explicit(&r->head, memory_order_relaxed);
  for (;;) {
    uint64_t s;
    seq = ringq__mpmc_seq_g(g, r, h);
    /* [MC2] acquire; pairs with [MP4]. */
    s = atomic_load_explicit(seq, memory_order_acquire);
    if (s == h + 1) {
      /* [K1] relaxed, as for a put. */
      atomic_store_explicit(w, ringq__claim_of(h, 1), memory_order_relaxed);
      /* [MC3] seq_cst; on failure h is reloaded. */
      if (atomic_compare_exchange_strong_explicit(&r->head, &h, h + RINGQ__STEP,
                                                  memory_order_seq_cst, memory_order_relaxed)) {
        RINGQ__HOOK(RINGQ__HOOK_PEER_GET_CLAIMED);
        if (item != NULL)
          ringq__copy(item, ringq__mpmc_data(seq), g->elem_size);
        /* [MC4] release; pairs with [MP2]. */
        atomic_store_explicit(seq, h + g->lap, memory_order_release);
        st = RINGQ_OK;
        break;
      }
    } else if ((int64_t)(s - (h + 1)) < 0) {
      st = ringq__mpmc_empty_status(r, h); /* not published (yet) */
      if (st == RINGQ_SHUTDOWN) {
        atomic_store_explicit(w, 0, memory_order_release); /* [K2] */
        goto slow; /* closed and drained: ringq__peers_get sweeps dead getters' claims [D4] */
      }
      break;
    } else if (s == h + RINGQ__HOLE) {
      atomic_store_explicit(w, 0, memory_order_release); /* [K2] */
      goto slow;
    } else {
      uint64_t was = h;
      /* [MC1] relaxed: another consumer claimed h; catch up. */
      h = atomic_load_explicit(&r->head, memory_order_relaxed);
      if (h == was) {
        st = RINGQ_ECORRUPT;
        break;
      }
    }
  }
  atomic_store_explicit(w, 0, memory_order_release); /* [K2], as for a put */
  return st;
slow:
  {
    ptrdiff_t k = ringq__peers_get(q, item, 1);
    return k == 1 ? RINGQ_OK : k == 0 ? RINGQ_EMPTY : (enum ringq_status)k;
  }
}

/* ---- byte queues (src/bytes.c: "Dead putters") ------------------------------------------ */

/* A predicate over a claim word's value (ctx: the caller's, may record what it saw). */
typedef int (*ringq__claim_match)(uint64_t c, void *ctx);

/* Scan the words of directions dirs (bit RINGQ__PEER_PUT, bit RINGQ__PEER_GET) of every entry:
 * 1 if a live entry's word matches; else 0, *dead set when a dead entry's does. */
int ringq__peers_scan(struct ringq_queue *q, unsigned dirs, ringq__claim_match match, void *ctx,
                      int *dead);
/* CAS to 0 the matching words of dead entries. */
void ringq__peers_clear_dead(struct ringq_queue *q, unsigned dirs, ringq__claim_match match,
                             void *ctx);
/* Whether this handle has seen x stuck for STUCK_NS (the getters' clock; starts it if not). */
int ringq__peers_stuck(struct ringq_queue *q, uint64_t x);
/* The same with the putters' clock. */
int ringq__peers_stuck_put(struct ringq_queue *q, uint64_t x);
/* Take any free word of this handle's entry (q->peer != 0) holding c; NULL: none free. */
_Atomic(uint64_t) *ringq__peers_claim_any(struct ringq_queue *q, uint64_t c);
/* The word of this handle's entry that matches, or NULL. */
_Atomic(uint64_t) *ringq__peers_find_own(struct ringq_queue *q, ringq__claim_match match,
                                         void *ctx);
/* Clear a claim word (release). */
void ringq__peers_unclaim(_Atomic(uint64_t) *w);
/* src/bytes.c, for a takeover: a dead entry's byte claim c still covers bytes the consumer has
 * not passed (keep the entry for the consumer to resolve). */
int ringq__bytes_claim_pending(struct ringq_queue *q, uint64_t c);

#endif /* RINGQ_SRC_PEERS_H */
