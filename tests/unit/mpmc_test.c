/* SPDX-License-Identifier: MIT */
/* tests/unit/mpmc_test.c: single-threaded unit tests of every function of ringq/mpmc.h. */
#include <ringq/mpmc.h>

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Bytes after a test ring's memsize that must never be written, and their value. */
#define GUARD 256
#define GUARD_BYTE 0x5a

static const size_t capacities[] = {1, 2, 3, 5, 64, 1000};
static const size_t elem_sizes[] = {1, 3, 8, 24, 4096};

/* The first ticket of a ring that takes exactly `items` pushes before its tickets pass
 * UINT64_MAX and wrap to 0 (tickets advance by RINGQ__STEP; the value is even). */
static uint64_t
ticket_below_wrap(uint64_t items) {
  return UINT64_MAX - RINGQ__STEP * items + 1;
}

/* A ring made by ringq__mpmc_init_at in an aligned block that has GUARD bytes of GUARD_BYTE after
 * the ring's memsize. Free it with finish(), which checks the guard first. */
static struct ringq_mpmc *
new_ring_at(size_t capacity, size_t elem_size, uint64_t first_ticket) {
  size_t bytes = 0;
  unsigned char *mem;
  cr_assert_eq(ringq_mpmc_memsize(capacity, elem_size, &bytes), RINGQ_OK);
  mem = aligned_alloc(RINGQ_CACHE_LINE, bytes + GUARD);
  cr_assert_not_null(mem);
  memset(mem, GUARD_BYTE, bytes + GUARD);
  cr_assert_eq(ringq__mpmc_init_at(mem, bytes, capacity, elem_size, first_ticket), RINGQ_OK);
  return (struct ringq_mpmc *)mem;
}

static struct ringq_mpmc *
new_ring(size_t capacity, size_t elem_size) {
  return new_ring_at(capacity, elem_size, 0);
}

static void
finish(struct ringq_mpmc *r) {
  size_t bytes = 0, i;
  const unsigned char *guard = (const unsigned char *)r;
  cr_assert_eq(ringq_mpmc_memsize(ringq_mpmc_capacity(r), r->elem_size, &bytes), RINGQ_OK);
  for (i = 0; i < GUARD; i++)
    cr_assert_eq(guard[bytes + i], GUARD_BYTE, "byte %zu after the ring's memsize was written", i);
  ringq_mpmc_destroy(r);
}

/* White-box views of the ring, to prove a test reached the state it means to test. */
static uint64_t *
slot_data_u64(struct ringq_mpmc *r, size_t slot) {
  return (uint64_t *)((unsigned char *)r + sizeof(struct ringq_mpmc) + slot * r->stride +
                      sizeof(uint64_t));
}

static uint64_t
head_ticket(struct ringq_mpmc *r) {
  return atomic_load_explicit(&r->head, memory_order_relaxed);
}

static uint64_t
tail_ticket(struct ringq_mpmc *r) {
  return atomic_load_explicit(&r->tail, memory_order_relaxed) & ~RINGQ__CLOSED;
}

/* size, empty and full all agree with n. */
static void
expect_size(struct ringq_mpmc *r, size_t n) {
  cr_assert_eq(ringq_mpmc_size(r), n, "size is %zu, expected %zu", ringq_mpmc_size(r), n);
  cr_assert_eq(ringq_mpmc_empty(r), n == 0, "empty() wrong at size %zu", n);
  cr_assert_eq(ringq_mpmc_full(r), n == ringq_mpmc_capacity(r), "full() wrong at size %zu", n);
}

static void
push_u64(struct ringq_mpmc *r, uint64_t v) {
  cr_assert_eq(ringq_mpmc_try_push(r, &v), RINGQ_OK, "push of %llu failed", (unsigned long long)v);
}

static void
pop_u64(struct ringq_mpmc *r, uint64_t want) {
  uint64_t got = ~want;
  cr_assert_eq(ringq_mpmc_try_pop(r, &got), RINGQ_OK, "pop (expecting %llu) failed",
               (unsigned long long)want);
  cr_assert_eq(got, want, "popped %llu, expected %llu", (unsigned long long)got,
               (unsigned long long)want);
}

static void
expect_full(struct ringq_mpmc *r) {
  uint64_t v = 424242;
  cr_assert_eq(ringq_mpmc_try_push(r, &v), RINGQ_FULL);
}

static void
expect_empty(struct ringq_mpmc *r) {
  uint64_t v = 777;
  cr_assert_eq(ringq_mpmc_try_pop(r, &v), RINGQ_EMPTY);
  cr_assert_eq(v, 777, "a pop that found the ring empty wrote its output");
}

/* Byte `byte` of test item `id`: every item differs from its neighbours in every byte, and every
 * byte of an item differs from the next one. */
static unsigned char
pattern(uint64_t id, size_t byte) {
  return (unsigned char)(id * 37 + byte * 11 + 1);
}

static void
fill_item(unsigned char *dst, uint64_t id, size_t elem_size) {
  size_t i;
  for (i = 0; i < elem_size; i++)
    dst[i] = pattern(id, i);
}

static void
check_item(const unsigned char *src, uint64_t id, size_t elem_size) {
  size_t i;
  for (i = 0; i < elem_size; i++)
    cr_assert_eq(src[i], pattern(id, i), "item %llu (%zu bytes): byte %zu is wrong",
                 (unsigned long long)id, elem_size, i);
}

static void
check_untouched(const unsigned char *p, size_t n, unsigned char value, const char *what) {
  size_t i;
  for (i = 0; i < n; i++)
    cr_assert_eq(p[i], value, "%s: byte %zu was written", what, i);
}

Test(mpmc, a_ring_of_capacity_n_takes_exactly_n_items_and_returns_them_in_order,
     .timeout = RINGQ_T(10)) {
  size_t c, i, phase;
  for (c = 0; c < COUNT(capacities); c++) {
    size_t n = capacities[c];
    struct ringq_mpmc *r = new_ring(n, sizeof(uint64_t));
    uint64_t next_in = 1000, next_out = 1000;
    cr_assert_eq(ringq_mpmc_capacity(r), n);
    expect_size(r, 0);
    expect_empty(r);
    /* Each phase starts one item further on, so fills begin at different slots. */
    for (phase = 0; phase < 4; phase++) {
      push_u64(r, next_in++);
      pop_u64(r, next_out++);
      for (i = 0; i < n; i++) {
        push_u64(r, next_in++);
        expect_size(r, i + 1);
      }
      expect_full(r);
      expect_size(r, n);
      for (i = 0; i < n; i++) {
        pop_u64(r, next_out++);
        expect_size(r, n - 1 - i);
      }
      expect_empty(r);
      expect_size(r, 0);
    }
    cr_assert_eq(ringq_mpmc_capacity(r), n);
    finish(r);
  }
}

Test(mpmc, a_ring_refills_one_slot_at_a_time_when_kept_full, .timeout = RINGQ_T(10)) {
  static const size_t caps[] = {1, 3, 4};
  size_t c;
  for (c = 0; c < COUNT(caps); c++) {
    struct ringq_mpmc *r = new_ring(caps[c], sizeof(uint64_t));
    uint64_t next_in = 0, next_out = 0;
    int i;
    while (next_in < caps[c])
      push_u64(r, next_in++);
    for (i = 0; i < 40; i++) {
      expect_full(r);
      pop_u64(r, next_out++);
      expect_size(r, caps[c] - 1);
      push_u64(r, next_in++);
      expect_size(r, caps[c]);
    }
    finish(r);
  }
}

Test(mpmc, elements_of_1_3_8_24_and_4096_bytes_are_copied_whole_and_nothing_spills,
     .timeout = RINGQ_T(10)) {
  enum { PAD = 64, CAP = 3 };
  size_t s, i;
  for (s = 0; s < COUNT(elem_sizes); s++) {
    size_t esz = elem_sizes[s];
    struct ringq_mpmc *r = new_ring(CAP, esz);
    unsigned char *in = malloc(CAP * esz);
    unsigned char *out = malloc(CAP * esz + 2 * PAD);
    uint64_t next_in = 0, next_out = 0;
    int lap;
    cr_assert(in != NULL && out != NULL);
    /* Each slot's sequence word is a 64-bit atomic: it must stay 8-byte aligned. */
    cr_assert_eq(r->stride % sizeof(uint64_t), 0, "stride %llu for %zu-byte elements",
                 (unsigned long long)r->stride, esz);
    /* Capacity 3 in 4 slots: every lap starts at another slot and crosses the storage's end. */
    for (lap = 0; lap < 4; lap++) {
      for (i = 0; i < CAP; i++) {
        fill_item(in, next_in++, esz);
        cr_assert_eq(ringq_mpmc_try_push(r, in), RINGQ_OK);
      }
      cr_assert_eq(ringq_mpmc_try_push(r, in), RINGQ_FULL);
      for (i = 0; i < CAP; i++) {
        memset(out, 0xee, esz + 2 * PAD);
        cr_assert_eq(ringq_mpmc_try_pop(r, out + PAD), RINGQ_OK);
        check_item(out + PAD, next_out++, esz);
        check_untouched(out, PAD, 0xee, "before the popped item");
        check_untouched(out + PAD + esz, PAD, 0xee, "after the popped item");
      }
      for (i = 0; i < CAP; i++)
        fill_item(in + i * esz, next_in++, esz);
      cr_assert_eq(ringq_mpmc_push_burst(r, in, CAP), CAP);
      memset(out, 0xee, CAP * esz + 2 * PAD);
      cr_assert_eq(ringq_mpmc_pop_burst(r, out + PAD, CAP), CAP);
      for (i = 0; i < CAP; i++)
        check_item(out + PAD + i * esz, next_out++, esz);
      check_untouched(out, PAD, 0xee, "before the popped burst");
      check_untouched(out + PAD + CAP * esz, PAD, 0xee, "after the popped burst");
      expect_size(r, 0);
    }
    free(in);
    free(out);
    finish(r);
  }
}

Test(mpmc, tickets_wrap_past_uint64_max_with_size_and_order_intact, .timeout = RINGQ_T(10)) {
  static const size_t caps[] = {1, 2, 3, 4, 5, 8};
  size_t c, i;
  for (c = 0; c < COUNT(caps); c++) {
    size_t n = caps[c];
    struct ringq_mpmc *r = new_ring_at(n, sizeof(uint64_t), ticket_below_wrap(5));
    uint64_t next_in = 0, next_out = 0;
    int lap;
    cr_assert_eq(head_ticket(r), UINT64_MAX - 9);
    /* Several laps of fill and drain carry the tickets well past the wrap. */
    for (lap = 0; lap < 6; lap++) {
      for (i = 0; i < n; i++) {
        push_u64(r, next_in++);
        expect_size(r, i + 1);
      }
      expect_full(r);
      for (i = 0; i < n; i++) {
        pop_u64(r, next_out++);
        expect_size(r, n - 1 - i);
      }
      expect_empty(r);
    }
    cr_assert_lt(head_ticket(r), 100, "the test did not carry the tickets past the wrap");
    finish(r);
  }
}

Test(mpmc, a_full_ring_whose_tail_has_wrapped_and_head_has_not_is_still_full,
     .timeout = RINGQ_T(10)) {
  /* Capacity 8 fills all 8 slots; capacity 5 of 8 slots is held by the capacity bound. */
  static const size_t caps[] = {8, 5};
  size_t c;
  for (c = 0; c < COUNT(caps); c++) {
    size_t n = caps[c];
    struct ringq_mpmc *r = new_ring_at(n, sizeof(uint64_t), ticket_below_wrap(3));
    uint64_t i;
    for (i = 0; i < n; i++)
      push_u64(r, i);
    cr_assert_lt(tail_ticket(r), head_ticket(r), "tail should have wrapped, head not");
    expect_size(r, n);
    expect_full(r);
    pop_u64(r, 0);
    expect_size(r, n - 1);
    push_u64(r, n);
    expect_full(r);
    for (i = 1; i <= n; i++)
      pop_u64(r, i);
    expect_empty(r);
    expect_size(r, 0);
    finish(r);
  }
}

Test(mpmc, bursts_move_as_many_items_as_fit_and_keep_their_order, .timeout = RINGQ_T(10)) {
  /* Capacity 5 (8 slots) is held by the capacity bound; capacity 8 by the slot sequences. */
  static const size_t caps[] = {5, 8};
  size_t c, i;
  for (c = 0; c < COUNT(caps); c++) {
    size_t n = caps[c];
    struct ringq_mpmc *r = new_ring(n, sizeof(uint64_t));
    uint64_t in[16], out[9], one = 99;
    for (i = 0; i < 16; i++)
      in[i] = 1 + i;
    cr_assert_eq(ringq_mpmc_pop_burst(r, out, n), 0);
    cr_assert_eq(ringq_mpmc_push_burst(r, in, 3), 3);
    expect_size(r, 3);
    cr_assert_eq(ringq_mpmc_push_burst(r, in + 3, n), (ptrdiff_t)n - 3, "only %zu fit", n - 3);
    expect_size(r, n);
    cr_assert_eq(ringq_mpmc_push_burst(r, &one, 1), 0, "a full ring takes none");
    expect_size(r, n);

    for (i = 0; i < COUNT(out); i++)
      out[i] = 0xdead;
    cr_assert_eq(ringq_mpmc_pop_burst(r, out, 4), 4);
    cr_assert(out[0] == 1 && out[1] == 2 && out[2] == 3 && out[3] == 4);
    cr_assert_eq(out[4], 0xdead, "pop_burst wrote past the items it returned");
    expect_size(r, n - 4);
    for (i = 0; i < COUNT(out); i++)
      out[i] = 0xdead;
    cr_assert_eq(ringq_mpmc_pop_burst(r, out, n), (ptrdiff_t)n - 4, "only %zu are left", n - 4);
    for (i = 0; i < n - 4; i++)
      cr_assert_eq(out[i], 5 + i);
    cr_assert_eq(out[n - 4], 0xdead, "pop_burst wrote past the items it returned");
    cr_assert_eq(ringq_mpmc_pop_burst(r, out, n), 0);
    expect_size(r, 0);

    /* A burst of exactly capacity fills an empty ring. */
    cr_assert_eq(ringq_mpmc_push_burst(r, in, n), (ptrdiff_t)n);
    expect_full(r);
    for (i = 0; i < n; i++)
      pop_u64(r, 1 + i);
    finish(r);
  }
}

Test(mpmc, bursts_cross_the_physical_end_of_the_storage, .timeout = RINGQ_T(10)) {
  struct ringq_mpmc *r = new_ring(8, sizeof(uint64_t));
  uint64_t in[8], out[8], i;
  for (i = 0; i < 6; i++)
    push_u64(r, i);
  for (i = 0; i < 6; i++)
    pop_u64(r, i);
  /* Slots 6, 7, 0, 1, 2: pushed as a burst, popped one by one. */
  for (i = 0; i < 5; i++)
    in[i] = 100 + i;
  cr_assert_eq(ringq_mpmc_push_burst(r, in, 5), 5);
  cr_assert_eq(*slot_data_u64(r, 7), 101, "item 1 should sit in the last slot");
  cr_assert_eq(*slot_data_u64(r, 0), 102, "item 2 should sit in the first slot");
  for (i = 0; i < 5; i++)
    pop_u64(r, 100 + i);
  /* Slots 3..7, 0..2: pushed one by one, popped as a burst. */
  for (i = 0; i < 8; i++)
    push_u64(r, 200 + i);
  cr_assert_eq(ringq_mpmc_pop_burst(r, out, 8), 8);
  for (i = 0; i < 8; i++)
    cr_assert_eq(out[i], 200 + i);
  /* Slots 3..7, 0..2 again, burst both ways. */
  for (i = 0; i < 8; i++)
    in[i] = 300 + i;
  cr_assert_eq(ringq_mpmc_push_burst(r, in, 8), 8);
  cr_assert_eq(ringq_mpmc_pop_burst(r, out, 8), 8);
  for (i = 0; i < 8; i++)
    cr_assert_eq(out[i], 300 + i);
  expect_size(r, 0);
  finish(r);
}

Test(mpmc, bursts_cross_the_64_bit_ticket_wrap, .timeout = RINGQ_T(10)) {
  static const size_t caps[] = {8, 7};
  size_t c;
  for (c = 0; c < COUNT(caps); c++) {
    size_t n = caps[c];
    struct ringq_mpmc *r = new_ring_at(n, sizeof(uint64_t), ticket_below_wrap(3));
    uint64_t in[8], out[8], i;
    for (i = 0; i < 8; i++)
      in[i] = 50 + i;
    cr_assert_eq(ringq_mpmc_push_burst(r, in, 6), 6);
    cr_assert_lt(tail_ticket(r), head_ticket(r), "the burst should have crossed the wrap");
    expect_size(r, 6);
    pop_u64(r, 50);
    pop_u64(r, 51);
    cr_assert_eq(ringq_mpmc_pop_burst(r, out, n), 4);
    for (i = 0; i < 4; i++)
      cr_assert_eq(out[i], 52 + i);
    cr_assert_eq(ringq_mpmc_push_burst(r, in, n), (ptrdiff_t)n);
    expect_full(r);
    cr_assert_eq(ringq_mpmc_pop_burst(r, out, n), (ptrdiff_t)n);
    for (i = 0; i < n; i++)
      cr_assert_eq(out[i], 50 + i);
    expect_size(r, 0);
    finish(r);
  }
}

Test(mpmc, after_close_pushes_fail_and_pops_drain_then_report_shutdown, .timeout = RINGQ_T(10)) {
  struct ringq_mpmc *r = new_ring(5, sizeof(uint64_t));
  uint64_t v = 9, out[5] = {0};
  push_u64(r, 10);
  push_u64(r, 11);
  push_u64(r, 12);
  push_u64(r, 13);
  cr_assert_eq(ringq_mpmc_close(r), RINGQ_OK);
  cr_assert_eq(ringq_mpmc_try_push(r, &v), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_mpmc_push_burst(r, out, 1), RINGQ_SHUTDOWN);
  expect_size(r, 4);

  pop_u64(r, 10);
  cr_assert_eq(ringq_mpmc_pop_burst(r, out, 2), 2);
  cr_assert(out[0] == 11 && out[1] == 12);
  cr_assert_eq(ringq_mpmc_pop_burst(r, out, 5), 1);
  cr_assert_eq(out[0], 13);
  expect_size(r, 0);

  cr_assert_eq(ringq_mpmc_try_pop(r, &v), RINGQ_SHUTDOWN);
  cr_assert_eq(v, 9, "a pop that reports shutdown wrote its output");
  cr_assert_eq(ringq_mpmc_pop_burst(r, out, 5), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_mpmc_try_push(r, &v), RINGQ_SHUTDOWN);
  expect_size(r, 0);
  finish(r);
}

Test(mpmc, closing_a_full_ring_makes_pushes_report_shutdown_not_full, .timeout = RINGQ_T(10)) {
  static const size_t caps[] = {1, 2};
  size_t c;
  for (c = 0; c < COUNT(caps); c++) {
    struct ringq_mpmc *r = new_ring(caps[c], sizeof(uint64_t));
    uint64_t v = 3, i;
    for (i = 0; i < caps[c]; i++)
      push_u64(r, i);
    cr_assert_eq(ringq_mpmc_close(r), RINGQ_OK);
    cr_assert_eq(ringq_mpmc_try_push(r, &v), RINGQ_SHUTDOWN);
    cr_assert_eq(ringq_mpmc_push_burst(r, &v, 1), RINGQ_SHUTDOWN);
    expect_size(r, caps[c]);
    for (i = 0; i < caps[c]; i++)
      pop_u64(r, i);
    cr_assert_eq(ringq_mpmc_try_pop(r, &v), RINGQ_SHUTDOWN);
    finish(r);
  }
}

Test(mpmc, closing_an_empty_ring_twice_is_fine_and_pops_report_shutdown, .timeout = RINGQ_T(10)) {
  struct ringq_mpmc *r = new_ring_at(3, sizeof(uint64_t), ticket_below_wrap(1));
  uint64_t v = 5;
  push_u64(r, 1);
  pop_u64(r, 1);
  cr_assert_eq(ringq_mpmc_close(r), RINGQ_OK);
  cr_assert_eq(ringq_mpmc_close(r), RINGQ_OK);
  cr_assert_eq(ringq_mpmc_try_pop(r, &v), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_mpmc_pop_burst(r, &v, 1), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_mpmc_try_push(r, &v), RINGQ_SHUTDOWN);
  cr_assert_eq(v, 5);
  expect_size(r, 0);
  finish(r);
}

Test(mpmc, memsize_is_the_header_plus_sequenced_slots_in_whole_cache_lines,
     .timeout = RINGQ_T(10)) {
  /* A slot is an 8-byte sequence word plus the element rounded up to 8; at least two slots. */
  static const struct {
    size_t capacity, elem_size, slots, stride;
  } cases[] = {{1, 1, 2, 16},   {2, 8, 2, 16},       {3, 3, 4, 16},      {5, 24, 8, 32},
               {64, 8, 64, 16}, {1000, 8, 1024, 16}, {3, 4096, 4, 4104}, {1000, 13, 1024, 24}};
  size_t i;
  cr_assert_eq(sizeof(struct ringq_mpmc) % RINGQ_CACHE_LINE, 0);
  for (i = 0; i < COUNT(cases); i++) {
    size_t bytes = 0, raw = sizeof(struct ringq_mpmc) + cases[i].slots * cases[i].stride;
    size_t want = (raw + RINGQ_CACHE_LINE - 1) / RINGQ_CACHE_LINE * RINGQ_CACHE_LINE;
    cr_assert_eq(ringq_mpmc_memsize(cases[i].capacity, cases[i].elem_size, &bytes), RINGQ_OK);
    cr_assert_eq(bytes, want, "memsize(%zu, %zu) is %zu, expected %zu", cases[i].capacity,
                 cases[i].elem_size, bytes, want);
  }
}

Test(mpmc, init_makes_a_working_ring_at_the_start_of_caller_memory, .timeout = RINGQ_T(10)) {
  static _Alignas(RINGQ_CACHE_LINE) unsigned char block[2048];
  size_t bytes = 0;
  void *mem;
  struct ringq_mpmc *r;

  cr_assert_eq(ringq_mpmc_memsize(5, sizeof(uint64_t), &bytes), RINGQ_OK);
  mem = aligned_alloc(RINGQ_CACHE_LINE, bytes);
  cr_assert_not_null(mem);
  cr_assert_eq(ringq_mpmc_init(mem, bytes, 5, sizeof(uint64_t)), RINGQ_OK);
  r = mem;
  cr_assert_eq(ringq_mpmc_capacity(r), 5);
  expect_size(r, 0);
  push_u64(r, 7);
  push_u64(r, 8);
  pop_u64(r, 7);
  /* init on used memory starts a fresh, empty ring. */
  cr_assert_eq(ringq_mpmc_init(mem, bytes, 2, sizeof(uint64_t)), RINGQ_OK);
  cr_assert_eq(ringq_mpmc_capacity(r), 2);
  expect_size(r, 0);
  expect_empty(r);
  push_u64(r, 1);
  push_u64(r, 2);
  expect_full(r);
  pop_u64(r, 1);
  pop_u64(r, 2);
  free(mem);

  /* Static storage larger than needed works too. */
  cr_assert_leq(bytes, sizeof block);
  cr_assert_eq(ringq_mpmc_init(block, sizeof block, 5, sizeof(uint64_t)), RINGQ_OK);
  r = (struct ringq_mpmc *)block;
  push_u64(r, 1);
  pop_u64(r, 1);
  expect_size(r, 0);
}

Test(mpmc, a_ring_copied_to_another_address_keeps_working, .timeout = RINGQ_T(10)) {
  /* No pointers inside: the bytes of a ring are the ring, wherever they are mapped. */
  struct ringq_mpmc *a = new_ring(4, sizeof(uint64_t)), *b;
  size_t bytes = 0;
  cr_assert_eq(ringq_mpmc_memsize(4, sizeof(uint64_t), &bytes), RINGQ_OK);
  push_u64(a, 1);
  push_u64(a, 2);
  push_u64(a, 3);
  pop_u64(a, 1);
  b = aligned_alloc(RINGQ_CACHE_LINE, bytes);
  cr_assert_not_null(b);
  memcpy(b, a, bytes);
  memset(a, 0, bytes); /* the original must not be needed any more */
  expect_size(b, 2);
  push_u64(b, 4);
  push_u64(b, 5);
  expect_full(b);
  pop_u64(b, 2);
  pop_u64(b, 3);
  pop_u64(b, 4);
  pop_u64(b, 5);
  expect_empty(b);
  ringq_mpmc_destroy(b);
  ringq_mpmc_destroy(a);
}

Test(mpmc, create_makes_an_empty_aligned_ring_and_destroy_frees_it, .timeout = RINGQ_T(10)) {
  size_t c;
  for (c = 0; c < COUNT(capacities); c++) {
    struct ringq_mpmc *r = NULL;
    cr_assert_eq(ringq_mpmc_create(capacities[c], 24, &r), RINGQ_OK);
    cr_assert_not_null(r);
    cr_assert_eq((uintptr_t)r % RINGQ_CACHE_LINE, 0);
    cr_assert_eq(ringq_mpmc_capacity(r), capacities[c]);
    cr_assert_eq(r->elem_size, 24);
    expect_size(r, 0);
    ringq_mpmc_destroy(r);
  }
  ringq_mpmc_destroy(NULL);
}
