/* SPDX-License-Identifier: MIT */
/* bench/adapters/reference_cache_line.c: the hardware's own limit for a round trip: two threads
 * bouncing one atomic word (one cache line), timed exactly like the queues' ping-pong. Not a
 * queue. */
#include "adapter.h"

#include <stdio.h>
#include <stdlib.h>

/* The pinger stores 2i+1, the ponger answers 2i+2; BENCH_PILL (odd, never reached) ends it. */
struct line {
  BENCH_ALIGNED uint64_t word;
};

static int
line_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  struct line *l = (struct line *)aligned_alloc(BENCH_LINE, sizeof *l);
  (void)p;
  if (l == NULL) {
    snprintf(why, why_len, "out of memory");
    return -1;
  }
  l->word = 0;
  *q = l;
  return 0;
}

static void
line_destroy(void *q)
{
  free(q);
}

static void
line_ping(struct bench_worker *w)
{
  struct bench_run *run = w->run;
  struct line *l = (struct line *)run->q;
  size_t n = 0;
  unsigned spins = 0;
  uint64_t i = 0;
  while (n < run->max_samples && (n == 0 || bench_phase(run) == BENCH_RUNNING)) {
    uint64_t t0, t1, want = 2 * i + 2;
    t0 = bench_now_ns();
    __atomic_store_n(&l->word, 2 * i + 1, __ATOMIC_RELEASE);
    while (__atomic_load_n(&l->word, __ATOMIC_ACQUIRE) != want)
      if (bench_spin(run, &spins))
        goto out;
    t1 = bench_now_ns();
    run->samples[n++] = t1 - t0;
    i++;
    if ((n & 255) == 0)
      bench_publish_progress(w, n);
  }
  __atomic_store_n(&l->word, BENCH_PILL, __ATOMIC_RELEASE);
out:
  w->nsamples = n;
  w->items = n;
}

static void
line_pong(struct bench_worker *w)
{
  struct bench_run *run = w->run;
  struct line *l = (struct line *)run->q;
  unsigned spins = 0;
  uint64_t i = 0;
  for (;;) {
    uint64_t v = __atomic_load_n(&l->word, __ATOMIC_ACQUIRE);
    if (v == BENCH_PILL)
      return;
    if (v == 2 * i + 1) {
      __atomic_store_n(&l->word, v + 1, __ATOMIC_RELEASE);
      if ((++i & 255) == 0)
        bench_publish_progress(w, i);
      continue;
    }
    if (v != 2 * i) {
      bench_fail(w, "cache line: expected %llu, saw %llu", (unsigned long long)(2 * i + 1),
                 (unsigned long long)v);
      return;
    }
    if (bench_spin(run, &spins))
      return;
  }
}

const struct bench_queue bench_q_cacheline = {
    .name = "one cache line (hardware)",
    .peer = "cacheline",
    .roles = BENCH_ROLE_PINGPONG | BENCH_ROLE_REFERENCE,
    .esizes = BENCH_ESIZE_8,
    .note = "one cache line: two threads bouncing one atomic word, the lowest possible round trip",
    .create = line_create,
    .destroy = line_destroy,
    .single = {NULL, NULL, line_ping, line_pong},
};

BENCH_ADAPTER(reference_cache_line, &bench_q_cacheline);
