/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_spsc.c: libFuzzer target that drives every operation of ringq/spsc.h with an
 * operation sequence decoded from the input and compares each result and item with a plain-array
 * model; rings start at tickets near the 64-bit wrap. */
#include <ringq/spsc.h>

#include "fuzz_util.h"

#define MAX_CAP 17
#define MAX_ELEM 24

struct model {
  struct fuzz_fifo items;
  size_t cap;
  int closed;
  uint64_t tail, head;        /* the ring's tickets, mirrored */
  uint64_t reserved, res_at;  /* the last reservation (count, tail then) */
  uint64_t res_ids;           /* the first id written into it */
  uint64_t peeked, peek_at;   /* the last peek (count, head then) */
  uint64_t next_id;
};

static void
check_size(struct ringq_spsc *r, const struct model *m)
{
  FUZZ_CHECK(ringq_spsc_size(r) == m->items.count, "size %zu, model %zu", ringq_spsc_size(r),
             m->items.count);
  FUZZ_CHECK(ringq_spsc_empty(r) == (m->items.count == 0), "empty");
  FUZZ_CHECK(ringq_spsc_full(r) == (m->items.count == m->cap), "full");
  FUZZ_CHECK(ringq_spsc_capacity(r) == m->cap, "capacity");
}

/* Items from the model that the ring handed out must be those, in order. */
static void
take(struct model *m, const unsigned char *got, size_t k, size_t elem)
{
  size_t i;
  for (i = 0; i < k; i++) {
    uint64_t id = fuzz_fifo_pop(&m->items);
    FUZZ_CHECK(fuzz_item_is(got + i * elem, id, elem), "item %zu of %zu is not id %llu", i, k,
               (unsigned long long)id);
  }
  m->head += k * RINGQ__STEP;
}

static void
put(struct model *m, size_t k)
{
  size_t i;
  for (i = 0; i < k; i++)
    fuzz_fifo_push(&m->items, m->next_id++);
  m->tail += k * RINGQ__STEP;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct fuzz_input in = {data, size, 0};
  struct model m;
  struct ringq_spsc *r;
  size_t bytes = 0, elem, slots;
  unsigned char buf[(MAX_CAP + 1) * MAX_ELEM];
  void *mem;

  memset(&m, 0, sizeof m);
  m.cap = 1 + fuzz_byte(&in) % MAX_CAP;
  elem = fuzz_elem_sizes[fuzz_byte(&in) % 4];
  m.tail = m.head = fuzz_ticket_below_wrap(fuzz_byte(&in) % 40);
  if (ringq_spsc_memsize(m.cap, elem, &bytes) != RINGQ_OK)
    abort();
  mem = aligned_alloc(RINGQ_CACHE_LINE, (bytes + RINGQ_CACHE_LINE - 1) & ~(size_t)(RINGQ_CACHE_LINE - 1));
  FUZZ_CHECK(mem != NULL, "out of memory");
  FUZZ_CHECK(ringq__spsc_init_at(mem, bytes, m.cap, elem, m.tail) == RINGQ_OK, "init");
  r = (struct ringq_spsc *)mem;
  slots = (size_t)r->mask + 1;
  FUZZ_CHECK(slots >= m.cap, "storage smaller than the capacity");

  while (fuzz_more(&in)) {
    uint8_t op = fuzz_byte(&in) % 10, arg = fuzz_byte(&in);
    size_t room = m.cap - m.items.count;
    ptrdiff_t n;
    enum ringq_status st;
    switch (op) {
    case 0: /* try_push */
      fuzz_fill_item(buf, m.next_id, elem);
      st = ringq_spsc_try_push(r, buf);
      if (m.closed)
        FUZZ_CHECK(st == RINGQ_SHUTDOWN, "push after close: %d", st);
      else if (room == 0)
        FUZZ_CHECK(st == RINGQ_FULL, "push into a full ring: %d", st);
      else {
        FUZZ_CHECK(st == RINGQ_OK, "push: %d", st);
        put(&m, 1);
      }
      break;
    case 1: /* try_pop */
      st = ringq_spsc_try_pop(r, buf);
      if (m.items.count == 0)
        FUZZ_CHECK(st == (m.closed ? RINGQ_SHUTDOWN : RINGQ_EMPTY), "pop from empty: %d", st);
      else {
        FUZZ_CHECK(st == RINGQ_OK, "pop: %d", st);
        take(&m, buf, 1, elem);
      }
      break;
    case 2: { /* push_burst of 0 .. cap + 1 items (0 and cap + 1 are invalid) */
      size_t want = arg % (m.cap + 2), i, k;
      for (i = 0; i < want; i++)
        fuzz_fill_item(buf + i * elem, m.next_id + i, elem);
      n = ringq_spsc_push_burst(r, buf, want);
      if (want == 0 || want > m.cap)
        FUZZ_CHECK(n == RINGQ_EINVAL, "push_burst(%zu): %td", want, n);
      else if (m.closed)
        FUZZ_CHECK(n == RINGQ_SHUTDOWN, "push_burst after close: %td", n);
      else {
        k = want < room ? want : room;
        FUZZ_CHECK(n == (ptrdiff_t)k, "push_burst(%zu) with room %zu: %td", want, room, n);
        put(&m, k);
      }
      break;
    }
    case 3: { /* pop_burst */
      size_t want = arg % (m.cap + 2), k;
      n = ringq_spsc_pop_burst(r, buf, want);
      k = want < m.items.count ? want : m.items.count;
      if (want == 0 || want > m.cap)
        FUZZ_CHECK(n == RINGQ_EINVAL, "pop_burst(%zu): %td", want, n);
      else if (k == 0)
        FUZZ_CHECK(n == (m.closed ? RINGQ_SHUTDOWN : 0), "pop_burst from empty: %td", n);
      else {
        FUZZ_CHECK(n == (ptrdiff_t)k, "pop_burst(%zu) of %zu: %td", want, m.items.count, n);
        take(&m, buf, k, elem);
      }
      break;
    }
    case 4: { /* reserve, then fill the slots handed out */
      size_t want = arg % (m.cap + 2), k, i, to_end;
      void *where = (void *)1;
      n = ringq_spsc_reserve(r, want, &where);
      if (want == 0 || want > m.cap) {
        FUZZ_CHECK(n == RINGQ_EINVAL, "reserve(%zu): %td", want, n);
        break; /* a rejected call leaves the reservation as it was */
      }
      m.reserved = 0;
      if (m.closed) {
        FUZZ_CHECK(n == RINGQ_SHUTDOWN && where == NULL, "reserve after close: %td", n);
        break;
      }
      to_end = slots - (size_t)((m.tail / RINGQ__STEP) & (slots - 1));
      k = want < room ? want : room;
      k = k < to_end ? k : to_end;
      FUZZ_CHECK(n == (ptrdiff_t)k, "reserve(%zu), room %zu, to end %zu: %td", want, room, to_end, n);
      FUZZ_CHECK((k == 0) == (where == NULL), "reserve's pointer");
      m.reserved = k;
      m.res_at = m.tail;
      m.res_ids = m.next_id;
      for (i = 0; i < k; i++)
        fuzz_fill_item((unsigned char *)where + i * elem, m.res_ids + i, elem);
      break;
    }
    case 5: { /* commit 0 .. reserved + 1 */
      size_t c = arg % (m.reserved + 2);
      st = ringq_spsc_commit(r, c);
      if (m.closed) {
        FUZZ_CHECK(st == RINGQ_SHUTDOWN, "commit after close: %d", st);
        m.reserved = 0;
      } else if (c > m.reserved || (c > 0 && m.tail != m.res_at)) {
        FUZZ_CHECK(st == RINGQ_EINVAL, "commit(%zu) of %llu: %d", c,
                   (unsigned long long)m.reserved, st);
      } else {
        FUZZ_CHECK(st == RINGQ_OK, "commit(%zu): %d", c, st);
        m.reserved = 0;
        if (c > 0) {
          FUZZ_CHECK(m.next_id == m.res_ids, "model: ids moved under a reservation");
          put(&m, c);
        }
      }
      break;
    }
    case 6: { /* peek, and check the items shown in place */
      size_t want = arg % (m.cap + 2), k, to_end;
      const void *where = (const void *)1;
      n = ringq_spsc_peek(r, want, &where);
      if (want == 0 || want > m.cap) {
        FUZZ_CHECK(n == RINGQ_EINVAL, "peek(%zu): %td", want, n);
        break;
      }
      m.peeked = 0;
      to_end = slots - (size_t)((m.head / RINGQ__STEP) & (slots - 1));
      k = want < m.items.count ? want : m.items.count;
      k = k < to_end ? k : to_end;
      if (k == 0) {
        FUZZ_CHECK(n == (m.closed && m.items.count == 0 ? RINGQ_SHUTDOWN : 0) && where == NULL,
                   "peek of nothing: %td", n);
        break;
      }
      FUZZ_CHECK(n == (ptrdiff_t)k, "peek(%zu) of %zu, to end %zu: %td", want, m.items.count,
                 to_end, n);
      for (size_t i = 0; i < k; i++)
        FUZZ_CHECK(fuzz_item_is((const unsigned char *)where + i * elem, fuzz_fifo_at(&m.items, i),
                                elem), "peeked item %zu", i);
      m.peeked = k;
      m.peek_at = m.head;
      break;
    }
    case 7: { /* release 0 .. peeked + 1 */
      size_t c = arg % (m.peeked + 2), i;
      st = ringq_spsc_release(r, c);
      if (c > m.peeked || (c > 0 && m.head != m.peek_at)) {
        FUZZ_CHECK(st == RINGQ_EINVAL, "release(%zu) of %llu: %d", c,
                   (unsigned long long)m.peeked, st);
      } else {
        FUZZ_CHECK(st == RINGQ_OK, "release(%zu): %d", c, st);
        m.peeked = 0;
        for (i = 0; i < c; i++)
          (void)fuzz_fifo_pop(&m.items);
        m.head += c * RINGQ__STEP;
      }
      break;
    }
    case 8: /* close (rarely: it ends the producer's side) */
      if (arg < 24) {
        FUZZ_CHECK(ringq_spsc_close(r) == RINGQ_OK, "close");
        m.closed = 1;
      }
      break;
    default: /* NULL arguments are refused */
      FUZZ_CHECK(ringq_spsc_try_push(r, NULL) == RINGQ_EINVAL, "push(NULL)");
      FUZZ_CHECK(ringq_spsc_try_pop(r, NULL) == RINGQ_EINVAL, "pop(NULL)");
      break;
    }
    check_size(r, &m);
  }
  free(mem);
  return 0;
}
