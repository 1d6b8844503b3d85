/* SPDX-License-Identifier: MIT */
/* tests/compile/void_cast.c: a (void) cast silences the unused-result check on every header's
 * status-returning functions (compiled, never run: see unused_result.cmake). Also compiled as
 * C++17 with -x c++. */
#include <ringq/queue.h>

#ifdef __cplusplus
extern "C" {
#endif
void ringq_test_void_casts(struct ringq_spsc *s, struct ringq_mpmc *m, struct ringq_queue *q,
                           void *item, void *items);
#ifdef __cplusplus
}
#endif

void
ringq_test_void_casts(struct ringq_spsc *s, struct ringq_mpmc *m, struct ringq_queue *q,
                      void *item, void *items)
{
  size_t bytes = 0;
  void *where = NULL;
  const void *shown = NULL;
  struct timespec deadline = {0, 0};

  (void)ringq_spsc_memsize(4, 8, &bytes);
  (void)ringq_spsc_init(item, bytes, 4, 8);
  (void)ringq_spsc_create(4, 8, &s);
  (void)ringq_spsc_try_push(s, item);
  (void)ringq_spsc_try_pop(s, item);
  (void)ringq_spsc_push_burst(s, items, 2);
  (void)ringq_spsc_pop_burst(s, items, 2);
  (void)ringq_spsc_reserve(s, 1, &where);
  (void)ringq_spsc_commit(s, 1);
  (void)ringq_spsc_peek(s, 1, &shown);
  (void)ringq_spsc_release(s, 1);
  (void)ringq_spsc_close(s);

  (void)ringq_mpmc_memsize(4, 8, &bytes);
  (void)ringq_mpmc_init(item, bytes, 4, 8);
  (void)ringq_mpmc_create(4, 8, &m);
  (void)ringq_mpmc_try_push(m, item);
  (void)ringq_mpmc_try_pop(m, item);
  (void)ringq_mpmc_push_burst(m, items, 2);
  (void)ringq_mpmc_pop_burst(m, items, 2);
  (void)ringq_mpmc_close(m);

  (void)ringq_queue_memsize(RINGQ_QUEUE_MPMC, 4, 8, &bytes);
  (void)ringq_queue_init(item, bytes, RINGQ_QUEUE_MPMC, 4, 8, 0);
  (void)ringq_queue_create(RINGQ_QUEUE_SPSC, 4, 8, &q);
  (void)ringq_queue_put(q, item);
  (void)ringq_queue_put_timeout(q, item, 1000);
  (void)ringq_queue_put_until(q, item, &deadline);
  (void)ringq_queue_put_nowait(q, item);
  (void)ringq_queue_get(q, item);
  (void)ringq_queue_get_timeout(q, item, 1000);
  (void)ringq_queue_get_until(q, item, &deadline);
  (void)ringq_queue_get_nowait(q, item);
  (void)ringq_queue_task_done(q);
  (void)ringq_queue_join(q);
  (void)ringq_queue_join_timeout(q, 1000);
  (void)ringq_queue_join_until(q, &deadline);
  (void)ringq_queue_shutdown(q, true);
  (void)ringq_queue_fini(q);
  (void)ringq_queue_destroy(q);
}
