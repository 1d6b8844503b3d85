/* SPDX-License-Identifier: MIT */
/* tests/compile/mpmc_alone.c: ringq/mpmc.h included first and alone, every function used once. */
#include <ringq/mpmc.h>

#include <stdio.h>

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                     \
      return 1;                                                                                    \
    }                                                                                              \
  } while (0)

int
main(void) {
  struct ringq_mpmc *r = NULL;
  size_t bytes = 0;
  void *mem;
  uint32_t v = 7, out[3] = {1, 2, 3};

  CHECK(ringq_mpmc_memsize(3, sizeof v, &bytes) == RINGQ_OK && bytes > 0);
  mem = aligned_alloc(RINGQ_CACHE_LINE, bytes);
  CHECK(mem != NULL);
  CHECK(ringq_mpmc_init(mem, bytes, 3, sizeof v) == RINGQ_OK);
  r = (struct ringq_mpmc *)mem;
  CHECK(ringq_mpmc_capacity(r) == 3 && ringq_mpmc_empty(r) && !ringq_mpmc_full(r));
  CHECK(ringq_mpmc_try_push(r, &v) == RINGQ_OK);
  CHECK(ringq_mpmc_push_burst(r, out, 3) == 2);
  CHECK(ringq_mpmc_size(r) == 3 && ringq_mpmc_full(r));
  CHECK(ringq_mpmc_try_pop(r, &v) == RINGQ_OK && v == 7);
  CHECK(ringq_mpmc_pop_burst(r, out, 3) == 2 && out[0] == 1 && out[1] == 2);
  CHECK(ringq_mpmc_close(r) == RINGQ_OK);
  CHECK(ringq_mpmc_try_pop(r, &v) == RINGQ_SHUTDOWN);
  free(mem);

  CHECK(ringq_mpmc_create(3, 8, &r) == RINGQ_OK && r != NULL);
  ringq_mpmc_destroy(r);
  CHECK(ringq_strerror(RINGQ_FULL) != ringq_strerror(RINGQ_EMPTY));
  return 0;
}
