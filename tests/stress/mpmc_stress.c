/* SPDX-License-Identifier: MIT */
/* tests/stress/mpmc_stress.c: stress adapter and configurations for ringq/mpmc.h (single-item
 * and burst paths, 1x1 to 4x4 threads, ticket wrap). */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "ringq/mpmc.h"

struct mpmc_q {
  struct ringq_mpmc *r;
  uint64_t first;    /* first ticket */
  atomic_int closed; /* set by the closing thread */
};

static void *
mpmc_create(const struct stress_params *p)
{
  struct mpmc_q *w = calloc(1, sizeof *w);
  enum ringq_status st;
  if (w == NULL)
    stress_fail("out of memory");
  atomic_init(&w->closed, 0);
  if (p->near_wrap) {
    size_t bytes = 0;
    void *mem;
    st = ringq_mpmc_memsize(p->capacity, p->elem_size, &bytes);
    if (st != RINGQ_OK)
      stress_fail("ringq_mpmc_memsize: %s", ringq_strerror(st));
    mem = aligned_alloc(RINGQ_CACHE_LINE, bytes);
    if (mem == NULL)
      stress_fail("out of memory");
    st = ringq__mpmc_init_at(mem, bytes, p->capacity, p->elem_size, STRESS_WRAP_TICKET);
    w->r = mem;
    w->first = STRESS_WRAP_TICKET & ~RINGQ__CLOSED;
  } else {
    st = ringq_mpmc_create(p->capacity, p->elem_size, &w->r);
    w->first = 0;
  }
  if (st != RINGQ_OK)
    stress_fail("making the ring: %s", ringq_strerror(st));
  return w;
}

static void
mpmc_destroy(void *q)
{
  struct mpmc_q *w = q;
  ringq_mpmc_destroy(w->r);
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
mpmc_push(void *q, const uint64_t *item)
{
  return map_status(ringq_mpmc_try_push(((struct mpmc_q *)q)->r, item), RINGQ_FULL,
                    "ringq_mpmc_try_push");
}

static enum stress_rc
mpmc_pop(void *q, uint64_t *item)
{
  return map_status(ringq_mpmc_try_pop(((struct mpmc_q *)q)->r, item), RINGQ_EMPTY,
                    "ringq_mpmc_try_pop");
}

static enum stress_rc
mpmc_push_burst(void *q, const uint64_t *items, size_t n, size_t *done)
{
  return map_count(ringq_mpmc_push_burst(((struct mpmc_q *)q)->r, items, n), n, done,
                   "ringq_mpmc_push_burst");
}

static enum stress_rc
mpmc_pop_burst(void *q, uint64_t *items, size_t n, size_t *done)
{
  return map_count(ringq_mpmc_pop_burst(((struct mpmc_q *)q)->r, items, n), n, done,
                   "ringq_mpmc_pop_burst");
}

static void
mpmc_close(void *q)
{
  struct mpmc_q *w = q;
  enum ringq_status st = ringq_mpmc_close(w->r);
  if (st != RINGQ_OK)
    stress_fail("ringq_mpmc_close returned %s", ringq_strerror(st));
  atomic_store(&w->closed, 1);
}

/* After the run: head and tail both `items` tickets past the start (tail marked closed when the
 * ring was closed), nothing left, and every slot handed back for its next lap. */
static void
mpmc_check_end(void *q, uint64_t items, char *note, size_t note_len)
{
  struct mpmc_q *w = q;
  struct ringq_mpmc *r = w->r;
  uint64_t end = w->first + items * RINGQ__STEP, i;
  uint64_t want_tail = end | (atomic_load(&w->closed) ? RINGQ__CLOSED : 0);
  uint64_t tail = atomic_load(&r->tail), head = atomic_load(&r->head);
  if (tail != want_tail || head != end)
    stress_fail("end state: tail 0x%016" PRIx64 " head 0x%016" PRIx64
                ", expected tail 0x%016" PRIx64 " head 0x%016" PRIx64 " (first ticket 0x%016" PRIx64
                ", %" PRIu64 " items)",
                tail, head, want_tail, end, w->first, items);
  if (ringq_mpmc_size(r) != 0 || !ringq_mpmc_empty(r))
    stress_fail("end state: size %zu, expected 0", ringq_mpmc_size(r));
  /* The slot of the next ticket t (t = end .. end + slots - 1) waits for the producer of t. */
  for (i = 0; i <= r->mask; i++) {
    uint64_t t = end + i * RINGQ__STEP;
    uint64_t seq = atomic_load(ringq__mpmc_seq(r, t));
    if (seq != t)
      stress_fail("end state: the slot of ticket 0x%016" PRIx64 " has sequence 0x%016" PRIx64
                  ", expected the ticket itself",
                  t, seq);
  }
  if (end < w->first)
    snprintf(note, note_len, "tickets wrapped");
}

static const struct stress_adapter mpmc = {
  .name = "mpmc",
  .multi_producer = 1,
  .multi_consumer = 1,
  .can_start_at = 1,
  .create = mpmc_create,
  .destroy = mpmc_destroy,
  .push = mpmc_push,
  .pop = mpmc_pop,
  .push_burst = mpmc_push_burst,
  .pop_burst = mpmc_pop_burst,
  .close = mpmc_close,
  .check_end = mpmc_check_end,
};

#define K 1000u
#define S STRESS_SINGLE
#define B STRESS_BURST
#define END STRESS_CLOSE_AT_END
#define COUNT STRESS_BY_COUNT
#define MID STRESS_CLOSE_MIDWAY

/* Item counts: capacities 1 and 2 hand every item or two over between threads (a context switch
 * each when they share a CPU), so they get fewer items than capacity 1000/1024. 2x2 also runs a
 * capacity below the slot count (1000 of 1024: the head_cache bound), once without close; the
 * close-midway rows close the ring while producers are still pushing. */
/* group, adapter, producers, consumers, capacity, path, near_wrap, finish, items (plain). */
static const struct stress_config table[] = {
  {"single", &mpmc, 1, 1, 1, S, 0, END, 500 * K},
  {"single", &mpmc, 1, 1, 2, S, 0, END, 500 * K},
  {"single", &mpmc, 1, 1, 1024, S, 0, END, 4000 * K},
  {"single", &mpmc, 2, 2, 1, S, 0, END, 250 * K},
  {"single", &mpmc, 2, 2, 2, S, 0, END, 250 * K},
  {"single", &mpmc, 2, 2, 1024, S, 0, END, 4000 * K},
  {"single", &mpmc, 2, 2, 1000, S, 0, COUNT, 4000 * K},
  {"single", &mpmc, 1, 4, 1, S, 0, END, 250 * K},
  {"single", &mpmc, 1, 4, 2, S, 0, END, 250 * K},
  {"single", &mpmc, 1, 4, 1024, S, 0, END, 4000 * K},
  {"single", &mpmc, 4, 1, 1, S, 0, END, 250 * K},
  {"single", &mpmc, 4, 1, 2, S, 0, END, 250 * K},
  {"single", &mpmc, 4, 1, 1024, S, 0, END, 4000 * K},
  {"single", &mpmc, 4, 4, 1, S, 0, END, 250 * K},
  {"single", &mpmc, 4, 4, 2, S, 0, END, 250 * K},
  {"single", &mpmc, 4, 4, 1024, S, 0, END, 4000 * K},
  {"single", &mpmc, 2, 2, 1, S, 0, MID, 250 * K},
  {"single", &mpmc, 4, 4, 2, S, 0, MID, 250 * K},
  {"single", &mpmc, 4, 1, 1024, S, 0, MID, 2000 * K},
  {"burst", &mpmc, 1, 1, 1, B, 0, END, 500 * K},
  {"burst", &mpmc, 1, 1, 2, B, 0, END, 500 * K},
  {"burst", &mpmc, 1, 1, 1024, B, 0, END, 8000 * K},
  {"burst", &mpmc, 2, 2, 1, B, 0, END, 250 * K},
  {"burst", &mpmc, 2, 2, 2, B, 0, END, 250 * K},
  {"burst", &mpmc, 2, 2, 1024, B, 0, END, 8000 * K},
  {"burst", &mpmc, 2, 2, 1000, B, 0, END, 8000 * K},
  {"burst", &mpmc, 1, 4, 1, B, 0, END, 250 * K},
  {"burst", &mpmc, 1, 4, 2, B, 0, END, 250 * K},
  {"burst", &mpmc, 1, 4, 1024, B, 0, END, 8000 * K},
  {"burst", &mpmc, 4, 1, 1, B, 0, END, 250 * K},
  {"burst", &mpmc, 4, 1, 2, B, 0, END, 250 * K},
  {"burst", &mpmc, 4, 1, 1024, B, 0, END, 8000 * K},
  {"burst", &mpmc, 4, 4, 1, B, 0, END, 250 * K},
  {"burst", &mpmc, 4, 4, 2, B, 0, END, 250 * K},
  {"burst", &mpmc, 4, 4, 1024, B, 0, END, 8000 * K},
  {"burst", &mpmc, 2, 2, 2, B, 0, MID, 250 * K},
  {"burst", &mpmc, 4, 4, 1024, B, 0, MID, 4000 * K},
  {"wrap", &mpmc, 1, 1, 1, S, 1, END, 250 * K},
  {"wrap", &mpmc, 2, 2, 2, S, 1, END, 250 * K},
  {"wrap", &mpmc, 4, 4, 1024, S, 1, END, 2000 * K},
  {"wrap", &mpmc, 2, 2, 1000, B, 1, END, 4000 * K},
  {"wrap", &mpmc, 4, 4, 1024, B, 1, END, 4000 * K},
};

int
main(int argc, char **argv)
{
  return stress_main(argc, argv, table, sizeof table / sizeof table[0]);
}
