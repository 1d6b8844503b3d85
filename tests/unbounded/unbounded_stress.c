/* SPDX-License-Identifier: MIT */
/* tests/unbounded/unbounded_stress.c: the stress driver's exactly-once checks (equal multiset,
 * per-producer order, no duplicates) on the unbounded queue (src/unbounded.h), SPSC and MPMC,
 * through segment boundaries, spare reuse and frees, near the ticket wrap, with a failing
 * allocator.
 *
 * The driver's "capacity" is used here as a limit on the items in flight: a push reports
 * would-block while size() >= capacity, so the queue oscillates across segment boundaries
 * (recycling its spare) instead of only growing; the rows with capacity UNLIMITED let it grow
 * freely. Adapter names carry the segment size (slots per segment), from 1 (every item its own
 * segment) to the default. */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "stress/driver.h"
#include "unbounded.h"

#define UNLIMITED ((size_t)1 << 40)

struct uq {
  struct ringq__unbounded u;
  uint64_t first;   /* first ticket */
  size_t limit;     /* in-flight limit (the driver's capacity) */
  atomic_int closed;
};

/* ---- the failing allocator: every FAIL_EVERY-th segment allocation fails ---- */

#define FAIL_EVERY 3
static atomic_uint g_alloc_calls;
static atomic_uint g_alloc_failures;

static void *
failing_alloc(size_t alignment, size_t bytes)
{
  /* relaxed: a counter; the allocation itself is the allocator's business. */
  unsigned n = atomic_fetch_add_explicit(&g_alloc_calls, 1, memory_order_relaxed) + 1;
  if (n % FAIL_EVERY == 0) {
    atomic_fetch_add_explicit(&g_alloc_failures, 1, memory_order_relaxed);
    return NULL;
  }
  return aligned_alloc(alignment, bytes);
}

static void *
make(const struct stress_params *p, int kind, size_t slots)
{
  struct uq *w = aligned_alloc(RINGQ_CACHE_LINE, sizeof *w);
  enum ringq_status st;
  if (w == NULL)
    stress_fail("out of memory");
  w->first = p->near_wrap ? STRESS_WRAP_TICKET & ~RINGQ__CLOSED : 0;
  w->limit = p->capacity;
  atomic_init(&w->closed, 0);
  st = ringq__unbounded_init_at(&w->u, kind, p->elem_size, w->first, slots);
  if (st != RINGQ_OK)
    stress_fail("ringq__unbounded_init_at: %s", ringq_strerror(st));
  return w;
}

#define MAKER(name, kind, slots)                                                                 \
  static void *name(const struct stress_params *p) { return make(p, kind, slots); }
MAKER(make_spsc_1, RINGQ__UNBOUNDED_SPSC, 1)
MAKER(make_spsc_4, RINGQ__UNBOUNDED_SPSC, 4)
MAKER(make_spsc_default, RINGQ__UNBOUNDED_SPSC, 0)
MAKER(make_mpmc_1, RINGQ__UNBOUNDED_MPMC, 1)
MAKER(make_mpmc_2, RINGQ__UNBOUNDED_MPMC, 2)
MAKER(make_mpmc_32, RINGQ__UNBOUNDED_MPMC, 32)
MAKER(make_mpmc_default, RINGQ__UNBOUNDED_MPMC, 0)

static void *
make_mpmc_failing(const struct stress_params *p)
{
  atomic_store(&ringq__test_unbounded_alloc, failing_alloc);
  return make(p, RINGQ__UNBOUNDED_MPMC, 4);
}

static void *
make_spsc_failing(const struct stress_params *p)
{
  atomic_store(&ringq__test_unbounded_alloc, failing_alloc);
  return make(p, RINGQ__UNBOUNDED_SPSC, 4);
}

static void
destroy(void *q)
{
  struct uq *w = q;
  ringq__unbounded_fini(&w->u);
  free(w);
  atomic_store(&ringq__test_unbounded_alloc, NULL);
}

static enum stress_rc
map(enum ringq_status st, const char *what)
{
  switch (st) {
  case RINGQ_OK: return STRESS_OK;
  case RINGQ_EMPTY: return STRESS_AGAIN;
  case RINGQ_ENOMEM: return STRESS_AGAIN; /* nothing inserted: the driver retries the item */
  case RINGQ_SHUTDOWN: return STRESS_CLOSED;
  default: stress_fail("%s returned %s", what, ringq_strerror(st));
  }
}

/* Would-block while the in-flight limit is reached (not for a closed queue: the driver checks
 * that a push after close reports closed). */
static int
over_limit(struct uq *w)
{
  return w->limit != UNLIMITED && ringq__unbounded_size(&w->u) >= w->limit &&
         !(atomic_load_explicit(&w->u.tail, memory_order_relaxed) & RINGQ__CLOSED);
}

static enum stress_rc
spsc_push(void *q, const uint64_t *item)
{
  struct uq *w = q;
  if (over_limit(w))
    return STRESS_AGAIN;
  return map(ringq__unbounded_spsc_push(&w->u, item, 0), "spsc push");
}

static enum stress_rc
spsc_pop(void *q, uint64_t *item)
{
  return map(ringq__unbounded_spsc_pop(&((struct uq *)q)->u, item, memory_order_release),
             "spsc pop");
}

static enum stress_rc
map_count(ptrdiff_t k, size_t n, size_t *done, const char *what)
{
  if (k > 0 && (size_t)k <= n) {
    *done = (size_t)k;
    return STRESS_OK;
  }
  if (k == 0 || k == RINGQ_ENOMEM)
    return STRESS_AGAIN; /* empty; or no segment: nothing inserted, the driver retries */
  if (k == RINGQ_SHUTDOWN)
    return STRESS_CLOSED;
  stress_fail("%s returned %td for n = %zu", what, k, n);
}

static enum stress_rc
spsc_push_burst(void *q, const uint64_t *items, size_t n, size_t *done)
{
  struct uq *w = q;
  if (over_limit(w))
    return STRESS_AGAIN;
  return map_count(ringq__unbounded_spsc_push_n(&w->u, items, n, 0), n, done, "spsc push_n");
}

static enum stress_rc
spsc_pop_burst(void *q, uint64_t *items, size_t n, size_t *done)
{
  return map_count(ringq__unbounded_spsc_pop_n(&((struct uq *)q)->u, items, n,
                                               memory_order_release),
                   n, done, "spsc pop_n");
}

static enum stress_rc
mpmc_push(void *q, const uint64_t *item)
{
  struct uq *w = q;
  if (over_limit(w))
    return STRESS_AGAIN;
  return map(ringq__unbounded_mpmc_push(&w->u, item, memory_order_relaxed), "mpmc push");
}

static enum stress_rc
mpmc_pop(void *q, uint64_t *item)
{
  return map(ringq__unbounded_mpmc_pop(&((struct uq *)q)->u, item, memory_order_relaxed),
             "mpmc pop");
}

static void
uq_close(void *q)
{
  struct uq *w = q;
  ringq__unbounded_close(&w->u);
  atomic_store(&w->closed, 1);
}

/* After the run: head and tail `items` tickets past the start (tail marked if closed), size 0,
 * and at most two segments held (the current one and the spare). */
static void
check_end(void *q, uint64_t items, char *note, size_t note_len)
{
  struct uq *w = q;
  struct ringq__unbounded *u = &w->u;
  uint64_t end = w->first + items * RINGQ__STEP;
  uint64_t want_tail = end | (atomic_load(&w->closed) ? RINGQ__CLOSED : 0);
  uint64_t tail = atomic_load(&u->tail), head = atomic_load(&u->head);
  uint64_t segs = atomic_load(&u->segments);
  if (tail != want_tail || head != end)
    stress_fail("end state: tail 0x%016" PRIx64 " head 0x%016" PRIx64
                ", expected tail 0x%016" PRIx64 " head 0x%016" PRIx64,
                tail, head, want_tail, end);
  if (ringq__unbounded_size(u) != 0)
    stress_fail("end state: size %zu, expected 0", ringq__unbounded_size(u));
  if (segs < 1 || segs > 2)
    stress_fail("end state: %" PRIu64 " segments held after draining, expected 1 or 2", segs);
  if (ringq__unbounded_bytes(u) != sizeof *u + segs * u->seg_bytes)
    stress_fail("end state: bytes held %zu, expected %zu", ringq__unbounded_bytes(u),
                (size_t)(sizeof *u + segs * u->seg_bytes));
  {
    unsigned calls = atomic_load(&g_alloc_calls), fails = atomic_load(&g_alloc_failures);
    if (calls > 0)
      snprintf(note, note_len, "%u segment allocations, %u failed%s", calls, fails,
               end < w->first ? ", tickets wrapped" : "");
    else if (end < w->first)
      snprintf(note, note_len, "tickets wrapped");
    atomic_store(&g_alloc_calls, 0);
    atomic_store(&g_alloc_failures, 0);
  }
}

#define ADAPTER(var, label, maker, mp, push_fn, pop_fn)                                            \
  static const struct stress_adapter var = {                                                     \
      .name = label,                                                                             \
      .multi_producer = mp,                                                                      \
      .multi_consumer = mp,                                                                      \
      .can_start_at = 1,                                                                         \
      .create = maker,                                                                           \
      .destroy = destroy,                                                                        \
      .push = push_fn,                                                                           \
      .pop = pop_fn,                                                                             \
      .close = uq_close,                                                                         \
      .check_end = check_end,                                                                    \
  };
ADAPTER(spsc1, "unb-spsc-seg1", make_spsc_1, 0, spsc_push, spsc_pop)
static const struct stress_adapter spsc4b = {
    .name = "unb-spsc-seg4",
    .can_start_at = 1,
    .create = make_spsc_4,
    .destroy = destroy,
    .push = spsc_push,
    .pop = spsc_pop,
    .push_burst = spsc_push_burst,
    .pop_burst = spsc_pop_burst,
    .close = uq_close,
    .check_end = check_end,
};
static const struct stress_adapter spscfb = {
    .name = "unb-spsc-seg4-enomem",
    .can_start_at = 1,
    .create = make_spsc_failing,
    .destroy = destroy,
    .push = spsc_push,
    .pop = spsc_pop,
    .push_burst = spsc_push_burst,
    .pop_burst = spsc_pop_burst,
    .close = uq_close,
    .check_end = check_end,
};
ADAPTER(spsc4, "unb-spsc-seg4", make_spsc_4, 0, spsc_push, spsc_pop)
ADAPTER(spscd, "unb-spsc", make_spsc_default, 0, spsc_push, spsc_pop)
ADAPTER(spscf, "unb-spsc-seg4-enomem", make_spsc_failing, 0, spsc_push, spsc_pop)
ADAPTER(mpmc1, "unb-mpmc-seg1", make_mpmc_1, 1, mpmc_push, mpmc_pop)
ADAPTER(mpmc2, "unb-mpmc-seg2", make_mpmc_2, 1, mpmc_push, mpmc_pop)
ADAPTER(mpmc32, "unb-mpmc-seg32", make_mpmc_32, 1, mpmc_push, mpmc_pop)
ADAPTER(mpmcd, "unb-mpmc", make_mpmc_default, 1, mpmc_push, mpmc_pop)
ADAPTER(mpmcf, "unb-mpmc-seg4-enomem", make_mpmc_failing, 1, mpmc_push, mpmc_pop)

#define K 1000u
#define S STRESS_SINGLE
#define END STRESS_CLOSE_AT_END
#define COUNT STRESS_BY_COUNT
#define MID STRESS_CLOSE_MIDWAY
#define U UNLIMITED

/* 4x4 runs 8 threads on this machine's 2 CPUs: oversubscribed on purpose (a thread preempted
 * while installing a segment or between claim and write must only delay the others). */
/* group, adapter, producers, consumers, in-flight limit, path, near_wrap, finish, items. */
static const struct stress_config table[] = {
  {"spsc", &spsc1, 1, 1, 3, S, 0, END, 500 * K},
  {"spsc", &spsc1, 1, 1, U, S, 0, END, 500 * K},
  {"spsc", &spsc4, 1, 1, 5, S, 0, END, 2000 * K},
  {"spsc", &spsc4, 1, 1, 100, S, 0, END, 2000 * K},
  {"spsc", &spscd, 1, 1, 1024, S, 0, END, 4000 * K},
  {"spsc", &spscd, 1, 1, 5000, S, 0, COUNT, 4000 * K},
  {"spsc", &spscd, 1, 1, U, S, 0, END, 4000 * K},
  {"spsc", &spsc4, 1, 1, 7, S, 1, END, 500 * K},
  {"spsc", &spscd, 1, 1, U, S, 1, END, 2000 * K},
  {"spsc", &spscf, 1, 1, 100, S, 0, END, 1000 * K},
  {"spsc", &spsc4b, 1, 1, 100, STRESS_BURST, 0, END, 2000 * K},
  {"spsc", &spsc4b, 1, 1, U, STRESS_BURST, 1, END, 2000 * K},
  {"spsc", &spscfb, 1, 1, 300, STRESS_BURST, 0, END, 1000 * K},
  {"mpmc", &mpmc1, 1, 1, 3, S, 0, END, 250 * K},
  {"mpmc", &mpmc1, 2, 2, U, S, 0, END, 250 * K},
  {"mpmc", &mpmc2, 2, 2, 5, S, 0, END, 250 * K},
  {"mpmc", &mpmc32, 1, 1, 100, S, 0, END, 1000 * K},
  {"mpmc", &mpmc32, 2, 2, 100, S, 0, END, 1000 * K},
  {"mpmc", &mpmc32, 2, 2, U, S, 0, COUNT, 1000 * K},
  {"mpmc", &mpmcd, 1, 1, U, S, 0, END, 2000 * K},
  {"mpmc", &mpmcd, 2, 2, 3000, S, 0, END, 2000 * K},
  {"mpmc", &mpmcd, 1, 4, U, S, 0, END, 1000 * K},
  {"mpmc", &mpmcd, 4, 1, U, S, 0, END, 1000 * K},
  {"mpmc", &mpmc2, 2, 2, 5, S, 0, MID, 250 * K},
  {"mpmc", &mpmc32, 2, 2, U, S, 1, END, 500 * K},
  {"mpmc", &mpmcf, 2, 2, 100, S, 0, END, 500 * K},
  {"4x4", &mpmc1, 4, 4, 6, S, 0, END, 200 * K},
  {"4x4", &mpmc2, 4, 4, U, S, 0, END, 200 * K},
  {"4x4", &mpmc32, 4, 4, 100, S, 0, END, 1000 * K},
  {"4x4", &mpmcd, 4, 4, U, S, 0, END, 2000 * K},
  {"4x4", &mpmcd, 4, 4, 2000, S, 0, COUNT, 2000 * K},
  {"4x4", &mpmc32, 4, 4, U, S, 0, MID, 1000 * K},
  {"4x4", &mpmc32, 4, 4, 100, S, 1, END, 500 * K},
  {"4x4", &mpmcf, 4, 4, 100, S, 0, END, 500 * K},
};

int
main(int argc, char **argv)
{
  return stress_main(argc, argv, table, sizeof table / sizeof table[0]);
}
