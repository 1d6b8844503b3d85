/* SPDX-License-Identifier: MIT */
/* tests/misuse/rings_misuse_test.c: every error code that spsc.h and mpmc.h document, provoked,
 * with a check that the rejected call changed nothing. */
#include <ringq/mpmc.h>
#include <ringq/spsc.h>

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "asan_options.h"
#include "support.h"

/* A value no call may leave in an output it was told not to touch. */
#define SENTINEL_BYTES ((size_t)0x5e5e5e5e)
#define FILL 0xa5

static struct ringq_spsc *
spsc_ring(size_t capacity) {
  struct ringq_spsc *r = NULL;
  cr_assert_eq(ringq_spsc_create(capacity, sizeof(uint64_t), &r), RINGQ_OK);
  return r;
}

static struct ringq_mpmc *
mpmc_ring(size_t capacity) {
  struct ringq_mpmc *r = NULL;
  cr_assert_eq(ringq_mpmc_create(capacity, sizeof(uint64_t), &r), RINGQ_OK);
  return r;
}

static void
check_filled(const unsigned char *p, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    cr_assert_eq(p[i], FILL, "a rejected init wrote byte %zu of the caller's memory", i);
}

/* --- spsc ---------------------------------------------------------------------------------- */

Test(spsc_misuse, memsize_rejects_a_null_out_zero_sizes_and_sizes_above_the_maximums,
     .timeout = RINGQ_T(10)) {
  size_t bytes = SENTINEL_BYTES;
  cr_assert_eq(ringq_spsc_memsize(4, 8, NULL), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_memsize(0, 8, &bytes), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_memsize(4, 0, &bytes), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_memsize(RINGQ_MAX_CAPACITY + 1, 8, &bytes), RINGQ_ERANGE);
  cr_assert_eq(ringq_spsc_memsize(4, RINGQ_MAX_ELEM_SIZE + 1, &bytes), RINGQ_ERANGE);
  cr_assert_eq(ringq_spsc_memsize(RINGQ_MAX_CAPACITY + 1, RINGQ_MAX_ELEM_SIZE + 1, &bytes),
               RINGQ_ERANGE);
  cr_assert_eq(ringq_spsc_memsize((size_t)1 << 63, 8, &bytes), RINGQ_ERANGE);
  cr_assert_eq(bytes, SENTINEL_BYTES, "a rejected memsize wrote *bytes");
  /* The maximums themselves are accepted. */
  cr_assert_eq(ringq_spsc_memsize(RINGQ_MAX_CAPACITY, RINGQ_MAX_ELEM_SIZE, &bytes), RINGQ_OK);
  cr_assert_geq(bytes, RINGQ_MAX_CAPACITY * RINGQ_MAX_ELEM_SIZE);
}

/* A capacity above 2^63 must get RINGQ_ERANGE like any other above RINGQ_MAX_CAPACITY. If memsize
 * rounds it up to a power of two before the range check, the rounding shifts to 0 and loops
 * forever; the short timeout turns that hang into a quick failure. */
Test(spsc_misuse, capacities_above_2_to_the_63_are_out_of_range_not_a_hang,
     .timeout = RINGQ_T(10)) {
  size_t bytes = SENTINEL_BYTES;
  struct ringq_spsc *r = NULL;
  static _Alignas(RINGQ_CACHE_LINE) unsigned char block[4096];
  cr_assert_eq(ringq_spsc_memsize(((size_t)1 << 63) + 1, 8, &bytes), RINGQ_ERANGE);
  cr_assert_eq(ringq_spsc_memsize(SIZE_MAX, 8, &bytes), RINGQ_ERANGE);
  cr_assert_eq(ringq_spsc_memsize(SIZE_MAX, SIZE_MAX, &bytes), RINGQ_ERANGE);
  cr_assert_eq(bytes, SENTINEL_BYTES, "a rejected memsize wrote *bytes");
  cr_assert_eq(ringq_spsc_init(block, sizeof block, SIZE_MAX, 8), RINGQ_ERANGE);
  cr_assert_eq(ringq_spsc_create(SIZE_MAX, 8, &r), RINGQ_ERANGE);
  cr_assert_null(r);
}

Test(spsc_misuse, init_rejects_bad_sizes_null_misaligned_or_short_memory_and_writes_nothing,
     .timeout = RINGQ_T(10)) {
  size_t bytes = 0, off;
  unsigned char *block;
  cr_assert_eq(ringq_spsc_memsize(5, 8, &bytes), RINGQ_OK);
  block = aligned_alloc(RINGQ_CACHE_LINE, bytes + RINGQ_CACHE_LINE);
  cr_assert_not_null(block);
  memset(block, FILL, bytes + RINGQ_CACHE_LINE);

  cr_assert_eq(ringq_spsc_init(NULL, bytes, 5, 8), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_init(block, bytes, 0, 8), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_init(block, bytes, 5, 0), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_init(block, bytes, RINGQ_MAX_CAPACITY + 1, 8), RINGQ_ERANGE);
  cr_assert_eq(ringq_spsc_init(block, bytes, 5, RINGQ_MAX_ELEM_SIZE + 1), RINGQ_ERANGE);
  cr_assert_eq(ringq_spsc_init(block + 8, bytes, 5, 8), RINGQ_EALIGN);
  for (off = 1; off < RINGQ_CACHE_LINE; off *= 2)
    cr_assert_eq(ringq_spsc_init(block + off, bytes, 5, 8), RINGQ_EALIGN, "offset %zu", off);
  cr_assert_eq(ringq_spsc_init(block, bytes - 1, 5, 8), RINGQ_ETOOSMALL);
  cr_assert_eq(ringq_spsc_init(block, 0, 5, 8), RINGQ_ETOOSMALL);
  check_filled(block, bytes + RINGQ_CACHE_LINE);

  cr_assert_eq(ringq_spsc_init(block, bytes, 5, 8), RINGQ_OK, "exactly memsize is enough");
  free(block);
}

Test(spsc_misuse, create_rejects_bad_arguments_and_reports_allocation_failure,
     .timeout = RINGQ_T(10)) {
  struct ringq_spsc dummy, *r = &dummy;
  cr_assert_eq(ringq_spsc_create(4, 8, NULL), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_create(0, 8, &r), RINGQ_EINVAL);
  cr_assert_null(r, "*out must be NULL after a failure");
  r = &dummy;
  cr_assert_eq(ringq_spsc_create(4, 0, &r), RINGQ_EINVAL);
  cr_assert_null(r);
  r = &dummy;
  cr_assert_eq(ringq_spsc_create(RINGQ_MAX_CAPACITY + 1, 8, &r), RINGQ_ERANGE);
  cr_assert_null(r);
  r = &dummy;
  cr_assert_eq(ringq_spsc_create(4, RINGQ_MAX_ELEM_SIZE + 1, &r), RINGQ_ERANGE);
  cr_assert_null(r);
  r = &dummy;
  /* About 2^55 bytes: no allocator can give that. */
  cr_assert_eq(ringq_spsc_create(RINGQ_MAX_CAPACITY, RINGQ_MAX_ELEM_SIZE, &r), RINGQ_ENOMEM);
  cr_assert_null(r);
}

Test(spsc_misuse, try_push_rejects_a_null_ring_or_item_and_changes_nothing,
     .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = spsc_ring(3);
  uint64_t v = 1;
  cr_assert_eq(ringq_spsc_try_push(r, &v), RINGQ_OK);
  cr_assert_eq(ringq_spsc_try_push(NULL, &v), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_try_push(r, NULL), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_size(r), 1);
  v = 0;
  cr_assert_eq(ringq_spsc_try_pop(r, &v), RINGQ_OK);
  cr_assert_eq(v, 1);
  cr_assert_eq(ringq_spsc_try_pop(r, &v), RINGQ_EMPTY, "a rejected push pushed something");
  ringq_spsc_destroy(r);
}

Test(spsc_misuse, try_pop_rejects_a_null_ring_or_item_and_changes_nothing, .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = spsc_ring(3);
  uint64_t v = 7;
  cr_assert_eq(ringq_spsc_try_push(r, &v), RINGQ_OK);
  v = 0;
  cr_assert_eq(ringq_spsc_try_pop(NULL, &v), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_try_pop(r, NULL), RINGQ_EINVAL);
  cr_assert_eq(v, 0);
  cr_assert_eq(ringq_spsc_size(r), 1, "a rejected pop removed an item");
  cr_assert_eq(ringq_spsc_try_pop(r, &v), RINGQ_OK);
  cr_assert_eq(v, 7);
  ringq_spsc_destroy(r);
}

Test(spsc_misuse, bursts_reject_null_arguments_zero_counts_and_counts_above_capacity,
     .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = spsc_ring(3);
  uint64_t items[4] = {1, 2, 3, 4}, out[4] = {0, 0, 0, 0};
  cr_assert_eq(ringq_spsc_push_burst(NULL, items, 1), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_push_burst(r, NULL, 1), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_push_burst(r, items, 0), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_push_burst(r, items, 4), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_size(r), 0, "a rejected burst pushed something");
  cr_assert_eq(ringq_spsc_push_burst(r, items, 2), 2);

  cr_assert_eq(ringq_spsc_pop_burst(NULL, out, 1), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_pop_burst(r, NULL, 1), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_pop_burst(r, out, 0), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_pop_burst(r, out, 4), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_size(r), 2, "a rejected burst popped something");
  cr_assert(out[0] == 0 && out[1] == 0, "a rejected burst wrote its output");
  cr_assert_eq(ringq_spsc_pop_burst(r, out, 3), 2);
  cr_assert(out[0] == 1 && out[1] == 2);
  ringq_spsc_destroy(r);
}

Test(spsc_misuse, reserve_rejects_bad_arguments_and_keeps_the_previous_reservation,
     .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = spsc_ring(3);
  void *where = NULL, *other = &other;
  cr_assert_eq(ringq_spsc_reserve(r, 2, &where), 2);
  ((uint64_t *)where)[0] = 11;
  ((uint64_t *)where)[1] = 12;
  cr_assert_eq(ringq_spsc_reserve(NULL, 1, &other), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_reserve(r, 1, NULL), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_reserve(r, 0, &other), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_reserve(r, 4, &other), RINGQ_EINVAL);
  cr_assert_eq(other, (void *)&other, "a rejected reserve wrote *where");
  cr_assert_eq(ringq_spsc_commit(r, 2), RINGQ_OK, "the reservation did not survive");
  cr_assert_eq(ringq_spsc_size(r), 2);
  ringq_spsc_destroy(r);
}

Test(spsc_misuse, commit_rejects_a_null_ring_and_more_than_was_reserved, .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = spsc_ring(4);
  void *where = NULL;
  cr_assert_eq(ringq_spsc_commit(NULL, 0), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_commit(r, 1), RINGQ_EINVAL, "nothing is reserved");
  cr_assert_eq(ringq_spsc_reserve(r, 2, &where), 2);
  ((uint64_t *)where)[0] = 21;
  ((uint64_t *)where)[1] = 22;
  cr_assert_eq(ringq_spsc_commit(r, 3), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_commit(NULL, 2), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_size(r), 0, "a rejected commit published something");
  cr_assert_eq(ringq_spsc_commit(r, 2), RINGQ_OK, "the reservation did not survive");
  cr_assert_eq(ringq_spsc_commit(r, 1), RINGQ_EINVAL, "a commit ends the reservation");
  cr_assert_eq(ringq_spsc_size(r), 2);
  ringq_spsc_destroy(r);
}

Test(spsc_misuse, commit_rejects_a_reservation_cancelled_by_a_push_or_a_close,
     .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = spsc_ring(4);
  void *where = NULL;
  uint64_t v = 3;
  cr_assert_eq(ringq_spsc_reserve(r, 2, &where), 2);
  cr_assert_eq(ringq_spsc_try_push(r, &v), RINGQ_OK);
  cr_assert_eq(ringq_spsc_commit(r, 2), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_size(r), 1, "a rejected commit published something");
  cr_assert_eq(ringq_spsc_reserve(r, 2, &where), 2);
  cr_assert_eq(ringq_spsc_close(r), RINGQ_OK);
  cr_assert_eq(ringq_spsc_commit(r, 2), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_spsc_size(r), 1, "a commit after close published something");
  ringq_spsc_destroy(r);
}

Test(spsc_misuse, peek_rejects_bad_arguments_and_keeps_the_previous_peek, .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = spsc_ring(3);
  uint64_t items[2] = {31, 32};
  const void *where = NULL, *other = &other;
  cr_assert_eq(ringq_spsc_push_burst(r, items, 2), 2);
  cr_assert_eq(ringq_spsc_peek(r, 2, &where), 2);
  cr_assert_eq(ringq_spsc_peek(NULL, 1, &other), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_peek(r, 1, NULL), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_peek(r, 0, &other), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_peek(r, 4, &other), RINGQ_EINVAL);
  cr_assert_eq(other, (const void *)&other, "a rejected peek wrote *where");
  cr_assert_eq(ringq_spsc_size(r), 2);
  cr_assert_eq(ringq_spsc_release(r, 2), RINGQ_OK, "the peek did not survive");
  cr_assert_eq(ringq_spsc_size(r), 0);
  ringq_spsc_destroy(r);
}

Test(spsc_misuse, release_rejects_a_null_ring_and_more_than_was_peeked, .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = spsc_ring(4);
  uint64_t items[3] = {41, 42, 43}, v = 0;
  const void *where = NULL;
  cr_assert_eq(ringq_spsc_push_burst(r, items, 3), 3);
  cr_assert_eq(ringq_spsc_release(NULL, 0), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_release(r, 1), RINGQ_EINVAL, "nothing was peeked");
  cr_assert_eq(ringq_spsc_peek(r, 2, &where), 2);
  cr_assert_eq(ringq_spsc_release(r, 3), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_release(NULL, 1), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_size(r), 3, "a rejected release removed something");
  cr_assert_eq(ringq_spsc_release(r, 1), RINGQ_OK, "the peek did not survive");
  cr_assert_eq(ringq_spsc_release(r, 1), RINGQ_EINVAL, "a release ends the peek");
  cr_assert_eq(ringq_spsc_size(r), 2);
  cr_assert_eq(ringq_spsc_try_pop(r, &v), RINGQ_OK);
  cr_assert_eq(v, 42);
  ringq_spsc_destroy(r);
}

Test(spsc_misuse, release_rejects_a_peek_cancelled_by_a_pop, .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = spsc_ring(4);
  uint64_t items[3] = {1, 2, 3}, v = 0;
  const void *where = NULL;
  cr_assert_eq(ringq_spsc_push_burst(r, items, 3), 3);
  cr_assert_eq(ringq_spsc_peek(r, 2, &where), 2);
  cr_assert_eq(ringq_spsc_try_pop(r, &v), RINGQ_OK);
  cr_assert_eq(ringq_spsc_release(r, 1), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_size(r), 2, "a rejected release removed something");
  ringq_spsc_destroy(r);
}

Test(spsc_misuse, close_rejects_a_null_ring, .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = spsc_ring(2);
  uint64_t v = 1;
  cr_assert_eq(ringq_spsc_close(NULL), RINGQ_EINVAL);
  cr_assert_eq(ringq_spsc_try_push(r, &v), RINGQ_OK, "the ring must still be open");
  ringq_spsc_destroy(r);
}

Test(spsc_misuse, every_push_and_pop_reports_shutdown_after_close_and_drain,
     .timeout = RINGQ_T(10)) {
  struct ringq_spsc *r = spsc_ring(3);
  uint64_t v = 5, items[2] = {1, 2};
  void *where = &where;
  const void *shown = &shown;
  cr_assert_eq(ringq_spsc_try_push(r, &v), RINGQ_OK);
  cr_assert_eq(ringq_spsc_close(r), RINGQ_OK);
  cr_assert_eq(ringq_spsc_try_push(r, &v), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_spsc_push_burst(r, items, 2), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_spsc_reserve(r, 1, &where), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_spsc_size(r), 1, "a push after close changed the ring");
  v = 0;
  cr_assert_eq(ringq_spsc_try_pop(r, &v), RINGQ_OK, "the item pushed before close must come");
  cr_assert_eq(v, 5);
  cr_assert_eq(ringq_spsc_try_pop(r, &v), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_spsc_pop_burst(r, items, 2), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_spsc_peek(r, 1, &shown), RINGQ_SHUTDOWN);
  cr_assert(items[0] == 1 && items[1] == 2 && v == 5, "a shutdown pop wrote its output");
  ringq_spsc_destroy(r);
}

Test(spsc_misuse, queries_on_a_null_ring_say_zero_items, .timeout = RINGQ_T(10)) {
  cr_assert_eq(ringq_spsc_size(NULL), 0);
  cr_assert_eq(ringq_spsc_capacity(NULL), 0);
  cr_assert_eq(ringq_spsc_full(NULL), 0);
  cr_assert_eq(ringq_spsc_empty(NULL), 1, "size(NULL) is 0, so empty(NULL) holds");
  ringq_spsc_destroy(NULL);
}

/* --- mpmc ---------------------------------------------------------------------------------- */

Test(mpmc_misuse, memsize_rejects_a_null_out_zero_sizes_and_sizes_above_the_maximums,
     .timeout = RINGQ_T(10)) {
  size_t bytes = SENTINEL_BYTES;
  cr_assert_eq(ringq_mpmc_memsize(4, 8, NULL), RINGQ_EINVAL);
  cr_assert_eq(ringq_mpmc_memsize(0, 8, &bytes), RINGQ_EINVAL);
  cr_assert_eq(ringq_mpmc_memsize(4, 0, &bytes), RINGQ_EINVAL);
  cr_assert_eq(ringq_mpmc_memsize(RINGQ_MAX_CAPACITY + 1, 8, &bytes), RINGQ_ERANGE);
  cr_assert_eq(ringq_mpmc_memsize(4, RINGQ_MAX_ELEM_SIZE + 1, &bytes), RINGQ_ERANGE);
  cr_assert_eq(ringq_mpmc_memsize(RINGQ_MAX_CAPACITY + 1, RINGQ_MAX_ELEM_SIZE + 1, &bytes),
               RINGQ_ERANGE);
  cr_assert_eq(ringq_mpmc_memsize((size_t)1 << 63, 8, &bytes), RINGQ_ERANGE);
  cr_assert_eq(bytes, SENTINEL_BYTES, "a rejected memsize wrote *bytes");
  cr_assert_eq(ringq_mpmc_memsize(RINGQ_MAX_CAPACITY, RINGQ_MAX_ELEM_SIZE, &bytes), RINGQ_OK);
  cr_assert_geq(bytes, RINGQ_MAX_CAPACITY * RINGQ_MAX_ELEM_SIZE);
}

/* A capacity above 2^63 must get RINGQ_ERANGE like any other above RINGQ_MAX_CAPACITY. If memsize
 * rounds it up to a power of two before the range check, the rounding shifts to 0 and loops
 * forever; the short timeout turns that hang into a quick failure. */
Test(mpmc_misuse, capacities_above_2_to_the_63_are_out_of_range_not_a_hang,
     .timeout = RINGQ_T(10)) {
  size_t bytes = SENTINEL_BYTES;
  struct ringq_mpmc *r = NULL;
  static _Alignas(RINGQ_CACHE_LINE) unsigned char block[4096];
  cr_assert_eq(ringq_mpmc_memsize(((size_t)1 << 63) + 1, 8, &bytes), RINGQ_ERANGE);
  cr_assert_eq(ringq_mpmc_memsize(SIZE_MAX, 8, &bytes), RINGQ_ERANGE);
  cr_assert_eq(ringq_mpmc_memsize(SIZE_MAX, SIZE_MAX, &bytes), RINGQ_ERANGE);
  cr_assert_eq(bytes, SENTINEL_BYTES, "a rejected memsize wrote *bytes");
  cr_assert_eq(ringq_mpmc_init(block, sizeof block, SIZE_MAX, 8), RINGQ_ERANGE);
  cr_assert_eq(ringq_mpmc_create(SIZE_MAX, 8, &r), RINGQ_ERANGE);
  cr_assert_null(r);
}

Test(mpmc_misuse, init_rejects_bad_sizes_null_misaligned_or_short_memory_and_writes_nothing,
     .timeout = RINGQ_T(10)) {
  size_t bytes = 0, off;
  unsigned char *block;
  cr_assert_eq(ringq_mpmc_memsize(5, 8, &bytes), RINGQ_OK);
  block = aligned_alloc(RINGQ_CACHE_LINE, bytes + RINGQ_CACHE_LINE);
  cr_assert_not_null(block);
  memset(block, FILL, bytes + RINGQ_CACHE_LINE);

  cr_assert_eq(ringq_mpmc_init(NULL, bytes, 5, 8), RINGQ_EINVAL);
  cr_assert_eq(ringq_mpmc_init(block, bytes, 0, 8), RINGQ_EINVAL);
  cr_assert_eq(ringq_mpmc_init(block, bytes, 5, 0), RINGQ_EINVAL);
  cr_assert_eq(ringq_mpmc_init(block, bytes, RINGQ_MAX_CAPACITY + 1, 8), RINGQ_ERANGE);
  cr_assert_eq(ringq_mpmc_init(block, bytes, 5, RINGQ_MAX_ELEM_SIZE + 1), RINGQ_ERANGE);
  cr_assert_eq(ringq_mpmc_init(block + 8, bytes, 5, 8), RINGQ_EALIGN);
  for (off = 1; off < RINGQ_CACHE_LINE; off *= 2)
    cr_assert_eq(ringq_mpmc_init(block + off, bytes, 5, 8), RINGQ_EALIGN, "offset %zu", off);
  cr_assert_eq(ringq_mpmc_init(block, bytes - 1, 5, 8), RINGQ_ETOOSMALL);
  cr_assert_eq(ringq_mpmc_init(block, 0, 5, 8), RINGQ_ETOOSMALL);
  check_filled(block, bytes + RINGQ_CACHE_LINE);

  cr_assert_eq(ringq_mpmc_init(block, bytes, 5, 8), RINGQ_OK, "exactly memsize is enough");
  free(block);
}

Test(mpmc_misuse, create_rejects_bad_arguments_and_reports_allocation_failure,
     .timeout = RINGQ_T(10)) {
  struct ringq_mpmc dummy, *r = &dummy;
  cr_assert_eq(ringq_mpmc_create(4, 8, NULL), RINGQ_EINVAL);
  cr_assert_eq(ringq_mpmc_create(0, 8, &r), RINGQ_EINVAL);
  cr_assert_null(r, "*out must be NULL after a failure");
  r = &dummy;
  cr_assert_eq(ringq_mpmc_create(4, 0, &r), RINGQ_EINVAL);
  cr_assert_null(r);
  r = &dummy;
  cr_assert_eq(ringq_mpmc_create(RINGQ_MAX_CAPACITY + 1, 8, &r), RINGQ_ERANGE);
  cr_assert_null(r);
  r = &dummy;
  cr_assert_eq(ringq_mpmc_create(4, RINGQ_MAX_ELEM_SIZE + 1, &r), RINGQ_ERANGE);
  cr_assert_null(r);
  r = &dummy;
  /* About 2^55 bytes: no allocator can give that. */
  cr_assert_eq(ringq_mpmc_create(RINGQ_MAX_CAPACITY, RINGQ_MAX_ELEM_SIZE, &r), RINGQ_ENOMEM);
  cr_assert_null(r);
}

Test(mpmc_misuse, try_push_rejects_a_null_ring_or_item_and_changes_nothing,
     .timeout = RINGQ_T(10)) {
  struct ringq_mpmc *r = mpmc_ring(3);
  uint64_t v = 1;
  cr_assert_eq(ringq_mpmc_try_push(r, &v), RINGQ_OK);
  cr_assert_eq(ringq_mpmc_try_push(NULL, &v), RINGQ_EINVAL);
  cr_assert_eq(ringq_mpmc_try_push(r, NULL), RINGQ_EINVAL);
  cr_assert_eq(ringq_mpmc_size(r), 1);
  v = 0;
  cr_assert_eq(ringq_mpmc_try_pop(r, &v), RINGQ_OK);
  cr_assert_eq(v, 1);
  cr_assert_eq(ringq_mpmc_try_pop(r, &v), RINGQ_EMPTY, "a rejected push pushed something");
  ringq_mpmc_destroy(r);
}

Test(mpmc_misuse, try_pop_rejects_a_null_ring_or_item_and_changes_nothing, .timeout = RINGQ_T(10)) {
  struct ringq_mpmc *r = mpmc_ring(3);
  uint64_t v = 7;
  cr_assert_eq(ringq_mpmc_try_push(r, &v), RINGQ_OK);
  v = 0;
  cr_assert_eq(ringq_mpmc_try_pop(NULL, &v), RINGQ_EINVAL);
  cr_assert_eq(ringq_mpmc_try_pop(r, NULL), RINGQ_EINVAL);
  cr_assert_eq(v, 0);
  cr_assert_eq(ringq_mpmc_size(r), 1, "a rejected pop removed an item");
  cr_assert_eq(ringq_mpmc_try_pop(r, &v), RINGQ_OK);
  cr_assert_eq(v, 7);
  ringq_mpmc_destroy(r);
}

Test(mpmc_misuse, bursts_reject_null_arguments_zero_counts_and_counts_above_capacity,
     .timeout = RINGQ_T(10)) {
  struct ringq_mpmc *r = mpmc_ring(3);
  uint64_t items[4] = {1, 2, 3, 4}, out[4] = {0, 0, 0, 0};
  cr_assert_eq(ringq_mpmc_push_burst(NULL, items, 1), RINGQ_EINVAL);
  cr_assert_eq(ringq_mpmc_push_burst(r, NULL, 1), RINGQ_EINVAL);
  cr_assert_eq(ringq_mpmc_push_burst(r, items, 0), RINGQ_EINVAL);
  cr_assert_eq(ringq_mpmc_push_burst(r, items, 4), RINGQ_EINVAL);
  cr_assert_eq(ringq_mpmc_size(r), 0, "a rejected burst pushed something");
  cr_assert_eq(ringq_mpmc_push_burst(r, items, 2), 2);

  cr_assert_eq(ringq_mpmc_pop_burst(NULL, out, 1), RINGQ_EINVAL);
  cr_assert_eq(ringq_mpmc_pop_burst(r, NULL, 1), RINGQ_EINVAL);
  cr_assert_eq(ringq_mpmc_pop_burst(r, out, 0), RINGQ_EINVAL);
  cr_assert_eq(ringq_mpmc_pop_burst(r, out, 4), RINGQ_EINVAL);
  cr_assert_eq(ringq_mpmc_size(r), 2, "a rejected burst popped something");
  cr_assert(out[0] == 0 && out[1] == 0, "a rejected burst wrote its output");
  cr_assert_eq(ringq_mpmc_pop_burst(r, out, 3), 2);
  cr_assert(out[0] == 1 && out[1] == 2);
  ringq_mpmc_destroy(r);
}

Test(mpmc_misuse, close_rejects_a_null_ring, .timeout = RINGQ_T(10)) {
  struct ringq_mpmc *r = mpmc_ring(2);
  uint64_t v = 1;
  cr_assert_eq(ringq_mpmc_close(NULL), RINGQ_EINVAL);
  cr_assert_eq(ringq_mpmc_try_push(r, &v), RINGQ_OK, "the ring must still be open");
  ringq_mpmc_destroy(r);
}

Test(mpmc_misuse, every_push_and_pop_reports_shutdown_after_close_and_drain,
     .timeout = RINGQ_T(10)) {
  struct ringq_mpmc *r = mpmc_ring(3);
  uint64_t v = 5, items[2] = {1, 2};
  cr_assert_eq(ringq_mpmc_try_push(r, &v), RINGQ_OK);
  cr_assert_eq(ringq_mpmc_close(r), RINGQ_OK);
  cr_assert_eq(ringq_mpmc_try_push(r, &v), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_mpmc_push_burst(r, items, 2), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_mpmc_size(r), 1, "a push after close changed the ring");
  v = 0;
  cr_assert_eq(ringq_mpmc_try_pop(r, &v), RINGQ_OK, "the item pushed before close must come");
  cr_assert_eq(v, 5);
  cr_assert_eq(ringq_mpmc_try_pop(r, &v), RINGQ_SHUTDOWN);
  cr_assert_eq(ringq_mpmc_pop_burst(r, items, 2), RINGQ_SHUTDOWN);
  cr_assert(items[0] == 1 && items[1] == 2 && v == 5, "a shutdown pop wrote its output");
  ringq_mpmc_destroy(r);
}

Test(mpmc_misuse, queries_on_a_null_ring_say_zero_items, .timeout = RINGQ_T(10)) {
  cr_assert_eq(ringq_mpmc_size(NULL), 0);
  cr_assert_eq(ringq_mpmc_capacity(NULL), 0);
  cr_assert_eq(ringq_mpmc_full(NULL), 0);
  cr_assert_eq(ringq_mpmc_empty(NULL), 1, "size(NULL) is 0, so empty(NULL) holds");
  ringq_mpmc_destroy(NULL);
}
