/* SPDX-License-Identifier: MIT */
/* tests/unit/spsc_test.c: single-threaded unit tests of every function of ringq/spsc.h. */
#include <ringq/spsc.h>

#include <criterion/criterion.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Bytes after a test ring's memsize that must never be written, and their value. */
#define GUARD 256
#define GUARD_BYTE 0x5a

static const size_t capacities[] = {1, 2, 3, 5, 64, 1000};
static const size_t elem_sizes[] = {1, 8, 24, 4096};

/* The first ticket of a ring that takes exactly `items` pushes before its tickets pass
 * UINT64_MAX and wrap to 0 (tickets advance by RINGQ__STEP; the value is even). */
static uint64_t
ticket_below_wrap(uint64_t items) {
  return UINT64_MAX - RINGQ__STEP * items + 1;
}

/* A ring made by ringq__spsc_init_at in an aligned block that has GUARD bytes of GUARD_BYTE after
 * the ring's memsize. Free it with finish(), which checks the guard first. */
static struct ringq_spsc *
new_ring_at(size_t capacity, size_t elem_size, uint64_t first_ticket) {
  size_t bytes = 0;
  unsigned char *mem;
  cr_assert_eq(ringq_spsc_memsize(capacity, elem_size, &bytes), RINGQ_OK);
  mem = aligned_alloc(RINGQ_CACHE_LINE, bytes + GUARD);
  cr_assert_not_null(mem);
  memset(mem, GUARD_BYTE, bytes + GUARD);
  cr_assert_eq(ringq__spsc_init_at(mem, bytes, capacity, elem_size, first_ticket), RINGQ_OK);
  return (struct ringq_spsc *)mem;
}

static struct ringq_spsc *
new_ring(size_t capacity, size_t elem_size) {
  return new_ring_at(capacity, elem_size, 0);
}

static void
finish(struct ringq_spsc *r) {
  size_t bytes = 0, i;
  const unsigned char *guard = (const unsigned char *)r;
  cr_assert_eq(ringq_spsc_memsize(ringq_spsc_capacity(r), r->elem_size, &bytes), RINGQ_OK);
  for (i = 0; i < GUARD; i++)
    cr_assert_eq(guard[bytes + i], GUARD_BYTE, "byte %zu after the ring's memsize was written", i);
  ringq_spsc_destroy(r);
}

/* White-box views of the ring, to prove a test reached the state it means to test. */
static unsigned char *
storage(struct ringq_spsc *r) {
  return (unsigned char *)r + sizeof(struct ringq_spsc);
}

static uint64_t
head_ticket(struct ringq_spsc *r) {
  return atomic_load_explicit(&r->head, memory_order_relaxed);
}

static uint64_t
tail_ticket(struct ringq_spsc *r) {
  return atomic_load_explicit(&r->tail, memory_order_relaxed) & ~RINGQ__CLOSED;
}

/* size, empty and full all agree with n. */
static void
expect_size(struct ringq_spsc *r, size_t n) {
  cr_assert_eq(ringq_spsc_size(r), n, "size is %zu, expected %zu", ringq_spsc_size(r), n);
  cr_assert_eq(ringq_spsc_empty(r), n == 0, "empty() wrong at size %zu", n);
  cr_assert_eq(ringq_spsc_full(r), n == ringq_spsc_capacity(r), "full() wrong at size %zu", n);
}

static void
push_u64(struct ringq_spsc *r, uint64_t v) {
  cr_assert_eq(ringq_spsc_try_push(r, &v), RINGQ_OK, "push of %llu failed", (unsigned long long)v);
}

static void
pop_u64(struct ringq_spsc *r, uint64_t want) {
  uint64_t got = ~want;
  cr_assert_eq(ringq_spsc_try_pop(r, &got), RINGQ_OK, "pop (expecting %llu) failed",
               (unsigned long long)want);
  cr_assert_eq(got, want, "popped %llu, expected %llu", (unsigned long long)got,
               (unsigned long long)want);
}

static void
expect_full(struct ringq_spsc *r) {
  uint64_t v = 424242;
  cr_assert_eq(ringq_spsc_try_push(r, &v), RINGQ_FULL);
}

static void
expect_empty(struct ringq_spsc *r) {
  uint64_t v = 777;
  cr_assert_eq(ringq_spsc_try_pop(r, &v), RINGQ_EMPTY);
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

Test(spsc, a_ring_of_capacity_n_takes_exactly_n_items_and_returns_them_in_order,
     .timeout = RINGQ_T(10)) {
  size_t c, i, phase;
  for (c = 0; c < COUNT(capacities); c++) {
    size_t n = capacities[c];
    struct ringq_spsc *r = new_ring(n, sizeof(uint64_t));
    uint64_t next_in = 1000, next_out = 1000;
    cr_assert_eq(ringq_spsc_capacity(r), n);
    expect_size(r, 0);
    expect_empty(r);
    /* Each phase starts one item further on, so fills begin at different storage slots. */
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
    cr_assert_eq(ringq_spsc_capacity(r), n);
    finish(r);
  }
}

Test(spsc, a_ring_refills_one_slot_at_a_time_when_kept_full, .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = new_ring(5, sizeof(uint64_t));
  uint64_t next_in = 0, next_out = 0;
  int i;
  while (next_in < 5)
    push_u64(r, next_in++);
  for (i = 0; i < 40; i++) {
    expect_full(r);
    pop_u64(r, next_out++);
    expect_size(r, 4);
    push_u64(r, next_in++);
    expect_size(r, 5);
  }
  finish(r);
}

Test(spsc, elements_of_1_8_24_and_4096_bytes_are_copied_whole_and_nothing_spills,
     .timeout = RINGQ_T(10)) {
  enum { PAD = 64, CAP = 3 };
  size_t s, i;
  for (s = 0; s < COUNT(elem_sizes); s++) {
    size_t esz = elem_sizes[s];
    struct ringq_spsc *r = new_ring(CAP, esz);
    unsigned char *in = malloc(CAP * esz);
    unsigned char *out = malloc(CAP * esz + 2 * PAD);
    uint64_t next_in = 0, next_out = 0;
    int lap;
    cr_assert(in != NULL && out != NULL);
    /* Capacity 3 in 4 slots: every lap starts at another slot and crosses the storage's end. */
    for (lap = 0; lap < 4; lap++) {
      for (i = 0; i < CAP; i++) {
        fill_item(in, next_in++, esz);
        cr_assert_eq(ringq_spsc_try_push(r, in), RINGQ_OK);
      }
      cr_assert_eq(ringq_spsc_try_push(r, in), RINGQ_FULL);
      for (i = 0; i < CAP; i++) {
        memset(out, 0xee, esz + 2 * PAD);
        cr_assert_eq(ringq_spsc_try_pop(r, out + PAD), RINGQ_OK);
        check_item(out + PAD, next_out++, esz);
        check_untouched(out, PAD, 0xee, "before the popped item");
        check_untouched(out + PAD + esz, PAD, 0xee, "after the popped item");
      }
      for (i = 0; i < CAP; i++)
        fill_item(in + i * esz, next_in++, esz);
      cr_assert_eq(ringq_spsc_push_burst(r, in, CAP), CAP);
      memset(out, 0xee, CAP * esz + 2 * PAD);
      cr_assert_eq(ringq_spsc_pop_burst(r, out + PAD, CAP), CAP);
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

Test(spsc, tickets_wrap_past_uint64_max_with_size_and_order_intact, .timeout = RINGQ_T(10)) {
  static const size_t caps[] = {1, 3, 4, 5, 8};
  size_t c, i;
  for (c = 0; c < COUNT(caps); c++) {
    size_t n = caps[c];
    struct ringq_spsc *r = new_ring_at(n, sizeof(uint64_t), ticket_below_wrap(5));
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

Test(spsc, a_full_ring_whose_tail_has_wrapped_and_head_has_not_is_still_full,
     .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = new_ring_at(8, sizeof(uint64_t), ticket_below_wrap(3));
  uint64_t i;
  for (i = 0; i < 8; i++)
    push_u64(r, i);
  cr_assert_lt(tail_ticket(r), head_ticket(r), "tail should have wrapped, head not");
  expect_size(r, 8);
  expect_full(r);
  pop_u64(r, 0);
  expect_size(r, 7);
  push_u64(r, 8);
  expect_full(r);
  for (i = 1; i <= 8; i++)
    pop_u64(r, i);
  expect_empty(r);
  expect_size(r, 0);
  finish(r);
}

Test(spsc, bursts_move_as_many_items_as_fit_and_keep_their_order, .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = new_ring(5, sizeof(uint64_t));
  uint64_t a[3] = {1, 2, 3}, b[4] = {4, 5, 6, 7}, c[1] = {99}, out[6];
  size_t i;
  cr_assert_eq(ringq_spsc_pop_burst(r, out, 5), 0);
  cr_assert_eq(ringq_spsc_push_burst(r, a, 3), 3);
  expect_size(r, 3);
  cr_assert_eq(ringq_spsc_push_burst(r, b, 4), 2, "only two of four fit");
  expect_size(r, 5);
  cr_assert_eq(ringq_spsc_push_burst(r, c, 1), 0, "a full ring takes none");
  expect_size(r, 5);

  for (i = 0; i < COUNT(out); i++)
    out[i] = 0xdead;
  cr_assert_eq(ringq_spsc_pop_burst(r, out, 4), 4);
  cr_assert(out[0] == 1 && out[1] == 2 && out[2] == 3 && out[3] == 4);
  cr_assert_eq(out[4], 0xdead, "pop_burst wrote past the items it returned");
  expect_size(r, 1);
  cr_assert_eq(ringq_spsc_pop_burst(r, out, 5), 1, "only one item is left");
  cr_assert_eq(out[0], 5);
  cr_assert_eq(out[1], 2, "pop_burst wrote past the items it returned");
  cr_assert_eq(ringq_spsc_pop_burst(r, out, 5), 0);
  expect_size(r, 0);

  /* A burst of exactly capacity fills an empty ring. */
  {
    uint64_t five[5] = {10, 11, 12, 13, 14};
    cr_assert_eq(ringq_spsc_push_burst(r, five, 5), 5);
    expect_full(r);
    for (i = 0; i < 5; i++)
      pop_u64(r, 10 + i);
  }
  finish(r);
}

Test(spsc, bursts_cross_the_physical_end_of_the_storage, .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = new_ring(8, sizeof(uint64_t));
  uint64_t in[8], out[8], i;
  for (i = 0; i < 6; i++)
    push_u64(r, i);
  for (i = 0; i < 6; i++)
    pop_u64(r, i);
  /* Slots 6, 7, 0, 1, 2: pushed as a burst, popped one by one. */
  for (i = 0; i < 5; i++)
    in[i] = 100 + i;
  cr_assert_eq(ringq_spsc_push_burst(r, in, 5), 5);
  cr_assert_eq(((uint64_t *)storage(r))[7], 101, "item 1 should sit in the last slot");
  cr_assert_eq(((uint64_t *)storage(r))[0], 102, "item 2 should sit in the first slot");
  for (i = 0; i < 5; i++)
    pop_u64(r, 100 + i);
  /* Slots 3..7, 0..2: pushed one by one, popped as a burst. */
  for (i = 0; i < 8; i++)
    push_u64(r, 200 + i);
  cr_assert_eq(ringq_spsc_pop_burst(r, out, 8), 8);
  for (i = 0; i < 8; i++)
    cr_assert_eq(out[i], 200 + i);
  /* Slots 3..7, 0..2 again, burst both ways. */
  for (i = 0; i < 8; i++)
    in[i] = 300 + i;
  cr_assert_eq(ringq_spsc_push_burst(r, in, 8), 8);
  cr_assert_eq(ringq_spsc_pop_burst(r, out, 8), 8);
  for (i = 0; i < 8; i++)
    cr_assert_eq(out[i], 300 + i);
  expect_size(r, 0);
  finish(r);
}

Test(spsc, bursts_cross_the_64_bit_ticket_wrap, .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = new_ring_at(8, sizeof(uint64_t), ticket_below_wrap(3));
  uint64_t in[8], out[8], i;
  for (i = 0; i < 8; i++)
    in[i] = 50 + i;
  cr_assert_eq(ringq_spsc_push_burst(r, in, 6), 6);
  cr_assert_lt(tail_ticket(r), head_ticket(r), "the burst should have crossed the wrap");
  expect_size(r, 6);
  pop_u64(r, 50);
  pop_u64(r, 51);
  cr_assert_eq(ringq_spsc_pop_burst(r, out, 8), 4);
  for (i = 0; i < 4; i++)
    cr_assert_eq(out[i], 52 + i);
  cr_assert_eq(ringq_spsc_push_burst(r, in, 8), 8);
  expect_full(r);
  cr_assert_eq(ringq_spsc_pop_burst(r, out, 8), 8);
  for (i = 0; i < 8; i++)
    cr_assert_eq(out[i], 50 + i);
  expect_size(r, 0);
  finish(r);
}

Test(spsc, reserve_hands_out_slots_in_place_and_commit_publishes_them, .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = new_ring(5, sizeof(uint64_t));
  void *where = NULL;
  uint64_t *slots;
  cr_assert_eq(ringq_spsc_reserve(r, 3, &where), 3);
  cr_assert_eq(where, storage(r));
  slots = where;
  slots[0] = 10;
  slots[1] = 11;
  slots[2] = 12;
  expect_size(r, 0);
  expect_empty(r);
  cr_assert_eq(ringq_spsc_commit(r, 3), RINGQ_OK);
  expect_size(r, 3);
  pop_u64(r, 10);
  pop_u64(r, 11);
  pop_u64(r, 12);
  expect_empty(r);
  finish(r);
}

Test(spsc, a_partial_commit_publishes_the_first_slots_and_frees_the_rest, .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = new_ring(5, sizeof(uint64_t));
  void *where = NULL;
  uint64_t *slots;
  cr_assert_eq(ringq_spsc_reserve(r, 4, &where), 4);
  slots = where;
  slots[0] = 20;
  slots[1] = 21;
  slots[2] = 98;
  slots[3] = 99;
  cr_assert_eq(ringq_spsc_commit(r, 2), RINGQ_OK);
  expect_size(r, 2);
  /* The two uncommitted slots are handed out again. */
  cr_assert_eq(ringq_spsc_reserve(r, 5, &where), 3, "room is 3 with 2 of 5 used");
  cr_assert_eq(where, storage(r) + 2 * sizeof(uint64_t));
  slots = where;
  slots[0] = 22;
  slots[1] = 23;
  slots[2] = 24;
  cr_assert_eq(ringq_spsc_commit(r, 3), RINGQ_OK);
  expect_size(r, 5);
  cr_assert_eq(ringq_spsc_reserve(r, 1, &where), 0, "a full ring has no slot to reserve");
  cr_assert_null(where);
  pop_u64(r, 20);
  pop_u64(r, 21);
  pop_u64(r, 22);
  pop_u64(r, 23);
  pop_u64(r, 24);
  finish(r);
}

Test(spsc, commit_of_zero_cancels_the_reservation, .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = new_ring(4, sizeof(uint64_t));
  void *where = NULL;
  push_u64(r, 1);
  cr_assert_eq(ringq_spsc_reserve(r, 2, &where), 2);
  ((uint64_t *)where)[0] = 666;
  cr_assert_eq(ringq_spsc_commit(r, 0), RINGQ_OK);
  expect_size(r, 1);
  cr_assert_eq(ringq_spsc_commit(r, 1), RINGQ_EINVAL, "the cancelled reservation is gone");
  expect_size(r, 1);
  push_u64(r, 2);
  pop_u64(r, 1);
  pop_u64(r, 2);
  expect_empty(r);
  finish(r);
}

Test(spsc, a_later_reserve_replaces_an_uncommitted_one, .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = new_ring(4, sizeof(uint64_t));
  void *first = NULL, *second = NULL;
  cr_assert_eq(ringq_spsc_reserve(r, 3, &first), 3);
  cr_assert_eq(ringq_spsc_reserve(r, 1, &second), 1);
  cr_assert_eq(second, first, "both reservations start at the same free slot");
  *(uint64_t *)second = 5;
  cr_assert_eq(ringq_spsc_commit(r, 2), RINGQ_EINVAL, "only one slot is reserved now");
  expect_size(r, 0);
  cr_assert_eq(ringq_spsc_reserve(r, 3, &first), 3);
  cr_assert_eq(ringq_spsc_reserve(r, 1, &second), 1);
  cr_assert_eq(ringq_spsc_commit(r, 1), RINGQ_OK);
  expect_size(r, 1);
  pop_u64(r, 5);
  expect_empty(r);
  finish(r);
}

Test(spsc, a_push_since_a_reservation_cancels_it, .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = new_ring(4, sizeof(uint64_t));
  void *where = NULL;
  uint64_t v = 8;
  cr_assert_eq(ringq_spsc_reserve(r, 2, &where), 2);
  ((uint64_t *)where)[0] = 666;
  ((uint64_t *)where)[1] = 667;
  cr_assert_eq(ringq_spsc_try_push(r, &v), RINGQ_OK);
  cr_assert_eq(ringq_spsc_commit(r, 1), RINGQ_EINVAL, "the push cancelled the reservation");
  expect_size(r, 1);
  pop_u64(r, 8);
  expect_empty(r);
  cr_assert_eq(ringq_spsc_reserve(r, 1, &where), 1);
  cr_assert_eq(ringq_spsc_push_burst(r, &v, 1), 1);
  cr_assert_eq(ringq_spsc_commit(r, 1), RINGQ_EINVAL, "the burst cancelled the reservation");
  expect_size(r, 1);
  finish(r);
}

Test(spsc, a_pop_since_a_peek_cancels_it, .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = new_ring(4, sizeof(uint64_t));
  const void *shown = NULL;
  uint64_t out[2];
  push_u64(r, 1);
  push_u64(r, 2);
  push_u64(r, 3);
  cr_assert_eq(ringq_spsc_peek(r, 2, &shown), 2);
  pop_u64(r, 1);
  cr_assert_eq(ringq_spsc_release(r, 1), RINGQ_EINVAL, "the pop cancelled the peek");
  expect_size(r, 2);
  cr_assert_eq(ringq_spsc_peek(r, 2, &shown), 2);
  cr_assert_eq(ringq_spsc_pop_burst(r, out, 1), 1);
  cr_assert_eq(out[0], 2);
  cr_assert_eq(ringq_spsc_release(r, 1), RINGQ_EINVAL, "the burst cancelled the peek");
  expect_size(r, 1);
  pop_u64(r, 3);
  finish(r);
}

Test(spsc, reserve_stops_at_the_end_of_the_storage, .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = new_ring(8, sizeof(uint64_t));
  void *where = NULL;
  uint64_t i;
  for (i = 0; i < 6; i++)
    push_u64(r, i);
  for (i = 0; i < 6; i++)
    pop_u64(r, i);
  cr_assert_eq(ringq_spsc_reserve(r, 5, &where), 2, "slots 6 and 7 are before the end");
  cr_assert_eq(where, storage(r) + 6 * sizeof(uint64_t));
  ((uint64_t *)where)[0] = 30;
  ((uint64_t *)where)[1] = 31;
  cr_assert_eq(ringq_spsc_commit(r, 2), RINGQ_OK);
  cr_assert_eq(ringq_spsc_reserve(r, 5, &where), 5, "the next run starts at slot 0");
  cr_assert_eq(where, storage(r));
  for (i = 0; i < 5; i++)
    ((uint64_t *)where)[i] = 32 + i;
  cr_assert_eq(ringq_spsc_commit(r, 5), RINGQ_OK);
  expect_size(r, 7);
  for (i = 0; i < 7; i++)
    pop_u64(r, 30 + i);
  finish(r);
}

Test(spsc, reserve_and_peek_cross_the_64_bit_ticket_wrap_in_two_runs, .timeout = RINGQ_T(10)) {
  /* Capacity 4: the first ticket's slot is 2, and the wrap to ticket 0 is the end of storage. */
  struct ringq_spsc *r = new_ring_at(4, sizeof(uint64_t), ticket_below_wrap(2));
  void *where = NULL;
  const void *shown = NULL;
  cr_assert_eq(ringq_spsc_reserve(r, 4, &where), 2);
  cr_assert_eq(where, storage(r) + 2 * sizeof(uint64_t));
  ((uint64_t *)where)[0] = 1;
  ((uint64_t *)where)[1] = 2;
  cr_assert_eq(ringq_spsc_commit(r, 2), RINGQ_OK);
  cr_assert_eq(ringq_spsc_reserve(r, 4, &where), 2);
  cr_assert_eq(where, storage(r));
  ((uint64_t *)where)[0] = 3;
  ((uint64_t *)where)[1] = 4;
  cr_assert_eq(ringq_spsc_commit(r, 2), RINGQ_OK);
  cr_assert_lt(tail_ticket(r), head_ticket(r), "the ring should straddle the wrap");
  expect_size(r, 4);

  cr_assert_eq(ringq_spsc_peek(r, 4, &shown), 2);
  cr_assert_eq(shown, storage(r) + 2 * sizeof(uint64_t));
  cr_assert(((const uint64_t *)shown)[0] == 1 && ((const uint64_t *)shown)[1] == 2);
  cr_assert_eq(ringq_spsc_release(r, 2), RINGQ_OK);
  cr_assert_eq(ringq_spsc_peek(r, 4, &shown), 2);
  cr_assert_eq(shown, storage(r));
  cr_assert(((const uint64_t *)shown)[0] == 3 && ((const uint64_t *)shown)[1] == 4);
  cr_assert_eq(ringq_spsc_release(r, 2), RINGQ_OK);
  expect_size(r, 0);
  finish(r);
}

Test(spsc, peek_shows_the_oldest_items_in_place_without_removing_them, .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = new_ring(5, sizeof(uint64_t));
  const void *shown = (const void *)&shown;
  const uint64_t *items;
  cr_assert_eq(ringq_spsc_peek(r, 3, &shown), 0, "nothing to show in an empty ring");
  cr_assert_null(shown);
  push_u64(r, 40);
  push_u64(r, 41);
  push_u64(r, 42);
  push_u64(r, 43);
  cr_assert_eq(ringq_spsc_peek(r, 3, &shown), 3);
  cr_assert_eq(shown, storage(r));
  items = shown;
  cr_assert(items[0] == 40 && items[1] == 41 && items[2] == 42);
  expect_size(r, 4);
  cr_assert_eq(ringq_spsc_peek(r, 5, &shown), 4, "a second peek shows the same items and more");
  cr_assert_eq(shown, storage(r));
  expect_size(r, 4);
  finish(r);
}

Test(spsc, release_removes_the_first_items_of_the_peek_and_zero_keeps_them,
     .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = new_ring(5, sizeof(uint64_t));
  const void *shown = NULL;
  const uint64_t *items;
  uint64_t i;
  for (i = 0; i < 4; i++)
    push_u64(r, 50 + i);
  cr_assert_eq(ringq_spsc_peek(r, 3, &shown), 3);
  cr_assert_eq(ringq_spsc_release(r, 1), RINGQ_OK);
  expect_size(r, 3);
  cr_assert_eq(ringq_spsc_peek(r, 5, &shown), 3);
  cr_assert_eq(shown, storage(r) + sizeof(uint64_t));
  items = shown;
  cr_assert(items[0] == 51 && items[1] == 52 && items[2] == 53);
  cr_assert_eq(ringq_spsc_release(r, 0), RINGQ_OK);
  expect_size(r, 3);
  pop_u64(r, 51);
  cr_assert_eq(ringq_spsc_peek(r, 2, &shown), 2);
  cr_assert_eq(ringq_spsc_release(r, 2), RINGQ_OK);
  expect_size(r, 0);
  expect_empty(r);
  finish(r);
}

Test(spsc, peek_stops_at_the_end_of_the_storage, .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = new_ring(8, sizeof(uint64_t));
  const void *shown = NULL;
  uint64_t i;
  for (i = 0; i < 6; i++)
    push_u64(r, i);
  for (i = 0; i < 6; i++)
    pop_u64(r, i);
  for (i = 0; i < 5; i++)
    push_u64(r, 60 + i);
  cr_assert_eq(ringq_spsc_peek(r, 8, &shown), 2, "slots 6 and 7 are before the end");
  cr_assert_eq(shown, storage(r) + 6 * sizeof(uint64_t));
  cr_assert(((const uint64_t *)shown)[0] == 60 && ((const uint64_t *)shown)[1] == 61);
  cr_assert_eq(ringq_spsc_release(r, 2), RINGQ_OK);
  cr_assert_eq(ringq_spsc_peek(r, 8, &shown), 3);
  cr_assert_eq(shown, storage(r));
  for (i = 0; i < 3; i++)
    cr_assert_eq(((const uint64_t *)shown)[i], 62 + i);
  cr_assert_eq(ringq_spsc_release(r, 3), RINGQ_OK);
  expect_size(r, 0);
  finish(r);
}

Test(spsc, after_close_pushes_fail_and_pops_drain_then_report_shutdown, .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = new_ring(5, sizeof(uint64_t));
  uint64_t v = 9, out[5] = {0};
  void *where = (void *)&where;
  const void *shown = NULL;
  push_u64(r, 10);
  push_u64(r, 11);
  push_u64(r, 12);
  push_u64(r, 13);
  cr_assert_eq(ringq_spsc_close(r), RINGQ_OK);
  cr_assert_eq(ringq_spsc_try_push(r, &v), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_spsc_push_burst(r, out, 1), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_spsc_reserve(r, 1, &where), RINGQ_SHUTDOWN);
  cr_assert_null(where);
  expect_size(r, 4);

  pop_u64(r, 10);
  cr_assert_eq(ringq_spsc_peek(r, 5, &shown), 3);
  cr_assert_eq(*(const uint64_t *)shown, 11);
  cr_assert_eq(ringq_spsc_release(r, 1), RINGQ_OK);
  cr_assert_eq(ringq_spsc_pop_burst(r, out, 5), 2);
  cr_assert(out[0] == 12 && out[1] == 13);
  expect_size(r, 0);

  cr_assert_eq(ringq_spsc_try_pop(r, &v), RINGQ_SHUTDOWN);
  cr_assert_eq(v, 9, "a pop that reports shutdown wrote its output");
  cr_assert_eq(ringq_spsc_pop_burst(r, out, 5), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_spsc_peek(r, 5, &shown), RINGQ_SHUTDOWN);
  cr_assert_null(shown);
  cr_assert_eq(ringq_spsc_try_push(r, &v), RINGQ_SHUTDOWN);
  expect_size(r, 0);
  finish(r);
}

Test(spsc, closing_a_full_ring_makes_pushes_report_shutdown_not_full, .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = new_ring(2, sizeof(uint64_t));
  uint64_t v = 3;
  push_u64(r, 1);
  push_u64(r, 2);
  cr_assert_eq(ringq_spsc_close(r), RINGQ_OK);
  cr_assert_eq(ringq_spsc_try_push(r, &v), RINGQ_SHUTDOWN);
  expect_size(r, 2);
  pop_u64(r, 1);
  pop_u64(r, 2);
  cr_assert_eq(ringq_spsc_try_pop(r, &v), RINGQ_SHUTDOWN);
  finish(r);
}

Test(spsc, closing_an_empty_ring_twice_is_fine_and_pops_report_shutdown, .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = new_ring_at(3, sizeof(uint64_t), ticket_below_wrap(1));
  uint64_t v = 5;
  push_u64(r, 1);
  pop_u64(r, 1);
  cr_assert_eq(ringq_spsc_close(r), RINGQ_OK);
  cr_assert_eq(ringq_spsc_close(r), RINGQ_OK);
  cr_assert_eq(ringq_spsc_try_pop(r, &v), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_spsc_try_push(r, &v), RINGQ_SHUTDOWN);
  expect_size(r, 0);
  finish(r);
}

Test(spsc, once_a_pop_reported_shutdown_a_pending_reservation_publishes_nothing,
     .timeout = RINGQ_T(10)) {
  /* try_pop documents RINGQ_SHUTDOWN as "empty and closed: no item will ever come". A commit
   * of a reservation taken before the close must not make an item come after all. */
  struct ringq_spsc *r = new_ring(4, sizeof(uint64_t));
  void *where = NULL;
  uint64_t v = 0;
  enum ringq_status st;
  cr_assert_eq(ringq_spsc_reserve(r, 1, &where), 1);
  *(uint64_t *)where = 123;
  cr_assert_eq(ringq_spsc_close(r), RINGQ_OK);
  cr_assert_eq(ringq_spsc_try_pop(r, &v), RINGQ_SHUTDOWN);
  st = ringq_spsc_commit(r, 1);
  cr_assert_eq(st, RINGQ_SHUTDOWN, "commit after close returned %d", (int)st);
  cr_assert_eq(ringq_spsc_try_pop(r, &v), RINGQ_SHUTDOWN,
               "commit after close (it returned %d) published an item after a pop had reported "
               "shutdown; popped %llu",
               (int)st, (unsigned long long)v);
  expect_size(r, 0);
  finish(r);
}

Test(spsc, memsize_is_the_header_plus_the_rounded_up_storage_in_whole_cache_lines,
     .timeout = RINGQ_T(10)) {
  static const struct {
    size_t capacity, elem_size, slots;
  } cases[] = {{1, 1, 1},   {2, 8, 2},       {3, 8, 4},    {5, 24, 8},
               {64, 8, 64}, {1000, 8, 1024}, {3, 4096, 4}, {1000, 1, 1024}};
  size_t i;
  cr_assert_eq(sizeof(struct ringq_spsc) % RINGQ_CACHE_LINE, 0);
  for (i = 0; i < COUNT(cases); i++) {
    size_t bytes = 0, raw = sizeof(struct ringq_spsc) + cases[i].slots * cases[i].elem_size;
    size_t want = (raw + RINGQ_CACHE_LINE - 1) / RINGQ_CACHE_LINE * RINGQ_CACHE_LINE;
    cr_assert_eq(ringq_spsc_memsize(cases[i].capacity, cases[i].elem_size, &bytes), RINGQ_OK);
    cr_assert_eq(bytes, want, "memsize(%zu, %zu) is %zu, expected %zu", cases[i].capacity,
                 cases[i].elem_size, bytes, want);
  }
}

Test(spsc, init_makes_a_working_ring_at_the_start_of_caller_memory, .timeout = RINGQ_T(10)) {
  static _Alignas(RINGQ_CACHE_LINE) unsigned char block[2048];
  size_t bytes = 0;
  void *mem;
  struct ringq_spsc *r;

  cr_assert_eq(ringq_spsc_memsize(5, sizeof(uint64_t), &bytes), RINGQ_OK);
  mem = aligned_alloc(RINGQ_CACHE_LINE, bytes);
  cr_assert_not_null(mem);
  cr_assert_eq(ringq_spsc_init(mem, bytes, 5, sizeof(uint64_t)), RINGQ_OK);
  r = mem;
  cr_assert_eq(ringq_spsc_capacity(r), 5);
  expect_size(r, 0);
  push_u64(r, 7);
  push_u64(r, 8);
  pop_u64(r, 7);
  /* init on used memory starts a fresh, empty ring. */
  cr_assert_eq(ringq_spsc_init(mem, bytes, 2, sizeof(uint64_t)), RINGQ_OK);
  cr_assert_eq(ringq_spsc_capacity(r), 2);
  expect_size(r, 0);
  expect_empty(r);
  free(mem);

  /* Static storage larger than needed works too. */
  cr_assert_leq(bytes, sizeof block);
  cr_assert_eq(ringq_spsc_init(block, sizeof block, 5, sizeof(uint64_t)), RINGQ_OK);
  r = (struct ringq_spsc *)block;
  push_u64(r, 1);
  pop_u64(r, 1);
  expect_size(r, 0);
}

Test(spsc, a_ring_copied_to_another_address_keeps_working, .timeout = RINGQ_T(10)) {
  /* No pointers inside: the bytes of a ring are the ring, wherever they are mapped. */
  struct ringq_spsc *a = new_ring(4, sizeof(uint64_t)), *b;
  size_t bytes = 0;
  cr_assert_eq(ringq_spsc_memsize(4, sizeof(uint64_t), &bytes), RINGQ_OK);
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
  ringq_spsc_destroy(b);
  ringq_spsc_destroy(a);
}

Test(spsc, create_makes_an_empty_aligned_ring_and_destroy_frees_it, .timeout = RINGQ_T(10)) {
  size_t c;
  for (c = 0; c < COUNT(capacities); c++) {
    struct ringq_spsc *r = NULL;
    cr_assert_eq(ringq_spsc_create(capacities[c], 24, &r), RINGQ_OK);
    cr_assert_not_null(r);
    cr_assert_eq((uintptr_t)r % RINGQ_CACHE_LINE, 0);
    cr_assert_eq(ringq_spsc_capacity(r), capacities[c]);
    cr_assert_eq(r->elem_size, 24);
    expect_size(r, 0);
    ringq_spsc_destroy(r);
  }
  ringq_spsc_destroy(NULL);
}

Test(status, every_status_has_its_own_message_and_unknown_values_the_generic_one,
     .timeout = RINGQ_T(10)) {
  static const struct {
    int code;
    const char *name;
  } codes[] = {
      {RINGQ_OK, "RINGQ_OK"},
      {RINGQ_EMPTY, "RINGQ_EMPTY"},
      {RINGQ_FULL, "RINGQ_FULL"},
      {RINGQ_TIMEDOUT, "RINGQ_TIMEDOUT"},
      {RINGQ_SHUTDOWN, "RINGQ_SHUTDOWN"},
      {RINGQ_EINVAL, "RINGQ_EINVAL"},
      {RINGQ_ERANGE, "RINGQ_ERANGE"},
      {RINGQ_ENOMEM, "RINGQ_ENOMEM"},
      {RINGQ_ETOOSMALL, "RINGQ_ETOOSMALL"},
      {RINGQ_EALIGN, "RINGQ_EALIGN"},
      {RINGQ_ETASKDONE, "RINGQ_ETASKDONE"},
      {RINGQ_EBUSY, "RINGQ_EBUSY"},
      {RINGQ_ESYS, "RINGQ_ESYS"},
      {RINGQ_ECORRUPT, "RINGQ_ECORRUPT"},
      {RINGQ_EVERSION, "RINGQ_EVERSION"},
      {RINGQ_EPROCESS, "RINGQ_EPROCESS"},
      {RINGQ_EEXIST, "RINGQ_EEXIST"},
      {RINGQ_ENOENT, "RINGQ_ENOENT"},
      {RINGQ_EACCES, "RINGQ_EACCES"},
      {RINGQ_EMSGSIZE, "RINGQ_EMSGSIZE"},
  };
  static const int unknown[] = {1, 2, -5, -15, -31, -100, 42, INT_MAX, INT_MIN};
  const char *generic = ringq_strerror(INT_MIN);
  size_t i, j;
  cr_assert_str_eq(generic, "unknown ringq status");
  for (i = 0; i < COUNT(codes); i++) {
    const char *s = ringq_strerror(codes[i].code);
    size_t len = strlen(codes[i].name);
    cr_assert_not_null(s);
    cr_assert_str_neq(s, generic, "%s has the generic message", codes[i].name);
    cr_assert(strncmp(s, codes[i].name, len) == 0 && s[len] == ':',
              "message of %s does not name it: \"%s\"", codes[i].name, s);
    cr_assert_gt(strlen(s), len + 2, "message of %s says nothing", codes[i].name);
    /* Compare the texts after "RINGQ_X: ": the names alone would make any two differ. */
    for (j = 0; j < i; j++)
      cr_assert_str_neq(s + len + 2, ringq_strerror(codes[j].code) + strlen(codes[j].name) + 2,
                        "%s and %s share a message", codes[i].name, codes[j].name);
  }
  for (i = 0; i < COUNT(unknown); i++)
    cr_assert_str_eq(ringq_strerror(unknown[i]), generic, "status %d is not unknown", unknown[i]);
}

Test(status, ok_is_zero_outcomes_are_small_negatives_and_failures_are_below_minus_15,
     .timeout = RINGQ_T(10)) {
  cr_assert_eq(RINGQ_OK, 0);
  cr_assert_eq(RINGQ_EMPTY, -1);
  cr_assert_eq(RINGQ_FULL, -2);
  cr_assert_eq(RINGQ_TIMEDOUT, -3);
  cr_assert_eq(RINGQ_SHUTDOWN, -4);
  cr_assert_leq(RINGQ_EINVAL, -16);
  cr_assert_leq(RINGQ_ERANGE, -16);
  cr_assert_leq(RINGQ_ENOMEM, -16);
  cr_assert_leq(RINGQ_ETOOSMALL, -16);
  cr_assert_leq(RINGQ_EALIGN, -16);
  cr_assert_leq(RINGQ_ETASKDONE, -16);
  cr_assert_leq(RINGQ_EBUSY, -16);
  cr_assert_leq(RINGQ_ESYS, -16);
}
