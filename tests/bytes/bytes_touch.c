/* SPDX-License-Identifier: MIT */
/* tests/bytes/bytes_touch.c: the consumer's writes into the room it frees ([F0] of src/bytes.c:
 * SPSC, one store per 64-byte line wholly inside the freed bytes; MPSC, zeroing) land before the
 * room is handed back ([F2]), so they never overwrite a message the producer copies there next.
 * (plain executable: runs under TSan and ASan.)
 * The ring is tiny (512 bytes, two or three records) and the producer spins on put_nowait /
 * reserve, so it writes into each record's room as soon as [F2] frees it; messages are 56..240
 * bytes, so almost every record holds whole lines, and the getter checks every byte. With [F0]
 * after [F2] a late store zeroes 8 bytes of the next message in that room: the byte check fails,
 * and TSan reports the race (the store is not ordered before the producer's copy).
 * Each kind runs private (the asymmetric protocol for BYTES_SPSC) and process-shared (the seq_cst
 * one; two threads of this process), with get and peek / release mixed. */
#include "bytes_util.h"
#include "support.h"

#include <ringq/queue.h>

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CAPACITY 512
#define MAX_LEN 240
#define MIN_LEN 56

struct run {
  struct ringq_queue *q;
  uint64_t count;
};

static void *
putter_main(void *arg)
{
  struct run *r = arg;
  unsigned char buf[MAX_LEN];
  uint64_t seq, rng = 0x9E3779B97F4A7C15ull;
  for (seq = 0; seq < r->count; seq++) {
    size_t len = msg_len(1, seq, MIN_LEN, MAX_LEN);
    enum ringq_status st;
    if (rnd_next(&rng) % 4 == 0) { /* zero copy: the bytes are written into the ring directly */
      void *p = NULL;
      while ((st = ringq_queue_reserve_bytes(r->q, len, &p, 0)) == RINGQ_FULL)
        ;
      CHECK_ST(st, RINGQ_OK);
      fill_msg(p, 1, seq, len);
      CHECK_ST(ringq_queue_commit_bytes(r->q, p, len), RINGQ_OK);
    } else {
      fill_msg(buf, 1, seq, len);
      while ((st = ringq_queue_put_bytes_nowait(r->q, buf, len)) == RINGQ_FULL)
        ;
      CHECK_ST(st, RINGQ_OK);
    }
  }
  return NULL;
}

static void
run(enum ringq_queue_kind kind, unsigned flags, uint64_t count)
{
  struct run r;
  pthread_t t;
  size_t bytes = 0;
  void *mem;
  unsigned char buf[MAX_LEN];
  uint64_t seq, rng = 12345;
  CHECK_ST(ringq_queue_memsize(kind, CAPACITY, MAX_LEN, &bytes), RINGQ_OK);
  bytes = (bytes + RINGQ_CACHE_LINE - 1) & ~(size_t)(RINGQ_CACHE_LINE - 1);
  mem = aligned_alloc(RINGQ_CACHE_LINE, bytes);
  CHECK(mem != NULL);
  CHECK_ST(ringq_queue_init(mem, bytes, kind, CAPACITY, MAX_LEN, flags), RINGQ_OK);
  r.q = mem;
  r.count = count;
  CHECK(pthread_create(&t, NULL, putter_main, &r) == 0);
  for (seq = 0; seq < count; seq++) {
    size_t want = msg_len(1, seq, MIN_LEN, MAX_LEN), len = 0;
    if (rnd_next(&rng) % 4 == 0) {
      const void *p = NULL;
      CHECK_ST(ringq_queue_peek_bytes(r.q, &p, &len, INT64_MAX), RINGQ_OK);
      if (len != want || !msg_is(p, len, 1, seq)) {
        fprintf(stderr, "kind %d flags %u: message %llu (peeked) torn or out of order\n",
                (int)kind, flags, (unsigned long long)seq);
        exit(1);
      }
      CHECK_ST(ringq_queue_release_bytes(r.q), RINGQ_OK);
    } else {
      CHECK_ST(ringq_queue_get_bytes(r.q, buf, sizeof buf, &len), RINGQ_OK);
      if (len != want || !msg_is(buf, len, 1, seq)) {
        fprintf(stderr, "kind %d flags %u: message %llu torn or out of order\n", (int)kind, flags,
                (unsigned long long)seq);
        exit(1);
      }
    }
  }
  CHECK(pthread_join(t, NULL) == 0);
  CHECK(ringq_queue_qsize(r.q) == 0);
  CHECK_ST(ringq_queue_fini(r.q), RINGQ_OK);
  free(mem);
}

int
main(void)
{
  static const enum ringq_queue_kind kinds[2] = {RINGQ_QUEUE_BYTES_SPSC, RINGQ_QUEUE_BYTES_MPSC};
  int k;
  for (k = 0; k < 2; k++) {
    run(kinds[k], 0, test_scaled_count(400000));
    run(kinds[k], RINGQ_QUEUE_PROCESS_SHARED, test_scaled_count(400000));
  }
  printf("bytes_touch: ok\n");
  return 0;
}
