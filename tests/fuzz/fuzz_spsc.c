/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_spsc.c: libFuzzer target that drives every operation of ringq/spsc.h with an
 * operation sequence decoded from the input and compares each result and item with a plain-array
 * model (the loop is fuzz_ring.h's; the zero-copy operations are here); rings start at tickets
 * near the 64-bit wrap. */
#include <ringq/spsc.h>

#include "fuzz_ring.h"

FUZZ_RING_FUNCTIONS(spsc)

static size_t
spsc_slots(void *r) {
  return (size_t)((struct ringq_spsc *)r)->mask + 1;
}

enum { OWN_RESERVE, OWN_COMMIT, OWN_PEEK, OWN_RELEASE };

/* reserve, then fill the slots handed out */
static void
reserve(struct ringq_spsc *r, struct fuzz_ring_model *m, uint8_t arg) {
  size_t want = arg % (m->cap + 2), room = m->cap - m->items.count, k, i, to_end;
  void *where = (void *)1;
  ptrdiff_t n = ringq_spsc_reserve(r, want, &where);
  if (want == 0 || want > m->cap) {
    FUZZ_CHECK(n == RINGQ_EINVAL, "reserve(%zu): %td", want, n);
    return; /* a rejected call leaves the reservation as it was */
  }
  m->reserved = 0;
  if (m->closed) {
    FUZZ_CHECK(n == RINGQ_SHUTDOWN && where == NULL, "reserve after close: %td", n);
    return;
  }
  to_end = m->slots - (size_t)((m->tail / RINGQ__STEP) & (m->slots - 1));
  k = want < room ? want : room;
  k = k < to_end ? k : to_end;
  FUZZ_CHECK(n == (ptrdiff_t)k, "reserve(%zu), room %zu, to end %zu: %td", want, room, to_end, n);
  FUZZ_CHECK((k == 0) == (where == NULL), "reserve's pointer");
  m->reserved = k;
  m->res_at = m->tail;
  m->res_ids = m->next_id;
  for (i = 0; i < k; i++)
    fuzz_fill_item((unsigned char *)where + i * m->elem, m->res_ids + i, m->elem);
}

/* commit 0 .. reserved + 1 */
static void
commit(struct ringq_spsc *r, struct fuzz_ring_model *m, uint8_t arg) {
  size_t c = arg % (m->reserved + 2);
  enum ringq_status st = ringq_spsc_commit(r, c);
  if (m->closed) {
    FUZZ_CHECK(st == RINGQ_SHUTDOWN, "commit after close: %d", st);
    m->reserved = 0;
  } else if (c > m->reserved || (c > 0 && m->tail != m->res_at)) {
    FUZZ_CHECK(st == RINGQ_EINVAL, "commit(%zu) of %llu: %d", c, (unsigned long long)m->reserved,
               st);
  } else {
    FUZZ_CHECK(st == RINGQ_OK, "commit(%zu): %d", c, st);
    m->reserved = 0;
    if (c > 0) {
      FUZZ_CHECK(m->next_id == m->res_ids, "model: ids moved under a reservation");
      fuzz_ring_put(m, c);
    }
  }
}

/* peek, and check the items shown in place */
static void
peek(struct ringq_spsc *r, struct fuzz_ring_model *m, uint8_t arg) {
  size_t want = arg % (m->cap + 2), k, i, to_end;
  const void *where = (const void *)1;
  ptrdiff_t n = ringq_spsc_peek(r, want, &where);
  if (want == 0 || want > m->cap) {
    FUZZ_CHECK(n == RINGQ_EINVAL, "peek(%zu): %td", want, n);
    return;
  }
  m->peeked = 0;
  to_end = m->slots - (size_t)((m->head / RINGQ__STEP) & (m->slots - 1));
  k = want < m->items.count ? want : m->items.count;
  k = k < to_end ? k : to_end;
  if (k == 0) {
    FUZZ_CHECK(n == (m->closed && m->items.count == 0 ? RINGQ_SHUTDOWN : 0) && where == NULL,
               "peek of nothing: %td", n);
    return;
  }
  FUZZ_CHECK(n == (ptrdiff_t)k, "peek(%zu) of %zu, to end %zu: %td", want, m->items.count, to_end,
             n);
  for (i = 0; i < k; i++)
    FUZZ_CHECK(fuzz_item_is((const unsigned char *)where + i * m->elem, fuzz_fifo_at(&m->items, i),
                            m->elem),
               "peeked item %zu", i);
  m->peeked = k;
  m->peek_at = m->head;
}

/* release 0 .. peeked + 1 */
static void
release(struct ringq_spsc *r, struct fuzz_ring_model *m, uint8_t arg) {
  size_t c = arg % (m->peeked + 2), i;
  enum ringq_status st = ringq_spsc_release(r, c);
  if (c > m->peeked || (c > 0 && m->head != m->peek_at)) {
    FUZZ_CHECK(st == RINGQ_EINVAL, "release(%zu) of %llu: %d", c, (unsigned long long)m->peeked,
               st);
  } else {
    FUZZ_CHECK(st == RINGQ_OK, "release(%zu): %d", c, st);
    m->peeked = 0;
    for (i = 0; i < c; i++)
      (void)fuzz_fifo_pop(&m->items);
    m->head += c * RINGQ__STEP;
  }
}

static void
spsc_own(void *r, struct fuzz_ring_model *m, unsigned k, uint8_t arg, unsigned char *buf) {
  (void)buf;
  switch (k) {
  case OWN_RESERVE: reserve(r, m, arg); break;
  case OWN_COMMIT: commit(r, m, arg); break;
  case OWN_PEEK: peek(r, m, arg); break;
  default: release(r, m, arg); break;
  }
}

/* An input byte modulo 10 picks the operation (the seed corpus is written in this order). */
static const uint8_t menu[] = {FUZZ_OP_PUSH,
                               FUZZ_OP_POP,
                               FUZZ_OP_PUSH_BURST,
                               FUZZ_OP_POP_BURST,
                               FUZZ_OP_OWN + OWN_RESERVE,
                               FUZZ_OP_OWN + OWN_COMMIT,
                               FUZZ_OP_OWN + OWN_PEEK,
                               FUZZ_OP_OWN + OWN_RELEASE,
                               FUZZ_OP_CLOSE,
                               FUZZ_OP_NULL_ARGS};

static const struct fuzz_ring_ops spsc_ops = {
    FUZZ_RING_COMMON_OPS(spsc), .slots = spsc_slots, .own = spsc_own, .menu = menu,
    .menu_len = sizeof menu,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fuzz_ring_run(&spsc_ops, data, size);
}
