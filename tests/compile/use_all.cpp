// SPDX-License-Identifier: MIT
// tests/compile/use_all.cpp: both rings compiled as C++17, every public function used and checked.
#include <ringq/mpmc.h>
#include <ringq/spsc.h>

#include <cstdio>
#include <cstring>

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                \
      return 1;                                                                                    \
    }                                                                                              \
  } while (0)

struct item {
  int id;
  char tag[12];
};

static int
use_spsc() {
  size_t bytes = 0;
  CHECK(ringq_spsc_memsize(4, sizeof(item), &bytes) == RINGQ_OK);
  void *mem = std::aligned_alloc(RINGQ_CACHE_LINE, bytes);
  CHECK(mem != nullptr);
  CHECK(ringq_spsc_init(mem, bytes, 4, sizeof(item)) == RINGQ_OK);
  ringq_spsc *r = static_cast<ringq_spsc *>(mem);
  CHECK(ringq_spsc_capacity(r) == 4 && ringq_spsc_empty(r) && !ringq_spsc_full(r));

  item a = {1, "one"}, b[2] = {{2, "two"}, {3, "three"}}, out = {0, ""};
  CHECK(ringq_spsc_try_push(r, &a) == RINGQ_OK);
  CHECK(ringq_spsc_push_burst(r, b, 2) == 2);
  void *where = nullptr;
  CHECK(ringq_spsc_reserve(r, 1, &where) == 1);
  item d = {4, "four"};
  std::memcpy(where, &d, sizeof d);
  CHECK(ringq_spsc_commit(r, 1) == RINGQ_OK);
  CHECK(ringq_spsc_size(r) == 4 && ringq_spsc_full(r));
  CHECK(ringq_spsc_try_pop(r, &out) == RINGQ_OK && out.id == 1 && std::strcmp(out.tag, "one") == 0);
  item two[2];
  CHECK(ringq_spsc_pop_burst(r, two, 2) == 2 && two[0].id == 2 && two[1].id == 3);
  const void *shown = nullptr;
  CHECK(ringq_spsc_peek(r, 1, &shown) == 1 && static_cast<const item *>(shown)->id == 4);
  CHECK(ringq_spsc_release(r, 1) == RINGQ_OK);
  CHECK(ringq_spsc_close(r) == RINGQ_OK);
  CHECK(ringq_spsc_try_push(r, &a) == RINGQ_SHUTDOWN);
  CHECK(ringq_spsc_try_pop(r, &out) == RINGQ_SHUTDOWN);
  std::free(mem);

  ringq_spsc *c = nullptr;
  CHECK(ringq_spsc_create(2, sizeof(item), &c) == RINGQ_OK && c != nullptr);
  ringq_spsc_destroy(c);
  return 0;
}

static int
use_mpmc() {
  size_t bytes = 0;
  CHECK(ringq_mpmc_memsize(3, sizeof(item), &bytes) == RINGQ_OK);
  void *mem = std::aligned_alloc(RINGQ_CACHE_LINE, bytes);
  CHECK(mem != nullptr);
  CHECK(ringq_mpmc_init(mem, bytes, 3, sizeof(item)) == RINGQ_OK);
  ringq_mpmc *r = static_cast<ringq_mpmc *>(mem);
  CHECK(ringq_mpmc_capacity(r) == 3 && ringq_mpmc_empty(r) && !ringq_mpmc_full(r));

  item a = {1, "one"}, b[3] = {{2, "two"}, {3, "three"}, {9, "nine"}}, out = {0, ""};
  CHECK(ringq_mpmc_try_push(r, &a) == RINGQ_OK);
  CHECK(ringq_mpmc_push_burst(r, b, 3) == 2);
  CHECK(ringq_mpmc_size(r) == 3 && ringq_mpmc_full(r));
  CHECK(ringq_mpmc_try_push(r, &a) == RINGQ_FULL);
  CHECK(ringq_mpmc_try_pop(r, &out) == RINGQ_OK && out.id == 1 && std::strcmp(out.tag, "one") == 0);
  item two[3];
  CHECK(ringq_mpmc_pop_burst(r, two, 3) == 2 && two[0].id == 2 && two[1].id == 3);
  CHECK(ringq_mpmc_try_pop(r, &out) == RINGQ_EMPTY);
  CHECK(ringq_mpmc_close(r) == RINGQ_OK);
  CHECK(ringq_mpmc_try_push(r, &a) == RINGQ_SHUTDOWN);
  CHECK(ringq_mpmc_pop_burst(r, two, 1) == RINGQ_SHUTDOWN);
  std::free(mem);

  ringq_mpmc *c = nullptr;
  CHECK(ringq_mpmc_create(2, sizeof(item), &c) == RINGQ_OK && c != nullptr);
  ringq_mpmc_destroy(c);
  return 0;
}

int
main() {
  CHECK(std::strcmp(ringq_strerror(RINGQ_SHUTDOWN), ringq_strerror(12345)) != 0);
  CHECK(use_spsc() == 0);
  CHECK(use_mpmc() == 0);
  return 0;
}
