/* SPDX-License-Identifier: MIT */
/* bench/queues.c: the queues compiled into this ringq-bench, gathered from the adapters' lists,
 * and the optional peers that were not (their Debian package was missing when CMake ran). Which
 * adapters those are comes from the ringq_bench_adapter() lines of CMakeLists.txt (through
 * bench_config.h); nothing here changes when an adapter is added. */
#include "adapter.h"
#include "bench_config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_QUEUES 128

BENCH_ADAPTER_DECLS

static const struct bench_queue *const *const adapters[] = {BENCH_ADAPTER_LISTS NULL};

static const char *const skipped[] = {BENCH_SKIPPED_LINES NULL};

static const struct bench_queue *queues[MAX_QUEUES + 1];

/* Called from the main thread before any worker starts. */
const struct bench_queue *const *
bench_queues(void)
{
  size_t n = 0;
  if (queues[0] != NULL)
    return queues;
  for (size_t a = 0; adapters[a] != NULL; a++)
    for (size_t i = 0; adapters[a][i] != NULL; i++) {
      if (n == MAX_QUEUES) {
        fprintf(stderr, "ringq-bench: more than %d queues; raise MAX_QUEUES in queues.c\n",
                MAX_QUEUES);
        exit(2);
      }
      queues[n++] = adapters[a][i];
    }
  queues[n] = NULL;
  return queues;
}

const char *const *
bench_skipped_peers(void)
{
  return skipped;
}
