/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_ring.h: the operation loop shared by the ring targets (fuzz_spsc, fuzz_mpmc),
 * driven through a table of the ring's functions and checked against a plain-array model. */
#ifndef RINGQ_FUZZ_RING_H
#define RINGQ_FUZZ_RING_H

/* Include <ringq/spsc.h> or <ringq/mpmc.h> first: this file uses their common block. */
#include "fuzz_util.h"

#define FUZZ_RING_MAX_CAP 17
#define FUZZ_RING_MAX_ELEM 24

/* What a sequential ring of this capacity holds, and the ticket words it would have. */
struct fuzz_ring_model {
  struct fuzz_fifo items;
  size_t cap, elem;
  size_t slots; /* the ring's storage, when the target reports it (else 0) */
  int closed;
  uint64_t tail, head;       /* the ring's tickets, mirrored */
  uint64_t reserved, res_at; /* SPSC: the last reservation (count, tail then) */
  uint64_t res_ids;          /* SPSC: the first id written into it */
  uint64_t peeked, peek_at;  /* SPSC: the last peek (count, head then) */
  uint64_t next_id;
};

/* The operations an input byte can pick; FUZZ_OP_OWN + k is the target's own operation k. */
enum fuzz_ring_op {
  FUZZ_OP_PUSH,
  FUZZ_OP_POP,
  FUZZ_OP_PUSH_BURST,
  FUZZ_OP_POP_BURST,
  FUZZ_OP_CLOSE,
  FUZZ_OP_NULL_ARGS,
  FUZZ_OP_OWN
};

/* A ring under test: its functions (r is the ring) and the menu of operations, in the order an
 * input byte (modulo the menu's length) picks them. */
struct fuzz_ring_ops {
  enum ringq_status (*memsize)(size_t cap, size_t elem, size_t *bytes);
  enum ringq_status (*init_at)(void *mem, size_t bytes, size_t cap, size_t elem, uint64_t first);
  enum ringq_status (*try_push)(void *r, const void *item);
  enum ringq_status (*try_pop)(void *r, void *item);
  ptrdiff_t (*push_burst)(void *r, const void *items, size_t n);
  ptrdiff_t (*pop_burst)(void *r, void *items, size_t n);
  enum ringq_status (*close)(void *r);
  size_t (*size)(void *r);
  int (*empty)(void *r);
  int (*full)(void *r);
  size_t (*capacity)(void *r);
  size_t (*slots)(void *r); /* NULL: the model needs no storage size */
  /* The target's own operation k (FUZZ_OP_OWN + k), checked against m; NULL if none. */
  void (*own)(void *r, struct fuzz_ring_model *m, unsigned k, uint8_t arg, unsigned char *buf);
  const uint8_t *menu;
  size_t menu_len;
};

/* The table's functions for ring type T (spsc or mpmc): typed calls behind void pointers, and the
 * initializer of the common fields. */
#define FUZZ_RING_FUNCTIONS(T)                                                                     \
  static enum ringq_status fuzz_##T##_memsize(size_t cap, size_t elem, size_t *bytes) {            \
    return ringq_##T##_memsize(cap, elem, bytes);                                                  \
  }                                                                                                \
  static enum ringq_status fuzz_##T##_init_at(void *mem, size_t bytes, size_t cap, size_t elem,    \
                                              uint64_t first) {                                    \
    return ringq__##T##_init_at(mem, bytes, cap, elem, first);                                     \
  }                                                                                                \
  static enum ringq_status fuzz_##T##_try_push(void *r, const void *item) {                        \
    return ringq_##T##_try_push((struct ringq_##T *)r, item);                                      \
  }                                                                                                \
  static enum ringq_status fuzz_##T##_try_pop(void *r, void *item) {                               \
    return ringq_##T##_try_pop((struct ringq_##T *)r, item);                                       \
  }                                                                                                \
  static ptrdiff_t fuzz_##T##_push_burst(void *r, const void *items, size_t n) {                   \
    return ringq_##T##_push_burst((struct ringq_##T *)r, items, n);                                \
  }                                                                                                \
  static ptrdiff_t fuzz_##T##_pop_burst(void *r, void *items, size_t n) {                          \
    return ringq_##T##_pop_burst((struct ringq_##T *)r, items, n);                                 \
  }                                                                                                \
  static enum ringq_status fuzz_##T##_close(void *r) {                                             \
    return ringq_##T##_close((struct ringq_##T *)r);                                               \
  }                                                                                                \
  static size_t fuzz_##T##_size(void *r) {                                                         \
    return ringq_##T##_size((struct ringq_##T *)r);                                                \
  }                                                                                                \
  static int fuzz_##T##_empty(void *r) {                                                           \
    return ringq_##T##_empty((struct ringq_##T *)r);                                               \
  }                                                                                                \
  static int fuzz_##T##_full(void *r) {                                                            \
    return ringq_##T##_full((struct ringq_##T *)r);                                                \
  }                                                                                                \
  static size_t fuzz_##T##_capacity(void *r) {                                                     \
    return ringq_##T##_capacity((struct ringq_##T *)r);                                            \
  }

#define FUZZ_RING_COMMON_OPS(T)                                                                    \
  .memsize = fuzz_##T##_memsize, .init_at = fuzz_##T##_init_at, .try_push = fuzz_##T##_try_push,   \
  .try_pop = fuzz_##T##_try_pop, .push_burst = fuzz_##T##_push_burst,                              \
  .pop_burst = fuzz_##T##_pop_burst, .close = fuzz_##T##_close, .size = fuzz_##T##_size,           \
  .empty = fuzz_##T##_empty, .full = fuzz_##T##_full, .capacity = fuzz_##T##_capacity

/* k new items entered the ring. */
static inline void
fuzz_ring_put(struct fuzz_ring_model *m, size_t k) {
  size_t i;
  for (i = 0; i < k; i++)
    fuzz_fifo_push(&m->items, m->next_id++);
  m->tail += k * RINGQ__STEP;
}

/* The ring handed out k items at got: they must be the model's oldest, in order. */
static inline void
fuzz_ring_take(struct fuzz_ring_model *m, const unsigned char *got, size_t k) {
  size_t i;
  for (i = 0; i < k; i++) {
    uint64_t id = fuzz_fifo_pop(&m->items);
    FUZZ_CHECK(fuzz_item_is(got + i * m->elem, id, m->elem), "item %zu of %zu is not id %llu", i, k,
               (unsigned long long)id);
  }
  m->head += k * RINGQ__STEP;
}

static inline void
fuzz_ring_check_size(const struct fuzz_ring_ops *ops, void *r, const struct fuzz_ring_model *m) {
  size_t n = ops->size(r);
  FUZZ_CHECK(n == m->items.count, "size %zu, model %zu", n, m->items.count);
  FUZZ_CHECK(ops->empty(r) == (m->items.count == 0), "empty");
  FUZZ_CHECK(ops->full(r) == (m->items.count == m->cap), "full");
  FUZZ_CHECK(ops->capacity(r) == m->cap, "capacity");
}

/* One operation of the common menu. */
static inline void
fuzz_ring_common(const struct fuzz_ring_ops *ops, void *r, struct fuzz_ring_model *m,
                 enum fuzz_ring_op op, uint8_t arg, unsigned char *buf) {
  size_t room = m->cap - m->items.count, want, k, i;
  ptrdiff_t n;
  enum ringq_status st;
  switch (op) {
  case FUZZ_OP_PUSH:
    fuzz_fill_item(buf, m->next_id, m->elem);
    st = ops->try_push(r, buf);
    if (m->closed)
      FUZZ_CHECK(st == RINGQ_SHUTDOWN, "push after close: %d", st);
    else if (room == 0)
      FUZZ_CHECK(st == RINGQ_FULL, "push into a full ring: %d", st);
    else {
      FUZZ_CHECK(st == RINGQ_OK, "push: %d", st);
      fuzz_ring_put(m, 1);
    }
    break;
  case FUZZ_OP_POP:
    st = ops->try_pop(r, buf);
    if (m->items.count == 0)
      FUZZ_CHECK(st == (m->closed ? RINGQ_SHUTDOWN : RINGQ_EMPTY), "pop from empty: %d", st);
    else {
      FUZZ_CHECK(st == RINGQ_OK, "pop: %d", st);
      fuzz_ring_take(m, buf, 1);
    }
    break;
  case FUZZ_OP_PUSH_BURST: /* 0 .. cap + 1 items (0 and cap + 1 are invalid) */
    want = arg % (m->cap + 2);
    for (i = 0; i < want; i++)
      fuzz_fill_item(buf + i * m->elem, m->next_id + i, m->elem);
    n = ops->push_burst(r, buf, want);
    if (want == 0 || want > m->cap)
      FUZZ_CHECK(n == RINGQ_EINVAL, "push_burst(%zu): %td", want, n);
    else if (m->closed)
      FUZZ_CHECK(n == RINGQ_SHUTDOWN, "push_burst after close: %td", n);
    else {
      k = want < room ? want : room;
      FUZZ_CHECK(n == (ptrdiff_t)k, "push_burst(%zu) with room %zu: %td", want, room, n);
      fuzz_ring_put(m, k);
    }
    break;
  case FUZZ_OP_POP_BURST:
    want = arg % (m->cap + 2);
    n = ops->pop_burst(r, buf, want);
    k = want < m->items.count ? want : m->items.count;
    if (want == 0 || want > m->cap)
      FUZZ_CHECK(n == RINGQ_EINVAL, "pop_burst(%zu): %td", want, n);
    else if (k == 0)
      FUZZ_CHECK(n == (m->closed ? RINGQ_SHUTDOWN : 0), "pop_burst from empty: %td", n);
    else {
      FUZZ_CHECK(n == (ptrdiff_t)k, "pop_burst(%zu) of %zu: %td", want, m->items.count, n);
      fuzz_ring_take(m, buf, k);
    }
    break;
  case FUZZ_OP_CLOSE: /* rarely: it ends the producers' side; idempotent */
    if (arg < 24) {
      FUZZ_CHECK(ops->close(r) == RINGQ_OK, "close");
      m->closed = 1;
    }
    break;
  case FUZZ_OP_NULL_ARGS: /* NULL arguments are refused */
    FUZZ_CHECK(ops->try_push(r, NULL) == RINGQ_EINVAL, "push(NULL)");
    FUZZ_CHECK(ops->try_pop(r, NULL) == RINGQ_EINVAL, "pop(NULL)");
    FUZZ_CHECK(ops->push_burst(r, NULL, 1) == RINGQ_EINVAL, "push_burst(NULL)");
    FUZZ_CHECK(ops->pop_burst(r, NULL, 1) == RINGQ_EINVAL, "pop_burst(NULL)");
    break;
  default: abort();
  }
}

/* The whole run for one input: capacity, element size and first ticket (just below the 64-bit
 * wrap) from the first three bytes, then an operation and its argument per two bytes. */
static inline int
fuzz_ring_run(const struct fuzz_ring_ops *ops, const uint8_t *data, size_t size) {
  struct fuzz_input in = {data, size, 0};
  struct fuzz_ring_model m;
  size_t bytes = 0;
  unsigned char buf[(FUZZ_RING_MAX_CAP + 1) * FUZZ_RING_MAX_ELEM];
  void *mem;

  memset(&m, 0, sizeof m);
  m.cap = 1 + fuzz_byte(&in) % FUZZ_RING_MAX_CAP;
  m.elem = fuzz_elem_sizes[fuzz_byte(&in) % 4];
  m.tail = m.head = fuzz_ticket_below_wrap(fuzz_byte(&in) % 40);
  if (ops->memsize(m.cap, m.elem, &bytes) != RINGQ_OK)
    abort();
  mem = aligned_alloc(RINGQ_CACHE_LINE,
                      (bytes + RINGQ_CACHE_LINE - 1) & ~(size_t)(RINGQ_CACHE_LINE - 1));
  FUZZ_CHECK(mem != NULL, "out of memory");
  FUZZ_CHECK(ops->init_at(mem, bytes, m.cap, m.elem, m.tail) == RINGQ_OK, "init");
  if (ops->slots != NULL) {
    m.slots = ops->slots(mem);
    FUZZ_CHECK(m.slots >= m.cap, "storage smaller than the capacity");
  }
  while (fuzz_more(&in)) {
    uint8_t op = ops->menu[fuzz_byte(&in) % ops->menu_len], arg = fuzz_byte(&in);
    if (op >= FUZZ_OP_OWN)
      ops->own(mem, &m, op - FUZZ_OP_OWN, arg, buf);
    else
      fuzz_ring_common(ops, mem, &m, (enum fuzz_ring_op)op, arg, buf);
    fuzz_ring_check_size(ops, mem, &m);
  }
  free(mem);
  return 0;
}

#endif /* RINGQ_FUZZ_RING_H */
