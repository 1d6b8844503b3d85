/* SPDX-License-Identifier: MIT */
/* src/unbounded.c: the unbounded queue's slow paths (segments: allocate, initialise, recycle,
 * release walk) and its life cycle; the ordering argument is at the top of unbounded.h. */
#include "unbounded.h"

#include "wait.h"

#include <stdlib.h>

#ifdef RINGQ_TEST_HOOKS
_Atomic(ringq__unbounded_alloc_fn) ringq__test_unbounded_alloc;
#endif

/* Slots per segment: about SEGMENT_TARGET bytes of slots, between MIN_SLOTS and MAX_SLOTS. Large
 * segments make the boundary work (an allocation or a spare, one wait for the installer) rare;
 * small ones make the bytes held follow the backlog closely. */
#define SEGMENT_TARGET ((uint64_t)32768)
#define MIN_SLOTS ((uint64_t)4)
#define MAX_SLOTS ((uint64_t)1024)

/* Spins before a waiting thread starts yielding its CPU (ringq__unbounded_pause). */
#define PAUSE_SPINS 64u

static void *
segment_alloc(size_t bytes)
{
#ifdef RINGQ_TEST_HOOKS
  /* relaxed: tests set the hook before starting threads. */
  ringq__unbounded_alloc_fn hook =
      atomic_load_explicit(&ringq__test_unbounded_alloc, memory_order_relaxed);
  if (hook != NULL)
    return hook(RINGQ_CACHE_LINE, bytes);
#endif
  return aligned_alloc(RINGQ_CACHE_LINE, bytes);
}

static void
segment_free(struct ringq__unbounded *u, struct ringq__useg *s)
{
  free(s);
  /* relaxed: a statistic (bytes held). */
  atomic_fetch_sub_explicit(&u->segments, 1, memory_order_relaxed);
}

/* Make s a fresh segment: no link, every MPMC slot unwritten and unread. The segment is private
 * to the calling thread until it links or installs it with a release store. */
static void
segment_reset(struct ringq__unbounded *u, struct ringq__useg *s)
{
  uint64_t i;
  /* relaxed: private until published ([US2] / [UP5]..[UP7] are release stores). */
  atomic_store_explicit(&s->next, NULL, memory_order_relaxed);
  if (u->kind != RINGQ__UNBOUNDED_MPMC)
    return;
  for (i = 0; i < u->slots; i++) {
    struct ringq__uslot *slot = (struct ringq__uslot *)ringq__useg_slot(u, s, i);
    /* relaxed: private, as above. */
    atomic_store_explicit(&slot->written, 0, memory_order_relaxed);
    atomic_store_explicit(&slot->rd, 0, memory_order_relaxed);
  }
}

struct ringq__useg *
ringq__unbounded_take_segment(struct ringq__unbounded *u)
{
  struct ringq__useg *s;
  /* relaxed peek first: most boundaries of a growing queue find no spare, skip the RMW. */
  if (atomic_load_explicit(&u->spare, memory_order_relaxed) != NULL) {
    /* [UR2] acquire; pairs with [UR1]: the thread that recycled it was done with it. */
    s = atomic_exchange_explicit(&u->spare, NULL, memory_order_acquire);
    if (s != NULL) {
      segment_reset(u, s);
      return s;
    }
  }
  s = (struct ringq__useg *)segment_alloc((size_t)u->seg_bytes);
  if (s == NULL)
    return NULL;
  /* relaxed: a statistic (bytes held). */
  atomic_fetch_add_explicit(&u->segments, 1, memory_order_relaxed);
  atomic_init(&s->next, NULL);
  if (u->kind == RINGQ__UNBOUNDED_MPMC) {
    uint64_t i;
    for (i = 0; i < u->slots; i++) {
      struct ringq__uslot *slot = (struct ringq__uslot *)ringq__useg_slot(u, s, i);
      atomic_init(&slot->written, 0);
      atomic_init(&slot->rd, 0);
    }
  }
  return s;
}

void
ringq__unbounded_recycle(struct ringq__unbounded *u, struct ringq__useg *s)
{
  struct ringq__useg *none = NULL;
  /* [UR1] release; pairs with [UR2]: every access to s by this thread (and, through the release
   * walk's acquires, by every consumer of s) happens before the next taker's reset. */
  if (atomic_compare_exchange_strong_explicit(&u->spare, &none, s, memory_order_release,
                                              memory_order_relaxed))
    return;
  segment_free(u, s); /* a spare is kept already: the bytes follow the backlog */
}

void
ringq__unbounded_release_walk(struct ringq__unbounded *u, struct ringq__useg *s, uint64_t from)
{
  uint64_t i;
  for (i = from; i + 1 < u->slots; i++) {
    struct ringq__uslot *slot = (struct ringq__uslot *)ringq__useg_slot(u, s, i);
    /* [UC11] acq_rel: a slot already READ is done (acquire); one that is not takes the walk
     * over when its consumer's [UC7] sees DESTROY (release). */
    uint32_t rd = atomic_fetch_or_explicit(&slot->rd, RINGQ__USLOT_DESTROY, memory_order_acq_rel);
    if (!(rd & RINGQ__USLOT_READ))
      return;
  }
  ringq__unbounded_recycle(u, s);
}

void
ringq__unbounded_pause(unsigned *rounds)
{
  if (++*rounds <= PAUSE_SPINS)
    ringq__relax();
  else
    ringq__yield();
}

enum ringq_status
ringq__unbounded_init_at(struct ringq__unbounded *u, int kind, size_t elem_size,
                         uint64_t first_ticket, size_t slots_per_segment)
{
  struct ringq__useg *first;
  uint64_t slots;
  if (u == NULL || (kind != RINGQ__UNBOUNDED_SPSC && kind != RINGQ__UNBOUNDED_MPMC))
    return RINGQ_EINVAL;
  if (elem_size > RINGQ_MAX_ELEM_SIZE)
    return RINGQ_ERANGE;
  u->kind = (uint32_t)kind;
  u->elem_size = elem_size;
  u->stride = kind == RINGQ__UNBOUNDED_MPMC
                  ? sizeof(struct ringq__uslot) + (((uint64_t)elem_size + 7) & ~(uint64_t)7)
                  : (uint64_t)elem_size;
  if (slots_per_segment > MAX_SLOTS)
    return RINGQ_ERANGE;
  slots = MAX_SLOTS;
  while (slots > MIN_SLOTS && slots * u->stride > SEGMENT_TARGET)
    slots /= 2;
  if (slots_per_segment != 0)
    slots = slots_per_segment;
  u->slots = slots;
  u->span = slots * RINGQ__STEP;
  u->seg_bytes = (RINGQ__USEG_HEADER + slots * u->stride + RINGQ_CACHE_LINE - 1) &
                 ~(uint64_t)(RINGQ_CACHE_LINE - 1);
  atomic_init(&u->spare, NULL);
  atomic_init(&u->segments, 0);
  first = ringq__unbounded_take_segment(u);
  if (first == NULL)
    return RINGQ_ENOMEM;
  first_ticket &= ~RINGQ__CLOSED;
  /* Relaxed (atomic_init): the queue is not shared until init returns. */
  atomic_init(&u->tail, first_ticket);
  atomic_init(&u->tail_end, first_ticket + u->span);
  atomic_init(&u->tail_seg, first);
  atomic_init(&u->head, first_ticket);
  atomic_init(&u->head_end, first_ticket + u->span);
  atomic_init(&u->head_seg, first);
  atomic_init(&u->tail_cache, first_ticket);
  return RINGQ_OK;
}

enum ringq_status
ringq__unbounded_init(struct ringq__unbounded *u, int kind, size_t elem_size)
{
  return ringq__unbounded_init_at(u, kind, elem_size, 0, 0);
}

void
ringq__unbounded_fini(struct ringq__unbounded *u)
{
  struct ringq__useg *s, *next;
  if (u == NULL)
    return;
  /* relaxed: no other thread uses u any more (the caller's contract). Every segment still held
   * is on the chain from head_seg (the ones before it were recycled), or the spare. */
  s = atomic_load_explicit(&u->head_seg, memory_order_relaxed);
  while (s != NULL) {
    next = atomic_load_explicit(&s->next, memory_order_relaxed);
    segment_free(u, s);
    s = next;
  }
  s = atomic_exchange_explicit(&u->spare, NULL, memory_order_relaxed);
  if (s != NULL)
    segment_free(u, s);
  atomic_store_explicit(&u->head_seg, NULL, memory_order_relaxed);
  atomic_store_explicit(&u->tail_seg, NULL, memory_order_relaxed);
  /* Head at tail: a pop after fini (a second fini's discards) finds nothing to read. */
  atomic_store_explicit(&u->head, atomic_load_explicit(&u->tail, memory_order_relaxed) &
                                      ~RINGQ__CLOSED, memory_order_relaxed);
  atomic_store_explicit(&u->tail_cache, atomic_load_explicit(&u->head, memory_order_relaxed),
                        memory_order_relaxed);
}

size_t
ringq__unbounded_bytes(struct ringq__unbounded *u)
{
  /* relaxed: a statistic. */
  uint64_t n = atomic_load_explicit(&u->segments, memory_order_relaxed);
  return sizeof *u + (size_t)(n * u->seg_bytes);
}
