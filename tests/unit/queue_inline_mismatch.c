/* SPDX-License-Identifier: MIT */
/* tests/unit/queue_inline_mismatch.c: a program compiled against other headers than its library
 * (here RINGQ_CACHE_LINE 256 against a library built with the default) must not let queue.h's
 * inline fast path read the queue at the wrong offsets: the handle's `fast` word holds the
 * library's layout version and cache line (RINGQ__FAST), the program's inline code compares it
 * with its own, finds another value, and every put and get goes to the library (counted by
 * ringq_testable's ringq__test_twin_calls), with every item delivered in order. */
#include <ringq/queue.h>

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "wait.h"

#if RINGQ_CACHE_LINE != 256
#error "build this test with -DRINGQ_CACHE_LINE=256"
#endif

#define ITEMS 1000u

int
main(void)
{
  int kind;
  for (kind = RINGQ_QUEUE_SPSC; kind <= RINGQ_QUEUE_MPMC; kind++) {
    struct ringq_queue *q = NULL;
    uint64_t i, out, before;
    if (ringq_queue_create((enum ringq_queue_kind)kind, 16, sizeof(uint64_t), &q) != RINGQ_OK) {
      fprintf(stderr, "create failed\n");
      return 1;
    }
    /* relaxed: a statistic of this thread's calls. */
    before = atomic_load_explicit(&ringq__test_twin_calls, memory_order_relaxed);
    for (i = 0; i < ITEMS; i++) {
      out = UINT64_MAX;
      if (ringq_queue_put(q, &i) != RINGQ_OK || ringq_queue_get_nowait(q, &out) != RINGQ_OK ||
          out != i) {
        fprintf(stderr, "kind %d item %llu: got %llu\n", kind, (unsigned long long)i,
                (unsigned long long)out);
        return 1;
      }
    }
    /* relaxed: as above. */
    if (atomic_load_explicit(&ringq__test_twin_calls, memory_order_relaxed) - before !=
        2 * ITEMS) {
      fprintf(stderr, "kind %d: the inline path served a queue of another layout\n", kind);
      return 1;
    }
    if (ringq_queue_destroy(q) != RINGQ_OK)
      return 1;
  }
  printf("a program with RINGQ_CACHE_LINE 256: all %u puts and gets went to the library\n",
         2 * ITEMS);
  return 0;
}
