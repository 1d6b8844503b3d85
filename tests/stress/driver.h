/* SPDX-License-Identifier: MIT */
/* tests/stress/driver.h: the shared stress driver (threads, start barrier, run length, watchdog
 * and every check) and the small adapter interface each queue implements to be driven by it. */
#ifndef RINGQ_TESTS_STRESS_DRIVER_H
#define RINGQ_TESTS_STRESS_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/* Items are 8 bytes: the producer id (1..65535; 0 is never sent) in the top 16 bits and the
 * producer's sequence number (0, 1, 2, ...) in the low 48 bits. */
#define STRESS_SEQ_BITS 48
#define STRESS_SEQ_MASK (((uint64_t)1 << STRESS_SEQ_BITS) - 1)
#define STRESS_ITEM(id, seq) (((uint64_t)(id) << STRESS_SEQ_BITS) | ((seq) & STRESS_SEQ_MASK))
#define STRESS_ITEM_ID(item) ((unsigned)((item) >> STRESS_SEQ_BITS))
#define STRESS_ITEM_SEQ(item) ((item) & STRESS_SEQ_MASK)

/* Where ringq__*_init_at starts the tickets in "wrap" runs: ~500 items below the 64-bit wrap
 * point, so the wrap happens early in the run while every thread is busy. */
#define STRESS_WRAP_TICKET (UINT64_MAX - 1000)

/* What an adapter's push or pop reports. Anything else a queue may return (a misuse code) is an
 * immediate failure: the adapter calls stress_fail with the queue's own message. */
enum stress_rc {
  STRESS_OK = 0,    /* the item (or at least one item of a burst) moved */
  STRESS_AGAIN = 1, /* would block: full (push) or empty (pop); the driver backs off and retries */
  STRESS_CLOSED = 2 /* the queue is closed: push refused; pop: closed and drained, for good */
};

/* What create is asked for. */
struct stress_params {
  size_t capacity;    /* items the queue holds */
  size_t elem_size;   /* always 8 (sizeof(uint64_t)) */
  int near_wrap;      /* start the tickets at STRESS_WRAP_TICKET (adapter sets can_start_at) */
  unsigned producers; /* threads that will push */
  unsigned consumers; /* threads that will pop */
};

/* One queue (or one way of using a queue) as the driver sees it. The driver calls:
 *   create (main thread) -> push / push_burst (producer threads) and pop / pop_burst (consumer
 *   threads), concurrently -> close (from a producer thread, see enum stress_finish; that thread
 *   then checks that one more push reports STRESS_CLOSED) -> consumers pop until STRESS_CLOSED
 *   (or, without close, until every item arrived) -> check_end (main thread, all threads
 *   joined) -> destroy (main thread).
 * push/pop may block (a blocking queue) or return STRESS_AGAIN (a ring); both work: the driver
 * retries STRESS_AGAIN with back-off, and a blocked thread that never returns is caught by the
 * watchdog. With several consumers and no close, pop must not block forever (use a timed or
 * non-blocking variant). */
struct stress_adapter {
  const char *name;   /* short name printed in every line, e.g. "spsc" or "spsc-zerocopy" */
  int multi_producer; /* several threads may push at once */
  int multi_consumer; /* several threads may pop at once */
  int can_start_at;   /* create honours stress_params.near_wrap */

  /* Make the queue; returns a handle passed to every other function. Fails with stress_fail. */
  void *(*create)(const struct stress_params *p);
  /* Free the queue (main thread, no other thread uses it any more). */
  void (*destroy)(void *q);

  /* Move one item. */
  enum stress_rc (*push)(void *q, const uint64_t *item);
  enum stress_rc (*pop)(void *q, uint64_t *item);

  /* Optional (NULL: the queue has no burst path). Move 1..n items (n <= capacity, in order) and
   * tell how many in *done; STRESS_OK needs *done >= 1, STRESS_AGAIN and STRESS_CLOSED need
   * *done == 0. */
  enum stress_rc (*push_burst)(void *q, const uint64_t *items, size_t n, size_t *done);
  enum stress_rc (*pop_burst)(void *q, uint64_t *items, size_t n, size_t *done);

  /* Optional (NULL: only STRESS_BY_COUNT rows). End of stream: later pushes report
   * STRESS_CLOSED, pops report STRESS_CLOSED once the items pushed before are gone. Called once,
   * from a producer thread (so an SPSC producer-side close is legal): the one that finished
   * last, or producer 1 midway (STRESS_CLOSE_MIDWAY) while other producers may be pushing. */
  void (*close)(void *q);

  /* Optional: called after the run with every thread joined; `items` moved in total. Checks the
   * queue's end state (stress_fail on a mismatch) and may write a short note for the summary
   * line (e.g. "tickets wrapped") into note[0..note_len). */
  void (*check_end)(void *q, uint64_t items, char *note, size_t note_len);
};

/* Which functions the threads use. */
enum stress_path {
  STRESS_SINGLE = 0, /* push / pop */
  STRESS_BURST = 1   /* push_burst / pop_burst with random lengths 1..min(capacity, 256) */
};

/* How the stream of items ends. */
enum stress_finish {
  STRESS_CLOSE_AT_END = 0, /* the last producer to finish calls close; consumers pop until closed */
  STRESS_BY_COUNT = 1,     /* no close: consumers stop once every item arrived */
  STRESS_CLOSE_MIDWAY = 2  /* producer 1 calls close after half of its items while the others
                              still push; each producer stops at its first push that reports
                              closed. The items whose push reported ok are the ones that must
                              arrive, each exactly once, and no other. */
};

/* One configuration: a row of a test's table. */
struct stress_config {
  const char *group; /* selected by the command line; see stress_main */
  const struct stress_adapter *adapter;
  unsigned producers, consumers;
  size_t capacity;
  enum stress_path path;
  int near_wrap; /* start just below the 64-bit ticket wrap point */
  enum stress_finish finish;
  uint64_t items; /* items sent in a plain build (scaled down in sanitizer builds) */
};

/* Print "FAIL [<configuration>]: <message>" on stderr and exit with status 1. Any thread. */
void stress_fail(const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 1, 2), noreturn))
#endif
    ;

/* Run the configurations of `table` whose group is named on the command line (every group when
 * none is), one after another; print a line per configuration and a total line. Returns the
 * exit status for main (0; a failure exits from inside with status 1).
 * Command line: [group...] [--scale=F] (multiply every item count by F, for soak runs)
 * [--seed=N] (burst-length random seed) [--list]. */
int stress_main(int argc, char **argv, const struct stress_config *table, size_t count);

#endif
