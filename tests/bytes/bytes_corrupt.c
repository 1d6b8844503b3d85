/* SPDX-License-Identifier: MIT */
/* tests/bytes/bytes_corrupt.c: a process-shared byte queue whose shared words are scribbled at
 * random between calls (record headers at random 8-byte offsets, and the positions, counts and
 * caches of the record ring), as a buggy or hostile peer could: every call must return one of its
 * documented statuses, within a time bound, and never read or write outside the mapping (the queue
 * ends at a PROT_NONE guard page, and one precedes it) or the caller's buffer (which also ends at a
 * guard page). Some calls must report RINGQ_ECORRUPT, and some must still succeed. The queue's own
 * words (futex words, state, task counts) are issue 10's other work and are left alone here. */
#include "bytes.h"
#include "bytes_util.h"
#include "queue_internal.h"
#include "support.h"

#include <ringq/queue.h>

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE ((size_t)4096)
#define BUF_CAP ((size_t)600)

static uint64_t seed = 0xC0FFEE;
static uint64_t n_ok, n_corrupt;
static const char *last_call = "";
static uint64_t max_len; /* the queue's largest message (the handle's geometry) */

/* A call's status must be one of the listed ones; a timed call must come back in time. */
static void
expect(int st, const int *allowed, size_t n, int64_t t0, const char *what)
{
  size_t i;
  int64_t took = test_now_ns() - t0;
  last_call = what;
  if (took > (int64_t)2000000000 * RINGQ_TIMEOUT_SCALE) {
    fprintf(stderr, "%s took %.3f s\n", what, (double)took / 1e9);
    exit(1);
  }
  for (i = 0; i < n; i++)
    if (st == allowed[i]) {
      n_ok += st == RINGQ_OK;
      n_corrupt += st == RINGQ_ECORRUPT;
      return;
    }
  fprintf(stderr, "%s gave %s\n", what, ringq_strerror(st));
  exit(1);
}

#define EXPECT(st, t0, ...)                                                                        \
  do {                                                                                             \
    static const int allowed_[] = {__VA_ARGS__};                                                   \
    expect((int)(st), allowed_, sizeof allowed_ / sizeof allowed_[0], (t0), #st);                  \
  } while (0)

/* A value a peer might leave in a 64-bit position: garbage, or a near miss of the real one. */
static uint64_t
bad_position(uint64_t real, uint64_t size)
{
  switch (rnd_next(&seed) % 8) {
  case 0: return rnd_next(&seed);
  case 1: return real + 8;
  case 2: return real - 8;
  case 3: return real + size;
  case 4: return real - size;
  case 5: return real ^ ((uint64_t)1 << (rnd_next(&seed) % 64));
  case 6: return real + 1;
  default: return real + RINGQ__STEP * (1 + rnd_next(&seed) % 4);
  }
}

static void
scribble(struct ringq__bytes *b)
{
  uint64_t size = 4096; /* the geometry is the handle's to keep (issue 10), not scribbled here */
  if (rnd_next(&seed) % 2) {
    /* A header word at a random record-aligned offset. */
    uint64_t off = (rnd_next(&seed) % (size / 8)) * 8;
    struct ringq__bhdr *h = (struct ringq__bhdr *)(ringq__bytes_data(b) + off);
    uint32_t state = (uint32_t)(rnd_next(&seed) % 4) << 30, len;
    switch (rnd_next(&seed) % 5) {
    case 0: len = (uint32_t)(rnd_next(&seed) % 64); break;
    case 1: len = (uint32_t)(max_len - 8 + rnd_next(&seed) % 16); break;
    case 2: len = (uint32_t)(size - off + rnd_next(&seed) % 16 - 8); break;
    case 3: len = (uint32_t)(rnd_next(&seed) % size); break;
    default: len = (uint32_t)rnd_next(&seed) & RINGQ__BYTES_LEN; break;
    }
    /* relaxed: this thread is the only one here. */
    atomic_store_explicit(&h->word, state | len, memory_order_relaxed);
    return;
  }
  switch (rnd_next(&seed) % 8) {
  case 0: {
    uint64_t v = atomic_load_explicit(&b->tail, memory_order_relaxed);
    atomic_store_explicit(&b->tail, bad_position(v, size) & ~RINGQ__CLOSED, memory_order_relaxed);
    break;
  }
  case 1: {
    uint64_t v = atomic_load_explicit(&b->head, memory_order_relaxed);
    atomic_store_explicit(&b->head, bad_position(v, size), memory_order_relaxed);
    break;
  }
  case 2: {
    uint64_t v = atomic_load_explicit(&b->wpos, memory_order_relaxed);
    atomic_store_explicit(&b->wpos, bad_position(v, size), memory_order_relaxed);
    break;
  }
  case 3: {
    uint64_t v = atomic_load_explicit(&b->rpos, memory_order_relaxed);
    atomic_store_explicit(&b->rpos, bad_position(v, size), memory_order_relaxed);
    break;
  }
  case 4: b->tail_cache = bad_position(b->tail_cache, size); break;
  case 5: b->wpos_cache = bad_position(b->wpos_cache, size); break;
  case 6: b->rpos_cache = bad_position(b->rpos_cache, size); break;
  default: {
    uint64_t v = atomic_load_explicit(&b->aborts_seen, memory_order_relaxed);
    atomic_store_explicit(&b->aborts_seen, bad_position(v, size), memory_order_relaxed);
    break;
  }
  }
}

static void
run(enum ringq_queue_kind kind, uint64_t rounds)
{
  size_t bytes = 0, region, len = 0, cap, i;
  unsigned char *map, *bufmap, *buf, msg[2048];
  struct ringq_queue *q;
  struct ringq__bytes *b = NULL;
  uint64_t r;
  CHECK_ST(ringq_queue_memsize(kind, 4096, 0, &bytes), RINGQ_OK);
  region = (bytes + PAGE - 1) / PAGE * PAGE;
  map = mmap(NULL, region + 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  bufmap = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(map != MAP_FAILED && bufmap != MAP_FAILED);
  CHECK(mprotect(map, PAGE, PROT_NONE) == 0);
  CHECK(mprotect(map + PAGE + region, PAGE, PROT_NONE) == 0);
  CHECK(mprotect(bufmap + PAGE, PAGE, PROT_NONE) == 0);
  /* The queue ends where the guard page begins (memsize is a multiple of RINGQ_CACHE_LINE). */
  q = (struct ringq_queue *)(map + PAGE + region - bytes);
  for (i = 0; i < sizeof msg; i++)
    msg[i] = (unsigned char)i;
  for (r = 0; r < rounds; r++) {
    int64_t t0;
    void *p = NULL;
    const void *view = NULL;
    if (r % 500 == 0) {
      CHECK_ST(ringq_queue_init(q, bytes, kind, 4096, 0, RINGQ_QUEUE_PROCESS_SHARED), RINGQ_OK);
      b = (struct ringq__bytes *)((unsigned char *)q + q->ring_offset);
      CHECK(ringq__bytes_data(b) + ringq_queue_capacity(q) == map + PAGE + region);
      max_len = ringq_queue_bytes_max(q);
    }
    if (rnd_next(&seed) % 3 == 0)
      scribble(b);
    cap = (size_t)(rnd_next(&seed) % BUF_CAP);
    buf = bufmap + PAGE - cap; /* the caller's buffer ends at a guard page */
    len = (size_t)(rnd_next(&seed) % (ringq_queue_bytes_max(q) + 1));
    t0 = test_now_ns();
    switch (rnd_next(&seed) % 11) {
    case 0:
      EXPECT(ringq_queue_put_bytes_nowait(q, msg, len), t0, RINGQ_OK, RINGQ_FULL, RINGQ_SHUTDOWN,
             RINGQ_ECORRUPT);
      break;
    case 1:
      EXPECT(ringq_queue_put_bytes_timeout(q, msg, len, 100000), t0, RINGQ_OK, RINGQ_FULL,
             RINGQ_SHUTDOWN, RINGQ_ECORRUPT);
      break;
    case 2:
    case 3: {
      enum ringq_status st = ringq_queue_get_bytes_nowait(q, buf, cap, &len);
      /* never EINVAL: no peek is open here, and no scribble can make one look open */
      EXPECT(st, t0, RINGQ_OK, RINGQ_EMPTY, RINGQ_SHUTDOWN, RINGQ_EMSGSIZE, RINGQ_ECORRUPT);
      CHECK(st != RINGQ_OK || len <= cap);
      CHECK(st != RINGQ_EMSGSIZE || len > cap);
      break;
    }
    case 4:
      EXPECT(ringq_queue_get_bytes_timeout(q, buf, cap, &len, 100000), t0, RINGQ_OK, RINGQ_EMPTY,
             RINGQ_SHUTDOWN, RINGQ_EMSGSIZE, RINGQ_ECORRUPT);
      break;
    case 5: {
      enum ringq_status st = ringq_queue_reserve_bytes(q, len, &p, 0);
      EXPECT(st, t0, RINGQ_OK, RINGQ_FULL, RINGQ_SHUTDOWN, RINGQ_ECORRUPT);
      if (st == RINGQ_OK) {
        memcpy(p, msg, len); /* inside the mapping, or the guard page says otherwise */
        if (rnd_next(&seed) % 3 == 0)
          scribble(b);
        if (rnd_next(&seed) % 4 == 0)
          EXPECT(ringq_queue_abort_bytes(q, p), t0, RINGQ_OK, RINGQ_EINVAL);
        else
          EXPECT(ringq_queue_commit_bytes(q, p, len / 2), t0, RINGQ_OK, RINGQ_SHUTDOWN,
                 RINGQ_EINVAL, RINGQ_ECORRUPT);
      }
      break;
    }
    case 6: {
      enum ringq_status st = ringq_queue_peek_bytes(q, &view, &len, 0);
      EXPECT(st, t0, RINGQ_OK, RINGQ_EMPTY, RINGQ_SHUTDOWN, RINGQ_ECORRUPT);
      if (st == RINGQ_OK) {
        size_t j, sum = 0;
        CHECK(len <= ringq_queue_bytes_max(q));
        for (j = 0; j < len; j++) /* every byte shown is inside the mapping */
          sum += ((const unsigned char *)view)[j];
        (void)sum;
        if (rnd_next(&seed) % 3 == 0)
          scribble(b);
        EXPECT(ringq_queue_release_bytes(q), t0, RINGQ_OK, RINGQ_ECORRUPT);
      }
      break;
    }
    case 7:
      CHECK(ringq_queue_qsize(q) <= 4096 / 8);
      CHECK(ringq_queue_bytes_used(q) <= 4096);
      (void)ringq_queue_full(q);
      CHECK(ringq_queue_capacity(q) == 4096);
      break;
    case 8:
      EXPECT(ringq_queue_task_done(q), t0, RINGQ_OK, RINGQ_ETASKDONE);
      break;
    case 9:
      EXPECT(ringq_queue_join_timeout(q, 0), t0, RINGQ_OK, RINGQ_TIMEDOUT);
      break;
    default:
      if (rnd_next(&seed) % 50 == 0)
        EXPECT(ringq_queue_shutdown(q, false), t0, RINGQ_OK);
      /* The open peek lives in the handle: no scribble makes one appear. */
      if (rnd_next(&seed) % 2)
        EXPECT(ringq_queue_release_bytes(q), t0, RINGQ_EINVAL);
      break;
    }
  }
  munmap(map, region + 2 * PAGE);
  munmap(bufmap, 2 * PAGE);
}

int
main(void)
{
  uint64_t rounds = test_scaled_count(300000);
  alarm(100 * RINGQ_TIMEOUT_SCALE); /* a hang fails the test (SIGALRM) */
  run(RINGQ_QUEUE_BYTES_SPSC, rounds);
  run(RINGQ_QUEUE_BYTES_MPSC, rounds);
  printf("bytes_corrupt: %llu calls succeeded, %llu reported RINGQ_ECORRUPT (last call %s)\n",
         (unsigned long long)n_ok, (unsigned long long)n_corrupt, last_call);
  CHECK(n_ok > rounds / 20 && n_corrupt > rounds / 100);
  return 0;
}
