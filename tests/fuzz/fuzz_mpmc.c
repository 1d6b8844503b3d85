/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_mpmc.c: libFuzzer target that drives every operation of ringq/mpmc.h with an
 * operation sequence decoded from the input and compares each result and item with a plain-array
 * model; rings start at tickets near the 64-bit wrap. */
#include <ringq/mpmc.h>

#include "fuzz_util.h"

#define MAX_CAP 17
#define MAX_ELEM 24

struct model {
  struct fuzz_fifo items;
  size_t cap;
  int closed;
  uint64_t next_id;
};

static void
check_size(struct ringq_mpmc *r, const struct model *m)
{
  FUZZ_CHECK(ringq_mpmc_size(r) == m->items.count, "size %zu, model %zu", ringq_mpmc_size(r),
             m->items.count);
  FUZZ_CHECK(ringq_mpmc_empty(r) == (m->items.count == 0), "empty");
  FUZZ_CHECK(ringq_mpmc_full(r) == (m->items.count == m->cap), "full");
  FUZZ_CHECK(ringq_mpmc_capacity(r) == m->cap, "capacity");
}

static void
take(struct model *m, const unsigned char *got, size_t k, size_t elem)
{
  size_t i;
  for (i = 0; i < k; i++) {
    uint64_t id = fuzz_fifo_pop(&m->items);
    FUZZ_CHECK(fuzz_item_is(got + i * elem, id, elem), "item %zu of %zu is not id %llu", i, k,
               (unsigned long long)id);
  }
}

static void
put(struct model *m, size_t k)
{
  size_t i;
  for (i = 0; i < k; i++)
    fuzz_fifo_push(&m->items, m->next_id++);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct fuzz_input in = {data, size, 0};
  struct model m;
  struct ringq_mpmc *r;
  size_t bytes = 0, elem;
  uint64_t first;
  unsigned char buf[(MAX_CAP + 1) * MAX_ELEM];
  void *mem;

  memset(&m, 0, sizeof m);
  m.cap = 1 + fuzz_byte(&in) % MAX_CAP;
  elem = fuzz_elem_sizes[fuzz_byte(&in) % 4];
  first = fuzz_ticket_below_wrap(fuzz_byte(&in) % 40);
  if (ringq_mpmc_memsize(m.cap, elem, &bytes) != RINGQ_OK)
    abort();
  mem = aligned_alloc(RINGQ_CACHE_LINE, (bytes + RINGQ_CACHE_LINE - 1) & ~(size_t)(RINGQ_CACHE_LINE - 1));
  FUZZ_CHECK(mem != NULL, "out of memory");
  FUZZ_CHECK(ringq__mpmc_init_at(mem, bytes, m.cap, elem, first) == RINGQ_OK, "init");
  r = (struct ringq_mpmc *)mem;

  while (fuzz_more(&in)) {
    uint8_t op = fuzz_byte(&in) % 6, arg = fuzz_byte(&in);
    size_t room = m.cap - m.items.count;
    ptrdiff_t n;
    enum ringq_status st;
    switch (op) {
    case 0: /* try_push */
      fuzz_fill_item(buf, m.next_id, elem);
      st = ringq_mpmc_try_push(r, buf);
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
      st = ringq_mpmc_try_pop(r, buf);
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
      n = ringq_mpmc_push_burst(r, buf, want);
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
      n = ringq_mpmc_pop_burst(r, buf, want);
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
    case 4: /* close (rarely), idempotent */
      if (arg < 24) {
        FUZZ_CHECK(ringq_mpmc_close(r) == RINGQ_OK, "close");
        m.closed = 1;
      }
      break;
    default: /* NULL arguments are refused */
      FUZZ_CHECK(ringq_mpmc_try_push(r, NULL) == RINGQ_EINVAL, "push(NULL)");
      FUZZ_CHECK(ringq_mpmc_push_burst(r, NULL, 1) == RINGQ_EINVAL, "push_burst(NULL)");
      FUZZ_CHECK(ringq_mpmc_pop_burst(r, NULL, 1) == RINGQ_EINVAL, "pop_burst(NULL)");
      break;
    }
    check_size(r, &m);
  }
  free(mem);
  return 0;
}
