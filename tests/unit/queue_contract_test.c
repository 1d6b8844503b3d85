/* SPDX-License-Identifier: MIT */
/* tests/unit/queue_contract_test.c: results a sequential Python queue.Queue would give, checked
 * where a lock-free queue is tempted to differ: a thread paused in the middle of its copy, task_done
 * before get, discards after an immediate shutdown, is_shutdown, token queues, the discard
 * callback, a refused membarrier and a cancelled waiter. */
#define _GNU_SOURCE
#include <ringq/queue.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/membarrier.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "queue_support.h"
#ifdef OLD_API
#define ringq_queue_set_discard(q, f, c) ((void)(f), (void)(c), RINGQ_EINVAL)
#endif

#define SCALE ((int64_t)RINGQ_TIMEOUT_SCALE)
#define HOLD_NS (50 * MS)                     /* how long a paused thread is held */
#define LIMIT_NS ((int64_t)5000 * MS * SCALE) /* a call that has not returned by then never will */

static void
put_ok_value(struct ringq_queue *q, uint64_t item) {
  enum ringq_status st = ringq_queue_put_nowait(q, &item);
  cr_assert_eq(st, RINGQ_OK, "put_nowait(%" PRIu64 "): %s", item, ringq_strerror(st));
}

static uint64_t
waits_of_queue(struct ringq_queue *q) {
  struct ringq_queue_stats s;
  ringq_queue_stats(q, &s);
  return s.waits;
}

/* ---- pausing a thread in the middle of its copy ---------------------------------------------
 * The item a put copies from (or the buffer a get copies into) sits on a page with no access.
 * The copy faults after the ring slot was claimed; the SIGSEGV handler marks the thread paused and
 * holds it until the test releases it, then restores access and returns, so the copy resumes. */

static unsigned char *trap_page;
static size_t page_bytes;
static atomic_int trap_paused;  /* threads held in the handler */
static atomic_int trap_release; /* set by the test: let the held thread go */

static void
on_segv(int sig, siginfo_t *si, void *uc) {
  unsigned char *at = (unsigned char *)si->si_addr;
  struct timespec nap = {0, 100000};
  (void)uc;
  if (at < trap_page || at >= trap_page + page_bytes) {
    signal(sig, SIG_DFL); /* a real crash: fault again, unhandled */
    return;
  }
  /* seq_cst: the test polls this count and the release flag below; nothing else is shared. */
  atomic_fetch_add(&trap_paused, 1);
  while (!atomic_load(&trap_release))
    nanosleep(&nap, NULL);
  mprotect(trap_page, page_bytes, PROT_READ | PROT_WRITE);
  atomic_fetch_sub(&trap_paused, 1);
}

static void
trap_arm(void) {
  struct sigaction sa;
  page_bytes = (size_t)sysconf(_SC_PAGESIZE);
  trap_page = mmap(NULL, page_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  cr_assert(trap_page != MAP_FAILED);
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  cr_assert_eq(sigaction(SIGSEGV, &sa, NULL), 0);
  atomic_store(&trap_paused, 0);
  atomic_store(&trap_release, 0);
}

static void
trap_close(void) {
  cr_assert_eq(mprotect(trap_page, page_bytes, PROT_NONE), 0);
}

static void
await_paused_n(int n) {
  int64_t end = test_now_ns() + LIMIT_NS;
  while (atomic_load(&trap_paused) < n) {
    cr_assert(test_now_ns() < end, "the trapped thread never reached its copy");
    sleep_ns(MS / 10);
  }
}

struct call {
  struct ringq_queue *q;
  int is_put;
  void *item;
  enum ringq_status st;
  pthread_t thread;
};

static void *
call_main(void *arg) {
  struct call *c = arg;
  c->st = c->is_put ? ringq_queue_put_nowait(c->q, c->item) : ringq_queue_get_nowait(c->q, c->item);
  return NULL;
}

static void
call_start(struct call *c, struct ringq_queue *q, int is_put, void *item) {
  c->q = q;
  c->is_put = is_put;
  c->item = item;
  c->st = RINGQ_ESYS;
  cr_assert_eq(pthread_create(&c->thread, NULL, call_main, c), 0);
}

/* Start n calls on q (puts of `value`, or gets), each in a thread of its own, and return once all
 * are paused in the middle of their copy: the puts copy from the trap page, the gets into it (each
 * into its own item's place). */
static void
start_paused_n(struct call *calls, int n, struct ringq_queue *q, int is_put, uint64_t value) {
  int i;
  trap_arm();
  if (is_put)
    memcpy(trap_page, &value, sizeof value);
  trap_close();
  for (i = 0; i < n; i++)
    call_start(&calls[i], q, is_put, is_put ? trap_page : trap_page + (size_t)i * sizeof value);
  await_paused_n(n);
}

static void
start_paused(struct call *c, struct ringq_queue *q, int is_put, uint64_t value) {
  start_paused_n(c, 1, q, is_put, value);
}

/* Let the paused call go on, and check that it succeeded. */
static void
release_paused(struct call *c) {
  atomic_store(&trap_release, 1);
  pthread_join(c->thread, NULL);
  cr_assert_eq(c->st, RINGQ_OK, "the paused call: %s", ringq_strerror(c->st));
}

/* A thread that releases the paused one after HOLD_NS. */
static void *
releaser_main(void *arg) {
  (void)arg;
  sleep_ns(HOLD_NS);
  atomic_store(&trap_release, 1);
  return NULL;
}

static pthread_t
release_later(void) {
  pthread_t t;
  cr_assert_eq(pthread_create(&t, NULL, releaser_main, NULL), 0);
  return t;
}

static struct ringq_queue *
mpmc(size_t capacity) {
  return new_queue(RINGQ_QUEUE_MPMC, capacity);
}

/* Point 1: a get that starts after a put returned never reports EMPTY while that put's item, or an
 * earlier one, is still in the queue -- even when the earlier one's putter is paused mid-copy. */
static void
get_after_completed_put_waits_for_the_paused_earlier_putter(int timed) {
  struct ringq_queue *q = mpmc(4);
  struct call paused;
  uint64_t mine = 2, got = 0;
  int64_t t0;
  enum ringq_status st;
  pthread_t rel;
  start_paused(&paused, q, 1, 1); /* claims ticket 0, faults copying item 1 */
  cr_assert_eq(ringq_queue_put_nowait(q, &mine), RINGQ_OK, "the later put completes");
  rel = release_later();
  t0 = test_now_ns();
  st = timed ? ringq_queue_get_timeout(q, &got, LIMIT_NS) : ringq_queue_get_nowait(q, &got);
  cr_assert_eq(st, RINGQ_OK, "%s get after a completed put: %s", timed ? "timed" : "nowait",
               ringq_strerror(st));
  cr_assert_eq(got, 1, "FIFO: the paused putter's item comes first, got %" PRIu64, got);
  cr_assert_geq(test_now_ns() - t0, HOLD_NS / 2, "it waited for the paused putter");
  cr_assert_eq(ringq_queue_get_nowait(q, &got), RINGQ_OK);
  cr_assert_eq(got, 2);
  pthread_join(rel, NULL);
  pthread_join(paused.thread, NULL);
  cr_assert_eq(paused.st, RINGQ_OK);
  free_queue(q);
}

Test(queue_contract, an_mpmc_get_nowait_after_a_completed_put_waits_for_a_paused_earlier_putter,
     .timeout = RINGQ_T(20)) {
  get_after_completed_put_waits_for_the_paused_earlier_putter(0);
}

Test(queue_contract, an_mpmc_timed_get_after_a_completed_put_does_not_time_out_on_a_paused_putter,
     .timeout = RINGQ_T(20)) {
  get_after_completed_put_waits_for_the_paused_earlier_putter(1);
}

Test(queue_contract, an_mpmc_get_nowait_reports_empty_at_once_when_only_a_paused_put_is_in_flight,
     .timeout = RINGQ_T(20), .disabled = UNBOUNDED_RUN) {
  struct ringq_queue *q = mpmc(4);
  struct call paused;
  uint64_t got = 0;
  start_paused(&paused, q, 1, 0);
  /* No put has returned: EMPTY is what a sequential queue says, and it needs no waiting. */
  cr_assert_eq(ringq_queue_get_nowait(q, &got), RINGQ_EMPTY);
  cr_assert_eq(ringq_queue_get_timeout(q, &got, 1 * MS), RINGQ_EMPTY);
  release_paused(&paused);
  cr_assert_eq(ringq_queue_get_nowait(q, &got), RINGQ_OK);
  free_queue(q);
}

/* An empty queue whose next slot is still being read by a getter of the previous lap: EMPTY at
 * once, no waiting (nothing completed sits behind that slot). */
Test(queue_contract, an_mpmc_get_nowait_on_an_empty_queue_returns_at_once_while_an_old_getter_is_paused,
     .timeout = RINGQ_T(20)) {
  struct ringq_queue *q = mpmc(2);
  struct call paused;
  uint64_t got = 0;
  put_ok_value(q, 1);
  put_ok_value(q, 2);
  cr_assert_eq(ringq_queue_get_nowait(q, &got), RINGQ_OK);
  start_paused(&paused, q, 0, 0); /* claims item 2's ticket, faults copying it out */
  put_ok_value(q, 3);
  cr_assert_eq(ringq_queue_get_nowait(q, &got), RINGQ_OK);
  cr_assert_eq(got, 3);
  /* The held getter is released only after this returns: a get that waits for it never ends. */
  cr_assert_eq(ringq_queue_get_nowait(q, &got), RINGQ_EMPTY);
  release_paused(&paused);
  cr_assert_eq(*(uint64_t *)trap_page, 2);
  free_queue(q);
}

/* Point 1, put side: room freed by a completed get is there for a later put, even when an earlier
 * getter is paused mid-copy in the slot the put needs. */
Test(queue_contract, an_mpmc_put_nowait_after_a_completed_get_waits_for_a_paused_earlier_getter,
     .timeout = RINGQ_T(20), .disabled = UNBOUNDED_RUN) {
  struct ringq_queue *q = mpmc(2);
  struct call paused;
  uint64_t got = 0, item = 3;
  int64_t t0;
  pthread_t rel;
  enum ringq_status st;
  put_ok_value(q, 1);
  put_ok_value(q, 2);
  start_paused(&paused, q, 0, 0); /* claims ticket 0 (item 1), faults copying it out */
  cr_assert_eq(ringq_queue_get_nowait(q, &got), RINGQ_OK, "the later get completes");
  cr_assert_eq(got, 2);
  /* Python: capacity 2, two puts, one completed get: one item is accepted and not got, so a put
   * must not say FULL. Its slot is the paused getter's. */
  rel = release_later();
  t0 = test_now_ns();
  st = ringq_queue_put_nowait(q, &item);
  cr_assert_eq(st, RINGQ_OK, "put after a completed get: %s", ringq_strerror(st));
  cr_assert_geq(test_now_ns() - t0, HOLD_NS / 2, "it waited for the paused getter");
  pthread_join(rel, NULL);
  pthread_join(paused.thread, NULL);
  cr_assert_eq(paused.st, RINGQ_OK);
  cr_assert_eq(*(uint64_t *)trap_page, 1);
  cr_assert_eq(ringq_queue_get_nowait(q, &got), RINGQ_OK);
  cr_assert_eq(got, 3);
  free_queue(q);
}

Test(queue_contract, an_mpmc_put_nowait_reports_full_at_once_when_only_a_paused_get_frees_room,
     .timeout = RINGQ_T(20), .disabled = UNBOUNDED_RUN) {
  struct ringq_queue *q = mpmc(2);
  struct call paused;
  uint64_t item = 3;
  put_ok_value(q, 1);
  put_ok_value(q, 2);
  start_paused(&paused, q, 0, 0);
  /* The only get under way has not returned: FULL is what a sequential queue says. */
  cr_assert_eq(ringq_queue_put_nowait(q, &item), RINGQ_FULL);
  release_paused(&paused);
  cr_assert_eq(ringq_queue_put_nowait(q, &item), RINGQ_OK);
  free_queue(q);
}

/* Results that count a claim still being copied must agree with each other: after a put said
 * FULL because two putters hold both slots, a get must not say EMPTY. */
Test(queue_contract, an_mpmc_get_after_a_full_put_waits_for_the_putters_it_counted,
     .timeout = RINGQ_T(20), .disabled = UNBOUNDED_RUN) {
  struct ringq_queue *q = mpmc(2);
  struct call ab[2];
  uint64_t item = 7, got = 0;
  pthread_t rel;
  enum ringq_status st;
  start_paused_n(ab, 2, q, 1, 5);
  cr_assert_eq(ringq_queue_put_nowait(q, &item), RINGQ_FULL, "both slots are claimed");
  rel = release_later();
  st = ringq_queue_get_nowait(q, &got);
  cr_assert_eq(st, RINGQ_OK, "FULL, then EMPTY: %s", ringq_strerror(st));
  cr_assert_eq(got, 5);
  pthread_join(rel, NULL);
  pthread_join(ab[0].thread, NULL);
  pthread_join(ab[1].thread, NULL);
  free_queue(q);
}

/* ... and after a get said EMPTY because two getters hold both items, a put must not say FULL. */
Test(queue_contract, an_mpmc_put_after_an_empty_get_waits_for_the_getters_it_counted,
     .timeout = RINGQ_T(20)) {
  struct ringq_queue *q = mpmc(2);
  struct call ab[2];
  uint64_t item = 3, got = 0;
  pthread_t rel;
  enum ringq_status st;
  put_ok_value(q, 1);
  put_ok_value(q, 2);
  start_paused_n(ab, 2, q, 0, 0);
  cr_assert_eq(ringq_queue_get_nowait(q, &got), RINGQ_EMPTY, "both items are claimed");
  rel = release_later();
  st = ringq_queue_put_nowait(q, &item);
  cr_assert_eq(st, RINGQ_OK, "EMPTY, then FULL: %s", ringq_strerror(st));
  pthread_join(rel, NULL);
  pthread_join(ab[0].thread, NULL);
  pthread_join(ab[1].thread, NULL);
  free_queue(q);
}

/* ... and after task_done counted a put still being copied, a get must not say EMPTY. */
Test(queue_contract, an_mpmc_get_after_task_done_counted_a_paused_put_waits_for_it,
     .timeout = RINGQ_T(20)) {
  struct ringq_queue *q = mpmc(4);
  struct call a;
  uint64_t got = 0;
  pthread_t rel;
  enum ringq_status st;
  start_paused(&a, q, 1, 8);
  cr_assert_eq(ringq_queue_task_done(q), RINGQ_OK, "the claimed put counts, as in Python");
  rel = release_later();
  st = ringq_queue_get_nowait(q, &got);
  cr_assert_eq(st, RINGQ_OK, "task_done, then EMPTY: %s", ringq_strerror(st));
  cr_assert_eq(got, 8);
  pthread_join(rel, NULL);
  pthread_join(a.thread, NULL);
  free_queue(q);
}

/* A timed call waits for a paused peer only until its own deadline. */
Test(queue_contract, an_mpmc_timed_get_waits_for_a_paused_putter_only_until_its_deadline,
     .timeout = RINGQ_T(20), .disabled = UNBOUNDED_RUN) {
  struct ringq_queue *q = mpmc(4);
  struct call paused;
  uint64_t mine = 2, got = 0;
  int64_t t0;
  start_paused(&paused, q, 1, 0);
  cr_assert_eq(ringq_queue_put_nowait(q, &mine), RINGQ_OK);
  t0 = test_now_ns();
  cr_assert_eq(ringq_queue_get_timeout(q, &got, 20 * MS), RINGQ_EMPTY);
  cr_assert_geq(test_now_ns() - t0, 20 * MS, "never early");
  release_paused(&paused);
  cr_assert_eq(ringq_queue_get_nowait(q, &got), RINGQ_OK);
  cr_assert_eq(ringq_queue_get_nowait(q, &got), RINGQ_OK);
  cr_assert_eq(got, 2);
  free_queue(q);
}

/* Point 4: once a put has failed with SHUTDOWN, is_shutdown says so, even while the shutdown
 * itself is still under way (here: an immediate shutdown waiting for a paused putter). */
static void *
shutdown_main(void *arg) {
  enum ringq_status st = ringq_queue_shutdown(arg, true);
  return (void *)(intptr_t)st;
}

Test(queue_contract, is_shutdown_is_true_as_soon_as_a_put_fails_with_shutdown,
     .timeout = RINGQ_T(20)) {
  struct ringq_queue *q = mpmc(4);
  struct call paused;
  pthread_t sd;
  uint64_t item = 9;
  int64_t end = test_now_ns() + LIMIT_NS;
  void *ret;
  start_paused(&paused, q, 1, 0);
  cr_assert_eq(pthread_create(&sd, NULL, shutdown_main, q), 0);
  while (ringq_queue_put_nowait(q, &item) != RINGQ_SHUTDOWN) {
    cr_assert(test_now_ns() < end, "puts never failed after shutdown began");
    /* an accepted put is fine before the shutdown takes effect; take it back out */
    sleep_ns(MS / 10);
  }
  cr_assert(ringq_queue_is_shutdown(q), "a put failed with SHUTDOWN but is_shutdown is false");
  atomic_store(&trap_release, 1);
  pthread_join(paused.thread, NULL);
  pthread_join(sd, &ret);
  cr_assert_eq((intptr_t)ret, RINGQ_OK);
  free_queue(q);
}

/* ---- point 2: task_done counts against items put ------------------------------------------ */

Test(queue_contract, task_done_may_come_before_the_get_and_is_refused_only_beyond_the_puts,
     .timeout = RINGQ_T(10)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 4);
    uint64_t got;
    cr_assert_eq(ringq_queue_task_done(q), RINGQ_ETASKDONE, "%s: fresh queue", kind_name(kinds[k]));
    put_ok_value(q, 1);
    put_ok_value(q, 2);
    /* Python: q.put(1); q.put(2); q.task_done() is legal (unfinished_tasks 2 -> 1). */
    cr_assert_eq(ringq_queue_task_done(q), RINGQ_OK, "%s: put; task_done", kind_name(kinds[k]));
    cr_assert_eq(ringq_queue_join_timeout(q, 0), RINGQ_TIMEDOUT);
    cr_assert_eq(ringq_queue_task_done(q), RINGQ_OK);
    cr_assert_eq(ringq_queue_task_done(q), RINGQ_ETASKDONE, "a third task_done for two puts");
    /* unfinished_tasks is 0 with both items still queued: join returns, as in Python. */
    cr_assert_eq(ringq_queue_join_timeout(q, 0), RINGQ_OK);
    cr_assert_eq(ringq_queue_qsize(q), 2);
    cr_assert_eq(ringq_queue_get_nowait(q, &got), RINGQ_OK);
    cr_assert_eq(ringq_queue_task_done(q), RINGQ_ETASKDONE);
    free_queue(q);
  }
}

Test(queue_contract, an_immediate_shutdown_subtracts_the_discarded_items_clamped_at_zero,
     .timeout = RINGQ_T(10)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 4);
    uint64_t got;
    /* 3 puts, 1 get, no task_done: unfinished 3, minus 2 discarded = 1 (the item got). */
    put_ok_value(q, 1);
    put_ok_value(q, 2);
    put_ok_value(q, 3);
    cr_assert_eq(ringq_queue_get_nowait(q, &got), RINGQ_OK);
    cr_assert_eq(ringq_queue_shutdown(q, true), RINGQ_OK);
    cr_assert_eq(ringq_queue_join_timeout(q, 0), RINGQ_TIMEDOUT, "%s", kind_name(kinds[k]));
    cr_assert_eq(ringq_queue_task_done(q), RINGQ_OK);
    cr_assert_eq(ringq_queue_join_timeout(q, 0), RINGQ_OK);
    cr_assert_eq(ringq_queue_task_done(q), RINGQ_ETASKDONE);
    free_queue(q);

    /* 3 puts, 3 task_done before any get, 1 get: unfinished 0, minus 2 discarded, clamped: 0. */
    q = new_queue(kinds[k], 4);
    put_ok_value(q, 1);
    put_ok_value(q, 2);
    put_ok_value(q, 3);
    cr_assert_eq(ringq_queue_task_done(q), RINGQ_OK);
    cr_assert_eq(ringq_queue_task_done(q), RINGQ_OK);
    cr_assert_eq(ringq_queue_task_done(q), RINGQ_OK);
    cr_assert_eq(ringq_queue_get_nowait(q, &got), RINGQ_OK);
    cr_assert_eq(ringq_queue_shutdown(q, true), RINGQ_OK);
    cr_assert_eq(ringq_queue_join_timeout(q, 0), RINGQ_OK, "%s", kind_name(kinds[k]));
    cr_assert_eq(ringq_queue_task_done(q), RINGQ_ETASKDONE, "clamped at zero");
    cr_assert_eq(ringq_queue_join_timeout(q, 0), RINGQ_OK);
    free_queue(q);
  }
}

/* ---- point 3: task_done racing an immediate shutdown never leaves join hanging ------------- */

struct spammer {
  struct ringq_queue *q;
  atomic_int go, stop;
  uint64_t ok;
};

static void *
spam_task_done(void *arg) {
  struct spammer *s = arg;
  atomic_store(&s->go, 1);
  while (!atomic_load(&s->stop))
    if (ringq_queue_task_done(s->q) == RINGQ_OK)
      s->ok++;
  return NULL;
}

/* A spammer of task_done runs while an immediate shutdown discards what is left; whatever the
 * interleaving, the count must end exact: once task_done is refused, join returns at once. */
Test(queue_contract, task_done_racing_an_immediate_shutdown_never_leaves_join_hanging,
     .timeout = RINGQ_T(120)) {
  int round;
  for (round = 0; round < 40; round++) {
    size_t k = (size_t)round % NKINDS;
    struct ringq_queue *q = new_queue(kinds[k], 1024);
    struct spammer s = {.q = q, .ok = 0};
    pthread_t t;
    uint64_t i, got, extra = 0;
    enum ringq_status st;
    for (i = 0; i < 1024; i++)
      put_ok_value(q, i);
    for (i = 0; i < 8; i++)
      cr_assert_eq(ringq_queue_get_nowait(q, &got), RINGQ_OK);
    atomic_store(&s.go, 0);
    atomic_store(&s.stop, 0);
    cr_assert_eq(pthread_create(&t, NULL, spam_task_done, &s), 0);
    while (!atomic_load(&s.go))
      ;
    cr_assert_eq(ringq_queue_shutdown(q, true), RINGQ_OK);
    atomic_store(&s.stop, 1);
    pthread_join(t, NULL);
    while (ringq_queue_task_done(q) == RINGQ_OK)
      cr_assert_leq(++extra, 1024);
    st = ringq_queue_join_timeout(q, 2000 * MS * SCALE);
    cr_assert_eq(st, RINGQ_OK, "round %d (%s): join after %" PRIu64 " + %" PRIu64 " task_done calls: %s",
                 round, kind_name(kinds[k]), s.ok, extra, ringq_strerror(st));
    cr_assert_leq(s.ok + extra, 1024, "more task_done calls accepted than items put");
    free_queue(q);
  }
}

/* ---- point 5: token queues (elem_size 0) --------------------------------------------------- */

Test(queue_contract, a_queue_of_elem_size_zero_carries_tokens_and_accepts_null_items,
     .timeout = RINGQ_T(10)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = NULL;
    size_t bytes = 0;
    cr_assert_eq(ringq_queue_memsize(kinds[k], 3, 0, &bytes), RINGQ_OK);
    cr_assert_gt(bytes, 0);
    cr_assert_eq(ringq_queue_create(kinds[k], 3, 0, &q), RINGQ_OK, "%s", kind_name(kinds[k]));
    cr_assert_eq(ringq_queue_put_nowait(q, NULL), RINGQ_OK);
    cr_assert_eq(ringq_queue_put(q, NULL), RINGQ_OK);
    cr_assert_eq(ringq_queue_put_timeout(q, NULL, 0), RINGQ_OK);
    cr_assert_eq(ringq_queue_put_nowait(q, NULL), RINGQ_FULL);
    cr_assert(ringq_queue_full(q));
    cr_assert_eq(ringq_queue_get_nowait(q, NULL), RINGQ_OK);
    cr_assert_eq(ringq_queue_get(q, NULL), RINGQ_OK);
    cr_assert_eq(ringq_queue_get_timeout(q, NULL, MS), RINGQ_OK);
    cr_assert_eq(ringq_queue_get_nowait(q, NULL), RINGQ_EMPTY);
    free_queue(q);
  }
}

/* ---- point 6: nothing is dropped on the floor ---------------------------------------------- */

struct discards {
  uint64_t seen[16];
  size_t n;
};

static void
record_discard(void *item, void *ctx) {
  struct discards *d = ctx;
  if (d->n < 16)
    memcpy(&d->seen[d->n], item, sizeof(uint64_t));
  d->n++;
}

Test(queue_contract, an_immediate_shutdown_hands_each_discarded_item_to_the_callback_in_order,
     .timeout = RINGQ_T(10)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 8);
    struct discards d = {.n = 0};
    uint64_t i, got;
    cr_assert_eq(ringq_queue_set_discard(q, record_discard, &d), RINGQ_OK);
    for (i = 1; i <= 6; i++)
      put_ok_value(q, i);
    cr_assert_eq(ringq_queue_get_nowait(q, &got), RINGQ_OK);
    cr_assert_eq(ringq_queue_shutdown(q, true), RINGQ_OK);
    cr_assert_eq(d.n, 5, "%s: %zu discarded", kind_name(kinds[k]), d.n);
    for (i = 0; i < 5; i++)
      cr_assert_eq(d.seen[i], i + 2, "discard %" PRIu64 " is item %" PRIu64, i, d.seen[i]);
    cr_assert_eq(ringq_queue_shutdown(q, true), RINGQ_OK);
    cr_assert_eq(d.n, 5, "a second shutdown discards nothing more");
    free_queue(q);
  }
}

Test(queue_contract, destroying_a_queue_that_holds_items_hands_them_to_the_callback,
     .timeout = RINGQ_T(10)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 8);
    struct discards d = {.n = 0};
    uint64_t i;
    cr_assert_eq(ringq_queue_set_discard(q, record_discard, &d), RINGQ_OK);
    for (i = 1; i <= 3; i++)
      put_ok_value(q, i);
    cr_assert_eq(ringq_queue_shutdown(q, false), RINGQ_OK); /* graceful: items stay */
    cr_assert_eq(d.n, 0);
    cr_assert_eq(ringq_queue_destroy(q), RINGQ_OK);
    cr_assert_eq(d.n, 3, "%s", kind_name(kinds[k]));
    for (i = 0; i < 3; i++)
      cr_assert_eq(d.seen[i], i + 1);
  }
}

Test(queue_contract, set_discard_refuses_null_queues_and_process_shared_queues,
     .timeout = RINGQ_T(10)) {
  size_t bytes = 0;
  void *mem;
  struct ringq_queue *q;
  cr_assert_eq(ringq_queue_set_discard(NULL, record_discard, NULL), RINGQ_EINVAL);
  cr_assert_eq(ringq_queue_memsize(RINGQ_QUEUE_MPMC, 4, 8, &bytes), RINGQ_OK);
  mem = aligned_alloc(RINGQ_CACHE_LINE, (bytes + RINGQ_CACHE_LINE - 1) & ~(size_t)(RINGQ_CACHE_LINE - 1));
  cr_assert_eq(ringq_queue_init(mem, bytes, RINGQ_QUEUE_MPMC, 4, 8, RINGQ_QUEUE_PROCESS_SHARED),
               RINGQ_OK);
  q = mem;
  /* a function pointer means nothing in another process */
  cr_assert_eq(ringq_queue_set_discard(q, record_discard, NULL), RINGQ_EINVAL);
  cr_assert_eq(ringq_queue_fini(q), RINGQ_OK);
  free(mem);
}

/* ---- point 7: a refused membarrier never aborts ---------------------------------------------- */

/* Refuse membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) with EPERM in every thread of this process
 * (the test runs in its own process: Criterion forks one per test). QUERY and REGISTER pass. */
static void
refuse_private_expedited(void) {
  struct sock_filter code[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_membarrier, 0, 3),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {.len = sizeof code / sizeof code[0], .filter = code};
  cr_assert_eq(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
  cr_assert_eq(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog), 0,
               "seccomp: %s", strerror(errno));
}

struct pinger {
  struct ringq_queue *a, *b;
  uint64_t rounds;
  enum ringq_status st;
};

static void *
pong_main(void *arg) {
  struct pinger *p = arg;
  uint64_t i, x;
  for (i = 0; i < p->rounds; i++) {
    if ((p->st = ringq_queue_get_timeout(p->a, &x, LIMIT_NS)) != RINGQ_OK)
      return NULL;
    if ((p->st = ringq_queue_put_timeout(p->b, &x, LIMIT_NS)) != RINGQ_OK)
      return NULL;
  }
  return NULL;
}

/* Ping-pong between two SPSC queues with sleeps, so that waiters really sleep. */
static void
ping_pong(struct ringq_queue *a, struct ringq_queue *b, uint64_t rounds) {
  struct pinger p = {.a = a, .b = b, .rounds = rounds, .st = RINGQ_OK};
  pthread_t t;
  uint64_t i, x;
  cr_assert_eq(pthread_create(&t, NULL, pong_main, &p), 0);
  for (i = 0; i < rounds; i++) {
    if (i % 8 == 0)
      sleep_ns(MS);
    cr_assert_eq(ringq_queue_put_timeout(a, &i, LIMIT_NS), RINGQ_OK);
    cr_assert_eq(ringq_queue_get_timeout(b, &x, LIMIT_NS), RINGQ_OK, "round %" PRIu64, i);
    cr_assert_eq(x, i);
  }
  pthread_join(t, NULL);
  cr_assert_eq(p.st, RINGQ_OK);
}

Test(queue_contract, a_membarrier_refused_from_the_start_leaves_spsc_queues_working,
     .timeout = RINGQ_T(60)) {
  struct ringq_queue *a, *b;
  refuse_private_expedited();
  a = new_queue(RINGQ_QUEUE_SPSC, 4);
  b = new_queue(RINGQ_QUEUE_SPSC, 4);
  ping_pong(a, b, 200);
  cr_assert_eq(ringq_queue_shutdown(a, true), RINGQ_OK);
  free_queue(a);
  free_queue(b);
}

Test(queue_contract, a_membarrier_refused_in_mid_run_leaves_spsc_queues_working,
     .timeout = RINGQ_T(60)) {
  struct ringq_queue *a = new_queue(RINGQ_QUEUE_SPSC, 4);
  struct ringq_queue *b = new_queue(RINGQ_QUEUE_SPSC, 4);
  struct ringq_queue_stats s;
  ping_pong(a, b, 50);
  refuse_private_expedited();
  ping_pong(a, b, 200);
  ringq_queue_stats(a, &s);
  cr_assert_gt(s.barriers, 0, "the queue never used membarrier: the test proves nothing");
  cr_assert_eq(ringq_queue_shutdown(a, false), RINGQ_OK);
  cr_assert_eq(ringq_queue_shutdown(b, true), RINGQ_OK);
  free_queue(a);
  free_queue(b);
}

/* ---- point 8: a cancelled waiter leaves no trace ------------------------------------------ */

static void *
blocked_get_main(void *arg) {
  uint64_t x;
  enum ringq_status st = ringq_queue_get(arg, &x);
  return (void *)(intptr_t)st;
}

static void *
blocked_join_main(void *arg) {
  enum ringq_status st = ringq_queue_join(arg);
  return (void *)(intptr_t)st;
}

Test(queue_contract, a_thread_cancelled_while_it_waits_takes_back_its_announcement,
     .timeout = RINGQ_T(30)) {
  size_t k;
  for (k = 0; k < NKINDS; k++) {
    struct ringq_queue *q = new_queue(kinds[k], 2);
    struct ringq_queue_stats before, after;
    pthread_t t;
    void *ret;
    uint64_t x = 1, w0 = waits_of_queue(q);
    int64_t end = test_now_ns() + FALL_ASLEEP_NS;
    cr_assert_eq(pthread_create(&t, NULL, blocked_get_main, q), 0);
    while (waits_of_queue(q) == w0) {
      cr_assert(test_now_ns() < end, "the getter never slept");
      sleep_ns(MS);
    }
    sleep_ns(10 * MS);
    cr_assert_eq(ringq_queue_fini(q), RINGQ_EBUSY);
    cr_assert_eq(pthread_cancel(t), 0);
    cr_assert_eq(pthread_join(t, &ret), 0);
    cr_assert_eq(ret, PTHREAD_CANCELED, "%s: the blocked get was not cancelled", kind_name(kinds[k]));
    cr_assert_eq(ringq_queue_fini(q), RINGQ_OK, "the cancelled getter is still counted");
    ringq_queue_stats(q, &before);
    cr_assert_eq(ringq_queue_put_nowait(q, &x), RINGQ_OK);
    ringq_queue_stats(q, &after);
    cr_assert_eq(after.wakes, before.wakes, "a put still pays a wake-up for the cancelled getter");

    /* a joiner, too */
    w0 = waits_of_queue(q);
    cr_assert_eq(pthread_create(&t, NULL, blocked_join_main, q), 0);
    while (waits_of_queue(q) == w0) {
      cr_assert(test_now_ns() < end + FALL_ASLEEP_NS, "the joiner never slept");
      sleep_ns(MS);
    }
    cr_assert_eq(pthread_cancel(t), 0);
    cr_assert_eq(pthread_join(t, &ret), 0);
    cr_assert_eq(ret, PTHREAD_CANCELED);
    cr_assert_eq(ringq_queue_fini(q), RINGQ_OK, "the cancelled joiner is still counted");
    free_queue(q);
  }
}
