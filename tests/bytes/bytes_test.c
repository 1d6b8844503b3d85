/* SPDX-License-Identifier: MIT */
/* tests/bytes/bytes_test.c: the byte-message queue's contract in one thread (plain executable, so
 * it also runs under TSan): `bytes_test contract` checks every call's results, `bytes_test order`
 * checks exactly-once and order with random lengths 0..max across many wraps, with bursts of
 * reservations committed in shuffled order, shortened or aborted. Both kinds each. */
#include "bytes_util.h"
#include "support.h"

#include <ringq/queue.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FIFO ((size_t)1 << 15)

static const enum ringq_queue_kind kinds[2] = {RINGQ_QUEUE_BYTES_SPSC, RINGQ_QUEUE_BYTES_MPSC};

struct discarded {
  uint64_t n;
  uint64_t next; /* the sequence the next discarded message must carry */
};

static void
on_discard(void *item, void *ctx)
{
  struct ringq_queue_msg *m = item;
  struct discarded *d = ctx;
  CHECK(msg_is(m->data, m->len, 1, d->next));
  d->next++;
  d->n++;
}

static void
contract(enum ringq_queue_kind kind)
{
  struct ringq_queue *q;
  unsigned char in[2048], out[2048];
  size_t len = 0, bytes = 0, i, max;
  void *p = NULL, *p2 = NULL;
  const void *view = NULL;
  struct timespec ts;
  int64_t t0;
  struct discarded d = {0, 0};

  /* Geometry: capacity in bytes, rounded up to a power of two >= 64; elem_size the largest
   * message, at most capacity / 2 - 8. */
  CHECK_ST(ringq_queue_create(kind, 1000, 0, &q), RINGQ_OK);
  CHECK(ringq_queue_capacity(q) == 1024 && ringq_queue_bytes_max(q) == 504);
  CHECK_ST(ringq_queue_destroy(q), RINGQ_OK);
  CHECK_ST(ringq_queue_create(kind, 1024, 505, &q), RINGQ_ERANGE);
  CHECK_ST(ringq_queue_create(kind, (size_t)1 << 32, 0, &q), RINGQ_ERANGE);
  CHECK_ST(ringq_queue_create(kind, 0, 0, &q), RINGQ_EINVAL); /* no unbounded byte queue */
  CHECK_ST(ringq_queue_create(kind, 1, 0, &q), RINGQ_OK);
  CHECK(ringq_queue_capacity(q) == 64 && ringq_queue_bytes_max(q) == 24);
  CHECK_ST(ringq_queue_destroy(q), RINGQ_OK);
  CHECK_ST(ringq_queue_memsize(kind, 4096, 100, &bytes), RINGQ_OK);
  CHECK(bytes > 4096);

  CHECK_ST(ringq_queue_create(kind, 4096, 1000, &q), RINGQ_OK);
  max = ringq_queue_bytes_max(q);
  CHECK(max == 1000);
  /* The fixed-size calls refuse a byte queue, and the byte calls a fixed-size queue. */
  CHECK_ST(ringq_queue_put(q, in), RINGQ_EINVAL);
  CHECK_ST(ringq_queue_get_nowait(q, out), RINGQ_EINVAL);
  CHECK(ringq_queue_put_many(q, in, 1, 0) == RINGQ_EINVAL);
  CHECK(ringq_queue_get_many(q, out, 1, 0) == RINGQ_EINVAL);
  {
    struct ringq_queue *fixed;
    CHECK_ST(ringq_queue_create(RINGQ_QUEUE_SPSC, 4, 8, &fixed), RINGQ_OK);
    CHECK_ST(ringq_queue_put_bytes_nowait(fixed, in, 8), RINGQ_EINVAL);
    CHECK_ST(ringq_queue_get_bytes_nowait(fixed, out, 8, &len), RINGQ_EINVAL);
    CHECK_ST(ringq_queue_reserve_bytes(fixed, 8, &p, 0), RINGQ_EINVAL);
    CHECK(ringq_queue_bytes_used(fixed) == 0 && ringq_queue_bytes_max(fixed) == 0);
    CHECK_ST(ringq_queue_destroy(fixed), RINGQ_OK);
  }
  /* Bad arguments. */
  CHECK_ST(ringq_queue_put_bytes(NULL, in, 1), RINGQ_EINVAL);
  CHECK_ST(ringq_queue_put_bytes_nowait(q, NULL, 1), RINGQ_EINVAL);
  CHECK_ST(ringq_queue_put_bytes_timeout(q, in, 1, -1), RINGQ_EINVAL);
  ts.tv_sec = 0;
  ts.tv_nsec = 1000000000L;
  CHECK_ST(ringq_queue_put_bytes_until(q, in, 1, &ts), RINGQ_EINVAL);
  CHECK_ST(ringq_queue_get_bytes_nowait(q, out, 1, NULL), RINGQ_EINVAL);
  CHECK_ST(ringq_queue_get_bytes_nowait(q, NULL, 1, &len), RINGQ_EINVAL);
  CHECK_ST(ringq_queue_put_bytes_nowait(q, in, max + 1), RINGQ_EMSGSIZE);
  CHECK_ST(ringq_queue_reserve_bytes(q, max + 1, &p, 0), RINGQ_EMSGSIZE);
  CHECK_ST(ringq_queue_commit_bytes(q, in, 1), RINGQ_EINVAL);
  CHECK_ST(ringq_queue_abort_bytes(q, NULL), RINGQ_EINVAL);
  CHECK_ST(ringq_queue_release_bytes(q), RINGQ_EINVAL);

  /* Every length from 0 to max, in and out; a NULL buffer is fine for 0 bytes. */
  CHECK_ST(ringq_queue_get_bytes_nowait(q, out, sizeof out, &len), RINGQ_EMPTY);
  CHECK_ST(ringq_queue_put_bytes_nowait(q, NULL, 0), RINGQ_OK);
  CHECK_ST(ringq_queue_get_bytes_nowait(q, NULL, 0, &len), RINGQ_OK);
  CHECK(len == 0);
  for (i = 0; i <= max; i++) {
    fill_msg(in, 1, i, i);
    CHECK_ST(ringq_queue_put_bytes(q, in, i), RINGQ_OK);
    CHECK(ringq_queue_qsize(q) == 1 && ringq_queue_bytes_used(q) >= 8 + i);
    memset(out, 0, sizeof out);
    CHECK_ST(ringq_queue_get_bytes(q, out, sizeof out, &len), RINGQ_OK);
    CHECK(len == i && msg_is(out, len, 1, i));
  }
  CHECK(ringq_queue_qsize(q) == 0 && ringq_queue_bytes_used(q) == 0 && ringq_queue_empty(q));

  /* Too small a buffer: EMSGSIZE, the length needed, the message stays. */
  fill_msg(in, 1, 7, 100);
  CHECK_ST(ringq_queue_put_bytes_nowait(q, in, 100), RINGQ_OK);
  len = 0;
  CHECK_ST(ringq_queue_get_bytes_nowait(q, out, 99, &len), RINGQ_EMSGSIZE);
  CHECK(len == 100 && ringq_queue_qsize(q) == 1);
  CHECK_ST(ringq_queue_get_bytes_timeout(q, out, 0, &len, 0), RINGQ_EMSGSIZE);
  CHECK_ST(ringq_queue_get_bytes_nowait(q, out, 100, &len), RINGQ_OK);
  CHECK(len == 100 && msg_is(out, 100, 1, 7));

  /* Full: a put that does not fit; full() says the largest would not fit. Timeouts not early. */
  i = 0;
  while (ringq_queue_put_bytes_nowait(q, in, 500) == RINGQ_OK)
    i++;
  CHECK(i == 4096 / 512 - 1 || i == 4096 / 512); /* 504-byte records, a pad perhaps */
  CHECK(ringq_queue_full(q) && ringq_queue_qsize(q) == i);
  t0 = test_now_ns();
  CHECK_ST(ringq_queue_put_bytes_timeout(q, in, 500, 20000000), RINGQ_FULL);
  CHECK(test_now_ns() - t0 >= 20000000);
  /* A small message may still fit where the large one does not. */
  while (ringq_queue_get_bytes_nowait(q, out, sizeof out, &len) == RINGQ_OK)
    ;
  CHECK(ringq_queue_bytes_used(q) == 0 && !ringq_queue_full(q));
  t0 = test_now_ns();
  CHECK_ST(ringq_queue_get_bytes_timeout(q, out, sizeof out, &len, 20000000), RINGQ_EMPTY);
  CHECK(test_now_ns() - t0 >= 20000000);
  CHECK_ST(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
  CHECK_ST(ringq_queue_get_bytes_until(q, out, sizeof out, &len, &ts), RINGQ_EMPTY);

  /* task_done / join count messages. */
  CHECK_ST(ringq_queue_task_done(q), RINGQ_OK); /* earlier messages were never task_done'd */
  while (ringq_queue_task_done(q) == RINGQ_OK)
    ;
  CHECK_ST(ringq_queue_join_timeout(q, 0), RINGQ_OK);
  CHECK_ST(ringq_queue_put_bytes_nowait(q, in, 3), RINGQ_OK);
  CHECK_ST(ringq_queue_join_timeout(q, 0), RINGQ_TIMEDOUT);
  CHECK_ST(ringq_queue_get_bytes_nowait(q, out, sizeof out, &len), RINGQ_OK);
  CHECK_ST(ringq_queue_task_done(q), RINGQ_OK);
  CHECK_ST(ringq_queue_task_done(q), RINGQ_ETASKDONE);
  CHECK_ST(ringq_queue_join(q), RINGQ_OK);

  /* Peek / release: in place; a get or a second peek meanwhile is refused. */
  fill_msg(in, 1, 9, 33);
  CHECK_ST(ringq_queue_put_bytes_nowait(q, in, 33), RINGQ_OK);
  CHECK_ST(ringq_queue_peek_bytes(q, &view, &len, 0), RINGQ_OK);
  CHECK(len == 33 && msg_is(view, len, 1, 9));
  CHECK_ST(ringq_queue_peek_bytes(q, &view, &len, 0), RINGQ_EINVAL);
  CHECK_ST(ringq_queue_get_bytes_nowait(q, out, sizeof out, &len), RINGQ_EINVAL);
  CHECK(ringq_queue_qsize(q) == 1);
  CHECK_ST(ringq_queue_release_bytes(q), RINGQ_OK);
  CHECK_ST(ringq_queue_release_bytes(q), RINGQ_EINVAL);
  CHECK(ringq_queue_qsize(q) == 0 && ringq_queue_bytes_used(q) == 0);
  CHECK_ST(ringq_queue_peek_bytes(q, &view, &len, 0), RINGQ_EMPTY);

  /* Reserve / commit / abort. An open reservation holds back what was reserved after it. */
  CHECK_ST(ringq_queue_reserve_bytes(q, 200, &p, 0), RINGQ_OK);
  CHECK(((uintptr_t)p & 7) == 0);
  CHECK_ST(ringq_queue_reserve_bytes(q, 50, &p2, 0), RINGQ_OK);
  fill_msg(p2, 1, 11, 50);
  CHECK_ST(ringq_queue_commit_bytes(q, p2, 51), RINGQ_EINVAL); /* more than reserved */
  CHECK_ST(ringq_queue_commit_bytes(q, p2, 50), RINGQ_OK);
  CHECK_ST(ringq_queue_commit_bytes(q, p2, 50), RINGQ_EINVAL); /* no longer open */
  CHECK(ringq_queue_qsize(q) == 1);
  CHECK_ST(ringq_queue_get_bytes_nowait(q, out, sizeof out, &len), RINGQ_EMPTY);
  t0 = test_now_ns();
  CHECK_ST(ringq_queue_get_bytes_timeout(q, out, sizeof out, &len, 10000000), RINGQ_EMPTY);
  CHECK(test_now_ns() - t0 >= 10000000);
  fill_msg(p, 1, 10, 20);
  CHECK_ST(ringq_queue_commit_bytes(q, p, 20), RINGQ_OK); /* shorter than reserved */
  CHECK_ST(ringq_queue_get_bytes_nowait(q, out, sizeof out, &len), RINGQ_OK);
  CHECK(len == 20 && msg_is(out, 20, 1, 10));
  CHECK_ST(ringq_queue_get_bytes_nowait(q, out, sizeof out, &len), RINGQ_OK);
  CHECK(len == 50 && msg_is(out, 50, 1, 11));
  CHECK_ST(ringq_queue_reserve_bytes(q, 64, &p, 0), RINGQ_OK);
  CHECK_ST(ringq_queue_abort_bytes(q, p), RINGQ_OK);
  CHECK_ST(ringq_queue_abort_bytes(q, p), RINGQ_EINVAL);
  CHECK_ST(ringq_queue_get_bytes_nowait(q, out, sizeof out, &len), RINGQ_EMPTY);
  CHECK(ringq_queue_qsize(q) == 0);
  /* Reserving counts against room like a put; aborted reservations' room comes back when the
   * getter looks, even with no message after them. */
  {
    void *rs[8];
    size_t nr = 0;
    while (nr < 8 && ringq_queue_reserve_bytes(q, 1000, &rs[nr], 0) == RINGQ_OK)
      nr++;
    CHECK(nr >= 2 && nr <= 4);
    CHECK_ST(ringq_queue_reserve_bytes(q, 1000, &p, 0), RINGQ_FULL);
    for (i = 0; i < nr; i++)
      CHECK_ST(ringq_queue_abort_bytes(q, rs[i]), RINGQ_OK);
    CHECK(ringq_queue_bytes_used(q) > 0 && ringq_queue_qsize(q) == 0);
    CHECK_ST(ringq_queue_get_bytes_nowait(q, out, sizeof out, &len), RINGQ_EMPTY);
    CHECK(ringq_queue_bytes_used(q) == 0);
  }
  while (ringq_queue_get_bytes_nowait(q, out, sizeof out, &len) == RINGQ_OK)
    ;

  /* Shutdown: puts refused, the messages left are got, then SHUTDOWN; an open reservation's
   * commit is refused and its record skipped. */
  while (ringq_queue_task_done(q) == RINGQ_OK)
    ;
  fill_msg(in, 1, 0, 40);
  CHECK_ST(ringq_queue_put_bytes_nowait(q, in, 40), RINGQ_OK);
  CHECK_ST(ringq_queue_reserve_bytes(q, 40, &p, 0), RINGQ_OK);
  CHECK_ST(ringq_queue_shutdown(q, false), RINGQ_OK);
  CHECK_ST(ringq_queue_put_bytes(q, in, 4), RINGQ_SHUTDOWN);
  CHECK_ST(ringq_queue_reserve_bytes(q, 4, &p2, 0), RINGQ_SHUTDOWN);
  CHECK_ST(ringq_queue_commit_bytes(q, p, 40), RINGQ_SHUTDOWN);
  CHECK_ST(ringq_queue_get_bytes(q, out, sizeof out, &len), RINGQ_OK);
  CHECK(len == 40 && msg_is(out, 40, 1, 0));
  CHECK_ST(ringq_queue_get_bytes(q, out, sizeof out, &len), RINGQ_SHUTDOWN);
  CHECK_ST(ringq_queue_peek_bytes(q, &view, &len, 1000), RINGQ_SHUTDOWN);
  CHECK_ST(ringq_queue_task_done(q), RINGQ_OK);
  CHECK_ST(ringq_queue_join_timeout(q, 0), RINGQ_OK);
  CHECK_ST(ringq_queue_destroy(q), RINGQ_OK);

  /* Immediate shutdown: the messages left go to the discard callback, oldest first, as
   * struct ringq_queue_msg; fini hands over what is left too. In caller memory here. */
  {
    void *mem;
    CHECK_ST(ringq_queue_memsize(kind, 2048, 0, &bytes), RINGQ_OK);
    mem = aligned_alloc(RINGQ_CACHE_LINE,
                        (bytes + RINGQ_CACHE_LINE - 1) & ~(size_t)(RINGQ_CACHE_LINE - 1));
    CHECK(mem != NULL);
    CHECK_ST(ringq_queue_init(mem, bytes - 1, kind, 2048, 0, 0), RINGQ_ETOOSMALL);
    CHECK_ST(ringq_queue_init(mem, bytes, kind, 2048, 0, 0), RINGQ_OK);
    q = mem;
    CHECK_ST(ringq_queue_set_discard(q, on_discard, &d), RINGQ_OK);
    for (i = 0; i < 10; i++) {
      fill_msg(in, 1, i, i * 13);
      CHECK_ST(ringq_queue_put_bytes_nowait(q, in, i * 13), RINGQ_OK);
    }
    CHECK_ST(ringq_queue_get_bytes_nowait(q, out, sizeof out, &len), RINGQ_OK);
    d.next = 1;
    CHECK_ST(ringq_queue_shutdown(q, true), RINGQ_OK);
    CHECK(d.n == 9 && ringq_queue_qsize(q) == 0);
    CHECK_ST(ringq_queue_get_bytes_nowait(q, out, sizeof out, &len), RINGQ_SHUTDOWN);
    CHECK_ST(ringq_queue_join_timeout(q, 0), RINGQ_TIMEDOUT); /* the one got, not task_done'd */
    CHECK_ST(ringq_queue_task_done(q), RINGQ_OK);
    CHECK_ST(ringq_queue_join_timeout(q, 0), RINGQ_OK);
    CHECK_ST(ringq_queue_fini(q), RINGQ_OK);
    /* fini discards what is left. */
    CHECK_ST(ringq_queue_init(mem, bytes, kind, 2048, 0, 0), RINGQ_OK);
    CHECK_ST(ringq_queue_set_discard(q, on_discard, &d), RINGQ_OK);
    d.n = 0;
    d.next = 0;
    for (i = 0; i < 5; i++) {
      fill_msg(in, 1, i, 100);
      CHECK_ST(ringq_queue_put_bytes_nowait(q, in, 100), RINGQ_OK);
    }
    CHECK_ST(ringq_queue_fini(q), RINGQ_OK);
    CHECK(d.n == 5);
    free(mem);
  }
}

/* Random lengths 0..max through many wraps, with bursts of reservations committed in shuffled
 * order (some shortened, some aborted) and gets of random batch sizes: what comes out is exactly
 * what was accepted, in reservation order. */
static void
order(enum ringq_queue_kind kind, size_t capacity, uint64_t rounds)
{
  struct ringq_queue *q;
  enum { BURST = 6 };
  unsigned char out[1 << 16];
  uint64_t seed = 0x1234567 + (uint64_t)kind, put_seq = 0, get_seq = 0, r, total_bytes = 0;
  size_t max;
  /* FIFO of expected (seq, len) in reservation order; aborted ones are never entered. */
  uint64_t *fifo_seq = malloc(sizeof(uint64_t) * FIFO);
  size_t *fifo_len = malloc(sizeof(size_t) * FIFO);
  size_t fifo_head = 0, fifo_tail = 0;
  CHECK(fifo_seq != NULL && fifo_len != NULL);
  CHECK_ST(ringq_queue_create(kind, capacity, 0, &q), RINGQ_OK);
  max = ringq_queue_bytes_max(q);
  for (r = 0; r < rounds; r++) {
    uint64_t op = rnd_next(&seed) % 4;
    if (op == 0) { /* a burst of reservations */
      void *ptr[BURST];
      size_t want[BURST], n = 1 + rnd_next(&seed) % BURST, k, got = 0, order_[BURST];
      int aborted[BURST];
      for (k = 0; k < n; k++) {
        want[k] = (size_t)(rnd_next(&seed) % (max + 1));
        if (ringq_queue_reserve_bytes(q, want[k], &ptr[got], 0) != RINGQ_OK)
          break;
        want[got] = want[k];
        got++;
      }
      /* Decide each one's fate, then enter the kept ones in reservation order. */
      for (k = 0; k < got; k++) {
        aborted[k] = rnd_next(&seed) % 5 == 0;
        if (!aborted[k]) {
          size_t len = want[k] > 0 && rnd_next(&seed) % 3 == 0
                           ? (size_t)(rnd_next(&seed) % (want[k] + 1))
                           : want[k];
          want[k] = len;
          fill_msg(ptr[k], 1, put_seq, len);
          fifo_seq[fifo_tail % FIFO] = put_seq++;
          fifo_len[fifo_tail % FIFO] = len;
          fifo_tail++;
        }
        order_[k] = k;
      }
      for (k = got; k > 1; k--) { /* shuffle the commit order */
        size_t j = (size_t)(rnd_next(&seed) % k), t = order_[k - 1];
        order_[k - 1] = order_[j];
        order_[j] = t;
      }
      for (k = 0; k < got; k++) {
        size_t i = order_[k];
        if (aborted[i])
          CHECK_ST(ringq_queue_abort_bytes(q, ptr[i]), RINGQ_OK);
        else
          CHECK_ST(ringq_queue_commit_bytes(q, ptr[i], want[i]), RINGQ_OK);
      }
    } else if (op == 1) { /* puts until full */
      for (;;) {
        size_t len = (size_t)(rnd_next(&seed) % (max + 1));
        fill_msg(out, 1, put_seq, len);
        if (ringq_queue_put_bytes_nowait(q, out, len) != RINGQ_OK)
          break;
        fifo_seq[fifo_tail % FIFO] = put_seq++;
        fifo_len[fifo_tail % FIFO] = len;
        fifo_tail++;
        if (rnd_next(&seed) % 4 == 0)
          break;
      }
    } else { /* gets, copy or peek, sometimes into too small a buffer first */
      uint64_t n = 1 + rnd_next(&seed) % 8;
      while (n-- > 0) {
        size_t len = 0;
        const void *view;
        enum ringq_status st;
        if (fifo_head == fifo_tail) {
          CHECK_ST(ringq_queue_get_bytes_nowait(q, out, sizeof out, &len), RINGQ_EMPTY);
          break;
        }
        if (fifo_len[fifo_head % FIFO] > 0 && rnd_next(&seed) % 4 == 0) {
          CHECK_ST(ringq_queue_get_bytes_nowait(q, out, fifo_len[fifo_head % FIFO] - 1, &len),
                   RINGQ_EMSGSIZE);
          CHECK(len == fifo_len[fifo_head % FIFO]);
        }
        if (rnd_next(&seed) % 2) {
          st = ringq_queue_peek_bytes(q, &view, &len, 0);
          CHECK_ST(st, RINGQ_OK);
          CHECK(len == fifo_len[fifo_head % FIFO] && msg_is(view, len, 1, get_seq));
          CHECK_ST(ringq_queue_release_bytes(q), RINGQ_OK);
        } else {
          CHECK_ST(ringq_queue_get_bytes_nowait(q, out, sizeof out, &len), RINGQ_OK);
          CHECK(len == fifo_len[fifo_head % FIFO] && msg_is(out, len, 1, get_seq));
        }
        CHECK(fifo_seq[fifo_head % FIFO] == get_seq);
        total_bytes += len;
        fifo_head++;
        get_seq++;
      }
    }
    CHECK(ringq_queue_qsize(q) == fifo_tail - fifo_head);
  }
  while (fifo_head != fifo_tail) {
    size_t len = 0;
    CHECK_ST(ringq_queue_get_bytes_nowait(q, out, sizeof out, &len), RINGQ_OK);
    CHECK(len == fifo_len[fifo_head % FIFO] && msg_is(out, len, 1, get_seq));
    fifo_head++;
    get_seq++;
  }
  { /* the getter looks once more: PADs after the last message are freed */
    size_t len = 0;
    CHECK_ST(ringq_queue_get_bytes_nowait(q, out, sizeof out, &len), RINGQ_EMPTY);
  }
  CHECK(ringq_queue_bytes_used(q) == 0);
  printf("order %s capacity %zu: %llu messages, %llu bytes, %.1f laps\n",
         kind == RINGQ_QUEUE_BYTES_SPSC ? "spsc" : "mpsc", ringq_queue_capacity(q),
         (unsigned long long)get_seq, (unsigned long long)total_bytes,
         (double)total_bytes / (double)ringq_queue_capacity(q));
  CHECK_ST(ringq_queue_destroy(q), RINGQ_OK);
  free(fifo_seq);
  free(fifo_len);
}

int
main(int argc, char **argv)
{
  int k;
  const char *group = argc > 1 ? argv[1] : "contract";
  for (k = 0; k < 2; k++) {
    if (strcmp(group, "contract") == 0) {
      contract(kinds[k]);
    } else if (strcmp(group, "order") == 0) {
      order(kinds[k], 256, test_scaled_count(200000));
      order(kinds[k], 4096, test_scaled_count(200000));
      order(kinds[k], 1 << 17, test_scaled_count(20000));
    } else {
      fprintf(stderr, "usage: %s contract|order\n", argv[0]);
      return 2;
    }
  }
  printf("bytes_test %s: ok\n", group);
  return 0;
}
