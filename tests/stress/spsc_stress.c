/* SPDX-License-Identifier: MIT */
/* tests/stress/spsc_stress.c: stress adapters and configurations for ringq/spsc.h (copying
 * single-item and burst paths, the zero-copy reserve/commit + peek/release path, ticket wrap). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "ringq/spsc.h"

/* The ring and the adapter's own per-side state (each side on its own line). */
struct spsc_q {
  struct ringq_spsc *r;
  uint64_t first;                    /* first ticket */
  _Alignas(128) unsigned push_calls; /* producer thread only */
  int closed;                        /* producer thread; read by main after join */
  _Alignas(128) unsigned pop_calls;  /* consumer thread only */
};

static void *
spsc_create(const struct stress_params *p)
{
  struct spsc_q *w = aligned_alloc(_Alignof(struct spsc_q), sizeof(struct spsc_q));
  enum ringq_status st;
  if (w == NULL)
    stress_fail("out of memory");
  memset(w, 0, sizeof *w);
  if (p->near_wrap) {
    size_t bytes = 0;
    void *mem;
    st = ringq_spsc_memsize(p->capacity, p->elem_size, &bytes);
    if (st != RINGQ_OK)
      stress_fail("ringq_spsc_memsize: %s", ringq_strerror(st));
    mem = aligned_alloc(RINGQ_CACHE_LINE, bytes);
    if (mem == NULL)
      stress_fail("out of memory");
    st = ringq__spsc_init_at(mem, bytes, p->capacity, p->elem_size, STRESS_WRAP_TICKET);
    w->r = mem;
    w->first = STRESS_WRAP_TICKET & ~RINGQ__CLOSED;
  } else {
    st = ringq_spsc_create(p->capacity, p->elem_size, &w->r);
    w->first = 0;
  }
  if (st != RINGQ_OK)
    stress_fail("making the ring: %s", ringq_strerror(st));
  return w;
}

static void
spsc_destroy(void *q)
{
  struct spsc_q *w = q;
  ringq_spsc_destroy(w->r);
  free(w);
}

static enum stress_rc
map_status(enum ringq_status st, enum ringq_status again, const char *what)
{
  if (st == RINGQ_OK)
    return STRESS_OK;
  if (st == again)
    return STRESS_AGAIN;
  if (st == RINGQ_SHUTDOWN)
    return STRESS_CLOSED;
  stress_fail("%s returned %s", what, ringq_strerror(st));
}

/* A burst result: a count (>= 0) or a status. */
static enum stress_rc
map_count(ptrdiff_t k, size_t n, size_t *done, const char *what)
{
  if (k > 0 && (size_t)k <= n) {
    *done = (size_t)k;
    return STRESS_OK;
  }
  if (k == 0)
    return STRESS_AGAIN;
  if (k == RINGQ_SHUTDOWN)
    return STRESS_CLOSED;
  if (k > 0)
    stress_fail("%s returned %td for n = %zu", what, k, n);
  stress_fail("%s returned %s", what, ringq_strerror((int)k));
}

static enum stress_rc
spsc_push(void *q, const uint64_t *item)
{
  return map_status(ringq_spsc_try_push(((struct spsc_q *)q)->r, item), RINGQ_FULL,
                    "ringq_spsc_try_push");
}

static enum stress_rc
spsc_pop(void *q, uint64_t *item)
{
  return map_status(ringq_spsc_try_pop(((struct spsc_q *)q)->r, item), RINGQ_EMPTY,
                    "ringq_spsc_try_pop");
}

static enum stress_rc
spsc_push_burst(void *q, const uint64_t *items, size_t n, size_t *done)
{
  return map_count(ringq_spsc_push_burst(((struct spsc_q *)q)->r, items, n), n, done,
                   "ringq_spsc_push_burst");
}

static enum stress_rc
spsc_pop_burst(void *q, uint64_t *items, size_t n, size_t *done)
{
  return map_count(ringq_spsc_pop_burst(((struct spsc_q *)q)->r, items, n), n, done,
                   "ringq_spsc_pop_burst");
}

static void
spsc_close(void *q)
{
  struct spsc_q *w = q;
  enum ringq_status st = ringq_spsc_close(w->r);
  if (st != RINGQ_OK)
    stress_fail("ringq_spsc_close returned %s", ringq_strerror(st));
  w->closed = 1;
}

/* Zero-copy write of up to n items. Now and then it first makes a reservation it fills with
 * items no producer sends (id 0) and then abandons, by cancelling it (commit 0) or by reserving
 * again: if such an item ever reached the consumer, the driver would flag it. Now and then it
 * commits one slot less than it reserved. */
static enum stress_rc
zc_push_burst(void *q, const uint64_t *items, size_t n, size_t *done)
{
  struct spsc_q *w = q;
  unsigned call = ++w->push_calls;
  void *where = NULL;
  ptrdiff_t k;
  size_t use;
  enum ringq_status st;
  if (call % 13 == 0 || call % 17 == 0) {
    k = ringq_spsc_reserve(w->r, n, &where);
    if (k > 0) {
      uint64_t junk = STRESS_ITEM(0, call);
      ptrdiff_t i;
      for (i = 0; i < k; i++)
        memcpy((unsigned char *)where + (size_t)i * sizeof junk, &junk, sizeof junk);
      if (call % 17 == 0 && (st = ringq_spsc_commit(w->r, 0)) != RINGQ_OK)
        stress_fail("ringq_spsc_commit(0) returned %s", ringq_strerror(st));
    }
  }
  k = ringq_spsc_reserve(w->r, n, &where);
  if (k <= 0)
    return map_count(k, n, done, "ringq_spsc_reserve");
  if ((size_t)k > n || where == NULL)
    stress_fail("ringq_spsc_reserve returned %td (where %p) for max = %zu", k, where, n);
  use = (size_t)k;
  if (use > 1 && call % 5 == 0)
    use--;
  memcpy(where, items, use * sizeof *items);
  st = ringq_spsc_commit(w->r, use);
  if (st != RINGQ_OK)
    stress_fail("ringq_spsc_commit(%zu) after reserving %td returned %s", use, k,
                ringq_strerror(st));
  *done = use;
  return STRESS_OK;
}

/* Zero-copy read of up to n items. Now and then it releases one item less than it was shown, or
 * releases none (release 0) and checks that the next peek shows the same items again. */
static enum stress_rc
zc_pop_burst(void *q, uint64_t *items, size_t n, size_t *done)
{
  struct spsc_q *w = q;
  unsigned call = ++w->pop_calls;
  const void *where = NULL;
  ptrdiff_t k;
  size_t use;
  enum ringq_status st;
  k = ringq_spsc_peek(w->r, n, &where);
  if (k <= 0)
    return map_count(k, n, done, "ringq_spsc_peek");
  if ((size_t)k > n || where == NULL)
    stress_fail("ringq_spsc_peek returned %td (where %p) for max = %zu", k, where, n);
  if (call % 11 == 0) {
    const void *again = NULL;
    uint64_t first, first_again;
    ptrdiff_t k2;
    memcpy(&first, where, sizeof first);
    if ((st = ringq_spsc_release(w->r, 0)) != RINGQ_OK)
      stress_fail("ringq_spsc_release(0) returned %s", ringq_strerror(st));
    k2 = ringq_spsc_peek(w->r, n, &again);
    if (k2 < k || again != where)
      stress_fail("peek after release(0): %td items at %p, before %td at %p", k2, again, k, where);
    memcpy(&first_again, again, sizeof first_again);
    if (first_again != first)
      stress_fail("peek after release(0) shows 0x%016" PRIx64 " first, before 0x%016" PRIx64,
                  first_again, first);
    k = k2;
  }
  use = (size_t)k;
  if (use > 1 && call % 5 == 0)
    use--;
  memcpy(items, where, use * sizeof *items);
  st = ringq_spsc_release(w->r, use);
  if (st != RINGQ_OK)
    stress_fail("ringq_spsc_release(%zu) after peeking %td returned %s", use, k,
                ringq_strerror(st));
  *done = use;
  return STRESS_OK;
}

static enum stress_rc
zc_push(void *q, const uint64_t *item)
{
  size_t done = 0;
  return zc_push_burst(q, item, 1, &done);
}

static enum stress_rc
zc_pop(void *q, uint64_t *item)
{
  size_t done = 0;
  return zc_pop_burst(q, item, 1, &done);
}

/* After the run: head and tail both `items` tickets past the start, tail marked closed when the
 * ring was closed, nothing left. */
static void
spsc_check_end(void *q, uint64_t items, char *note, size_t note_len)
{
  struct spsc_q *w = q;
  uint64_t end = w->first + items * RINGQ__STEP;
  uint64_t want_tail = end | (w->closed ? RINGQ__CLOSED : 0);
  uint64_t tail = atomic_load(&w->r->tail), head = atomic_load(&w->r->head);
  if (tail != want_tail || head != end)
    stress_fail("end state: tail 0x%016" PRIx64 " head 0x%016" PRIx64
                ", expected tail 0x%016" PRIx64 " head 0x%016" PRIx64 " (first ticket 0x%016" PRIx64
                ", %" PRIu64 " items)",
                tail, head, want_tail, end, w->first, items);
  if (ringq_spsc_size(w->r) != 0 || !ringq_spsc_empty(w->r))
    stress_fail("end state: size %zu, expected 0", ringq_spsc_size(w->r));
  if (end < w->first)
    snprintf(note, note_len, "tickets wrapped");
}

static const struct stress_adapter spsc_copy = {
  .name = "spsc",
  .multi_producer = 0,
  .multi_consumer = 0,
  .can_start_at = 1,
  .create = spsc_create,
  .destroy = spsc_destroy,
  .push = spsc_push,
  .pop = spsc_pop,
  .push_burst = spsc_push_burst,
  .pop_burst = spsc_pop_burst,
  .close = spsc_close,
  .check_end = spsc_check_end,
};

static const struct stress_adapter spsc_zerocopy = {
  .name = "spsc-zerocopy",
  .multi_producer = 0,
  .multi_consumer = 0,
  .can_start_at = 1,
  .create = spsc_create,
  .destroy = spsc_destroy,
  .push = zc_push,
  .pop = zc_pop,
  .push_burst = zc_push_burst,
  .pop_burst = zc_pop_burst,
  .close = spsc_close,
  .check_end = spsc_check_end,
};

#define K 1000u
#define S STRESS_SINGLE
#define B STRESS_BURST
#define END STRESS_CLOSE_AT_END
#define COUNT STRESS_BY_COUNT
#define MID STRESS_CLOSE_MIDWAY

/* Item counts: capacities 1 and 2 hand every item or two over between the threads (a context
 * switch each when they share a CPU), so they get fewer items than capacity 1000/1024. */
/* group, adapter, producers, consumers, capacity, path, near_wrap, finish, items (plain). */
static const struct stress_config table[] = {
  {"copy", &spsc_copy, 1, 1, 1, S, 0, END, 1000 * K},
  {"copy", &spsc_copy, 1, 1, 2, S, 0, END, 1000 * K},
  {"copy", &spsc_copy, 1, 1, 1024, S, 0, END, 8000 * K},
  {"copy", &spsc_copy, 1, 1, 1000, S, 0, COUNT, 4000 * K},
  {"copy", &spsc_copy, 1, 1, 1, B, 0, END, 1000 * K},
  {"copy", &spsc_copy, 1, 1, 2, B, 0, END, 1000 * K},
  {"copy", &spsc_copy, 1, 1, 1024, B, 0, END, 16000 * K},
  {"copy", &spsc_copy, 1, 1, 1000, B, 0, END, 16000 * K},
  {"copy", &spsc_copy, 1, 1, 1024, B, 0, MID, 4000 * K},
  {"zerocopy", &spsc_zerocopy, 1, 1, 1, B, 0, END, 1000 * K},
  {"zerocopy", &spsc_zerocopy, 1, 1, 2, B, 0, END, 1000 * K},
  {"zerocopy", &spsc_zerocopy, 1, 1, 1024, B, 0, END, 16000 * K},
  {"zerocopy", &spsc_zerocopy, 1, 1, 1000, B, 0, END, 16000 * K},
  {"zerocopy", &spsc_zerocopy, 1, 1, 1024, S, 0, END, 4000 * K},
  {"zerocopy", &spsc_zerocopy, 1, 1, 2, B, 0, MID, 500 * K},
  {"wrap", &spsc_copy, 1, 1, 1, S, 1, END, 500 * K},
  {"wrap", &spsc_copy, 1, 1, 1024, B, 1, END, 4000 * K},
  {"wrap", &spsc_zerocopy, 1, 1, 2, B, 1, END, 500 * K},
  {"wrap", &spsc_zerocopy, 1, 1, 1000, B, 1, END, 4000 * K},
};

int
main(int argc, char **argv)
{
  return stress_main(argc, argv, table, sizeof table / sizeof table[0]);
}
