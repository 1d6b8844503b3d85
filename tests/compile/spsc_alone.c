/* SPDX-License-Identifier: MIT */
/* tests/compile/spsc_alone.c: ringq/spsc.h included first and alone, every function used once. */
#include <ringq/spsc.h>

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
  struct ringq_spsc *r = NULL;
  size_t bytes = 0;
  void *mem, *where = NULL;
  const void *shown = NULL;
  uint32_t v = 7, out[4] = {0, 0, 0, 0};

  CHECK(ringq_spsc_memsize(4, sizeof v, &bytes) == RINGQ_OK && bytes > 0);
  mem = aligned_alloc(RINGQ_CACHE_LINE, bytes);
  CHECK(mem != NULL);
  CHECK(ringq_spsc_init(mem, bytes, 4, sizeof v) == RINGQ_OK);
  r = (struct ringq_spsc *)mem;
  CHECK(ringq_spsc_capacity(r) == 4 && ringq_spsc_empty(r) && !ringq_spsc_full(r));
  CHECK(ringq_spsc_try_push(r, &v) == RINGQ_OK);
  CHECK(ringq_spsc_push_burst(r, out, 2) == 2);
  CHECK(ringq_spsc_reserve(r, 1, &where) == 1);
  *(uint32_t *)where = 9;
  CHECK(ringq_spsc_commit(r, 1) == RINGQ_OK);
  CHECK(ringq_spsc_size(r) == 4 && ringq_spsc_full(r));
  CHECK(ringq_spsc_try_pop(r, &v) == RINGQ_OK && v == 7);
  CHECK(ringq_spsc_pop_burst(r, out, 2) == 2);
  CHECK(ringq_spsc_peek(r, 1, &shown) == 1 && *(const uint32_t *)shown == 9);
  CHECK(ringq_spsc_release(r, 1) == RINGQ_OK);
  CHECK(ringq_spsc_close(r) == RINGQ_OK);
  CHECK(ringq_spsc_try_pop(r, &v) == RINGQ_SHUTDOWN);
  free(mem);

  CHECK(ringq_spsc_create(3, 8, &r) == RINGQ_OK && r != NULL);
  ringq_spsc_destroy(r);
  CHECK(ringq_strerror(RINGQ_FULL) != ringq_strerror(RINGQ_EMPTY));
  return 0;
}
