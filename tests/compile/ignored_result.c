/* SPDX-License-Identifier: MIT */
/* tests/compile/ignored_result.c: one ignored status per header, without a cast; the tests count
 * the unused-result diagnostics (see unused_result.cmake). Also compiled as C++17 with -x c++.
 *   -DRINGQ_TEST_CUSTOM_MARKER  the user picks gcc's attribute through RINGQ_NODISCARD
 *   -DRINGQ_TEST_EMPTY_MARKER   the user defines RINGQ_NODISCARD empty */
#if defined(RINGQ_TEST_CUSTOM_MARKER)
#define RINGQ_NODISCARD __attribute__((warn_unused_result))
#elif defined(RINGQ_TEST_EMPTY_MARKER)
#define RINGQ_NODISCARD
#endif
#include <ringq/queue.h>

#ifdef __cplusplus
extern "C" {
#endif
void ringq_test_ignored(struct ringq_spsc *s, struct ringq_mpmc *m, struct ringq_queue *q,
                        const void *item);
#ifdef __cplusplus
}
#endif

void
ringq_test_ignored(struct ringq_spsc *s, struct ringq_mpmc *m, struct ringq_queue *q,
                   const void *item)
{
  ringq_spsc_try_push(s, item);
  ringq_mpmc_try_push(m, item);
  ringq_queue_put_nowait(q, item);
}
