/* SPDX-License-Identifier: MIT */
/* tests/unbounded/unbounded_alloc.c: the unbounded queue's allocation contract: a push that needs
 * a segment nobody can allocate returns RINGQ_ENOMEM with nothing inserted and nothing lost, the
 * queue keeps working once memory is back; a queue oscillating across a segment boundary reuses
 * its spare and never allocates; fini frees everything (ASan's leak check). */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "unbounded.h"

static int g_failed;

#define CHECK(cond, ...)                                                                         \
  do {                                                                                           \
    if (!(cond)) {                                                                               \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                            \
      fprintf(stderr, __VA_ARGS__);                                                              \
      fputc('\n', stderr);                                                                       \
      g_failed = 1;                                                                              \
      return;                                                                                    \
    }                                                                                            \
  } while (0)

static atomic_int g_refuse;     /* 1: every allocation fails */
static atomic_uint g_allocs;    /* allocations made through the hook */
static atomic_uint g_refusals;  /* allocations refused */

static void *
test_alloc(size_t alignment, size_t bytes)
{
  if (atomic_load(&g_refuse)) {
    atomic_fetch_add(&g_refusals, 1);
    return NULL;
  }
  atomic_fetch_add(&g_allocs, 1);
  return aligned_alloc(alignment, bytes);
}

static const char *
kind_name(int kind)
{
  return kind == RINGQ__UNBOUNDED_MPMC ? "mpmc" : "spsc";
}

static enum ringq_status
push(struct ringq__unbounded *u, int kind, uint64_t v)
{
  return kind == RINGQ__UNBOUNDED_MPMC ? ringq__unbounded_mpmc_push(u, &v, memory_order_seq_cst)
                                       : ringq__unbounded_spsc_push(u, &v, 1);
}

static enum ringq_status
pop(struct ringq__unbounded *u, int kind, uint64_t *v)
{
  return kind == RINGQ__UNBOUNDED_MPMC ? ringq__unbounded_mpmc_pop(u, v, memory_order_seq_cst)
                                       : ringq__unbounded_spsc_pop(u, v, memory_order_seq_cst);
}

/* Fill until ENOMEM with allocation refused, check nothing moved, pop everything in order, then
 * allow allocation and keep going across several segments. */
static void
enomem_inserts_nothing(int kind, size_t slots, uint64_t first)
{
  struct ringq__unbounded u;
  uint64_t next = 0, expect = 0, v, tail_before, head_before;
  size_t size_before, bytes_before;
  enum ringq_status st;
  int i;
  printf("%s, %zu slots per segment, first ticket 0x%016" PRIx64 ": ", kind_name(kind), slots,
         first);
  st = ringq__unbounded_init_at(&u, kind, 8, first, slots);
  CHECK(st == RINGQ_OK, "init: %s", ringq_strerror(st));
  /* Fill the first segment (and use the spare, if any: none yet). */
  atomic_store(&g_refuse, 1);
  for (;;) {
    tail_before = atomic_load(&u.tail);
    head_before = atomic_load(&u.head);
    size_before = ringq__unbounded_size(&u);
    bytes_before = ringq__unbounded_bytes(&u);
    st = push(&u, kind, next);
    if (st != RINGQ_OK)
      break;
    next++;
  }
  CHECK(st == RINGQ_ENOMEM, "push returned %s, expected RINGQ_ENOMEM", ringq_strerror(st));
  /* SPSC allocates when a push enters a new segment; MPMC when a push would take the last slot
   * of one (its producer installs the next segment right after its claim). */
  CHECK(next == (kind == RINGQ__UNBOUNDED_MPMC ? slots - 1 : slots),
        "ENOMEM after %" PRIu64 " pushes, segments of %zu", next, slots);
  CHECK(atomic_load(&u.tail) == tail_before && atomic_load(&u.head) == head_before,
        "ENOMEM moved the tickets");
  CHECK(ringq__unbounded_size(&u) == size_before, "ENOMEM changed the size");
  CHECK(ringq__unbounded_bytes(&u) == bytes_before, "ENOMEM changed the bytes held");
  /* Again: still ENOMEM, still nothing inserted. */
  for (i = 0; i < 3; i++) {
    st = push(&u, kind, 999999);
    CHECK(st == RINGQ_ENOMEM, "repeated push returned %s", ringq_strerror(st));
  }
  CHECK(atomic_load(&u.tail) == tail_before, "repeated ENOMEM moved tail");
  /* Everything pushed is there, in order, and nothing else. */
  while ((st = pop(&u, kind, &v)) == RINGQ_OK) {
    CHECK(v == expect, "popped %" PRIu64 ", expected %" PRIu64, v, expect);
    expect++;
  }
  CHECK(st == RINGQ_EMPTY, "pop returned %s, expected RINGQ_EMPTY", ringq_strerror(st));
  CHECK(expect == next, "popped %" PRIu64 " items, pushed %" PRIu64, expect, next);
  /* Memory back: the queue keeps working across several boundaries. */
  atomic_store(&g_refuse, 0);
  for (i = 0; i < (int)(5 * slots + 3); i++) {
    st = push(&u, kind, next);
    CHECK(st == RINGQ_OK, "push after memory came back: %s", ringq_strerror(st));
    next++;
  }
  /* Refused again in the middle of a segment: pushes that need no segment still succeed. */
  atomic_store(&g_refuse, 1);
  while ((st = push(&u, kind, next)) == RINGQ_OK)
    next++;
  CHECK(st == RINGQ_ENOMEM, "second refusal: push returned %s", ringq_strerror(st));
  atomic_store(&g_refuse, 0);
  while ((st = pop(&u, kind, &v)) == RINGQ_OK) {
    CHECK(v == expect, "popped %" PRIu64 ", expected %" PRIu64, v, expect);
    expect++;
  }
  CHECK(st == RINGQ_EMPTY && expect == next, "after refill: %s, %" PRIu64 " of %" PRIu64,
        ringq_strerror(st), expect, next);
  /* Closed: SHUTDOWN, even when the push would need a segment it cannot get. */
  atomic_store(&g_refuse, 1);
  ringq__unbounded_close(&u);
  st = push(&u, kind, 1);
  CHECK(st == RINGQ_SHUTDOWN, "push after close: %s", ringq_strerror(st));
  st = pop(&u, kind, &v);
  CHECK(st == RINGQ_SHUTDOWN, "pop after close, drained: %s", ringq_strerror(st));
  atomic_store(&g_refuse, 0);
  ringq__unbounded_fini(&u);
  CHECK(atomic_load(&u.segments) == 0, "fini left %" PRIu64 " segments", atomic_load(&u.segments));
  printf("ok (%" PRIu64 " items, %u refusals)\n", next, atomic_load(&g_refusals));
  atomic_store(&g_refusals, 0);
}

/* Hold `base` items, then push one and pop one, many times, so the queue crosses a segment
 * boundary back and forth: after the first crossing it must never allocate again. */
static void
oscillating_queue_does_not_allocate(int kind, size_t slots)
{
  struct ringq__unbounded u;
  uint64_t next = 0, expect = 0, v;
  unsigned before;
  enum ringq_status st;
  int i;
  printf("%s oscillating across boundaries, %zu slots per segment: ", kind_name(kind), slots);
  st = ringq__unbounded_init_at(&u, kind, 8, 0, slots);
  CHECK(st == RINGQ_OK, "init: %s", ringq_strerror(st));
  for (i = 0; i < (int)slots / 2; i++)
    CHECK(push(&u, kind, next++) == RINGQ_OK, "push");
  /* Warm up: two crossings allocate the second segment and make the first the spare. */
  for (i = 0; i < (int)(2 * slots); i++) {
    CHECK(push(&u, kind, next++) == RINGQ_OK, "push");
    CHECK(pop(&u, kind, &v) == RINGQ_OK && v == expect, "pop");
    expect++;
  }
  before = atomic_load(&g_allocs);
  for (i = 0; i < 100000; i++) {
    CHECK(push(&u, kind, next++) == RINGQ_OK, "push");
    CHECK(pop(&u, kind, &v) == RINGQ_OK && v == expect, "pop %" PRIu64 " vs %" PRIu64, v, expect);
    expect++;
  }
  CHECK(atomic_load(&g_allocs) == before, "%u allocations while oscillating",
        atomic_load(&g_allocs) - before);
  CHECK(atomic_load(&u.segments) == 2, "%" PRIu64 " segments held, expected 2 (one + spare)",
        atomic_load(&u.segments));
  ringq__unbounded_fini(&u);
  printf("ok (%d boundary crossings, no allocation)\n", 100000 / (int)slots);
}

/* Bad arguments to init. */
static void
init_rejects_bad_arguments(void)
{
  struct ringq__unbounded u;
  printf("init arguments: ");
  CHECK(ringq__unbounded_init(NULL, RINGQ__UNBOUNDED_SPSC, 8) == RINGQ_EINVAL, "NULL");
  CHECK(ringq__unbounded_init(&u, 7, 8) == RINGQ_EINVAL, "kind 7");
  CHECK(ringq__unbounded_init(&u, RINGQ__UNBOUNDED_MPMC, RINGQ_MAX_ELEM_SIZE + 1) == RINGQ_ERANGE,
        "elem_size");
  CHECK(ringq__unbounded_init_at(&u, RINGQ__UNBOUNDED_MPMC, 8, 0, 4096) == RINGQ_ERANGE,
        "slots");
  atomic_store(&g_refuse, 1);
  CHECK(ringq__unbounded_init(&u, RINGQ__UNBOUNDED_MPMC, 8) == RINGQ_ENOMEM, "ENOMEM");
  atomic_store(&g_refuse, 0);
  atomic_store(&g_refusals, 0);
  /* elem_size 0: items of no bytes still count. */
  {
    int kind;
    for (kind = 0; kind < 2; kind++) {
      int i;
      CHECK(ringq__unbounded_init_at(&u, kind, 0, 0, 4) == RINGQ_OK, "elem_size 0");
      for (i = 0; i < 10; i++)
        CHECK(push(&u, kind, 0) == RINGQ_OK, "push of 0 bytes");
      CHECK(ringq__unbounded_size(&u) == 10, "size %zu", ringq__unbounded_size(&u));
      for (i = 0; i < 10; i++) {
        enum ringq_status st = kind ? ringq__unbounded_mpmc_pop(&u, NULL, memory_order_relaxed)
                                    : ringq__unbounded_spsc_pop(&u, NULL, memory_order_release);
        CHECK(st == RINGQ_OK, "pop of 0 bytes: %s", ringq_strerror(st));
      }
      CHECK(ringq__unbounded_size(&u) == 0, "size after");
      ringq__unbounded_fini(&u);
    }
  }
  printf("ok\n");
}

int
main(void)
{
  static const uint64_t firsts[] = {0, UINT64_MAX - 9, UINT64_MAX - 4000};
  static const size_t slot_counts[] = {1, 2, 7, 32, 1024};
  size_t f, s;
  int kind;
  atomic_store(&ringq__test_unbounded_alloc, test_alloc);
  init_rejects_bad_arguments();
  for (kind = 0; kind < 2; kind++)
    for (f = 0; f < sizeof firsts / sizeof firsts[0]; f++)
      for (s = 0; s < sizeof slot_counts / sizeof slot_counts[0]; s++)
        enomem_inserts_nothing(kind, slot_counts[s], firsts[f]);
  for (kind = 0; kind < 2; kind++)
    for (s = 1; s < sizeof slot_counts / sizeof slot_counts[0]; s++)
      oscillating_queue_does_not_allocate(kind, slot_counts[s]);
  if (g_failed)
    fprintf(stderr, "unbounded_alloc: FAILED\n");
  return g_failed;
}
