/* SPDX-License-Identifier: MIT */
/* src/unbounded.h: the unbounded queue under ringq_queue_create(kind, 0, ...): items in linked
 * segments of slots, SPSC and MPMC, with the rings' ticket words (internal, never installed).
 *
 * Model. Items are copied by value (elem_size bytes, 0 allowed) into segments of `slots` slots
 * each, allocated from the heap and linked as they fill. Tickets are the rings' units: free-running
 * 64-bit words that advance by RINGQ__STEP per item, bit 0 of tail is the closed mark
 * (RINGQ__CLOSED), compared by unsigned difference (they may wrap). So tail counts the accepted
 * pushes and head the pops exactly as in spsc.h / mpmc.h, and the blocking layer's task accounting
 * and its [W2] re-checks (tail != head, the closed mark) read them unchanged.
 *
 * Segments. Each one knows nothing of its tickets: the queue keeps, per side, the current segment
 * (tail_seg / head_seg) and the ticket just past its last slot (tail_end / head_end), so the slot
 * of ticket t is (t - (end - span)) / RINGQ__STEP with span = slots * RINGQ__STEP. A drained
 * segment becomes the one spare (so a queue that oscillates across a segment boundary never
 * allocates), or is freed when a spare is already kept: the bytes held follow the backlog, one
 * segment of slack. No allocation per item; an allocation happens at most once per `slots` pushes,
 * and only when there is no spare.
 *
 * Allocation failure. The segment a push will need is obtained BEFORE the push takes its ticket,
 * so RINGQ_ENOMEM means nothing was claimed, inserted or lost, and the queue keeps working.
 *
 * SPSC (one producer thread, one consumer thread at a time, as spsc.h). The producer alone moves
 * tail, tail_seg and tail_end; the consumer alone moves head, head_seg and head_end; they share
 * only tail, head, the `next` links and the spare. The producer never reads head (there is no room
 * to check), the consumer reads tail only when its cached copy says "empty". Wait-free except for
 * the allocator.
 *
 * MPMC (any threads). Producers claim a ticket by compare-exchange on tail, like mpmc.h, but only
 * after reading (tail_end, tail_seg); the claim proves the pair was the right one (see [UP1]..[UP3]
 * below). The producer whose ticket is the LAST slot of a segment installs the next segment right
 * after its claim (it obtained it before the claim), then copies its item. While tail stands at
 * tail_end (a segment's last ticket is claimed and the next segment not yet installed), other
 * producers wait. Consumers claim tickets below tail by compare-exchange on head, then wait for the
 * slot's producer to finish writing; the consumer of a segment's last slot moves head_seg /
 * head_end on, and meanwhile other consumers wait.
 *
 * Progress (read this). SPSC: wait-free (plus malloc at segment boundaries). MPMC: claims are
 * lock-free, completions are not: a producer preempted between its claim and its write holds back
 * the consumer that claimed that ticket (which waits for it), and a producer or consumer preempted
 * while moving its side to the next segment (a few stores) holds back every thread of that side.
 * That is the bounded ring's caveat, made slightly wider: waits are on threads in the middle of a
 * few instructions, never on a condition. Waiting spins briefly, then yields the CPU.
 *
 * Linearizable pops. A pop reports EMPTY only when head == tail at its load of tail, i.e. every
 * accepted push was already claimed by some pop. If tail is ahead, the pop claims the oldest
 * ticket and, if its producer is still copying, waits for it (a bounded ring would say EMPTY
 * there). So after a push returns OK, no later pop reports EMPTY while that item or an older one
 * is still in the queue.
 *
 * Reclamation (MPMC). No thread dereferences a segment before it holds a claim on one of its
 * slots: the pre-claim steps use only the queue's own words. A claimed slot keeps its segment
 * alive until its consumer has read it, and each consumer says so with a read-modify-write of the
 * slot's `rd` word (READ). The consumer of the last slot, once it has read, walks the other slots
 * setting DESTROY: at the first slot not yet READ it stops, and that slot's consumer, seeing
 * DESTROY in its own read-modify-write, continues the walk from the next slot. Whoever finishes
 * the walk recycles the segment (spare or free). So a segment is released exactly once, after
 * every one of its slots was read, and every producer wrote before its consumer read. Producers
 * never touch a segment after writing their slot (the installer links `next` before writing).
 *
 * Memory ordering (labels are repeated at each atomic operation):
 * SPSC
 *   [US1] producer relaxed load of tail: only the producer moves tail.
 *   [US2] producer release store of the new segment's `next` link in the old one; pairs with
 *         [UT2]: the consumer that follows the link sees the initialised segment. (Ordered before
 *         [US3] too, which already publishes it.)
 *   [US3] producer publication of tail: release store; pairs with [UT1]: the slot is written.
 *         From the blocking layer a seq_cst compare-exchange that fails (nothing published) when
 *         another thread set RINGQ__CLOSED, as spsc.h's [P3q].
 *   [UT0] consumer relaxed load of head: only the consumer moves head.
 *   [UT1] consumer acquire load of tail (only when its cached copy is used up); pairs with [US3]
 *         and with close [UX1].
 *   [UT2] consumer acquire load of `next` when it enters the next segment; pairs with [US2].
 *   [UT3] consumer release store of head (seq_cst from the blocking layer): head is read only by
 *         size and the blocking layer, never by the producer.
 * MPMC
 *   [UP1] producer acquire load of tail_end; pairs with [UP7]: tail_seg holds the segment that
 *         ends there (or a later one), initialised.
 *   [UP2] producer acquire load of tail_seg; pairs with [UP6]: if it is already a LATER segment
 *         than tail_end said, the installer's claim precedes it, so [UP3] reads tail >= its base.
 *   [UP3] producer relaxed load of tail (ordered after [UP2] by its acquire). If tail is within
 *         [tail_end - span, tail_end), tail_seg is that segment: a later one would have made tail
 *         reach tail_end (by [UP2]), an earlier one cannot follow [UP1]. tail == tail_end: the
 *         last slot is claimed and the next segment not installed yet; wait.
 *   [UP4] producer claim, compare-exchange of tail t -> t + STEP: relaxed in the bare queue
 *         (the slot word carries the data); seq_cst from the blocking layer (its [N1]). Success
 *         proves tail was still t, so the segment read at [UP2] is the one of t, and alive.
 *   [UP5] installer release store of `next` in its segment; pairs with [UC8] (the consumer of
 *         the last slot reads it after [UC6], which already orders it).
 *   [UP6] installer release store of tail_seg; pairs with [UP2].
 *   [UP7] installer release store of tail_end (after [UP6]); pairs with [UP1]: unblocks the
 *         producers waiting at tail == tail_end.
 *   [UP8] producer release store of the slot's `written`; pairs with [UC6]: the item is copied.
 *   [UC1] consumer acquire load of head_end; pairs with [UC10]: head_seg is the segment ending
 *         there (or later).
 *   [UC2] consumer acquire load of head_seg; pairs with [UC9]; same argument as [UP2].
 *   [UC3] consumer relaxed load of head (after [UC2]); same argument as [UP3].
 *   [UC4] consumer relaxed load of tail_cache, the consumers' shared copy of tail: a value
 *         tail had, so h below it was claimed by a producer (the item is ordered by [UC6]).
 *         Only when h reaches the copy: [UC4'] acquire load of tail; pairs with [UP4]/[UX1]:
 *         head == tail means empty (closed and drained if the mark is set). EMPTY and SHUTDOWN
 *         are only ever decided on a fresh load of tail.
 *   [UC5] consumer claim, compare-exchange of head h -> h + STEP: relaxed (seq_cst from the
 *         blocking layer). Success proves head was still h: head_seg is h's segment, alive.
 *   [UC6] consumer acquire load of the slot's `written`, spinning until set; pairs with [UP8].
 *   [UC7] consumer acq_rel fetch-or of READ into the slot's `rd`: release: the copy is done
 *         before the segment can be recycled; acquire: if DESTROY was set, the walk so far
 *         (and the slots it saw READ) happened before, and this thread continues it.
 *   [UC8] consumer of a segment's last slot: acquire load of `next`; pairs with [UP5].
 *   [UC9] that consumer's release store of head_seg; pairs with [UC2].
 *   [UC10] its release store of head_end (after [UC9]); pairs with [UC1].
 *   [UC11] the walk's acq_rel fetch-or of DESTROY into a slot's `rd`: acquire: a slot seen READ
 *         is done; release: hands the walk to a slot's consumer that has not read yet.
 * Both
 *   [UR1] recycling: release compare-exchange of the spare NULL -> segment; pairs with [UR2]:
 *         the thread that takes it sees every access to it finished.
 *   [UR2] taking the spare: acquire exchange with NULL; pairs with [UR1].
 *   [UX1] close: seq_cst fetch-or of RINGQ__CLOSED into tail; a claim or a publication
 *         (compare-exchange) can no longer succeed, and a plain SPSC publication [US3] is kept
 *         apart from it by the blocking layer's put_busy handshake, as for spsc.h.
 *   [US4] size: acquire load of head, then of tail; the difference is clamped at 0 (MPMC heads
 *         move by relaxed claims in the bare queue).
 */
#ifndef RINGQ_SRC_UNBOUNDED_H
#define RINGQ_SRC_UNBOUNDED_H

#include "ringq/mpmc.h"
#include "ringq/spsc.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

enum ringq__unbounded_kind { RINGQ__UNBOUNDED_SPSC = 0, RINGQ__UNBOUNDED_MPMC = 1 };

/* A segment; its slots follow at RINGQ__USEG_HEADER bytes. SPSC slot: the element. MPMC slot:
 * a struct ringq__uslot, then the element (rounded up to 8 bytes). */
struct ringq__useg {
  _Atomic(struct ringq__useg *) next; /* the following segment, NULL until installed */
};
#define RINGQ__USEG_HEADER ((size_t)RINGQ_CACHE_LINE)

/* The MPMC slot header. written: 0 until the producer's copy is complete ([UP8]), then 1.
 * rd: bits READ (its consumer has copied the item out) and DESTROY (the segment's release walk
 * stopped here and waits for this slot's consumer to continue it). Both are 0 in a fresh or
 * recycled segment. */
struct ringq__uslot {
  _Atomic(uint32_t) written;
  _Atomic(uint32_t) rd;
};
#define RINGQ__USLOT_READ 1u
#define RINGQ__USLOT_DESTROY 2u

struct ringq__unbounded {
  uint32_t kind;      /* enum ringq__unbounded_kind; read-only after init */
  uint64_t elem_size; /* bytes per item (0 allowed); read-only after init */
  uint64_t stride;    /* bytes per slot; read-only after init */
  uint64_t slots;     /* slots per segment; read-only after init */
  uint64_t span;      /* slots * RINGQ__STEP: tickets per segment; read-only after init */
  uint64_t seg_bytes; /* bytes of one segment; read-only after init */

  /* Producers' line. */
  _Alignas(RINGQ_CACHE_LINE) _Atomic(uint64_t) tail; /* next ticket to push; bit RINGQ__CLOSED:
                                                        no more pushes */
  _Atomic(uint64_t) tail_end;                        /* ticket just past tail_seg's last slot */
  _Atomic(struct ringq__useg *) tail_seg;            /* the segment tail's items go into */

  /* Consumers' line. */
  _Alignas(RINGQ_CACHE_LINE) _Atomic(uint64_t) head; /* next ticket to pop; never above tail */
  _Atomic(uint64_t) head_end;                        /* ticket just past head_seg's last slot */
  _Atomic(struct ringq__useg *) head_seg;            /* the segment head's item is in */
  _Atomic(uint64_t) tail_cache; /* consumers' copy of tail without the mark: a value tail had,
                                   so never ahead of it (SPSC: the consumer's own) */

  /* Segment bookkeeping: touched once per segment. */
  _Alignas(RINGQ_CACHE_LINE) _Atomic(struct ringq__useg *) spare; /* a drained segment, or NULL */
  _Atomic(uint64_t) segments; /* segments allocated and not freed (spare included) */
};

/* Test-only allocation hook (ringq_testable only): when set, segments are allocated through it
 * instead of aligned_alloc, so a test can make an allocation fail. */
#ifdef RINGQ_TEST_HOOKS
typedef void *(*ringq__unbounded_alloc_fn)(size_t alignment, size_t bytes);
extern _Atomic(ringq__unbounded_alloc_fn) ringq__test_unbounded_alloc;
#endif

/* Make an empty queue of `kind` for items of elem_size bytes (0 .. RINGQ_MAX_ELEM_SIZE) in *u,
 * with its first ticket `first_ticket` (tests start just below the wrap point; the closed bit is
 * ignored) and slots_per_segment slots per segment (1..1024; 0: the default, about 32 KiB of
 * slots; tests use tiny segments to cross boundaries often). Allocates the first segment. Not
 * thread-safe: publish u after it returns. Returns RINGQ_OK, RINGQ_EINVAL (u NULL, bad kind),
 * RINGQ_ERANGE (elem_size or slots_per_segment too large) or RINGQ_ENOMEM. */
enum ringq_status ringq__unbounded_init_at(struct ringq__unbounded *u, int kind,
                                           size_t elem_size, uint64_t first_ticket,
                                           size_t slots_per_segment);

/* ringq__unbounded_init_at from ticket 0. */
enum ringq_status ringq__unbounded_init(struct ringq__unbounded *u, int kind, size_t elem_size);

/* Free every segment (items still queued are dropped). No thread may be using u. */
void ringq__unbounded_fini(struct ringq__unbounded *u);

/* Bytes the queue holds: the struct plus every segment allocated (the spare included). Any
 * thread; exact when nobody is crossing a segment boundary. */
size_t ringq__unbounded_bytes(struct ringq__unbounded *u);

/* Slow paths, out of line (src/unbounded.c). */
struct ringq__useg *ringq__unbounded_take_segment(struct ringq__unbounded *u);
void ringq__unbounded_recycle(struct ringq__unbounded *u, struct ringq__useg *s);
void ringq__unbounded_release_walk(struct ringq__unbounded *u, struct ringq__useg *s,
                                   uint64_t from);
void ringq__unbounded_pause(unsigned *rounds);

static inline unsigned char *
ringq__useg_slot(const struct ringq__unbounded *u, struct ringq__useg *s, uint64_t index)
{
  return (unsigned char *)s + RINGQ__USEG_HEADER + index * u->stride;
}

/* ---- SPSC ---------------------------------------------------------------------------------- */

/* Push one item. Producer thread only. closable: publish with a seq_cst compare-exchange that
 * fails when another thread closed the queue (the blocking layer), else a release store.
 * Returns RINGQ_OK, RINGQ_SHUTDOWN (closed: nothing inserted) or RINGQ_ENOMEM (no segment could
 * be allocated: nothing inserted; a later push may succeed). */
static inline enum ringq_status
ringq__unbounded_spsc_push(struct ringq__unbounded *u, const void *item, int closable)
{
  struct ringq__useg *seg;
  uint64_t t, end;
  /* [US1] relaxed: only the producer moves tail. */
  t = atomic_load_explicit(&u->tail, memory_order_relaxed);
  if (t & RINGQ__CLOSED)
    return RINGQ_SHUTDOWN;
  /* relaxed: only the producer writes tail_end and tail_seg in an SPSC queue. */
  end = atomic_load_explicit(&u->tail_end, memory_order_relaxed);
  seg = atomic_load_explicit(&u->tail_seg, memory_order_relaxed);
  if (t == end) {
    /* relaxed: only this thread links a segment after seg. A segment linked by a push whose
     * publication then failed (closed) is never reached: the queue stays closed. */
    struct ringq__useg *next = atomic_load_explicit(&seg->next, memory_order_relaxed);
    if (next == NULL) {
      next = ringq__unbounded_take_segment(u);
      if (next == NULL)
        return RINGQ_ENOMEM;
      /* [US2] release; pairs with [UT2]: the consumer entering `next` sees it initialised. */
      atomic_store_explicit(&seg->next, next, memory_order_release);
    }
    seg = next;
    end += u->span;
    /* relaxed: producer-private in an SPSC queue (published to the consumer through [US2]). */
    atomic_store_explicit(&u->tail_seg, seg, memory_order_relaxed);
    atomic_store_explicit(&u->tail_end, end, memory_order_relaxed);
  }
  ringq__copy(ringq__useg_slot(u, seg, (t - (end - u->span)) / RINGQ__STEP), item, u->elem_size);
  if (closable) {
    /* [US3] seq_cst CAS; pairs with [UT1]; fails only when another thread set RINGQ__CLOSED. */
    if (!atomic_compare_exchange_strong_explicit(&u->tail, &t, t + RINGQ__STEP,
                                                 memory_order_seq_cst, memory_order_relaxed))
      return RINGQ_SHUTDOWN;
    return RINGQ_OK;
  }
  /* [US3] release; pairs with [UT1]: publishes the slot written above. */
  atomic_store_explicit(&u->tail, t + RINGQ__STEP, memory_order_release);
  return RINGQ_OK;
}

/* Consumer, step 1 of a pop: *slot points at the oldest item's elem_size bytes, in place (its
 * segment entered if needed). Consumer thread only; wait-free (plus free() at segment boundaries).
 * Returns RINGQ_OK (then call ringq__unbounded_spsc_end_read), RINGQ_EMPTY or RINGQ_SHUTDOWN
 * (closed and drained). */
static inline enum ringq_status
ringq__unbounded_spsc_begin_read(struct ringq__unbounded *u, void **slot)
{
  struct ringq__useg *seg;
  uint64_t h, end;
  /* [UT0] relaxed: only the consumer moves head. */
  h = atomic_load_explicit(&u->head, memory_order_relaxed);
  /* relaxed: the consumer's own copy. */
  if (h == atomic_load_explicit(&u->tail_cache, memory_order_relaxed)) {
    /* [UT1] acquire; pairs with [US3] / [UX1]: the slots below tail are written. */
    uint64_t t = atomic_load_explicit(&u->tail, memory_order_acquire);
    atomic_store_explicit(&u->tail_cache, t & ~RINGQ__CLOSED, memory_order_relaxed);
    if (h == (t & ~RINGQ__CLOSED))
      return (t & RINGQ__CLOSED) ? RINGQ_SHUTDOWN : RINGQ_EMPTY;
  }
  /* relaxed: only the consumer writes head_end and head_seg in an SPSC queue. */
  end = atomic_load_explicit(&u->head_end, memory_order_relaxed);
  seg = atomic_load_explicit(&u->head_seg, memory_order_relaxed);
  if (h == end) {
    /* [UT2] acquire; pairs with [US2]. Ticket h < tail is published, so the link exists. */
    struct ringq__useg *next = atomic_load_explicit(&seg->next, memory_order_acquire);
    ringq__unbounded_recycle(u, seg); /* every slot of seg was read; the producer left it */
    seg = next;
    end += u->span;
    /* relaxed: consumer-private in an SPSC queue. */
    atomic_store_explicit(&u->head_seg, seg, memory_order_relaxed);
    atomic_store_explicit(&u->head_end, end, memory_order_relaxed);
  }
  *slot = ringq__useg_slot(u, seg, (h - (end - u->span)) / RINGQ__STEP);
  return RINGQ_OK;
}

/* Consumer, step 2: the item shown by begin_read is gone. head_mo: the order of the head store
 * [UT3] (release, or seq_cst for the blocking layer). */
static inline void
ringq__unbounded_spsc_end_read(struct ringq__unbounded *u, memory_order head_mo)
{
  /* [UT0] relaxed: only the consumer moves head. */
  uint64_t h = atomic_load_explicit(&u->head, memory_order_relaxed);
  /* [UT3] release (seq_cst from the blocking layer): head is read by size and join only. */
  ringq__store_mo(&u->head, h + RINGQ__STEP, head_mo);
}

/* Pop the oldest item into item (NULL: discard it): begin_read, copy, end_read. Consumer thread
 * only. Returns RINGQ_OK, RINGQ_EMPTY or RINGQ_SHUTDOWN (closed and drained). */
static inline enum ringq_status
ringq__unbounded_spsc_pop(struct ringq__unbounded *u, void *item, memory_order head_mo)
{
  void *slot;
  enum ringq_status st = ringq__unbounded_spsc_begin_read(u, &slot);
  if (st != RINGQ_OK)
    return st;
  if (item != NULL)
    ringq__copy(item, slot, u->elem_size);
  ringq__unbounded_spsc_end_read(u, head_mo);
  return RINGQ_OK;
}

/* Push up to n items (the array `items`, n * elem_size bytes) with one publication. Producer
 * thread only; closable as for ringq__unbounded_spsc_push. Returns the number pushed (all n,
 * unless a segment could not be allocated: then those that fit in the segments held), or
 * RINGQ_SHUTDOWN / RINGQ_ENOMEM when none was. */
static inline ptrdiff_t
ringq__unbounded_spsc_push_n(struct ringq__unbounded *u, const void *items, size_t n,
                             int closable)
{
  const unsigned char *from = (const unsigned char *)items;
  struct ringq__useg *seg;
  uint64_t t, end, p;
  size_t i;
  /* [US1] relaxed: only the producer moves tail. */
  t = atomic_load_explicit(&u->tail, memory_order_relaxed);
  if (t & RINGQ__CLOSED)
    return RINGQ_SHUTDOWN;
  /* relaxed: only the producer writes tail_end and tail_seg in an SPSC queue. */
  end = atomic_load_explicit(&u->tail_end, memory_order_relaxed);
  seg = atomic_load_explicit(&u->tail_seg, memory_order_relaxed);
  for (i = 0, p = t; i < n; i++, p += RINGQ__STEP, from += u->elem_size) {
    if (p == end) {
      /* relaxed: only this thread links a segment after seg (see ringq__unbounded_spsc_push). */
      struct ringq__useg *next = atomic_load_explicit(&seg->next, memory_order_relaxed);
      if (next == NULL) {
        next = ringq__unbounded_take_segment(u);
        if (next == NULL)
          break;
        /* [US2] release; pairs with [UT2]. */
        atomic_store_explicit(&seg->next, next, memory_order_release);
      }
      seg = next;
      end += u->span;
      /* relaxed: producer-private in an SPSC queue. */
      atomic_store_explicit(&u->tail_seg, seg, memory_order_relaxed);
      atomic_store_explicit(&u->tail_end, end, memory_order_relaxed);
    }
    ringq__copy(ringq__useg_slot(u, seg, (p - (end - u->span)) / RINGQ__STEP), from,
                u->elem_size);
  }
  if (i == 0)
    return RINGQ_ENOMEM;
  if (closable) {
    /* [US3] seq_cst CAS; pairs with [UT1]; fails only when another thread set RINGQ__CLOSED. */
    if (!atomic_compare_exchange_strong_explicit(&u->tail, &t, p, memory_order_seq_cst,
                                                 memory_order_relaxed))
      return RINGQ_SHUTDOWN;
    return (ptrdiff_t)i;
  }
  /* [US3] release; pairs with [UT1]: publishes the slots written above. */
  atomic_store_explicit(&u->tail, p, memory_order_release);
  return (ptrdiff_t)i;
}

/* Pop up to n items into the array `items` (NULL: discard them) with one store of head. Consumer
 * thread only. Returns the number popped (0 when empty) or RINGQ_SHUTDOWN (closed and drained). */
static inline ptrdiff_t
ringq__unbounded_spsc_pop_n(struct ringq__unbounded *u, void *items, size_t n,
                            memory_order head_mo)
{
  unsigned char *to = (unsigned char *)items;
  struct ringq__useg *seg;
  uint64_t h, end, p, avail;
  size_t i;
  /* [UT0] relaxed: only the consumer moves head. */
  h = atomic_load_explicit(&u->head, memory_order_relaxed);
  /* relaxed: the consumer's own copy. */
  avail = (atomic_load_explicit(&u->tail_cache, memory_order_relaxed) - h) / RINGQ__STEP;
  if (avail < n) {
    /* [UT1] acquire; pairs with [US3] / [UX1]: the slots below tail are written. */
    uint64_t t = atomic_load_explicit(&u->tail, memory_order_acquire);
    atomic_store_explicit(&u->tail_cache, t & ~RINGQ__CLOSED, memory_order_relaxed);
    avail = ((t & ~RINGQ__CLOSED) - h) / RINGQ__STEP;
    if (avail == 0)
      return (t & RINGQ__CLOSED) ? RINGQ_SHUTDOWN : 0;
  }
  if (avail > n)
    avail = n;
  /* relaxed: only the consumer writes head_end and head_seg in an SPSC queue. */
  end = atomic_load_explicit(&u->head_end, memory_order_relaxed);
  seg = atomic_load_explicit(&u->head_seg, memory_order_relaxed);
  for (i = 0, p = h; i < avail; i++, p += RINGQ__STEP) {
    if (p == end) {
      /* [UT2] acquire; pairs with [US2]. Ticket p < tail is published, so the link exists. */
      struct ringq__useg *next = atomic_load_explicit(&seg->next, memory_order_acquire);
      ringq__unbounded_recycle(u, seg);
      seg = next;
      end += u->span;
      /* relaxed: consumer-private in an SPSC queue. */
      atomic_store_explicit(&u->head_seg, seg, memory_order_relaxed);
      atomic_store_explicit(&u->head_end, end, memory_order_relaxed);
    }
    if (to != NULL) {
      ringq__copy(to, ringq__useg_slot(u, seg, (p - (end - u->span)) / RINGQ__STEP),
                  u->elem_size);
      to += u->elem_size;
    }
  }
  /* [UT3] release (seq_cst from the blocking layer). */
  ringq__store_mo(&u->head, p, head_mo);
  return (ptrdiff_t)avail;
}

/* ---- MPMC ---------------------------------------------------------------------------------- */

/* Push one item. Any thread. claim_mo: the order of the claim [UP4] (relaxed, or seq_cst for the
 * blocking layer). Returns RINGQ_OK, RINGQ_SHUTDOWN (closed: nothing inserted) or RINGQ_ENOMEM
 * (the push would have started a segment and none could be allocated: nothing inserted). */
static inline enum ringq_status
ringq__unbounded_mpmc_push(struct ringq__unbounded *u, const void *item, memory_order claim_mo)
{
  struct ringq__useg *seg, *spare_seg = NULL;
  struct ringq__uslot *slot;
  uint64_t t, end, index;
  unsigned rounds = 0;
  for (;;) {
    /* [UP1] acquire; pairs with [UP7]. */
    end = atomic_load_explicit(&u->tail_end, memory_order_acquire);
    /* [UP2] acquire; pairs with [UP6]. */
    seg = atomic_load_explicit(&u->tail_seg, memory_order_acquire);
    /* [UP3] relaxed, after [UP2]: tail within [end - span, end) means seg is t's segment. */
    t = atomic_load_explicit(&u->tail, memory_order_relaxed);
    if (t & RINGQ__CLOSED) {
      if (spare_seg != NULL)
        ringq__unbounded_recycle(u, spare_seg);
      return RINGQ_SHUTDOWN;
    }
    index = (t - (end - u->span)) / RINGQ__STEP;
    if (index >= u->slots) {
      /* t == end: the next segment is being installed; or end was stale. Wait, retry. */
      ringq__unbounded_pause(&rounds);
      continue;
    }
    if (index == u->slots - 1 && spare_seg == NULL) {
      /* This claim would take the last slot: get the next segment first, so that a failure
       * leaves nothing claimed. */
      spare_seg = ringq__unbounded_take_segment(u);
      if (spare_seg == NULL)
        return RINGQ_ENOMEM;
      continue; /* time passed: read the words again */
    }
    /* [UP4] claim t; relaxed or seq_cst (the blocking layer's [N1]). */
    if (atomic_compare_exchange_strong_explicit(&u->tail, &t, t + RINGQ__STEP, claim_mo,
                                                memory_order_relaxed))
      break;
  }
  if (index == u->slots - 1) {
    /* [UP5] release; pairs with [UC8]: the consumer of this last slot follows the link. */
    atomic_store_explicit(&seg->next, spare_seg, memory_order_release);
    /* [UP6] release; pairs with [UP2]. */
    atomic_store_explicit(&u->tail_seg, spare_seg, memory_order_release);
    /* [UP7] release; pairs with [UP1]: producers may claim in the new segment. */
    atomic_store_explicit(&u->tail_end, end + u->span, memory_order_release);
    spare_seg = NULL;
  }
  if (spare_seg != NULL)
    ringq__unbounded_recycle(u, spare_seg); /* prepared for a last slot another thread took */
  slot = (struct ringq__uslot *)ringq__useg_slot(u, seg, index);
  ringq__copy(slot + 1, item, u->elem_size);
  /* [UP8] release; pairs with [UC6]: the item is copied. The producer is done with seg. */
  atomic_store_explicit(&slot->written, 1, memory_order_release);
  return RINGQ_OK;
}

/* A claimed MPMC ticket being read: its segment, its slot index, and the ticket just past the
 * segment's last slot. */
struct ringq__uread {
  struct ringq__useg *seg;
  uint64_t index;
  uint64_t end;
};

/* The item of a claimed ticket, in place. */
static inline void *
ringq__unbounded_mpmc_item(const struct ringq__unbounded *u, const struct ringq__uread *rd)
{
  return ringq__useg_slot(u, rd->seg, rd->index) + sizeof(struct ringq__uslot);
}

/* Consumer, step 1 of a pop: claim the oldest ticket and wait until its producer has written it;
 * the item is then at ringq__unbounded_mpmc_item(u, rd). Any thread. claim_mo: the order of the
 * claim [UC5]. Waits for a claimed slot's producer to finish its copy (see Progress). Returns
 * RINGQ_OK (then call ringq__unbounded_mpmc_end_read), RINGQ_EMPTY (every accepted push was
 * already claimed by a pop) or RINGQ_SHUTDOWN (closed and drained). */
static inline enum ringq_status
ringq__unbounded_mpmc_begin_read(struct ringq__unbounded *u, struct ringq__uread *rd,
                                 memory_order claim_mo)
{
  struct ringq__useg *seg;
  struct ringq__uslot *slot;
  uint64_t h, end, index;
  unsigned rounds = 0;
  for (;;) {
    uint64_t t;
    /* [UC1] acquire; pairs with [UC10]. */
    end = atomic_load_explicit(&u->head_end, memory_order_acquire);
    /* [UC2] acquire; pairs with [UC9]. */
    seg = atomic_load_explicit(&u->head_seg, memory_order_acquire);
    /* [UC3] relaxed, after [UC2]. */
    h = atomic_load_explicit(&u->head, memory_order_relaxed);
    /* [UC4] relaxed load of the consumers' copy of tail: h below it was claimed by a producer
     * (the item itself is synchronised by [UC6]). Only when the copy is used up, [UC4'] acquire
     * load of tail; pairs with [UP4] / [UX1]. */
    t = atomic_load_explicit(&u->tail_cache, memory_order_relaxed);
    if ((int64_t)(t - h) <= 0) {
      t = atomic_load_explicit(&u->tail, memory_order_acquire);
      /* relaxed: any value tail had is a valid copy (the copy may go back a little). */
      atomic_store_explicit(&u->tail_cache, t & ~RINGQ__CLOSED, memory_order_relaxed);
      if ((int64_t)((t & ~RINGQ__CLOSED) - h) <= 0) {
        if (h == (t & ~RINGQ__CLOSED))
          return (t & RINGQ__CLOSED) ? RINGQ_SHUTDOWN : RINGQ_EMPTY;
        continue; /* tail older than head (relaxed claims): read both again */
      }
    }
    index = (h - (end - u->span)) / RINGQ__STEP;
    if (index >= u->slots) {
      /* h == end: the consumer of the last slot is moving head_seg on; or end was stale. */
      ringq__unbounded_pause(&rounds);
      continue;
    }
    /* [UC5] claim h; relaxed or seq_cst (the blocking layer). */
    if (atomic_compare_exchange_strong_explicit(&u->head, &h, h + RINGQ__STEP, claim_mo,
                                                memory_order_relaxed))
      break;
  }
  slot = (struct ringq__uslot *)ringq__useg_slot(u, seg, index);
  rounds = 0;
  /* [UC6] acquire; pairs with [UP8]: wait for the producer of ticket h to finish its copy. */
  while (atomic_load_explicit(&slot->written, memory_order_acquire) == 0)
    ringq__unbounded_pause(&rounds);
  rd->seg = seg;
  rd->index = index;
  rd->end = end;
  return RINGQ_OK;
}

/* Consumer, step 2: the item of rd is read; the slot (and, with the last one, the segment) is
 * handed back. */
static inline void
ringq__unbounded_mpmc_end_read(struct ringq__unbounded *u, const struct ringq__uread *rd)
{
  struct ringq__uslot *slot = (struct ringq__uslot *)ringq__useg_slot(u, rd->seg, rd->index);
  uint32_t bits;
  if (rd->index == u->slots - 1) {
    /* [UC8] acquire; pairs with [UP5] (already ordered by [UC6]): installed before the write. */
    struct ringq__useg *next = atomic_load_explicit(&rd->seg->next, memory_order_acquire);
    /* [UC9] release; pairs with [UC2]. */
    atomic_store_explicit(&u->head_seg, next, memory_order_release);
    /* [UC10] release; pairs with [UC1]: consumers may claim in the next segment. */
    atomic_store_explicit(&u->head_end, rd->end + u->span, memory_order_release);
    ringq__unbounded_release_walk(u, rd->seg, 0);
    return;
  }
  /* [UC7] acq_rel; see the table: the copy is done; continue a walk that stopped here. */
  bits = atomic_fetch_or_explicit(&slot->rd, RINGQ__USLOT_READ, memory_order_acq_rel);
  if (bits & RINGQ__USLOT_DESTROY)
    ringq__unbounded_release_walk(u, rd->seg, rd->index + 1);
}

/* Pop the oldest item into item (NULL: discard it): begin_read, copy, end_read. Any thread.
 * Returns RINGQ_OK, RINGQ_EMPTY or RINGQ_SHUTDOWN (closed and drained). */
static inline enum ringq_status
ringq__unbounded_mpmc_pop(struct ringq__unbounded *u, void *item, memory_order claim_mo)
{
  struct ringq__uread rd;
  enum ringq_status st = ringq__unbounded_mpmc_begin_read(u, &rd, claim_mo);
  if (st != RINGQ_OK)
    return st;
  if (item != NULL)
    ringq__copy(item, ringq__unbounded_mpmc_item(u, &rd), u->elem_size);
  ringq__unbounded_mpmc_end_read(u, &rd);
  return RINGQ_OK;
}

/* ---- both ---------------------------------------------------------------------------------- */

/* Close: later pushes return RINGQ_SHUTDOWN; pops return RINGQ_SHUTDOWN once the items already
 * accepted are gone. Any thread for MPMC; for SPSC, the producer thread (or the blocking layer's
 * handshake). */
static inline void
ringq__unbounded_close(struct ringq__unbounded *u)
{
  /* [UX1] seq_cst; no claim or compare-exchange publication succeeds after it. */
  atomic_fetch_or_explicit(&u->tail, RINGQ__CLOSED, memory_order_seq_cst);
}

/* Items in the queue; any thread. Exact when nobody is pushing or popping. */
static inline size_t
ringq__unbounded_size(struct ringq__unbounded *u)
{
  /* [US4] acquire, head before tail. */
  uint64_t h = atomic_load_explicit(&u->head, memory_order_acquire);
  uint64_t t = atomic_load_explicit(&u->tail, memory_order_acquire) & ~RINGQ__CLOSED;
  int64_t d = (int64_t)(t - h);
  return d > 0 ? (size_t)((uint64_t)d / RINGQ__STEP) : 0;
}

#endif /* RINGQ_SRC_UNBOUNDED_H */
