/* SPDX-License-Identifier: MIT */
/* bench/loops.h: the worker loops every queue runs, written once and inlined into each adapter.
 *
 * An adapter defines small static functions (push, pop, ...) and instantiates the loops with the
 * BENCH_*_LOOPS macros below. The loops are always_inline and take the functions as constants,
 * so each adapter gets its own copy with the queue's calls inlined: no indirect call per item, the
 * same loop code for every queue. Included by C11 and C++17 adapters (see harness.h). */
#ifndef BENCH_LOOPS_H
#define BENCH_LOOPS_H

#include "harness.h"

#include <stdlib.h>

/* Declares an adapter function (push, pop, ...): always inlined into the loops, so that no queue
 * pays for a call the others do not. */
#define BENCH_OP static inline __attribute__((always_inline))

/* Adapter functions. Non-blocking ones return 1 / a count on success, 0 when full or empty.
 * Blocking put/get return 1, or 0 when the wait ended without an item (timed out or woken by the
 * watchdog): the loop checks for an abort and calls again. */
typedef int (*bench_push_fn)(void *q, const void *item);
typedef int (*bench_pop_fn)(void *q, void *item);
typedef size_t (*bench_push_burst_fn)(void *q, const void *items, size_t n);
typedef size_t (*bench_pop_burst_fn)(void *q, void *items, size_t n);
typedef size_t (*bench_reserve_fn)(void *q, size_t max, void **where);
typedef void (*bench_commit_fn)(void *q, size_t n);
typedef size_t (*bench_peek_fn)(void *q, size_t max, const void **where);
typedef void (*bench_release_fn)(void *q, size_t n);

#define BENCH_ITEM_BUF(name) unsigned char name[BENCH_MAX_ESIZE] __attribute__((aligned(64)))
#define BENCH_BURST_BUF(name)                                                                   \
  unsigned char name[BENCH_MAX_BURST * BENCH_MAX_ESIZE] __attribute__((aligned(64)))

/* ---- throughput: producers push for the timed window, consumers drain everything ----
 * Every producer pushes at least one item, even if the window closed before it first ran. */

BENCH_INLINE void
bench_produce_single(struct bench_worker *w, bench_push_fn push)
{
  struct bench_run *run = w->run;
  void *q = run->q;
  size_t esize = run->esize;
  uint64_t seq = 0, hash = 0;
  unsigned spins = 0;
  int mix = !run->exact;
  BENCH_ITEM_BUF(item);
  while (seq == 0 || bench_phase(run) == BENCH_RUNNING) {
    bench_item_write(item, esize, bench_tag(w->index, seq + 1));
    while (!push(q, item))
      if (bench_spin(run, &spins))
        goto out;
    ++seq;
    if (mix)
      hash += bench_mix(seq);
    if ((seq & 1023) == 0)
      bench_publish_progress(w, seq);
  }
out:
  w->hash = hash;
  bench_producer_done(w, seq);
}

BENCH_INLINE void
bench_consume_single(struct bench_worker *w, bench_pop_fn pop)
{
  struct bench_run *run = w->run;
  void *q = run->q;
  unsigned spins = 0;
  BENCH_ITEM_BUF(item);
  for (;;) {
    if (pop(q, item)) {
      if (!bench_accept(w, item))
        return;
      continue;
    }
    if (bench_all_produced(run)) {
      /* Every push has returned, so one more empty answer means drained. */
      if (pop(q, item)) {
        if (!bench_accept(w, item))
          return;
        continue;
      }
      return;
    }
    if (bench_spin(run, &spins))
      return;
  }
}

BENCH_INLINE void
bench_produce_burst(struct bench_worker *w, bench_push_burst_fn push_burst)
{
  struct bench_run *run = w->run;
  void *q = run->q;
  size_t esize = run->esize, burst = run->burst, pos = 0, filled = 0;
  uint64_t seq = 0, pushed = 0, hash = 0;
  unsigned spins = 0;
  int mix = !run->exact;
  BENCH_BURST_BUF(items);
  for (;;) {
    size_t k;
    if (pos == filled) {
      if (seq > 0 && bench_phase(run) != BENCH_RUNNING)
        break;
      for (size_t i = 0; i < burst; i++) {
        ++seq;
        bench_item_write(items + i * esize, esize, bench_tag(w->index, seq));
        if (mix)
          hash += bench_mix(seq);
      }
      pos = 0;
      filled = burst;
    }
    k = push_burst(q, items + pos * esize, filled - pos);
    if (k == 0) {
      if (bench_spin(run, &spins))
        break;
      continue;
    }
    pos += k;
    if (((pushed + k) ^ pushed) >> 10)
      bench_publish_progress(w, pushed + k);
    pushed += k;
  }
  w->hash = hash;
  bench_producer_done(w, pushed);
}

BENCH_INLINE void
bench_consume_burst(struct bench_worker *w, bench_pop_burst_fn pop_burst)
{
  struct bench_run *run = w->run;
  void *q = run->q;
  size_t esize = run->esize, burst = run->burst;
  unsigned spins = 0;
  int last_try = 0;
  BENCH_BURST_BUF(items);
  for (;;) {
    size_t k = pop_burst(q, items, burst);
    if (k > 0) {
      for (size_t i = 0; i < k; i++)
        if (!bench_accept(w, items + i * esize))
          return;
      continue;
    }
    if (last_try)
      return;
    if (bench_all_produced(run)) {
      last_try = 1; /* every push has returned: one more empty answer means drained */
      continue;
    }
    if (bench_spin(run, &spins))
      return;
  }
}

/* Zero-copy: fill and check the items in the queue's own slots. */
BENCH_INLINE void
bench_produce_zc(struct bench_worker *w, bench_reserve_fn reserve, bench_commit_fn commit)
{
  struct bench_run *run = w->run;
  void *q = run->q;
  size_t esize = run->esize, burst = run->burst;
  uint64_t seq = 0, hash = 0;
  unsigned spins = 0;
  int mix = !run->exact;
  while (seq == 0 || bench_phase(run) == BENCH_RUNNING) {
    void *where;
    size_t k = reserve(q, burst, &where);
    if (k == 0) {
      if (bench_spin(run, &spins))
        break;
      continue;
    }
    for (size_t i = 0; i < k; i++) {
      bench_item_write((unsigned char *)where + i * esize, esize, bench_tag(w->index, seq + i + 1));
      if (mix)
        hash += bench_mix(seq + i + 1);
    }
    commit(q, k);
    if (((seq + k) ^ seq) >> 10)
      bench_publish_progress(w, seq + k);
    seq += k;
  }
  w->hash = hash;
  bench_producer_done(w, seq);
}

BENCH_INLINE void
bench_consume_zc(struct bench_worker *w, bench_peek_fn peek, bench_release_fn release)
{
  struct bench_run *run = w->run;
  void *q = run->q;
  size_t esize = run->esize, burst = run->burst;
  unsigned spins = 0;
  int last_try = 0;
  for (;;) {
    const void *where;
    size_t k = peek(q, burst, &where);
    if (k > 0) {
      for (size_t i = 0; i < k; i++)
        if (!bench_accept(w, (const unsigned char *)where + i * esize))
          return;
      release(q, k);
      continue;
    }
    if (last_try)
      return;
    if (bench_all_produced(run)) {
      last_try = 1;
      continue;
    }
    if (bench_spin(run, &spins))
      return;
  }
}

/* Blocking: put/get wait inside the queue. The last producer to finish sends one pill per
 * consumer; the pills come after every item, so a consumer stops at its pill. */
BENCH_INLINE int
bench_put_or_abort(struct bench_run *run, void *q, const void *item, bench_push_fn put)
{
  while (!put(q, item))
    if (bench_phase(run) == BENCH_ABORT)
      return 0;
  return 1;
}

BENCH_INLINE void
bench_produce_blocking(struct bench_worker *w, bench_push_fn put)
{
  struct bench_run *run = w->run;
  void *q = run->q;
  size_t esize = run->esize;
  uint64_t seq = 0, hash = 0;
  int mix = !run->exact;
  BENCH_ITEM_BUF(item);
  while (seq == 0 || bench_phase(run) == BENCH_RUNNING) {
    bench_item_write(item, esize, bench_tag(w->index, seq + 1));
    if (!bench_put_or_abort(run, q, item, put))
      goto out;
    ++seq;
    if (mix)
      hash += bench_mix(seq);
    if ((seq & 1023) == 0)
      bench_publish_progress(w, seq);
  }
out:
  w->hash = hash;
  if (bench_producer_done(w, seq) == run->producers) {
    bench_item_write(item, esize, BENCH_PILL);
    for (unsigned c = 0; c < run->consumers; c++)
      if (!bench_put_or_abort(run, q, item, put))
        return;
  }
}

BENCH_INLINE void
bench_consume_blocking(struct bench_worker *w, bench_pop_fn get)
{
  struct bench_run *run = w->run;
  void *q = run->q;
  uint64_t work = run->work_iters;
  BENCH_ITEM_BUF(item);
  for (;;) {
    uint64_t tag;
    while (!get(q, item))
      if (bench_phase(run) == BENCH_ABORT)
        return;
    memcpy(&tag, item, sizeof tag);
    if (tag == BENCH_PILL)
      return;
    if (!bench_accept(w, item))
      return;
    if (work)
      bench_work(work);
  }
}

/* One thread puts an item and gets it back: nobody ever waits. Counts items in w->items. */
BENCH_INLINE void
bench_solo_blocking(struct bench_worker *w, bench_push_fn put, bench_pop_fn get)
{
  struct bench_run *run = w->run;
  void *q = run->q;
  size_t esize = run->esize;
  uint64_t seq = 0;
  BENCH_ITEM_BUF(item);
  BENCH_ITEM_BUF(back);
  while (seq == 0 || bench_phase(run) == BENCH_RUNNING) {
    uint64_t tag = bench_tag(0, seq + 1), got;
    int torn;
    bench_item_write(item, esize, tag);
    if (!bench_put_or_abort(run, q, item, put))
      break;
    while (!get(q, back))
      if (bench_phase(run) == BENCH_ABORT)
        goto out;
    got = bench_item_read(back, esize, &torn);
    if (got != tag || torn) {
      bench_fail(w, "solo: put item %llu, got %#llx back", (unsigned long long)(seq + 1),
                 (unsigned long long)got);
      break;
    }
    if ((++seq & 1023) == 0)
      bench_publish_progress(w, seq);
  }
out:
  w->items = seq;
}

/* ---- ping-pong: one item bounces between two threads through q and q2 ---- */

/* The pinger times each round trip: push on q, wait for the same item back on q2. With gap_ns,
 * it sleeps before each round trip so that the other side has gone to sleep (wake-up latency).
 * At the end it sends a pill. */
BENCH_INLINE void
bench_ping(struct bench_worker *w, bench_push_fn push, bench_pop_fn pop, int blocking)
{
  struct bench_run *run = w->run;
  void *q = run->q, *q2 = run->q2;
  size_t esize = run->esize, n = 0;
  uint64_t seq = 0;
  unsigned spins = 0;
  BENCH_ITEM_BUF(item);
  BENCH_ITEM_BUF(back);
  /* At least one round trip, even if the window closed before this thread first ran. */
  while (n < run->max_samples && (n == 0 || bench_phase(run) == BENCH_RUNNING)) {
    uint64_t tag = bench_tag(0, ++seq), got, t0, t1;
    int torn;
    if (run->gap_ns)
      bench_sleep_ns(run->gap_ns);
    bench_item_write(item, esize, tag);
    t0 = bench_now_ns();
    if (blocking) {
      if (!bench_put_or_abort(run, q, item, push))
        goto out;
      while (!pop(q2, back))
        if (bench_phase(run) == BENCH_ABORT)
          goto out;
    } else {
      while (!push(q, item))
        if (bench_spin(run, &spins))
          goto out;
      while (!pop(q2, back))
        if (bench_spin(run, &spins))
          goto out;
    }
    t1 = bench_now_ns();
    got = bench_item_read(back, esize, &torn);
    if (got == BENCH_PILL && bench_phase(run) == BENCH_ABORT)
      goto out; /* the watchdog's wake put a pill in q2 to end a wait it could not interrupt */
    if (got != tag || torn) {
      bench_fail(w, "ping: sent %#llx, got %#llx back", (unsigned long long)tag,
                 (unsigned long long)got);
      goto out;
    }
    run->samples[n++] = t1 - t0;
    if ((n & 255) == 0)
      bench_publish_progress(w, n);
  }
  bench_item_write(item, esize, BENCH_PILL);
  if (blocking)
    (void)bench_put_or_abort(run, q, item, push);
  else
    while (!push(q, item) && !bench_spin(run, &spins)) {
    }
out:
  w->nsamples = n;
  w->items = n;
}

BENCH_INLINE void
bench_pong(struct bench_worker *w, bench_push_fn push, bench_pop_fn pop, int blocking)
{
  struct bench_run *run = w->run;
  void *q = run->q, *q2 = run->q2;
  size_t esize = run->esize;
  uint64_t seq = 0;
  unsigned spins = 0;
  BENCH_ITEM_BUF(item);
  for (;;) {
    uint64_t tag;
    int torn;
    if (blocking) {
      while (!pop(q, item))
        if (bench_phase(run) == BENCH_ABORT)
          return;
    } else {
      while (!pop(q, item))
        if (bench_spin(run, &spins))
          return;
    }
    tag = bench_item_read(item, esize, &torn);
    if (tag == BENCH_PILL)
      return;
    if (tag != bench_tag(0, seq + 1) || torn) {
      bench_fail(w, "pong: expected item %llu, got %#llx", (unsigned long long)(seq + 1),
                 (unsigned long long)tag);
      return;
    }
    ++seq;
    if (blocking) {
      if (!bench_put_or_abort(run, q2, item, push))
        return;
    } else {
      while (!push(q2, item))
        if (bench_spin(run, &spins))
          return;
    }
    if ((seq & 255) == 0)
      bench_publish_progress(w, seq);
  }
}

/* ---- byte messages: one producer sends messages of run->esize bytes, one consumer ----
 * A message carries its tag in its first 8 bytes and the complement in its last 8 (so a torn or
 * short copy fails, as for items); the bytes between are whatever the producer's buffer holds,
 * copied like the rest. After its last message the producer sends an empty one, the end of the
 * stream, so a consumer blocked in a receive returns. send and recv return 1 when a message
 * moved, 0 when none did (full or empty, or a wait that timed out or was woken): the loops spin
 * (bench_spin) and call again unless the run was aborted. recv fills *len; cap is the buffer's
 * size (run->esize). */
typedef int (*bench_send_fn)(void *q, const void *buf, size_t len);

/* A zeroed message buffer of len bytes starting on a page (free() it): every row copies from and
 * into buffers at the same offset in a page, so no row's copies pay 4K aliasing by the chance
 * of where malloc put them (a destination a little above its source modulo 4096 made a 4 KiB
 * memcpy 2 to 8 times slower on the development machine). */
BENCH_INLINE unsigned char *
bench_msg_buffer(size_t len)
{
  size_t bytes = (len + 4095) / 4096 * 4096;
  unsigned char *p = (unsigned char *)aligned_alloc(4096, bytes != 0 ? bytes : 4096);
  if (p != NULL)
    memset(p, 0, bytes != 0 ? bytes : 4096);
  return p;
}
typedef int (*bench_recv_fn)(void *q, void *buf, size_t cap, size_t *len);

BENCH_INLINE void
bench_produce_msgs(struct bench_worker *w, bench_send_fn send)
{
  struct bench_run *run = w->run;
  void *q = run->q;
  size_t len = run->esize;
  uint64_t seq = 0;
  unsigned spins = 0;
  unsigned char *msg = bench_msg_buffer(len);
  if (msg == NULL) {
    bench_fail(w, "producer: out of memory for a %zu-byte message", len);
    bench_producer_done(w, 0);
    return;
  }
  while (seq == 0 || bench_phase(run) == BENCH_RUNNING) {
    bench_item_write(msg, len, bench_tag(w->index, seq + 1));
    while (!send(q, msg, len))
      if (bench_spin(run, &spins))
        goto out;
    if ((++seq & 1023) == 0)
      bench_publish_progress(w, seq);
  }
  /* The end of the stream; not after an abort: the consumer may be gone, and a blocking send
   * into a full queue would never return. */
  while (bench_phase(run) != BENCH_ABORT && !send(q, msg, 0))
    if (bench_spin(run, &spins))
      break;
out:
  free(msg);
  bench_producer_done(w, seq);
}

BENCH_INLINE void
bench_consume_msgs(struct bench_worker *w, bench_recv_fn recv)
{
  struct bench_run *run = w->run;
  void *q = run->q;
  size_t cap = run->esize, len;
  unsigned spins = 0;
  unsigned char *msg = bench_msg_buffer(cap);
  if (msg == NULL) {
    bench_fail(w, "consumer: out of memory for a %zu-byte message", cap);
    return;
  }
  for (;;) {
    while (!recv(q, msg, cap, &len))
      if (bench_spin(run, &spins))
        goto out;
    if (len == 0)
      break; /* the end of the stream (or the watchdog's wake) */
    if (len != cap) {
      bench_fail(w, "consumer: a message of %zu bytes, expected %zu", len, cap);
      break;
    }
    if (!bench_accept(w, msg))
      break;
  }
out:
  free(msg);
}

/* ---- instantiation ---- */

/* A worker: a plain function calling one inlined loop (unused ones are fine). */
#define BENCH_WORKER(fn_name, call)                                                             \
  static __attribute__((unused)) void fn_name(struct bench_worker *w) { call; }

/* Defines name##_producer, _consumer, _ping, _pong from try-push / try-pop. */
#define BENCH_SINGLE_LOOPS(name, push, pop)                                                     \
  BENCH_WORKER(name##_producer, bench_produce_single(w, push))                                  \
  BENCH_WORKER(name##_consumer, bench_consume_single(w, pop))                                   \
  BENCH_WORKER(name##_ping, bench_ping(w, push, pop, 0))                                        \
  BENCH_WORKER(name##_pong, bench_pong(w, push, pop, 0))

/* Defines name##_producer_burst, name##_consumer_burst. */
#define BENCH_BURST_LOOPS(name, push_burst, pop_burst)                                          \
  BENCH_WORKER(name##_producer_burst, bench_produce_burst(w, push_burst))                       \
  BENCH_WORKER(name##_consumer_burst, bench_consume_burst(w, pop_burst))

/* Defines name##_producer_zc, name##_consumer_zc. */
#define BENCH_ZC_LOOPS(name, reserve, commit, peek, release)                                    \
  BENCH_WORKER(name##_producer_zc, bench_produce_zc(w, reserve, commit))                        \
  BENCH_WORKER(name##_consumer_zc, bench_consume_zc(w, peek, release))

/* Defines name##_producer_blocking, _consumer_blocking, _ping_blocking, _pong_blocking, _solo. */
#define BENCH_BLOCKING_LOOPS(name, put, get)                                                    \
  BENCH_WORKER(name##_producer_blocking, bench_produce_blocking(w, put))                        \
  BENCH_WORKER(name##_consumer_blocking, bench_consume_blocking(w, get))                        \
  BENCH_WORKER(name##_ping_blocking, bench_ping(w, put, get, 1))                                \
  BENCH_WORKER(name##_pong_blocking, bench_pong(w, put, get, 1))                                \
  BENCH_WORKER(name##_solo, bench_solo_blocking(w, put, get))

/* Defines name##_msg_producer, name##_msg_consumer from send / recv of byte messages. */
#define BENCH_MSG_LOOPS(name, send, recv)                                                       \
  BENCH_WORKER(name##_msg_producer, bench_produce_msgs(w, send))                                \
  BENCH_WORKER(name##_msg_consumer, bench_consume_msgs(w, recv))

#endif /* BENCH_LOOPS_H */
