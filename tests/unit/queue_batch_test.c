/* SPDX-License-Identifier: MIT */
/* tests/unit/queue_batch_test.c: put_many / get_many: order, partial results at a timeout or a
 * shutdown, never early, tokens, and misuse. */
#include <ringq/queue.h>

#include <criterion/criterion.h>
#include <stdint.h>

#include "queue_support.h"

Test(queue_batch, put_many_and_get_many_keep_order_across_the_wrap, .timeout = RINGQ_T(10)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 5);
    uint64_t in[5], out[8], next_in = 0, next_out = 0;
    int round;
    for (round = 0; round < 50; round++) {
      size_t n = 1 + (size_t)round % 5, i;
      ptrdiff_t got;
      for (i = 0; i < n; i++)
        in[i] = next_in++;
      cr_assert_eq(ringq_queue_put_many(q, in, n, 0), (ptrdiff_t)n, "%s round %d",
                   kind_name(kinds[k]), round);
      got = ringq_queue_get_many(q, out, 8, 0);
      cr_assert_eq(got, (ptrdiff_t)n, "everything there is taken at once");
      for (i = 0; i < n; i++)
        cr_assert_eq(out[i], next_out++);
    }
    free_queue(q);
  }
}

Test(queue_batch, put_many_puts_what_fits_by_the_deadline_never_early, .timeout = RINGQ_T(10),
     .disabled = UNBOUNDED_RUN) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 3);
    uint64_t in[5] = {1, 2, 3, 4, 5}, out[5];
    int64_t t0 = test_now_ns();
    cr_assert_eq(ringq_queue_put_many(q, in, 5, 30 * MS), 3, "%s: the first 3 fit",
                 kind_name(kinds[k]));
    cr_assert_geq(test_now_ns() - t0, 30 * MS, "never early");
    cr_assert_eq(ringq_queue_put_many(q, in, 2, 0), RINGQ_FULL, "none fit: FULL");
    cr_assert_eq(ringq_queue_get_many(q, out, 5, 0), 3);
    cr_assert_eq(out[2], 3);
    t0 = test_now_ns();
    cr_assert_eq(ringq_queue_get_many(q, out, 5, 20 * MS), RINGQ_EMPTY);
    cr_assert_geq(test_now_ns() - t0, 20 * MS, "never early");
    free_queue(q);
  }
}

Test(queue_batch, after_a_shutdown_put_many_is_refused_and_get_many_drains,
     .timeout = RINGQ_T(10)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 4);
    uint64_t in[2] = {7, 8}, out[4];
    cr_assert_eq(ringq_queue_put_many(q, in, 2, 0), 2);
    cr_assert_eq(ringq_queue_shutdown(q, false), RINGQ_OK);
    cr_assert_eq(ringq_queue_put_many(q, in, 2, LONG_NS), RINGQ_SHUTDOWN);
    cr_assert_eq(ringq_queue_get_many(q, out, 4, LONG_NS), 2, "%s", kind_name(kinds[k]));
    cr_assert_eq(ringq_queue_get_many(q, out, 4, LONG_NS), RINGQ_SHUTDOWN);
    free_queue(q);
  }
}

Test(queue_batch, token_queues_move_batches_of_nothing, .timeout = RINGQ_T(10)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = NULL;
    cr_assert_eq(ringq_queue_create(kinds[k], test_capacity(1000), 0, &q), RINGQ_OK);
    cr_assert_eq(ringq_queue_put_many(q, NULL, 600, 0), 600, "%s", kind_name(kinds[k]));
    cr_assert_eq(ringq_queue_qsize(q), 600);
    cr_assert_eq(ringq_queue_get_many(q, NULL, 1000, 0), 256, "one round: 256 tokens at most");
    free_queue(q);
  }
}

Test(queue_batch, bad_arguments_are_refused) {
  struct ringq_queue *q = new_queue(RINGQ_QUEUE_MPMC, 4);
  uint64_t x[2];
  cr_assert_eq(ringq_queue_put_many(NULL, x, 1, 0), RINGQ_EINVAL);
  cr_assert_eq(ringq_queue_put_many(q, NULL, 1, 0), RINGQ_EINVAL);
  cr_assert_eq(ringq_queue_put_many(q, x, 0, 0), RINGQ_EINVAL);
  cr_assert_eq(ringq_queue_put_many(q, x, 1, -1), RINGQ_EINVAL);
  cr_assert_eq(ringq_queue_get_many(NULL, x, 1, 0), RINGQ_EINVAL);
  cr_assert_eq(ringq_queue_get_many(q, NULL, 1, 0), RINGQ_EINVAL);
  cr_assert_eq(ringq_queue_get_many(q, x, 0, 0), RINGQ_EINVAL);
  cr_assert_eq(ringq_queue_get_many(q, x, 1, -5), RINGQ_EINVAL);
  free_queue(q);
}
