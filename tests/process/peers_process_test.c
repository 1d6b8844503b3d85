/* SPDX-License-Identifier: MIT */
/* tests/process/peers_process_test.c: dead peers (src/peers.c), one scenario per run
 * (`peers_process_test <scenario>`):
 *   putdead      an MPMC putter killed between its claim and its publication: the survivors' gets
 *                skip the hole (timed and untimed), stats.lost is 1, join completes, shutdown too
 *   stopped      an MPMC putter stopped (SIGSTOP) between its claim and its publication is live:
 *                its slot is never skipped, however long the survivors wait; it goes on after
 *                SIGCONT and its item arrives in order
 *   getdead      an MPMC getter killed between its claim and its release: a putter waiting for
 *                that slot gets it, stats.lost is 1, join completes; and with no putter left
 *                (shutdown, plain and immediate): the get or discard that finds the queue
 *                closed and drained counts it lost, join completes
 *   joindead     an MPMC getter killed between its claim and its release, the rest got and
 *                task_done'd by other processes, no putter left (no shutdown; a plain one): a
 *                join without a timeout returns RINGQ_OK within seconds (the joiner sweeps the
 *                lap below head once done stalls), stats.lost is 1, every other item once;
 *                a getter stopped (SIGSTOP) in its claim is live: join waits, nothing is lost
 *   spscdead     an SPSC getter killed holding get_busy: an immediate shutdown does not wait for
 *                it (SHARED_PEER_WAIT_NS, 1 s, is what it costs without the liveness test)
 *   shutdowndead a shutdown caller killed half-way (plain: after CLOSING; immediate: after two of
 *                six discards), MPMC and SPSC: a blocked survivor (a getter; a joiner) finishes
 *                the shutdown within seconds, or a second shutdown call does at once; then the
 *                closed mark is set, nothing is left, join is done, nothing is lost
 *   blockeddead  a waiter killed asleep: fini stops saying EBUSY, puts, gets and shutdown go on
 *   reuse        150 processes attach, put and die (half of them mid-claim) on one queue with a
 *                64-entry table: every attach succeeds (dead entries are taken over and their
 *                claims resolved), and items got + lost == items put
 *   storm        producers and consumers SIGKILLed at random instants, hundreds of times, with
 *                pauses injected inside the claim windows; exact accounting (see storm_check)
 *   bytesdead    BYTES_MPSC putters killed holding a reservation, between their claim and their
 *                header (a wrap), after their COUNTING CAS and after their count: later
 *                messages (this process's and another producer's) flow after ~5 ms, stats.lost
 *                counts the skipped records once each, a counted one is delivered, join and an
 *                immediate shutdown complete
 *   bytesstopped a BYTES_MPSC reserver stopped (SIGSTOP) is live: never skipped; it commits after
 *                SIGCONT and its message comes first
 *   bytesstorm   BYTES_MPSC producers of random lengths SIGKILLed at random instants (pauses in
 *                the claim and copy windows), this process consuming; exact accounting
 *                (bytes_storm_check)
 *   stormshutdown  rounds on fresh shared MPMC and SPSC queues: producers and consumers
 *                SIGKILLed at random instants, then shutdown callers (plain and immediate, random
 *                delays, pauses inside the shutdown) started among them and SIGKILLed at random
 *                instants too; no call hangs (shutdown callers left alive return on their own);
 *                this process finishes the shutdown and drains; per round, exact accounting
 *                (ss_check): every accepted item delivered once, discarded, or in stats.lost,
 *                and join waits for exactly the delivered ones. Prints kills per role, rounds,
 *                accepted / delivered / discarded / lost
 * Uses the test hooks of ringq_testable to die or pause at a given step. Exit 0 passed, 1 failed. */
#define _GNU_SOURCE
#include <ringq/queue.h>

#include "wait.h" /* the test hooks */

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                             \
      fprintf(stderr, __VA_ARGS__);                                                                \
      fprintf(stderr, "\n");                                                                       \
      failures++;                                                                                  \
    }                                                                                              \
  } while (0)
#define ST(call, want)                                                                             \
  do {                                                                                             \
    int st_ = (call);                                                                              \
    CHECK(st_ == (want), "%s, wanted %s", ringq_strerror(st_), ringq_strerror(want));              \
  } while (0)

#define MS 1000000LL
#define SEC 1000000000LL

static int64_t
now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * SEC + ts.tv_nsec;
}

static void
nap_ns(int64_t ns)
{
  struct timespec ts = {(time_t)(ns / SEC), (long)(ns % SEC)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

static const char *
unique_name(void)
{
  static char buf[4][64];
  static int n;
  char *b = buf[n % 4];
  snprintf(b, sizeof buf[0], "/ringq-peers-%d-%d", (int)getpid(), n++);
  return b;
}

static void *
shared_anon(size_t bytes)
{
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    perror("mmap");
    exit(1);
  }
  return p;
}

/* The child died of SIGKILL (its own raise, or ours). */
static int
killed(pid_t pid)
{
  int status = 0;
  if (waitpid(pid, &status, 0) != pid)
    return 0;
  if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
    fprintf(stderr, "child %d: %s %d\n", (int)pid, WIFEXITED(status) ? "exit" : "signal",
            WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return 0;
  }
  return 1;
}

/* ---- hooks: die, or pause, at a step -------------------------------------------------------- */

static int die_at = -1;
static int die_after = 1; /* die at the die_after-th time the step is reached */

static void
die_hook(enum ringq__hook_point p)
{
  if ((int)p == die_at && --die_after <= 0)
    raise(SIGKILL);
}

static void
die_at_step(enum ringq__hook_point p)
{
  die_at = (int)p;
  atomic_store(&ringq__test_hook, die_hook);
}

/* A child that opens the queue by name (its own open file description: its own entry) and dies
 * at `step` inside `op`. */
enum op { OP_PUT, OP_GET, OP_GET3, OP_SHUTDOWN, OP_SHUTDOWN_NOW };

static pid_t
spawn_dier(const char *name, enum op op, enum ringq__hook_point step, uint64_t v)
{
  pid_t pid = fork();
  if (pid == 0) {
    struct ringq_queue *mine;
    if (ringq_queue_shm_open(name, &mine) != RINGQ_OK)
      _exit(2);
    die_at_step(step);
    if (op == OP_PUT)
      (void)ringq_queue_put(mine, &v);
    else if (op == OP_GET)
      (void)ringq_queue_get(mine, &v);
    else if (op == OP_SHUTDOWN || op == OP_SHUTDOWN_NOW) {
      die_after = (int)v; /* shutdown: v is the count of steps before the death */
      (void)ringq_queue_shutdown(mine, op == OP_SHUTDOWN_NOW);
    } else {
      uint64_t three[3];
      (void)ringq_queue_get_many(mine, three, 3, 0);
    }
    _exit(3); /* the hook did not fire */
  }
  return pid;
}

/* ---- deterministic cases ------------------------------------------------------------------- */

static void
on_alarm(int sig)
{
  (void)sig;
  static const char msg[] = "FAIL: a call hung (watchdog)\n";
  (void)!write(2, msg, sizeof msg - 1);
  _exit(1);
}

static int
scenario_putdead(void)
{
  const char *name = unique_name();
  struct ringq_queue *q;
  struct ringq_queue_stats s;
  uint64_t v, i;
  ST(ringq_queue_shm_create(name, 0, RINGQ_QUEUE_MPMC, 8, sizeof(uint64_t), 0, &q), RINGQ_OK);
  if (q == NULL)
    return 1;
  CHECK(killed(spawn_dier(name, OP_PUT, RINGQ__HOOK_PEER_PUT_CLAIMED, 100)), "putter");
  for (i = 1; i <= 3; i++)
    ST(ringq_queue_put_nowait(q, &i), RINGQ_OK);
  ringq_queue_stats(q, &s);
  CHECK(s.lost == 0, "lost %llu before any get", (unsigned long long)s.lost);
  /* A timed get: ticket 0 is claimed by a dead process; it becomes a hole and item 1 comes. */
  ST(ringq_queue_get_timeout(q, &v, 10 * SEC), RINGQ_OK);
  CHECK(v == 1, "got %llu", (unsigned long long)v);
  ringq_queue_stats(q, &s);
  CHECK(s.lost == 1, "lost %llu", (unsigned long long)s.lost);
  ST(ringq_queue_get_nowait(q, &v), RINGQ_OK);
  CHECK(v == 2, "got %llu", (unsigned long long)v);
  ST(ringq_queue_get_nowait(q, &v), RINGQ_OK);
  CHECK(v == 3, "got %llu", (unsigned long long)v);
  for (i = 0; i < 3; i++)
    ST(ringq_queue_task_done(q), RINGQ_OK);
  ST(ringq_queue_join_timeout(q, 10 * SEC), RINGQ_OK); /* the lost item counts as done */

  /* An untimed get, the orphan first in line and the only item behind it (a watchdog fails the
   * test if it hangs). */
  CHECK(killed(spawn_dier(name, OP_PUT, RINGQ__HOOK_PEER_PUT_CLAIMED, 200)), "putter 2");
  v = 9;
  ST(ringq_queue_put_nowait(q, &v), RINGQ_OK);
  signal(SIGALRM, on_alarm);
  alarm(60);
  ST(ringq_queue_get(q, &v), RINGQ_OK);
  alarm(0);
  CHECK(v == 9, "got %llu", (unsigned long long)v);
  ringq_queue_stats(q, &s);
  CHECK(s.lost == 2, "lost %llu", (unsigned long long)s.lost);
  ST(ringq_queue_task_done(q), RINGQ_OK);
  ST(ringq_queue_join_timeout(q, 10 * SEC), RINGQ_OK);

  /* A third orphan left for shutdown(immediate): it completes, and a get says SHUTDOWN. */
  CHECK(killed(spawn_dier(name, OP_PUT, RINGQ__HOOK_PEER_PUT_CLAIMED, 300)), "putter 3");
  v = 10;
  ST(ringq_queue_put_nowait(q, &v), RINGQ_OK);
  alarm(60);
  ST(ringq_queue_shutdown(q, true), RINGQ_OK);
  alarm(0);
  ST(ringq_queue_get_nowait(q, &v), RINGQ_SHUTDOWN);
  ST(ringq_queue_close(q), RINGQ_OK);
  ST(ringq_queue_shm_unlink(name), RINGQ_OK);
  return failures ? 1 : 0;
}

/* A child stops itself (SIGSTOP) at this hook point: a live claimant inside its claim. */
static enum ringq__hook_point stop_at;

static void
stop_hook(enum ringq__hook_point p)
{
  if (p == stop_at)
    raise(SIGSTOP);
}

static int
scenario_stopped(void)
{
  const char *name = unique_name();
  struct ringq_queue *q;
  struct ringq_queue_stats s;
  uint64_t v = 0;
  int status = 0, round;
  pid_t pid;
  ST(ringq_queue_shm_create(name, 0, RINGQ_QUEUE_MPMC, 8, sizeof(uint64_t), 0, &q), RINGQ_OK);
  if (q == NULL)
    return 1;
  pid = fork();
  if (pid == 0) {
    struct ringq_queue *mine;
    uint64_t item = 100;
    if (ringq_queue_shm_open(name, &mine) != RINGQ_OK)
      _exit(2);
    stop_at = RINGQ__HOOK_PEER_PUT_CLAIMED;
    atomic_store(&ringq__test_hook, stop_hook);
    _exit(ringq_queue_put(mine, &item) == RINGQ_OK && ringq_queue_close(mine) == RINGQ_OK ? 0
                                                                                          : 3);
  }
  CHECK(waitpid(pid, &status, WUNTRACED) == pid && WIFSTOPPED(status), "child did not stop");
  v = 1;
  ST(ringq_queue_put_nowait(q, &v), RINGQ_OK);
  /* Far longer than STUCK_NS, several times: the claimant is live, its slot stays. */
  for (round = 0; round < 5; round++) {
    ST(ringq_queue_get_timeout(q, &v, 100 * MS), RINGQ_EMPTY);
    ringq_queue_stats(q, &s);
    CHECK(s.lost == 0, "a live claimant's slot was skipped (lost %llu)",
          (unsigned long long)s.lost);
  }
  ST(ringq_queue_shutdown(q, true), RINGQ_OK); /* bounded: it gives up on the stopped slot */
  kill(pid, SIGCONT);
  CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
        "child after SIGCONT");
  ringq_queue_stats(q, &s);
  CHECK(s.lost == 0, "lost %llu", (unsigned long long)s.lost);
  ST(ringq_queue_close(q), RINGQ_OK);
  ST(ringq_queue_shm_unlink(name), RINGQ_OK);
  return failures ? 1 : 0;
}

/* A getter killed between its claim and its release, then a shutdown (plain: this process gets
 * the rest; immediate: it discards the rest) and no putter ever needs the slot again: the get or
 * discard that finds the queue closed and drained resolves the dead claim ([D4] in peers.c), so
 * the item is counted lost and join completes. (Before: SHUTDOWN with the claim unresolved, lost
 * 0, join one task short for good.) */
static void
getdead_closed(int immediate)
{
  const char *name = unique_name();
  const char *what = immediate ? "immediate" : "plain";
  struct ringq_queue *q;
  struct ringq_queue_stats s;
  uint64_t v, i;
  ST(ringq_queue_shm_create(name, 0, RINGQ_QUEUE_MPMC, 8, sizeof(uint64_t), 0, &q), RINGQ_OK);
  if (q == NULL)
    return;
  for (i = 1; i <= 3; i++)
    ST(ringq_queue_put_nowait(q, &i), RINGQ_OK);
  CHECK(killed(spawn_dier(name, OP_GET, RINGQ__HOOK_PEER_GET_CLAIMED, 0)), "getter");
  signal(SIGALRM, on_alarm);
  alarm(60);
  ST(ringq_queue_shutdown(q, immediate), RINGQ_OK);
  if (!immediate)
    for (i = 2; i <= 3; i++) {
      ST(ringq_queue_get_nowait(q, &v), RINGQ_OK);
      CHECK(v == i, "%s: got %llu, wanted %llu", what, (unsigned long long)v,
            (unsigned long long)i);
      ST(ringq_queue_task_done(q), RINGQ_OK);
    }
  ST(ringq_queue_get_nowait(q, &v), RINGQ_SHUTDOWN);
  alarm(0);
  ringq_queue_stats(q, &s);
  CHECK(s.lost == 1, "%s: lost %llu after the closed queue was drained", what,
        (unsigned long long)s.lost);
  CHECK(ringq_queue_qsize(q) == 0, "%s: qsize %zu", what, ringq_queue_qsize(q));
  ST(ringq_queue_join_timeout(q, 0), RINGQ_OK);
  ST(ringq_queue_task_done(q), RINGQ_ETASKDONE); /* every task accounted for, none twice */
  ST(ringq_queue_get_nowait(q, &v), RINGQ_SHUTDOWN);
  ringq_queue_stats(q, &s);
  CHECK(s.lost == 1, "%s: lost %llu after a second get", what, (unsigned long long)s.lost);
  ST(ringq_queue_close(q), RINGQ_OK);
  ST(ringq_queue_shm_unlink(name), RINGQ_OK);
}

static int
scenario_getdead(void)
{
  const char *name = unique_name();
  struct ringq_queue *q;
  struct ringq_queue_stats s;
  uint64_t v, i;
  ST(ringq_queue_shm_create(name, 0, RINGQ_QUEUE_MPMC, 4, sizeof(uint64_t), 0, &q), RINGQ_OK);
  if (q == NULL)
    return 1;
  for (i = 1; i <= 4; i++)
    ST(ringq_queue_put_nowait(q, &i), RINGQ_OK);
  CHECK(killed(spawn_dier(name, OP_GET, RINGQ__HOOK_PEER_GET_CLAIMED, 0)), "getter");
  /* Item 1's slot is held by a dead getter; the put of ticket 4 needs it. */
  v = 5;
  signal(SIGALRM, on_alarm);
  alarm(60);
  ST(ringq_queue_put_timeout(q, &v, 10 * SEC), RINGQ_OK);
  alarm(0);
  ringq_queue_stats(q, &s);
  CHECK(s.lost == 1, "lost %llu", (unsigned long long)s.lost);
  for (i = 2; i <= 5; i++) {
    ST(ringq_queue_get_nowait(q, &v), RINGQ_OK);
    CHECK(v == i, "got %llu, wanted %llu", (unsigned long long)v, (unsigned long long)i);
    ST(ringq_queue_task_done(q), RINGQ_OK);
  }
  ST(ringq_queue_join_timeout(q, 10 * SEC), RINGQ_OK);
  /* The same with a burst getter: get_many claims items 1..3 with one claim word and dies; each
   * of their slots is released when a putter needs it. */
  for (i = 1; i <= 4; i++)
    ST(ringq_queue_put_nowait(q, &i), RINGQ_OK);
  CHECK(killed(spawn_dier(name, OP_GET3, RINGQ__HOOK_PEER_GET_CLAIMED, 0)), "getter 2");
  alarm(60);
  for (i = 6; i <= 8; i++) {
    ST(ringq_queue_put_timeout(q, &i, 10 * SEC), RINGQ_OK);
    ringq_queue_stats(q, &s);
    CHECK(s.lost == i - 4, "lost %llu after the put of %llu", (unsigned long long)s.lost,
          (unsigned long long)i);
  }
  alarm(0);
  ST(ringq_queue_shutdown(q, false), RINGQ_OK);
  for (i = 4; i <= 8; i++) {
    if (i == 5)
      continue;
    ST(ringq_queue_get_nowait(q, &v), RINGQ_OK);
    CHECK(v == i, "got %llu, wanted %llu", (unsigned long long)v, (unsigned long long)i);
  }
  ST(ringq_queue_get_nowait(q, &v), RINGQ_SHUTDOWN);
  ST(ringq_queue_close(q), RINGQ_OK);
  ST(ringq_queue_shm_unlink(name), RINGQ_OK);
  getdead_closed(0);
  getdead_closed(1);
  return failures ? 1 : 0;
}

/* joindead: a getter killed inside its claim, the other getters take the rest and task_done each,
 * no putter comes (and, with `shut`, a plain shutdown, after which nobody gets again): a join
 * without a timeout returns RINGQ_OK, the dead claim's item counted lost ([D5] in peers.c: the
 * joiner sweeps once `done` has stalled for SHARED_PEER_WAIT_NS). Before: join waited for ever
 * (the watchdog fails the test). */
#define JD_ITEMS 12u
#define JD_TAG 1000u
#define JD_GETTERS 2

struct jd_shared {
  _Atomic(uint32_t) budget;              /* gets taken by the getters: JD_ITEMS - 1 in all */
  _Atomic(uint32_t) seen[JD_ITEMS];      /* deliveries per item */
  _Atomic(uint32_t) bad;                 /* a getter's failed call, or a foreign value */
  _Atomic(uint32_t) attached;            /* getters attached */
  _Atomic(uint32_t) go;                  /* 1: the dier is dead, get */
};

static pid_t
spawn_jd_getter(const char *name, struct jd_shared *sh)
{
  pid_t pid = fork();
  if (pid == 0) {
    struct ringq_queue *mine;
    int64_t give_up = now_ns() + 20 * SEC;
    if (ringq_queue_shm_open(name, &mine) != RINGQ_OK)
      _exit(2);
    atomic_fetch_add(&sh->attached, 1);
    while (!atomic_load(&sh->go))
      if (now_ns() > give_up)
        _exit(7);
      else
        nap_ns(MS);
    /* Exactly JD_ITEMS - 1 gets between the getters: none finds the queue drained (a get that
     * finds it closed and drained would sweep the claim itself, [D4]). */
    while (atomic_fetch_add(&sh->budget, 1) < JD_ITEMS - 1) {
      uint64_t v = 0;
      if (ringq_queue_get_timeout(mine, &v, 20 * SEC) != RINGQ_OK || v < JD_TAG ||
          v >= JD_TAG + JD_ITEMS) {
        atomic_fetch_add(&sh->bad, 1);
        _exit(4);
      }
      atomic_fetch_add(&sh->seen[v - JD_TAG], 1);
      if (ringq_queue_task_done(mine) != RINGQ_OK) {
        atomic_fetch_add(&sh->bad, 1);
        _exit(5);
      }
    }
    _exit(ringq_queue_close(mine) == RINGQ_OK ? 0 : 6);
  }
  return pid;
}

/* Both join cases: a queue of JD_ITEMS tagged items, an alarm of `alarm_s`, and the getters
 * attached (before the claimant dies or stops: an attach after a death would take the dead
 * entry over and resolve its claim itself, take_over, which is not the case under test).
 * NULL when the create failed. */
static struct ringq_queue *
jd_setup(const char *name, struct jd_shared *jd, pid_t *getters, unsigned alarm_s)
{
  struct ringq_queue *q;
  uint64_t v;
  uint32_t i;
  int g;
  ST(ringq_queue_shm_create(name, 0, RINGQ_QUEUE_MPMC, 16, sizeof(uint64_t), 0, &q), RINGQ_OK);
  if (q == NULL)
    return NULL;
  for (i = 0; i < JD_ITEMS; i++) {
    v = JD_TAG + i;
    ST(ringq_queue_put_nowait(q, &v), RINGQ_OK);
  }
  signal(SIGALRM, on_alarm);
  alarm(alarm_s);
  for (g = 0; g < JD_GETTERS; g++)
    getters[g] = spawn_jd_getter(name, jd);
  while (atomic_load(&jd->attached) < JD_GETTERS)
    nap_ns(MS);
  return q;
}

static void
joindead_case(int shut)
{
  const char *name = unique_name();
  const char *what = shut ? "after shutdown(false)" : "no shutdown";
  struct jd_shared *jd = shared_anon(sizeof *jd);
  struct ringq_queue *q;
  struct ringq_queue_stats s;
  pid_t getters[JD_GETTERS];
  int64_t t0, took;
  uint32_t i;
  int g;
  if ((q = jd_setup(name, jd, getters, 30)) == NULL)
    return;
  /* Item 0's claim is held by a dead process; no putter will ever need its slot. */
  CHECK(killed(spawn_dier(name, OP_GET, RINGQ__HOOK_PEER_GET_CLAIMED, 0)), "%s: getter", what);
  if (shut)
    ST(ringq_queue_shutdown(q, false), RINGQ_OK);
  ringq_queue_stats(q, &s);
  CHECK(s.lost == 0, "%s: lost %llu before the join", what, (unsigned long long)s.lost);
  atomic_store(&jd->go, 1);
  t0 = now_ns();
  ST(ringq_queue_join(q), RINGQ_OK);
  took = now_ns() - t0;
  for (g = 0; g < JD_GETTERS; g++) {
    int status = 0;
    CHECK(waitpid(getters[g], &status, 0) == getters[g] && WIFEXITED(status) &&
              WEXITSTATUS(status) == 0,
          "%s: getter %d", what, g);
  }
  alarm(0);
  printf("joindead, %s: join returned after %.2f s\n", what, (double)took / SEC);
  CHECK(atomic_load(&jd->bad) == 0, "%s: a getter failed", what);
  ringq_queue_stats(q, &s);
  CHECK(s.lost == 1, "%s: lost %llu", what, (unsigned long long)s.lost);
  CHECK(atomic_load(&jd->seen[0]) == 0, "%s: the dead claim's item was delivered", what);
  for (i = 1; i < JD_ITEMS; i++)
    CHECK(atomic_load(&jd->seen[i]) == 1, "%s: item %u delivered %u times", what, i,
          atomic_load(&jd->seen[i]));
  CHECK(ringq_queue_qsize(q) == 0, "%s: qsize %zu", what, ringq_queue_qsize(q));
  ST(ringq_queue_task_done(q), RINGQ_ETASKDONE); /* every task accounted for, none twice */
  ST(ringq_queue_join_timeout(q, 0), RINGQ_OK);
  ringq_queue_stats(q, &s);
  CHECK(s.lost == 1, "%s: lost %llu after a second join", what, (unsigned long long)s.lost);
  ST(ringq_queue_close(q), RINGQ_OK);
  ST(ringq_queue_shm_unlink(name), RINGQ_OK);
  munmap(jd, sizeof *jd);
}

/* The same with the claimant stopped (SIGSTOP) inside its claim: it is live, so the joiner's
 * sweeps leave its claim alone however long join waits; after SIGCONT it delivers item 0 and
 * join completes with nothing lost. */
static void
joinstopped_case(void)
{
  const char *name = unique_name();
  struct jd_shared *jd = shared_anon(sizeof *jd);
  struct ringq_queue *q;
  struct ringq_queue_stats s;
  pid_t getters[JD_GETTERS], stopped;
  uint32_t i;
  int g, status = 0;
  if ((q = jd_setup(name, jd, getters, 60)) == NULL)
    return;
  stopped = fork();
  if (stopped == 0) {
    struct ringq_queue *mine;
    uint64_t item = 0;
    if (ringq_queue_shm_open(name, &mine) != RINGQ_OK)
      _exit(2);
    stop_at = RINGQ__HOOK_PEER_GET_CLAIMED;
    atomic_store(&ringq__test_hook, stop_hook);
    if (ringq_queue_get(mine, &item) != RINGQ_OK || item != JD_TAG)
      _exit(3);
    atomic_store(&ringq__test_hook, NULL);
    atomic_fetch_add(&jd->seen[0], 1);
    _exit(ringq_queue_task_done(mine) == RINGQ_OK && ringq_queue_close(mine) == RINGQ_OK ? 0 : 4);
  }
  CHECK(waitpid(stopped, &status, WUNTRACED) == stopped && WIFSTOPPED(status),
        "stopped: the claimant did not stop");
  atomic_store(&jd->go, 1);
  /* Long enough for the joiner to sweep (done stalls once the getters are through). */
  ST(ringq_queue_join_timeout(q, 4 * SEC), RINGQ_TIMEDOUT);
  ringq_queue_stats(q, &s);
  CHECK(s.lost == 0, "stopped: a live claimant's item was counted lost (lost %llu)",
        (unsigned long long)s.lost);
  kill(stopped, SIGCONT);
  ST(ringq_queue_join(q), RINGQ_OK);
  CHECK(waitpid(stopped, &status, 0) == stopped && WIFEXITED(status) && WEXITSTATUS(status) == 0,
        "stopped: the claimant after SIGCONT");
  for (g = 0; g < JD_GETTERS; g++)
    CHECK(waitpid(getters[g], &status, 0) == getters[g] && WIFEXITED(status) &&
              WEXITSTATUS(status) == 0,
          "stopped: getter %d", g);
  alarm(0);
  CHECK(atomic_load(&jd->bad) == 0, "stopped: a getter failed");
  ringq_queue_stats(q, &s);
  CHECK(s.lost == 0, "stopped: lost %llu", (unsigned long long)s.lost);
  for (i = 0; i < JD_ITEMS; i++)
    CHECK(atomic_load(&jd->seen[i]) == 1, "stopped: item %u delivered %u times", i,
          atomic_load(&jd->seen[i]));
  ST(ringq_queue_task_done(q), RINGQ_ETASKDONE);
  ST(ringq_queue_close(q), RINGQ_OK);
  ST(ringq_queue_shm_unlink(name), RINGQ_OK);
  munmap(jd, sizeof *jd);
}

static int
scenario_joindead(void)
{
  joindead_case(0);
  joindead_case(1);
  joinstopped_case();
  return failures ? 1 : 0;
}

static int
scenario_spscdead(void)
{
  const char *name = unique_name();
  struct ringq_queue *q;
  uint64_t v, i;
  int64_t t0, took;
  ST(ringq_queue_shm_create(name, 0, RINGQ_QUEUE_SPSC, 4, sizeof(uint64_t), 0, &q), RINGQ_OK);
  if (q == NULL)
    return 1;
  for (i = 1; i <= 2; i++)
    ST(ringq_queue_put_nowait(q, &i), RINGQ_OK);
  CHECK(killed(spawn_dier(name, OP_GET, RINGQ__HOOK_GET_BUSY, 0)), "getter");
  /* The discarder waits for get_busy to be low ([G3]); its owner is dead. Without the liveness
   * test it would wait SHARED_PEER_WAIT_NS (1 s) and then go on. */
  t0 = now_ns();
  ST(ringq_queue_shutdown(q, true), RINGQ_OK);
  took = now_ns() - t0;
  CHECK(took < 900 * MS, "immediate shutdown took %lld ms", (long long)(took / MS));
  ST(ringq_queue_get_nowait(q, &v), RINGQ_SHUTDOWN);
  CHECK(ringq_queue_qsize(q) == 0, "qsize %zu", ringq_queue_qsize(q));
  ST(ringq_queue_join_timeout(q, 10 * SEC), RINGQ_OK); /* both items were discarded */
  ST(ringq_queue_close(q), RINGQ_OK);
  ST(ringq_queue_shm_unlink(name), RINGQ_OK);
  return failures ? 1 : 0;
}

/* ---- shutdowndead: a shutdown caller killed half-way ------------------------------------- */

/* A child that opens the queue and blocks in get (join: 0) or join (1) without a limit, then
 * stores the status it got in *result and exits 0. */
static pid_t
spawn_blocked(const char *name, int join, _Atomic(int) *result)
{
  pid_t pid = fork();
  if (pid == 0) {
    struct ringq_queue *mine;
    uint64_t v;
    if (ringq_queue_shm_open(name, &mine) != RINGQ_OK)
      _exit(2);
    atomic_store(result, join ? ringq_queue_join(mine) : ringq_queue_get(mine, &v));
    _exit(0);
  }
  return pid;
}

/* Wait until q's futex wait count exceeds `before` (a child went to sleep). */
static void
await_sleeper(struct ringq_queue *q, uint64_t before)
{
  struct ringq_queue_stats s;
  int64_t give_up = now_ns() + 30 * SEC;
  do {
    nap_ns(MS);
    ringq_queue_stats(q, &s);
  } while (s.waits <= before && now_ns() < give_up);
  CHECK(s.waits > before, "the child never slept");
  nap_ns(20 * MS); /* let it settle in its futex wait */
}

/* The child pid exits 0 within `bound`; the time it took, in ms (-1: it did not). */
static long long
exits_within(pid_t pid, int64_t bound)
{
  int64_t t0 = now_ns();
  int status;
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d ended badly", (int)pid);
      return (long long)((now_ns() - t0) / MS);
    }
    if (now_ns() - t0 > bound) {
      kill(pid, SIGKILL);
      (void)waitpid(pid, &status, 0);
      return -1;
    }
    nap_ns(MS);
  }
}

#define SHUTDEAD_BOUND (30 * SEC) /* a survivor finishes a dead shutdown by then (~6 s) */

/* One case: kind, immediate or not, and who finishes (a blocked survivor, or another shutdown
 * call from this process). */
static void
shutdead_case(enum ringq_queue_kind kind, int immediate, int by_survivor)
{
  const char *name = unique_name();
  const char *what = kind == RINGQ_QUEUE_SPSC ? "spsc" : "mpmc";
  struct ringq_queue *q;
  struct ringq_queue_stats s;
  _Atomic(int) *result = shared_anon(sizeof *result);
  uint64_t v, i;
  pid_t survivor = -1;
  ST(ringq_queue_shm_create(name, 0, kind, 8, sizeof(uint64_t), 0, &q), RINGQ_OK);
  if (q == NULL)
    return;
  atomic_store(result, 12345);
  if (immediate) /* six items for the discarder: it dies after discarding two */
    for (i = 1; i <= 6; i++)
      ST(ringq_queue_put_nowait(q, &i), RINGQ_OK);
  if (by_survivor) {
    /* immediate: a joiner (the items are never task_done'd: only their discarding ends the
     * join); else a getter of the empty queue (only the closed mark ends its get). */
    ringq_queue_stats(q, &s);
    survivor = spawn_blocked(name, immediate, result);
    await_sleeper(q, s.waits);
  }
  if (immediate)
    CHECK(killed(spawn_dier(name, OP_SHUTDOWN_NOW, RINGQ__HOOK_DISCARDED, 2)), "discarder");
  else
    CHECK(killed(spawn_dier(name, OP_SHUTDOWN, RINGQ__HOOK_SHUTDOWN_BEGUN, 1)), "shutdown");
  CHECK(ringq_queue_is_shutdown(q), "%s: not shut down after the caller's death", what);
  if (by_survivor) {
    long long ms = exits_within(survivor, SHUTDEAD_BOUND);
    CHECK(ms >= 0, "%s, %s: the blocked %s never returned", what,
          immediate ? "immediate" : "closing", immediate ? "join" : "get");
    ST(atomic_load(result), immediate ? RINGQ_OK : RINGQ_SHUTDOWN);
    fprintf(stderr, "%s, %s shutdown killed half-way: the blocked %s finished it and returned "
            "%lld ms after the death\n", what, immediate ? "immediate" : "plain",
            immediate ? "joiner" : "getter", ms);
  } else {
    int64_t t0 = now_ns(), took;
    ST(ringq_queue_shutdown(q, immediate), RINGQ_OK);
    took = now_ns() - t0;
    /* The dead discarder's role is taken at once (its lock is gone): no SHARED_PEER_WAIT_NS. */
    CHECK(took < 900 * MS, "%s: the second shutdown took %lld ms", what, (long long)(took / MS));
    fprintf(stderr, "%s, %s shutdown killed half-way: a second shutdown finished it in %lld ms\n",
            what, immediate ? "immediate" : "plain", (long long)(took / MS));
  }
  /* Complete: the closed mark, nothing left, every task accounted for, nothing lost. */
  ST(ringq_queue_get_nowait(q, &v), RINGQ_SHUTDOWN);
  ST(ringq_queue_put_nowait(q, &v), RINGQ_SHUTDOWN);
  CHECK(ringq_queue_qsize(q) == 0, "%s: qsize %zu", what, ringq_queue_qsize(q));
  ST(ringq_queue_join_timeout(q, 0), RINGQ_OK);
  ringq_queue_stats(q, &s);
  CHECK(s.lost == 0, "%s: lost %llu", what, (unsigned long long)s.lost);
  ST(ringq_queue_close(q), RINGQ_OK);
  ST(ringq_queue_shm_unlink(name), RINGQ_OK);
}

static int
scenario_shutdowndead(void)
{
  static const enum ringq_queue_kind kinds[] = {RINGQ_QUEUE_MPMC, RINGQ_QUEUE_SPSC};
  size_t k;
  int immediate, by_survivor;
  signal(SIGALRM, on_alarm);
  alarm(240);
  for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
    for (immediate = 0; immediate <= 1; immediate++)
      for (by_survivor = 0; by_survivor <= 1; by_survivor++)
        shutdead_case(kinds[k], immediate, by_survivor);
  alarm(0);
  return failures ? 1 : 0;
}

static int
scenario_blockeddead(void)
{
  const char *name = unique_name();
  struct ringq_queue *q;
  struct ringq_queue_stats s;
  uint64_t v;
  int64_t give_up;
  pid_t pid;
  ST(ringq_queue_shm_create(name, 0, RINGQ_QUEUE_MPMC, 4, sizeof(uint64_t), 0, &q), RINGQ_OK);
  if (q == NULL)
    return 1;
  pid = fork();
  if (pid == 0) {
    struct ringq_queue *mine;
    if (ringq_queue_shm_open(name, &mine) != RINGQ_OK)
      _exit(2);
    (void)ringq_queue_get(mine, &v); /* sleeps until killed */
    _exit(3);
  }
  give_up = now_ns() + 30 * SEC;
  do {
    nap_ns(MS);
    ringq_queue_stats(q, &s);
  } while (s.waits == 0 && now_ns() < give_up);
  CHECK(s.waits > 0, "the child never slept");
  ST(ringq_queue_fini(q), RINGQ_EBUSY); /* a live process is blocked in it */
  kill(pid, SIGKILL);
  CHECK(killed(pid), "blocked getter");
  ST(ringq_queue_fini(q), RINGQ_OK); /* the dead one's count is ignored */
  signal(SIGALRM, on_alarm);
  alarm(60);
  v = 1;
  ST(ringq_queue_put(q, &v), RINGQ_OK);
  ST(ringq_queue_get(q, &v), RINGQ_OK);
  CHECK(v == 1, "got %llu", (unsigned long long)v);
  ST(ringq_queue_shutdown(q, false), RINGQ_OK);
  ST(ringq_queue_get(q, &v), RINGQ_SHUTDOWN);
  alarm(0);
  /* The entry of the dead waiter is taken over by the next attach, its count cleared. */
  pid = fork();
  if (pid == 0) {
    struct ringq_queue *mine;
    _exit(ringq_queue_shm_open(name, &mine) == RINGQ_OK && ringq_queue_fini(mine) == RINGQ_OK &&
                  ringq_queue_close(mine) == RINGQ_OK
              ? 0
              : 2);
  }
  {
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "second attach");
  }
  ST(ringq_queue_close(q), RINGQ_OK);
  ST(ringq_queue_shm_unlink(name), RINGQ_OK);
  return failures ? 1 : 0;
}

#define REUSE_KIDS 150

static int
scenario_reuse(void)
{
  const char *name = unique_name();
  struct ringq_queue *q;
  struct ringq_queue_stats s;
  uint64_t v, got = 0;
  int i;
  ST(ringq_queue_shm_create(name, 0, RINGQ_QUEUE_MPMC, 256, sizeof(uint64_t), 0, &q), RINGQ_OK);
  if (q == NULL)
    return 1;
  for (i = 0; i < REUSE_KIDS; i++) {
    pid_t pid = fork();
    if (pid == 0) {
      struct ringq_queue *mine;
      uint64_t item = (uint64_t)i;
      if (ringq_queue_shm_open(name, &mine) != RINGQ_OK)
        _exit(2);
      if (i % 2)
        die_at_step(RINGQ__HOOK_PEER_PUT_CLAIMED); /* an orphan for the next one to resolve */
      if (ringq_queue_put_nowait(mine, &item) != RINGQ_OK)
        _exit(3);
      raise(SIGKILL);
      _exit(4);
    }
    CHECK(killed(pid), "child %d", i);
  }
  signal(SIGALRM, on_alarm);
  alarm(60);
  while (ringq_queue_get_timeout(q, &v, 200 * MS) == RINGQ_OK) {
    CHECK(v % 2 == 0 && v < REUSE_KIDS, "got item %llu", (unsigned long long)v);
    got++;
  }
  alarm(0);
  ringq_queue_stats(q, &s);
  CHECK(got == REUSE_KIDS / 2, "got %llu", (unsigned long long)got);
  CHECK(got + s.lost == REUSE_KIDS, "got %llu + lost %llu != %d", (unsigned long long)got,
        (unsigned long long)s.lost, REUSE_KIDS);
  ST(ringq_queue_join_timeout(q, 0), RINGQ_TIMEDOUT); /* the items got need their task_done */
  for (i = 0; i < (int)got; i++)
    ST(ringq_queue_task_done(q), RINGQ_OK);
  ST(ringq_queue_join_timeout(q, 10 * SEC), RINGQ_OK);
  ST(ringq_queue_close(q), RINGQ_OK);
  ST(ringq_queue_shm_unlink(name), RINGQ_OK);
  return failures ? 1 : 0;
}

/* ---- storm --------------------------------------------------------------------------------- */

#define STORM_CAPACITY 16
#define STORM_PRODUCERS 3
#define STORM_CONSUMERS 3
#define STORM_KILLS 1000
#define STORM_MAX_NS (45 * SEC)
#define MAX_IDS 2048
#define PER_ID 8192
#define CALL_NS (50 * MS)
#define LATE_NS (5 * SEC) /* a call that returns this much after its deadline hung */
#define DUMMY_ID 0xffffffffu
#define PARENT_MARK 0xfffeu
#define S_MARK 0xffffu

struct item {
  uint32_t id, seq;
  uint64_t check;
};

static uint64_t
check_of(uint32_t id, uint32_t seq)
{
  uint64_t x = ((uint64_t)id << 32 | seq) * 0x9e3779b97f4a7c15ull;
  return (x ^ (x >> 29)) | 1u;
}

struct producer_rec {
  _Atomic(uint32_t) attempted; /* seq + 1 of the put under way or last made */
  _Atomic(uint32_t) confirmed; /* seq + 1 of the last put that returned RINGQ_OK */
  _Atomic(uint32_t) claimed;   /* attempted, stored by the hook once the put claimed its ticket */
};

struct consumer_rec {
  _Atomic(uint32_t) stage; /* 1: get under way (inflight zeroed before); 2: got, not recorded;
                              3: recorded */
  struct item inflight;    /* the get's destination: the library copies here */
  _Atomic(uint32_t) claimed; /* 0 before the get; 1 from the hook: the get claimed an item */
};

struct storm {
  _Atomic(uint32_t) next_id;
  _Atomic(uint32_t) failed;
  uint32_t closable;               /* stormshutdown: RINGQ_SHUTDOWN ends a child (exit 0) */
  char why[256];
  struct producer_rec prod[MAX_IDS];
  struct consumer_rec cons[MAX_IDS];
  uint8_t kind[MAX_IDS];           /* 1 producer, 2 consumer, 3 shutdown caller */
  /* Who got each item: 0 nobody, consumer id + 1, PARENT_MARK (this process), or S_MARK (found
   * in a killed consumer's buffer). Set by a CAS from 0, so a second getter is caught at once. */
  _Atomic(uint16_t) seen[MAX_IDS * (size_t)PER_ID];
};

static struct storm *g;

static void
storm_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void
storm_fail(const char *fmt, ...)
{
  va_list ap;
  uint32_t zero = 0;
  if (atomic_compare_exchange_strong(&g->failed, &zero, 1)) {
    va_start(ap, fmt);
    vsnprintf(g->why, sizeof g->why, fmt, ap);
    va_end(ap);
  }
  _exit(1);
}

static uint64_t
rnd(uint64_t *s)
{
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static _Thread_local uint64_t hook_rng;
static struct producer_rec *my_prod;
static struct consumer_rec *my_cons;
static int my_shut; /* stormshutdown: this child calls shutdown */

/* Records that the call under way claimed (a kill between the claim and this store is the only
 * window the accounting cannot see), then pauses at random inside the claim windows, so that
 * kills land there often. */
static void
pause_hook(enum ringq__hook_point p)
{
  if (p == RINGQ__HOOK_PEER_PUT_CLAIMED && my_prod != NULL)
    atomic_store(&my_prod->claimed, atomic_load(&my_prod->attempted));
  else if (p == RINGQ__HOOK_PEER_GET_CLAIMED && my_cons != NULL)
    atomic_store(&my_cons->claimed, 1);
  else if (p == RINGQ__HOOK_GET_BUSY && my_cons != NULL)
    ; /* an SPSC get between [G1] and its pop */
  else if ((p == RINGQ__HOOK_SHUTDOWN_BEGUN || p == RINGQ__HOOK_DISCARDED) && my_shut) {
    if (rnd(&hook_rng) % 4 == 0) /* inside a shutdown: often, and longer */
      nap_ns((int64_t)(rnd(&hook_rng) % 2000000));
    return;
  } else
    return;
  if (rnd(&hook_rng) % 8 == 0)
    nap_ns((int64_t)(rnd(&hook_rng) % 300000));
}

static void
record(struct item *it, uint32_t consumer)
{
  size_t at;
  uint16_t none = 0;
  if (it->id == DUMMY_ID)
    return;
  if (it->id >= MAX_IDS || it->seq >= PER_ID || it->check != check_of(it->id, it->seq))
    storm_fail("consumer %u got a malformed item (%u, %u)", consumer, it->id, it->seq);
  at = (size_t)it->id * PER_ID + it->seq;
  if (!atomic_compare_exchange_strong(&g->seen[at], &none, (uint16_t)(consumer + 1)))
    storm_fail("item (%u, %u) got twice (consumers %u and %u)", it->id, it->seq, consumer,
               (unsigned)none - 1u);
}

static void
storm_child(const char *name, uint32_t id, int producer)
{
  struct ringq_queue *q;
  int st;
  hook_rng = 0x2545f4914f6cdd1dull ^ ((uint64_t)id << 17) ^ (uint64_t)now_ns();
  atomic_store(&ringq__test_hook, pause_hook);
  st = ringq_queue_shm_open(name, &q);
  if (st != RINGQ_OK)
    storm_fail("child %u: open: %s", id, ringq_strerror(st));
  if (producer) {
    struct producer_rec *p = &g->prod[id];
    uint32_t seq = 0;
    my_prod = p;
    while (seq < PER_ID) {
      struct item it = {id, seq, check_of(id, seq)};
      int64_t t0 = now_ns(), late;
      atomic_store(&p->attempted, seq + 1);
      st = ringq_queue_put_timeout(q, &it, CALL_NS);
      late = now_ns() - t0 - CALL_NS;
      if (late > LATE_NS)
        storm_fail("a put returned %lld ms late", (long long)(late / MS));
      if (st == RINGQ_OK)
        atomic_store(&p->confirmed, ++seq);
      else if (st == RINGQ_SHUTDOWN && g->closable) {
        atomic_store(&p->attempted, seq); /* refused: nothing under way */
        _exit(0);
      }
      else if (st != RINGQ_FULL && st != RINGQ_TIMEDOUT)
        storm_fail("put: %s", ringq_strerror(st));
    }
    _exit(0);
  } else {
    struct consumer_rec *c = &g->cons[id];
    my_cons = c;
    for (;;) {
      int64_t t0, late;
      atomic_store(&c->claimed, 0);
      memset(&c->inflight, 0, sizeof c->inflight);
      atomic_store(&c->stage, 1);
      t0 = now_ns();
      st = ringq_queue_get_timeout(q, &c->inflight, CALL_NS);
      late = now_ns() - t0 - CALL_NS;
      if (late > LATE_NS)
        storm_fail("a get returned %lld ms late", (long long)(late / MS));
      if (st == RINGQ_OK) {
        atomic_store(&c->stage, 2);
        record(&c->inflight, id);
        atomic_store(&c->stage, 3);
      } else if (st == RINGQ_SHUTDOWN && g->closable) {
        _exit(0);
      } else if (st != RINGQ_EMPTY && st != RINGQ_TIMEDOUT) {
        storm_fail("get: %s", ringq_strerror(st));
      }
    }
  }
}

static pid_t
storm_spawn(const char *name, int producer)
{
  uint32_t id = atomic_fetch_add(&g->next_id, 1);
  pid_t pid;
  if (id >= MAX_IDS)
    return -1;
  g->kind[id] = producer ? 1 : 2;
  pid = fork();
  if (pid == 0)
    storm_child(name, id, producer);
  return pid;
}

/* The accounting, once every child is dead and the queue drained:
 *   A    items whose put returned RINGQ_OK (seq < confirmed);
 *   U    per killed producer, at most its one put under way (attempted > confirmed); Um those
 *        whose claim the hook saw (claimed == attempted), Uu the others;
 *   G    items recorded by consumers and by this process (each once: the record is a CAS from
 *        0, and a consumer killed between its record and its stage 3 is recognised by its id);
 *   S    items in a killed consumer's destination buffer: its get was under way (stage 1) or
 *        had returned (stage 2). V: killed consumers of stage 1 whose hook saw a claim and whose
 *        buffer holds a whole item (their get may or may not have released the slot).
 * What the library counts lost: holes (only U items: a put that never returned) and items a
 * dead getter claimed and never released (missing, or in S when the copy was done: at most V).
 * Every item of A and Um is in G or S, or was lost (a hole, or a dead getter's claim whose copy
 * was not done), so with M_x the items of x in neither G nor S:
 *   M_A + M_Um <= lost <= M_A + M_Um + V + M_Uu
 * (M_Uu: a put killed between its claim and the hook's store, a few instructions, may have made
 * a hole; an item that vanished uncounted breaks the left side). No item is seen twice (G and S
 * together), none was never put. */

/* An id that was never a producer's (a consumer's or a shutdown caller's): none of its items can
 * have been got. 1 if so (the caller skips it), 0 for a producer's id. */
static int
not_a_producer(uint32_t id)
{
  uint32_t seq;
  if (g->kind[id] == 1)
    return 0;
  for (seq = 0; seq < PER_ID; seq++)
    CHECK(atomic_load(&g->seen[(size_t)id * PER_ID + seq]) == 0, "made-up item (%u, %u)", id, seq);
  return 1;
}
static int
storm_check(uint64_t lost, int kills)
{
  uint32_t ids = atomic_load(&g->next_id), id, seq;
  uint64_t a = 0, m_a = 0, m_um = 0, m_uu = 0, v = 0, s_all = 0, g_all = 0;
  for (id = 0; id < ids && id < MAX_IDS; id++) {
    struct consumer_rec *c = &g->cons[id];
    uint32_t stage = atomic_load(&c->stage);
    struct item *it = &c->inflight;
    size_t at;
    if (g->kind[id] != 2 || (stage != 1 && stage != 2))
      continue;
    if (it->id >= MAX_IDS || it->seq >= PER_ID || it->check != check_of(it->id, it->seq)) {
      CHECK(stage == 1, "consumer %u: got a malformed item", id);
      continue; /* nothing copied yet, or a copy cut short */
    }
    at = (size_t)it->id * PER_ID + it->seq;
    if (stage == 2 && atomic_load(&g->seen[at]) == id + 1)
      continue; /* recorded by this consumer itself, which died before its stage 3 */
    CHECK(atomic_load(&g->seen[at]) == 0, "item (%u, %u) got twice (also by killed consumer %u)",
          it->id, it->seq, id);
    atomic_store(&g->seen[at], S_MARK); /* in S */
    s_all++;
    if (stage == 1 && atomic_load(&c->claimed))
      v++;
  }
  for (id = 0; id < ids && id < MAX_IDS; id++) {
    uint32_t conf, att, claimed;
    if (not_a_producer(id))
      continue;
    conf = atomic_load(&g->prod[id].confirmed);
    att = atomic_load(&g->prod[id].attempted);
    claimed = atomic_load(&g->prod[id].claimed);
    for (seq = 0; seq < PER_ID; seq++) {
      uint16_t n = atomic_load(&g->seen[(size_t)id * PER_ID + seq]);
      if (n != 0 && n != S_MARK)
        g_all++;
      CHECK(n == 0 || seq < att, "item (%u, %u) got but never put", id, seq);
      if (seq < conf) {
        a++;
        if (n == 0)
          m_a++;
      } else if (seq + 1 == att && att > conf && n == 0) {
        if (claimed == att)
          m_um++;
        else
          m_uu++;
      }
    }
  }
  fprintf(stderr,
          "storm: %d kills, %u processes, %llu items accepted, %llu got (+%llu in killed "
          "consumers' buffers), lost %llu; missing: %llu accepted, %llu claimed unconfirmed, "
          "%llu unclaimed unconfirmed; V %llu\n",
          kills, ids, (unsigned long long)a, (unsigned long long)g_all, (unsigned long long)s_all,
          (unsigned long long)lost, (unsigned long long)m_a, (unsigned long long)m_um,
          (unsigned long long)m_uu, (unsigned long long)v);
  CHECK(m_a + m_um <= lost, "items vanished: %llu + %llu missing, %llu counted lost",
        (unsigned long long)m_a, (unsigned long long)m_um, (unsigned long long)lost);
  CHECK(lost <= m_a + m_um + v + m_uu, "lost %llu > %llu + %llu + %llu + %llu",
        (unsigned long long)lost, (unsigned long long)m_a, (unsigned long long)m_um,
        (unsigned long long)v, (unsigned long long)m_uu);
  return failures;
}

static void
parent_record(struct item *it)
{
  size_t at;
  uint16_t none = 0;
  if (it->id == DUMMY_ID)
    return;
  CHECK(it->id < MAX_IDS && it->seq < PER_ID && it->check == check_of(it->id, it->seq),
        "malformed item");
  if (it->id >= MAX_IDS || it->seq >= PER_ID)
    return;
  at = (size_t)it->id * PER_ID + it->seq;
  CHECK(atomic_compare_exchange_strong(&g->seen[at], &none, (uint16_t)PARENT_MARK),
        "item (%u, %u) got twice (this process, and %u)", it->id, it->seq, (unsigned)none);
}

static int
scenario_storm(void)
{
  const char *name = unique_name();
  struct ringq_queue *q;
  struct ringq_queue_stats s;
  pid_t role[STORM_PRODUCERS + STORM_CONSUMERS];
  int nroles = STORM_PRODUCERS + STORM_CONSUMERS, r, kills = 0, i;
  uint64_t seed = 0x853c49e6748fea9bull ^ (uint64_t)now_ns();
  int64_t end = now_ns() + STORM_MAX_NS;
  struct item it;
  g = shared_anon(sizeof *g);
  ST(ringq_queue_shm_create(name, 0, RINGQ_QUEUE_MPMC, STORM_CAPACITY, sizeof(struct item), 0,
                            &q),
     RINGQ_OK);
  if (q == NULL)
    return 1;
  for (r = 0; r < nroles; r++)
    role[r] = storm_spawn(name, r < STORM_PRODUCERS);
  while (kills < STORM_KILLS && now_ns() < end && !atomic_load(&g->failed)) {
    int status;
    pid_t done;
    nap_ns((int64_t)(rnd(&seed) % (6 * MS)));
    r = (int)(rnd(&seed) % (uint64_t)nroles);
    if (role[r] > 0) {
      kill(role[r], SIGKILL);
      if (waitpid(role[r], &status, 0) == role[r] && WIFSIGNALED(status))
        kills++;
      else
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exit %d",
              WEXITSTATUS(status));
    }
    role[r] = storm_spawn(name, r < STORM_PRODUCERS);
    CHECK(role[r] > 0, "out of ids");
    if (role[r] <= 0)
      break;
    /* Producers that finished their items leave on their own. */
    while ((done = waitpid(-1, &status, WNOHANG)) > 0) {
      CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exit %d", WEXITSTATUS(status));
      for (i = 0; i < nroles; i++)
        if (role[i] == done)
          role[i] = storm_spawn(name, i < STORM_PRODUCERS);
    }
  }
  for (r = 0; r < nroles; r++)
    if (role[r] > 0) {
      int status;
      kill(role[r], SIGKILL);
      if (waitpid(role[r], &status, 0) == role[r] && WIFSIGNALED(status))
        kills++;
    }
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  CHECK(!atomic_load(&g->failed), "a child failed: %s", g->why);
  CHECK(kills >= STORM_KILLS / 2, "only %d kills in the time given", kills);
  /* Drain, then two laps of put-and-get so that every slot a dead getter still holds is needed
   * by a putter (and released), then drain again. Every call is bounded (watchdog too). */
  signal(SIGALRM, on_alarm);
  alarm(120);
  while (ringq_queue_get_timeout(q, &it, 200 * MS) == RINGQ_OK)
    parent_record(&it);
  for (i = 0; i < 4 * STORM_CAPACITY; i++) {
    struct item dummy = {DUMMY_ID, 0, 0};
    ST(ringq_queue_put_timeout(q, &dummy, 10 * SEC), RINGQ_OK);
    while (ringq_queue_get_timeout(q, &it, 20 * MS) == RINGQ_OK)
      parent_record(&it);
  }
  while (ringq_queue_get_timeout(q, &it, 200 * MS) == RINGQ_OK)
    parent_record(&it);
  ST(ringq_queue_shutdown(q, false), RINGQ_OK);
  ST(ringq_queue_get_nowait(q, &it), RINGQ_SHUTDOWN);
  alarm(0);
  ringq_queue_stats(q, &s);
  storm_check(s.lost, kills);
  ST(ringq_queue_close(q), RINGQ_OK);
  ST(ringq_queue_shm_unlink(name), RINGQ_OK);
  return failures ? 1 : 0;
}

/* ---- stormshutdown: shutdown callers in the storm ------------------------------------------ */

#define SS_RUN_NS (15 * SEC)     /* rounds start for this long, MPMC and SPSC in turn */
#define SS_MIN_ROUNDS 6
#define SS_SHUTTERS 3            /* shutdown callers per round, at most */
#define SS_SHUT_LATE_NS (10 * SEC) /* a shutdown bounded by SHARED_PEER_WAIT_NS waits: hung */

struct ss_totals {
  int rounds[2];                 /* MPMC, SPSC */
  int kills_prod, kills_cons, kills_plain, kills_imm;
  int plain_calls, imm_calls;
  uint64_t accepted, got, lost, disc_lo, disc_hi, loose;
};

/* A child that opens the queue, waits a random while and calls shutdown (pausing at random
 * inside it: pause_hook), then exits 0; a shutdown that takes SS_SHUT_LATE_NS hung. */
static pid_t
ss_spawn_shutter(const char *name, int immediate, uint64_t seed)
{
  uint32_t id = atomic_fetch_add(&g->next_id, 1);
  pid_t pid;
  if (id >= MAX_IDS)
    return -1;
  g->kind[id] = 3;
  pid = fork();
  if (pid == 0) {
    struct ringq_queue *q;
    int64_t t0, took;
    int st;
    hook_rng = seed | 1u;
    my_shut = 1;
    atomic_store(&ringq__test_hook, pause_hook);
    st = ringq_queue_shm_open(name, &q);
    if (st != RINGQ_OK)
      storm_fail("shutter %u: open: %s", id, ringq_strerror(st));
    nap_ns((int64_t)(rnd(&hook_rng) % (20 * MS)));
    t0 = now_ns();
    st = ringq_queue_shutdown(q, immediate);
    took = now_ns() - t0;
    if (st != RINGQ_OK)
      storm_fail("shutdown: %s", ringq_strerror(st));
    if (took > SS_SHUT_LATE_NS)
      storm_fail("a shutdown(%d) took %lld ms", immediate, (long long)(took / MS));
    _exit(0);
  }
  return pid;
}

/* Kill child *pid (if still there) and reap it: 1 if the kill ended it, 0 if it had exited 0
 * (anything else fails). *pid becomes -1. */
static int
ss_kill(pid_t *pid)
{
  int status = 0;
  if (*pid <= 0)
    return 0;
  kill(*pid, SIGKILL);
  if (waitpid(*pid, &status, 0) != *pid)
    status = -1;
  *pid = -1;
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
    return 1;
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child ended badly (status %d)", status);
  return 0;
}

/* The accounting of one round (every child gone, the queue shut down and drained by this
 * process, then `task_done`d by it until RINGQ_ETASKDONE: e calls succeeded). With
 *   GS   the items delivered: recorded (G) or in a killed consumer's buffer (S), each once;
 *   V    killed consumers' buffers whose get was under way (stage 1) with a whole item (MPMC:
 *        the hook saw its claim): the slot may or may not have been released (MPMC: else
 *        counted lost; SPSC: else left for the next consumer, or the discarder);
 *   T    the tickets accepted, A + Uc <= T <= A + Uc + Uu (Uc: a put killed after its claim,
 *        which the hook saw; Uu: one killed before the hook, claimed or not);
 *   L    stats.lost, D the items discarded: T = e + D + L (done counts task_done, discards and
 *        losses, each once, and join completes when done reaches T);
 * every accepted item is delivered exactly once, discarded, or counted lost:
 *   GS - V <= e <= GS + tol (tol: immediate shutdown callers killed this round, each of which
 *   may have taken an item and died before counting it, as a getter dies before task_done);
 *   no immediate shutdown: D = 0, so A + Uc <= e + L;  always e + L <= A + Uc + Uu;
 *   L <= the accepted items missing + V (MPMC); L = 0 (SPSC: nothing is ever lost). */
static void
ss_check(int spsc, uint64_t e, uint64_t lost, int tol, int any_imm, struct ss_totals *tot)
{
  uint32_t ids = atomic_load(&g->next_id), id, seq;
  uint64_t a = 0, uc = 0, uu = 0, m = 0, v = 0, gs = 0;
  for (id = 0; id < ids && id < MAX_IDS; id++) {
    struct consumer_rec *c = &g->cons[id];
    uint32_t stage = atomic_load(&c->stage);
    struct item *it = &c->inflight;
    size_t at;
    uint16_t was;
    if (g->kind[id] != 2 || (stage != 1 && stage != 2))
      continue;
    if (it->id >= MAX_IDS || it->seq >= PER_ID || it->check != check_of(it->id, it->seq)) {
      CHECK(stage == 1, "consumer %u: got a malformed item", id);
      continue;
    }
    at = (size_t)it->id * PER_ID + it->seq;
    was = atomic_load(&g->seen[at]);
    if (stage == 2 && was == id + 1)
      continue; /* recorded by itself, killed before its stage 3 */
    if (spsc && stage == 1 && was != 0)
      continue; /* SPSC: copied, killed before its head store, delivered again */
    CHECK(was == 0, "item (%u, %u) got twice (also by killed consumer %u)", it->id, it->seq, id);
    atomic_store(&g->seen[at], S_MARK);
    if (stage == 1 && (spsc || atomic_load(&c->claimed)))
      v++;
  }
  for (id = 0; id < ids && id < MAX_IDS; id++) {
    uint32_t conf, att, claimed;
    if (not_a_producer(id))
      continue;
    conf = atomic_load(&g->prod[id].confirmed);
    att = atomic_load(&g->prod[id].attempted);
    claimed = atomic_load(&g->prod[id].claimed);
    if (att > conf) {
      if (claimed == att)
        uc++;
      else
        uu++;
    }
    for (seq = 0; seq < PER_ID && seq < att; seq++) {
      uint16_t n = atomic_load(&g->seen[(size_t)id * PER_ID + seq]);
      if (n != 0)
        gs++;
      else
        m++; /* accepted (seq < conf) or maybe (the put under way): missing */
      if (seq < conf)
        a++;
    }
    for (; seq < PER_ID; seq++)
      CHECK(atomic_load(&g->seen[(size_t)id * PER_ID + seq]) == 0, "item (%u, %u) got but never "
            "put", id, seq);
  }
  CHECK(e <= gs + (uint64_t)tol,
        "%s: %llu tasks left for join, %llu items delivered (+%d): an accepted item neither "
        "delivered, discarded nor counted lost", spsc ? "spsc" : "mpmc",
        (unsigned long long)e, (unsigned long long)gs, tol);
  CHECK(e + v >= gs, "%s: %llu tasks left for join, %llu items delivered, V %llu: a delivered "
        "item also counted lost or discarded", spsc ? "spsc" : "mpmc", (unsigned long long)e,
        (unsigned long long)gs, (unsigned long long)v);
  CHECK(e + lost <= a + uc + uu, "%s: done + lost %llu > accepted %llu", spsc ? "spsc" : "mpmc",
        (unsigned long long)(e + lost), (unsigned long long)(a + uc + uu));
  if (!any_imm)
    CHECK(a + uc <= e + lost, "%s: items vanished: accepted %llu, delivered %llu, lost %llu, "
          "no immediate shutdown", spsc ? "spsc" : "mpmc", (unsigned long long)(a + uc),
          (unsigned long long)e, (unsigned long long)lost);
  if (spsc)
    CHECK(lost == 0, "spsc: lost %llu", (unsigned long long)lost);
  else
    CHECK(lost <= m + v, "mpmc: lost %llu > missing %llu + V %llu", (unsigned long long)lost,
          (unsigned long long)m, (unsigned long long)v);
  tot->accepted += a + uc;
  tot->got += gs;
  tot->lost += lost;
  tot->disc_lo += a + uc > e + lost ? a + uc - (e + lost) : 0;
  tot->disc_hi += a + uc + uu - (e + lost < a + uc + uu ? e + lost : a + uc + uu);
  tot->loose += e > gs ? e - gs : 0;
}

/* One round on a fresh queue: producers and consumers killed at random instants, then shutdown
 * callers (plain and immediate) started among them and killed at random instants too; then this
 * process finishes the shutdown, drains, and checks the accounting (ss_check). */
static void
ss_round(int spsc, uint64_t *seed, struct ss_totals *tot)
{
  const char *name = unique_name();
  const char *what = spsc ? "spsc" : "mpmc";
  struct ringq_queue *q;
  struct ringq_queue_stats s;
  int nprod = spsc ? 1 : 2, ncons = spsc ? 1 : 2, nroles = nprod + ncons;
  pid_t role[4], shut[SS_SHUTTERS];
  int imm[SS_SHUTTERS], nshut, r, any_imm = 0, tol = 0, parent_imm, rc;
  int64_t t_end;
  uint64_t e = 0;
  struct item it;
  memset(g, 0, sizeof *g);
  g->closable = 1;
  ST(ringq_queue_shm_create(name, 0, spsc ? RINGQ_QUEUE_SPSC : RINGQ_QUEUE_MPMC, STORM_CAPACITY,
                            sizeof(struct item), 0, &q),
     RINGQ_OK);
  if (q == NULL)
    return;
  for (r = 0; r < nroles; r++)
    role[r] = storm_spawn(name, r < nprod);
  nshut = 1 + (int)(rnd(seed) % SS_SHUTTERS);
  for (r = 0; r < SS_SHUTTERS; r++)
    shut[r] = -1;
  /* Phase A: producers and consumers only. Phase B: shutdown callers among them. */
  t_end = now_ns() + 60 * MS + (int64_t)(rnd(seed) % (200 * MS));
  for (int phase = 0; phase < 2 && !atomic_load(&g->failed); phase++) {
    if (phase == 1) {
      for (r = 0; r < nshut; r++) {
        imm[r] = (int)(rnd(seed) % 2);
        any_imm |= imm[r];
        *(imm[r] ? &tot->imm_calls : &tot->plain_calls) += 1;
        shut[r] = ss_spawn_shutter(name, imm[r], rnd(seed));
      }
      t_end = now_ns() + 10 * MS + (int64_t)(rnd(seed) % (120 * MS));
    }
    while (now_ns() < t_end && !atomic_load(&g->failed)) {
      pid_t done;
      int status;
      nap_ns((int64_t)(rnd(seed) % (6 * MS)));
      r = (int)(rnd(seed) % (uint64_t)(nroles + (phase ? nshut : 0)));
      if (r < nroles) {
        if (role[r] > 0 && ss_kill(&role[r]))
          *(r < nprod ? &tot->kills_prod : &tot->kills_cons) += 1;
        role[r] = storm_spawn(name, r < nprod);
        CHECK(role[r] > 0, "out of ids");
        if (role[r] <= 0)
          break;
      } else if (shut[r - nroles] > 0 && ss_kill(&shut[r - nroles])) {
        *(imm[r - nroles] ? &tot->kills_imm : &tot->kills_plain) += 1;
        tol += imm[r - nroles];
      }
      /* Children that ended on their own (a shutdown returned; SHUTDOWN ended a producer or a
       * consumer; a producer ran out of items): exit 0, not replaced. */
      while ((done = waitpid(-1, &status, WNOHANG)) > 0) {
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exit %d",
              WEXITSTATUS(status));
        for (int i = 0; i < nroles; i++)
          if (role[i] == done)
            role[i] = -1;
        for (int i = 0; i < nshut; i++)
          if (shut[i] == done)
            shut[i] = -1;
      }
    }
  }
  for (r = 0; r < nroles; r++)
    if (ss_kill(&role[r]))
      *(r < nprod ? &tot->kills_prod : &tot->kills_cons) += 1;
  /* The shutdown callers left alive must return on their own (bounded; the watchdog fails the
   * run if one hangs). */
  for (r = 0; r < nshut; r++)
    if (shut[r] > 0) {
      long long ms = exits_within(shut[r], 2 * SS_SHUT_LATE_NS);
      CHECK(ms >= 0, "%s: a shutdown(%d) caller never returned", what, imm[r]);
      shut[r] = -1;
    }
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  CHECK(!atomic_load(&g->failed), "a child failed: %s", g->why);
  /* This process finishes the shutdown (immediate if a caller may have begun one: only the
   * discarder may take items then), drains, and counts what join still waits for. */
  parent_imm = any_imm || rnd(seed) % 4 == 0;
  alarm(120);
  ST(ringq_queue_shutdown(q, parent_imm), RINGQ_OK);
  for (r = 0; r < 1000; r++) {
    rc = ringq_queue_get_timeout(q, &it, 2 * SEC);
    if (rc == RINGQ_OK)
      parent_record(&it);
    else if (rc == RINGQ_SHUTDOWN)
      break;
    else
      CHECK(0, "%s: drain: %s", what, ringq_strerror(rc));
  }
  CHECK(rc == RINGQ_SHUTDOWN, "%s: the drain never ended", what);
  while (ringq_queue_task_done(q) == RINGQ_OK && e < (uint64_t)MAX_IDS * PER_ID)
    e++;
  ST(ringq_queue_join_timeout(q, 0), RINGQ_OK);
  ST(ringq_queue_get_nowait(q, &it), RINGQ_SHUTDOWN);
  CHECK(ringq_queue_qsize(q) == 0, "%s: qsize %zu", what, ringq_queue_qsize(q));
  alarm(0);
  ringq_queue_stats(q, &s);
  ss_check(spsc, e, s.lost, tol, parent_imm, tot);
  tot->rounds[spsc]++;
  ST(ringq_queue_close(q), RINGQ_OK);
  ST(ringq_queue_shm_unlink(name), RINGQ_OK);
}

static int
scenario_stormshutdown(void)
{
  struct ss_totals tot;
  uint64_t seed = 0x9e3779b97f4a7c15ull ^ (uint64_t)now_ns();
  int64_t end = now_ns() + SS_RUN_NS;
  int n;
  memset(&tot, 0, sizeof tot);
  g = shared_anon(sizeof *g);
  signal(SIGALRM, on_alarm);
  fprintf(stderr, "stormshutdown: seed %llu\n", (unsigned long long)seed);
  for (n = 0; (now_ns() < end || n < SS_MIN_ROUNDS) && !failures; n++)
    ss_round(n % 2, &seed, &tot);
  fprintf(stderr,
          "stormshutdown: %d rounds (%d mpmc, %d spsc); kills: %d producers, %d consumers, %d "
          "plain shutdown callers (of %d), %d immediate (of %d); %llu items accepted, %llu "
          "delivered, %llu..%llu discarded, %llu lost; %llu tasks left by killed discarders\n",
          n, tot.rounds[0], tot.rounds[1], tot.kills_prod, tot.kills_cons, tot.kills_plain,
          tot.plain_calls, tot.kills_imm, tot.imm_calls, (unsigned long long)tot.accepted,
          (unsigned long long)tot.got, (unsigned long long)tot.disc_lo,
          (unsigned long long)tot.disc_hi, (unsigned long long)tot.lost,
          (unsigned long long)tot.loose);
  return failures ? 1 : 0;
}

/* ---- byte queues (src/bytes.c, "Dead putters") -------------------------------------------- */

/* A child that opens the byte queue by name and dies holding a reservation of `len` bytes
 * (step < 0: after reserve returned, with the message half written) or at `step` inside a put of
 * msg. */
static pid_t
spawn_bytes_dier(const char *name, int step, const char *msg, size_t len)
{
  pid_t pid = fork();
  if (pid == 0) {
    struct ringq_queue *mine;
    void *at = NULL;
    if (ringq_queue_shm_open(name, &mine) != RINGQ_OK)
      _exit(2);
    if (step < 0) {
      if (ringq_queue_reserve_bytes(mine, len, &at, 10 * SEC) != RINGQ_OK)
        _exit(4);
      memset(at, 'z', len / 2);
      raise(SIGKILL);
    }
    die_at_step((enum ringq__hook_point)step);
    (void)ringq_queue_put_bytes(mine, msg, len);
    _exit(3); /* the hook did not fire */
  }
  return pid;
}

static void
put_str(struct ringq_queue *q, const char *m)
{
  ST(ringq_queue_put_bytes_nowait(q, m, strlen(m)), RINGQ_OK);
}

/* Get one message within timeout_ns (-1: untimed, under the watchdog) and compare it. */
static void
get_str(struct ringq_queue *q, int64_t timeout_ns, const char *want)
{
  char buf[256];
  size_t len = 0;
  int st;
  alarm(60);
  st = timeout_ns < 0 ? ringq_queue_get_bytes(q, buf, sizeof buf, &len)
                      : ringq_queue_get_bytes_timeout(q, buf, sizeof buf, &len, timeout_ns);
  alarm(0);
  CHECK(st == RINGQ_OK, "get (wanted \"%s\"): %s", want, ringq_strerror(st));
  CHECK(st != RINGQ_OK || (len == strlen(want) && memcmp(buf, want, len) == 0),
        "got \"%.*s\", wanted \"%s\"", (int)len, buf, want);
}

static void
check_lost(struct ringq_queue *q, uint64_t want)
{
  struct ringq_queue_stats s;
  ringq_queue_stats(q, &s);
  CHECK(s.lost == want, "lost %llu, wanted %llu", (unsigned long long)s.lost,
        (unsigned long long)want);
}

static void
tasks_done(struct ringq_queue *q, int n)
{
  int i;
  for (i = 0; i < n; i++)
    ST(ringq_queue_task_done(q), RINGQ_OK);
  ST(ringq_queue_join_timeout(q, 10 * SEC), RINGQ_OK); /* a skipped record is no task */
}

/* The positions are traced in the comments: a 256-byte ring (largest message 120). */
static int
scenario_bytesdead(void)
{
  const char *name = unique_name();
  struct ringq_queue *q;
  char buf[64];
  size_t len;
  int status = 0;
  pid_t other;
  signal(SIGALRM, on_alarm);
  ST(ringq_queue_shm_create(name, 0, RINGQ_QUEUE_BYTES_MPSC, 256, 0, 0, &q), RINGQ_OK);
  if (q == NULL)
    return 1;
  /* 1. A reservation held by a dead process ([0, 112), BUSY), then this process's messages and
   * another producer's: they flow once it is skipped (a timed get), lost 1, join completes. */
  CHECK(killed(spawn_bytes_dier(name, -1, NULL, 100)), "reserver");
  put_str(q, "p1");
  put_str(q, "p2");
  other = fork();
  if (other == 0) {
    struct ringq_queue *mine;
    if (ringq_queue_shm_open(name, &mine) != RINGQ_OK ||
        ringq_queue_put_bytes(mine, "b1", 2) != RINGQ_OK ||
        ringq_queue_put_bytes(mine, "b2", 2) != RINGQ_OK || ringq_queue_close(mine) != RINGQ_OK)
      _exit(1);
    _exit(0);
  }
  CHECK(waitpid(other, &status, 0) == other && WIFEXITED(status) && WEXITSTATUS(status) == 0,
        "other producer");
  check_lost(q, 0);
  ST(ringq_queue_get_bytes_nowait(q, buf, sizeof buf, &len), RINGQ_EMPTY); /* held back */
  get_str(q, 10 * SEC, "p1");
  check_lost(q, 1);
  get_str(q, 0, "p2");
  get_str(q, 0, "b1");
  get_str(q, 0, "b2");
  tasks_done(q, 4);
  /* 2. A putter killed between its claim and its header ([176, 368): a wrap, headers 0): an
   * untimed get skips the wrap's PAD, then the record; lost 2. */
  CHECK(killed(spawn_bytes_dier(name, RINGQ__HOOK_BYTES_CLAIMED, "0123456789", 100)), "putter");
  put_str(q, "p3");
  get_str(q, -1, "p3");
  check_lost(q, 2);
  tasks_done(q, 1);
  /* 3. Killed after its COUNTING CAS, before it counted: not accepted, skipped, lost 3. */
  CHECK(killed(spawn_bytes_dier(name, RINGQ__HOOK_BYTES_COUNTING, "not counted, lost", 18)),
        "committer");
  put_str(q, "p4");
  get_str(q, 10 * SEC, "p4");
  check_lost(q, 3);
  tasks_done(q, 1);
  /* 4. Killed after it counted, before COMMITTED: accepted, so delivered (not lost). */
  CHECK(killed(spawn_bytes_dier(name, RINGQ__HOOK_BYTES_COUNTED, "counted, delivered", 18)),
        "committer 2");
  put_str(q, "p5");
  get_str(q, 10 * SEC, "counted, delivered");
  get_str(q, 0, "p5");
  check_lost(q, 3);
  tasks_done(q, 2);
  /* 4b. A consumer killed with a peek open: the peek was its handle's, not the mapping's, so the
   * next consumer is not refused (RINGQ_EINVAL) and reads the same message again: never lost. */
  put_str(q, "p7");
  other = fork();
  if (other == 0) {
    struct ringq_queue *mine;
    const void *view = NULL;
    size_t n = 0;
    if (ringq_queue_shm_open(name, &mine) != RINGQ_OK ||
        ringq_queue_peek_bytes(mine, &view, &n, 10 * SEC) != RINGQ_OK || n != 2)
      _exit(1);
    raise(SIGKILL);
  }
  CHECK(killed(other), "peeker");
  get_str(q, 0, "p7");
  check_lost(q, 3);
  tasks_done(q, 1);
  /* 5. An orphan reservation left for shutdown(immediate): it completes, its discarder skips the
   * record (lost 4) and discards p6; a get says SHUTDOWN. */
  CHECK(killed(spawn_bytes_dier(name, -1, NULL, 50)), "reserver 2");
  put_str(q, "p6");
  alarm(60);
  ST(ringq_queue_shutdown(q, true), RINGQ_OK);
  alarm(0);
  check_lost(q, 4);
  ST(ringq_queue_get_bytes_nowait(q, buf, sizeof buf, &len), RINGQ_SHUTDOWN);
  ST(ringq_queue_close(q), RINGQ_OK);
  ST(ringq_queue_shm_unlink(name), RINGQ_OK);
  return failures ? 1 : 0;
}

static int
scenario_bytesstopped(void)
{
  const char *name = unique_name();
  struct ringq_queue *q;
  char buf[64];
  size_t len;
  int status = 0, round;
  pid_t pid;
  signal(SIGALRM, on_alarm);
  ST(ringq_queue_shm_create(name, 0, RINGQ_QUEUE_BYTES_MPSC, 256, 0, 0, &q), RINGQ_OK);
  if (q == NULL)
    return 1;
  pid = fork();
  if (pid == 0) {
    struct ringq_queue *mine;
    void *at = NULL;
    if (ringq_queue_shm_open(name, &mine) != RINGQ_OK ||
        ringq_queue_reserve_bytes(mine, 40, &at, 10 * SEC) != RINGQ_OK)
      _exit(2);
    raise(SIGSTOP); /* holding the reservation */
    memcpy(at, "stopped", 7);
    _exit(ringq_queue_commit_bytes(mine, at, 7) == RINGQ_OK && ringq_queue_close(mine) == RINGQ_OK
              ? 0
              : 3);
  }
  CHECK(waitpid(pid, &status, WUNTRACED) == pid && WIFSTOPPED(status), "child did not stop");
  put_str(q, "after");
  /* Far longer than STUCK_NS, several times: the reserver is live, its record stays. */
  for (round = 0; round < 5; round++) {
    ST(ringq_queue_get_bytes_timeout(q, buf, sizeof buf, &len, 100 * MS), RINGQ_EMPTY);
    check_lost(q, 0);
  }
  kill(pid, SIGCONT);
  CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
        "child after SIGCONT");
  get_str(q, 10 * SEC, "stopped");
  get_str(q, 0, "after");
  check_lost(q, 0);
  ST(ringq_queue_shutdown(q, true), RINGQ_OK);
  ST(ringq_queue_close(q), RINGQ_OK);
  ST(ringq_queue_shm_unlink(name), RINGQ_OK);
  return failures ? 1 : 0;
}

/* Storm: BYTES_STORM_PRODUCERS producer processes put messages of random lengths (an item, then
 * filler derived from it) and are SIGKILLed at random instants, pauses injected in the claim
 * windows; this process is the consumer. Exact accounting (see bytes_storm_check). */
#define BYTES_STORM_CAPACITY 4096
#define BYTES_STORM_PRODUCERS 3
#define BYTES_STORM_KILLS 500
#define BYTES_STORM_MAX_NS (30 * SEC)
#define BYTES_STORM_MAX_LEN 600

static unsigned char
filler(const struct item *it, size_t i)
{
  return (unsigned char)((it->check >> ((i % 8) * 8)) ^ i);
}

static void
bytes_pause_hook(enum ringq__hook_point p)
{
  if (p == RINGQ__HOOK_BYTES_CLAIMED && my_prod != NULL)
    atomic_store(&my_prod->claimed, atomic_load(&my_prod->attempted));
  else if (p != RINGQ__HOOK_BYTES_WRITTEN)
    return; /* the commit's few instructions: no pause (see bytes.c, "Windows that remain") */
  if (rnd(&hook_rng) % 4 == 0)
    nap_ns((int64_t)(rnd(&hook_rng) % 300000));
}

static void
bytes_storm_child(const char *name, uint32_t id)
{
  struct ringq_queue *q;
  struct producer_rec *p = &g->prod[id];
  unsigned char msg[BYTES_STORM_MAX_LEN];
  uint32_t seq = 0;
  int st;
  hook_rng = 0x2545f4914f6cdd1dull ^ ((uint64_t)id << 17) ^ (uint64_t)now_ns();
  atomic_store(&ringq__test_hook, bytes_pause_hook);
  st = ringq_queue_shm_open(name, &q);
  if (st != RINGQ_OK)
    storm_fail("child %u: open: %s", id, ringq_strerror(st));
  my_prod = p;
  while (seq < PER_ID) {
    struct item it = {id, seq, check_of(id, seq)};
    size_t len = sizeof it + (size_t)(rnd(&hook_rng) % (BYTES_STORM_MAX_LEN - sizeof it + 1)), i;
    int64_t t0 = now_ns(), late;
    memcpy(msg, &it, sizeof it);
    for (i = sizeof it; i < len; i++)
      msg[i] = filler(&it, i);
    atomic_store(&p->attempted, seq + 1);
    st = ringq_queue_put_bytes_timeout(q, msg, len, CALL_NS);
    late = now_ns() - t0 - CALL_NS;
    if (late > LATE_NS)
      storm_fail("a put returned %lld ms late", (long long)(late / MS));
    if (st == RINGQ_OK)
      atomic_store(&p->confirmed, ++seq);
    else if (st != RINGQ_FULL)
      storm_fail("put: %s", ringq_strerror(st));
  }
  _exit(0);
}

static pid_t
bytes_storm_spawn(const char *name)
{
  uint32_t id = atomic_fetch_add(&g->next_id, 1);
  pid_t pid;
  if (id >= MAX_IDS)
    return -1;
  g->kind[id] = 1;
  pid = fork();
  if (pid == 0)
    bytes_storm_child(name, id);
  return pid;
}

/* Check one message and record it (1: the dummy that ends the drain). */
static int
bytes_record(const unsigned char *m, size_t len)
{
  struct item it;
  size_t at, i;
  uint16_t none = 0;
  if (len < sizeof it) {
    CHECK(0, "a message of %zu bytes", len);
    return 0;
  }
  memcpy(&it, m, sizeof it);
  if (it.id == DUMMY_ID)
    return 1;
  CHECK(it.id < MAX_IDS && it.seq < PER_ID && it.check == check_of(it.id, it.seq),
        "malformed message");
  if (it.id >= MAX_IDS || it.seq >= PER_ID)
    return 0;
  for (i = sizeof it; i < len; i++)
    if (m[i] != filler(&it, i)) {
      CHECK(0, "message (%u, %u) torn at byte %zu of %zu", it.id, it.seq, i, len);
      break;
    }
  at = (size_t)it.id * PER_ID + it.seq;
  CHECK(atomic_compare_exchange_strong(&g->seen[at], &none, (uint16_t)PARENT_MARK),
        "message (%u, %u) got twice", it.id, it.seq);
  return 0;
}

/* Every message whose put returned RINGQ_OK was got (M_A == 0: an accepted message is never
 * lost). A killed producer's put under way was got, or is missing: Um missing whose claim the
 * hook saw, Uu missing that never claimed or were killed between [R3] and the hook's store. The
 * library counts lost the dead reservations it skipped: Um <= lost <= Um + Uu. */
static int
bytes_storm_check(uint64_t lost, int kills)
{
  uint32_t ids = atomic_load(&g->next_id), id, seq;
  uint64_t a = 0, got = 0, m_a = 0, m_um = 0, m_uu = 0;
  for (id = 0; id < ids && id < MAX_IDS; id++) {
    uint32_t conf = atomic_load(&g->prod[id].confirmed), att = atomic_load(&g->prod[id].attempted);
    uint32_t claimed = atomic_load(&g->prod[id].claimed);
    for (seq = 0; seq < PER_ID; seq++) {
      uint16_t n = atomic_load(&g->seen[(size_t)id * PER_ID + seq]);
      got += n != 0;
      CHECK(n == 0 || seq < att, "message (%u, %u) got but never put", id, seq);
      if (seq < conf) {
        a++;
        m_a += n == 0;
      } else if (seq + 1 == att && att > conf && n == 0) {
        if (claimed == att)
          m_um++;
        else
          m_uu++;
      }
    }
  }
  fprintf(stderr,
          "bytes storm: %d kills, %u producers, %llu messages accepted, %llu got, lost %llu; "
          "missing: %llu accepted, %llu claimed unconfirmed, %llu unclaimed unconfirmed\n",
          kills, ids, (unsigned long long)a, (unsigned long long)got, (unsigned long long)lost,
          (unsigned long long)m_a, (unsigned long long)m_um, (unsigned long long)m_uu);
  CHECK(m_a == 0, "%llu accepted messages missing", (unsigned long long)m_a);
  CHECK(m_um <= lost && lost <= m_um + m_uu, "lost %llu, missing %llu claimed + %llu unclaimed",
        (unsigned long long)lost, (unsigned long long)m_um, (unsigned long long)m_uu);
  return failures;
}

static int
scenario_bytesstorm(void)
{
  const char *name = unique_name();
  struct ringq_queue *q;
  struct ringq_queue_stats s;
  pid_t role[BYTES_STORM_PRODUCERS];
  int r, kills = 0, done = 0;
  uint64_t seed = 0x853c49e6748fea9bull ^ (uint64_t)now_ns();
  int64_t end = now_ns() + BYTES_STORM_MAX_NS;
  static unsigned char m[BYTES_STORM_MAX_LEN];
  size_t len;
  struct item dummy = {DUMMY_ID, 0, 0};
  pid_t last;
  g = shared_anon(sizeof *g);
  ST(ringq_queue_shm_create(name, 0, RINGQ_QUEUE_BYTES_MPSC, BYTES_STORM_CAPACITY,
                            BYTES_STORM_MAX_LEN, 0, &q),
     RINGQ_OK);
  if (q == NULL)
    return 1;
  for (r = 0; r < BYTES_STORM_PRODUCERS; r++)
    role[r] = bytes_storm_spawn(name);
  while (kills < BYTES_STORM_KILLS && now_ns() < end && !atomic_load(&g->failed)) {
    int status;
    pid_t gone;
    int64_t until = now_ns() + (int64_t)(rnd(&seed) % (6 * MS));
    int st;
    do { /* consume for a while */
      st = ringq_queue_get_bytes_timeout(q, m, sizeof m, &len, 1 * MS);
      if (st == RINGQ_OK)
        (void)bytes_record(m, len);
      else
        CHECK(st == RINGQ_EMPTY, "get: %s", ringq_strerror(st));
    } while (now_ns() < until);
    r = (int)(rnd(&seed) % BYTES_STORM_PRODUCERS);
    if (role[r] > 0) {
      kill(role[r], SIGKILL);
      if (waitpid(role[r], &status, 0) == role[r] && WIFSIGNALED(status))
        kills++;
      else
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exit %d",
              WEXITSTATUS(status));
    }
    role[r] = bytes_storm_spawn(name);
    CHECK(role[r] > 0, "out of ids");
    if (role[r] <= 0)
      break;
    while ((gone = waitpid(-1, &status, WNOHANG)) > 0) {
      CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exit %d", WEXITSTATUS(status));
      for (r = 0; r < BYTES_STORM_PRODUCERS; r++)
        if (role[r] == gone)
          role[r] = bytes_storm_spawn(name);
    }
  }
  for (r = 0; r < BYTES_STORM_PRODUCERS; r++)
    if (role[r] > 0) {
      int status;
      kill(role[r], SIGKILL);
      if (waitpid(role[r], &status, 0) == role[r] && WIFSIGNALED(status))
        kills++;
    }
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  CHECK(!atomic_load(&g->failed), "a child failed: %s", g->why);
  CHECK(kills >= BYTES_STORM_KILLS / 2, "only %d kills in the time given", kills);
  /* A last message behind every record the dead left, from another process (the ring may be
   * full of dead reservations: its put waits for room, and nudges this consumer): the drain ends
   * when it comes (each call bounded, the watchdog too). */
  signal(SIGALRM, on_alarm);
  alarm(120);
  last = fork();
  if (last == 0) {
    struct ringq_queue *mine;
    _exit(ringq_queue_shm_open(name, &mine) == RINGQ_OK &&
                  ringq_queue_put_bytes_timeout(mine, &dummy, sizeof dummy, 30 * SEC) == RINGQ_OK
              ? 0
              : 1);
  }
  while (!done) {
    int st = ringq_queue_get_bytes_timeout(q, m, sizeof m, &len, 10 * SEC);
    CHECK(st == RINGQ_OK, "drain: %s", ringq_strerror(st));
    if (st != RINGQ_OK)
      break;
    done = bytes_record(m, len);
  }
  {
    int status = 0;
    CHECK(waitpid(last, &status, 0) == last && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "the last put");
  }
  ST(ringq_queue_get_bytes_nowait(q, m, sizeof m, &len), RINGQ_EMPTY);
  ST(ringq_queue_shutdown(q, false), RINGQ_OK);
  alarm(0);
  ringq_queue_stats(q, &s);
  bytes_storm_check(s.lost, kills);
  ST(ringq_queue_close(q), RINGQ_OK);
  ST(ringq_queue_shm_unlink(name), RINGQ_OK);
  return failures ? 1 : 0;
}

int
main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: %s putdead|stopped|getdead|joindead|spscdead|blockeddead|reuse|storm|bytesdead|bytesstopped|bytesstorm|shutdowndead|stormshutdown\n", argv[0]);
    return 2;
  }
  if (strcmp(argv[1], "putdead") == 0)
    return scenario_putdead();
  if (strcmp(argv[1], "stopped") == 0)
    return scenario_stopped();
  if (strcmp(argv[1], "getdead") == 0)
    return scenario_getdead();
  if (strcmp(argv[1], "joindead") == 0)
    return scenario_joindead();
  if (strcmp(argv[1], "spscdead") == 0)
    return scenario_spscdead();
  if (strcmp(argv[1], "blockeddead") == 0)
    return scenario_blockeddead();
  if (strcmp(argv[1], "reuse") == 0)
    return scenario_reuse();
  if (strcmp(argv[1], "storm") == 0)
    return scenario_storm();
  if (strcmp(argv[1], "bytesdead") == 0)
    return scenario_bytesdead();
  if (strcmp(argv[1], "bytesstopped") == 0)
    return scenario_bytesstopped();
  if (strcmp(argv[1], "bytesstorm") == 0)
    return scenario_bytesstorm();
  if (strcmp(argv[1], "shutdowndead") == 0)
    return scenario_shutdowndead();
  if (strcmp(argv[1], "stormshutdown") == 0)
    return scenario_stormshutdown();
  fprintf(stderr, "unknown scenario %s\n", argv[1]);
  return 2;
}
