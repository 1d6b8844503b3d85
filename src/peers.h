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
 * they were counted lost when marked). items may be NULL for a get (discard). At most n items,
 * 1 <= n. */
ptrdiff_t ringq__peers_put(struct ringq_queue *q, const void *items, size_t n);
ptrdiff_t ringq__peers_get(struct ringq_queue *q, void *items, size_t n);

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

/* ringq_queue_fini: threads blocked in the queue, summed over live participants. */
uint32_t ringq__peers_blocked(struct ringq_queue *q);

/* queue.c: count n items lost (stats) and as done (task accounting: nobody will task_done them),
 * waking joiners if that completes the work; wake a sleeper of `w` (NULL: none) for the slot the
 * caller freed or the hole it made. */
void ringq__count_lost(struct ringq_queue *q, uint64_t n, struct waitq *w);

/* Byte queues (src/bytes.c, being moved into shared memory elsewhere) do not record claims here
 * yet: a byte queue's reservation has its own claimant word (ringq__bytes_claimant). Hook: give
 * that word this handle's tag (q->peer) and test it with ringq__peers_tag_dead. */

#endif /* RINGQ_SRC_PEERS_H */
