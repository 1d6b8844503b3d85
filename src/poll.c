/* SPDX-License-Identifier: MIT */
/* src/poll.c: a descriptor an event loop can wait on (an eventfd per direction), and waiting on
 * several queues at once (futex_waitv, with an eventfd fallback).
 *
 * Readiness through the wait protocol
 * ===================================
 * A poller is a waiter whose sleep is the event loop's poll instead of a futex wait. It announces
 * itself in the direction's waitq word by setting its POLLER bit ([W1] for a poller), so the
 * notifiers' fast path is unchanged: while no poller (and no uncovered sleeper) is announced they
 * load the waitq word, find nothing to do, and make no system call. A notifier that sees the bit
 * clears it in its [N3] compare-exchange and, after any futex wake [N4], writes the direction's
 * eventfd (ringq__poll_signal). Pollers are not counted among the sleepers: they take no wake
 * token and owe no pass-on (queue.c, "Waking one waiter, not all"); every poller of the
 * descriptor sees the eventfd.
 *
 *   Poller, ringq_queue_poll_prepare                Notifier (queue.c notify_n)
 *   [E1] read the eventfd: clear it                 [N1] publish (seq_cst)
 *   [E2] unless POLLER is set already: set it       [N2] load the waitq word (seq_cst)
 *        (seq_cst RMW)                                   no uncovered sleeper, no POLLER: done
 *   [E3] re-check the condition [W2] (seq_cst)      [N3] CAS: tokens, epoch, POLLER cleared
 *   [E4] holds: write the eventfd, report it ready  [N4] futex wake; [N5] write the eventfd
 *   otherwise: wait for the eventfd in the loop
 * The descriptor is armed ([E1]..[E4]) when it is made, so a loop that waits on it before its
 * first prepare still sees the items already there and the next ones.
 *
 * Why readiness is never missed: [W1] / [W2] against [N1] / [N2] is the store-buffering pair of
 * queue.c, so either the re-check [E3] sees the item (or room, or shutdown), or the notifier sees
 * the announcement and reaches [N5]. [N5] then comes after [E1] in time: [E1] returned before [W1]
 * was made, and the notifier only writes after observing [W1]. So the eventfd counter is non-zero
 * when the loop polls it, and the descriptor is readable. A spurious readiness is possible (an
 * announcement outlives a re-check that found the condition true); a missed one is not.
 * "Already announced" [E2]: a poller's announcement is never taken back; it is consumed by the
 * next notifier, which clears POLLER and signals the eventfd. While the bit is set, setting it
 * again changes nothing. If a notifier cleared it between that check and the re-check, that
 * notifier wrote the eventfd after [E1] or was seen by [E1]'s read, and the loop polls a readable
 * descriptor at worst.
 *
 * The order a loop must follow (level semantics): wait for the descriptor; drain with get_nowait
 * (or put_nowait) until EMPTY (FULL); call ringq_queue_poll_prepare; if it reports the event ready,
 * drain again, else go back to waiting. An item arriving between the drain and [E3] is found by
 * [E3]; one arriving after [E3] signals the eventfd.
 *
 * Process-shared queues get no descriptor (RINGQ_EINVAL): an eventfd belongs to one process and a
 * notifier in another process could not reach it. Wait-any works for them through futex_waitv.
 *
 * Wait-any. Announce in every queue's waitq ([W1] each), re-check every condition ([W2]), then one
 * futex_waitv on all the epochs announced: a notifier of any queue either is seen by a re-check or
 * sees the announcement and bumps that epoch, which ends the wait (the kernel compares every word
 * before it sleeps). Then take every announcement back ([W3]) and re-check in array order. A
 * wait-any waiter is one sleeper in each queue: a wake token it consumed in a queue it does not
 * take from (wait_any: any queue, since it only reports; get_any: every queue but the one it
 * takes from) is passed on when it returns, if that queue's condition holds (ringq__notify_one),
 * so a sleeper of that queue is not left asleep beside an item. Array
 * order is priority: the first ready queue wins, so a busy early queue can starve a later one
 * (strict priority, stated in queue.h). Without futex_waitv (kernels before 5.16, seccomp), or for
 * more than 128 queues, the fallback waits on the queues' eventfds with poll(2); a process-shared
 * queue has none, so the fallback then sleeps on the first queue's futex in slices of at most
 * FALLBACK_SLICE_NS and re-checks all. */
#define _GNU_SOURCE
#include "queue_internal.h"
#include "wait.h"

#include <errno.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define WAITV_MAX 128                 /* futex_waitv's limit */
#define FALLBACK_SLICE_NS 1000000LL   /* shared queues in the fallback re-check this often */

static struct ringq__waitq *
waitq_of(struct ringq_queue *q, int dir)
{
  return dir == POLL_READABLE ? &ringq__sh(q)->not_empty : &ringq__sh(q)->not_full;
}

static int
ready_in(struct ringq_queue *q, int dir)
{
  return dir == POLL_READABLE ? ringq__get_may_proceed(q) : ringq__put_may_proceed(q);
}

static int
dir_of(unsigned event)
{
  if (event == RINGQ_POLL_READABLE)
    return POLL_READABLE;
  if (event == RINGQ_POLL_WRITABLE)
    return POLL_WRITABLE;
  return -1;
}

/* ---- descriptors ------------------------------------------------------------------------- */

void
ringq__poll_signal(struct ringq_queue *q, struct ringq__waitq *w)
{
  struct ringq__shared *s = ringq__sh(q);
  int dir = w == &s->not_empty ? POLL_READABLE : w == &s->not_full ? POLL_WRITABLE : -1;
  int fd, saved;
  uint64_t one = 1;
  if (dir < 0)
    return;
  /* acquire; pairs with the install in ringq_queue_fd: the descriptor is open. */
  fd = atomic_load_explicit(&q->poll_fd[dir], memory_order_acquire);
  if (fd < 0)
    return;
  saved = errno;
  /* [N5] An eventfd write cannot block unless the counter is near 2^64; EAGAIN then means the
   * descriptor is readable anyway. */
  if (write(fd, &one, sizeof one) < 0) {
  }
  errno = saved;
}

void
ringq__poll_close(struct ringq_queue *q)
{
  int dir;
  for (dir = 0; dir < 2; dir++) {
    /* relaxed: fini runs when no other thread uses the queue. */
    int fd = atomic_exchange_explicit(&q->poll_fd[dir], -1, memory_order_relaxed);
    if (fd >= 0)
      close(fd);
  }
}

static enum ringq_status get_fd(struct ringq_queue *q, int dir, int *fd);
static int prepare_one(struct ringq_queue *q, int dir, int fd);

enum ringq_status
ringq_queue_fd(struct ringq_queue *q, unsigned event, int *fd)
{
  int dir = dir_of(event), cancel_state;
  enum ringq_status st;
  if (fd != NULL)
    *fd = -1;
  if (q == NULL || fd == NULL || dir < 0 || ringq__is_shared(q))
    return RINGQ_EINVAL;
  /* Not a cancellation point (close() of a descriptor made in vain would be one). */
  pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
  st = get_fd(q, dir, fd);
  pthread_setcancelstate(cancel_state, NULL);
  return st;
}

/* The descriptor of direction dir, made on first request. */
static enum ringq_status
get_fd(struct ringq_queue *q, int dir, int *fd)
{
  int mine, cur;
  /* acquire; pairs with the install below. */
  cur = atomic_load_explicit(&q->poll_fd[dir], memory_order_acquire);
  if (cur < 0) {
    int saved = errno;
    mine = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    errno = saved;
    if (mine < 0)
      return RINGQ_ESYS;
    cur = -1;
    /* acq_rel: publishes the descriptor to ringq__poll_signal (release); on failure, reads the
     * winner's (acquire). */
    if (atomic_compare_exchange_strong_explicit(&q->poll_fd[dir], &cur, mine, memory_order_acq_rel,
                                                memory_order_acquire)) {
      cur = mine;
      /* Armed from the start: readable at once if the event holds, signalled when it comes. */
      (void)prepare_one(q, dir, mine);
    } else {
      close(mine);
    }
  }
  *fd = cur;
  return RINGQ_OK;
}

/* [E1]..[E3] for one direction; 1 if the condition holds. */
static int
prepare_one(struct ringq_queue *q, int dir, int fd)
{
  struct ringq__waitq *w = waitq_of(q, dir);
  uint64_t count, one = 1;
  int saved = errno;
  /* [E1] clear: the loop is about to wait for the next signal. */
  if (read(fd, &count, sizeof count) < 0) {
  }
  errno = saved;
  /* [E2] relaxed load: a bit found set is cleared only by a notifier that then writes the
   * eventfd (see "Already announced" above); a stale clear bit costs one more RMW. */
  if (!(atomic_load_explicit(&w->word, memory_order_relaxed) & POLLER))
    ringq__poll_announce(q, w); /* [W1] for a poller: seq_cst RMW */
  if (!ready_in(q, dir)) /* [E3] = [W2], seq_cst loads */
    return 0;
  /* [E4] The event holds already: make the descriptor readable too, so that a loop that waits
   * anyway (or only polls the descriptor) finds it ready: level semantics. */
  saved = errno;
  if (write(fd, &one, sizeof one) < 0) {
  }
  errno = saved;
  return 1;
}

enum ringq_status
ringq_queue_poll_prepare(struct ringq_queue *q, unsigned events, unsigned *ready)
{
  unsigned out = 0;
  int dir, cancel_state;
  enum ringq_status st = RINGQ_OK;
  if (ready != NULL)
    *ready = 0;
  if (q == NULL || ready == NULL || events == 0 ||
      (events & ~(RINGQ_POLL_READABLE | RINGQ_POLL_WRITABLE)) != 0 || ringq__is_shared(q))
    return RINGQ_EINVAL;
  /* Not a cancellation point (the eventfd's read() would be one). */
  pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
  for (dir = 0; dir < 2 && st == RINGQ_OK; dir++) {
    unsigned ev = dir == POLL_READABLE ? RINGQ_POLL_READABLE : RINGQ_POLL_WRITABLE;
    int fd;
    if (!(events & ev))
      continue;
    st = get_fd(q, dir, &fd);
    if (st == RINGQ_OK && prepare_one(q, dir, fd))
      out |= ev;
  }
  pthread_setcancelstate(cancel_state, NULL);
  *ready = out;
  return st;
}

/* ---- wait-any ---------------------------------------------------------------------------- */

/* The first queue, in array order, whose condition holds; n if none. */
static size_t
first_ready(struct ringq_queue *const *qs, size_t n, int dir)
{
  size_t i;
  for (i = 0; i < n; i++)
    if (ready_in(qs[i], dir))
      return i;
  return n;
}

struct any_wait {
  struct ringq_queue *const *qs;
  size_t n;         /* queues to wait on */
  size_t announced; /* queues announced so far */
  int dir;
  int64_t deadline;
  int rc;      /* the sleep's result (kept in memory: the cleanup machinery uses setjmp) */
  int refused; /* a queue refused the announcement (SLEEPERS_MAX): nap instead of sleeping */
  unsigned char *owed; /* per queue: a wake token consumed and not used yet (wait_any_until's) */
  uint32_t epochs[WAITV_MAX];
};

/* [W3] for every announcement made, and the `blocked` counts; records the tokens consumed. */
static void
take_back_all(struct any_wait *a)
{
  size_t i;
  for (i = 0; i < a->announced; i++) {
    if (ringq__take_back(a->qs[i], waitq_of(a->qs[i], a->dir)))
      a->owed[i] = 1;
    /* release; pairs with ringq_queue_fini's acquire. */
    atomic_fetch_sub_explicit(&ringq__sh(a->qs[i])->blocked, 1, memory_order_release);
  }
  a->announced = 0;
}

/* The pass-on of every consumed wake not used: queue `keep` (n: none) is the one the caller
 * takes from. */
static void
pass_on_all(struct ringq_queue *const *qs, size_t n, int dir, const unsigned char *owed,
            size_t keep)
{
  size_t i, m = n < WAITV_MAX ? n : WAITV_MAX;
  for (i = 0; i < m; i++)
    if (owed[i] && i != keep && ready_in(qs[i], dir))
      ringq__notify_one(qs[i], waitq_of(qs[i], dir));
}

/* The cleanup handler of a wait-any cancelled in its sleep: [W3] everywhere, then the pass-on. */
static void
take_back_cancelled(void *arg)
{
  struct any_wait *a = arg;
  take_back_all(a);
  pass_on_all(a->qs, a->n, a->dir, a->owed, a->n);
}

static _Atomic(int) waitv_refused; /* futex_waitv said ENOSYS once: the fallback from then on */

static int
use_waitv(size_t n)
{
  int forced = 0;
#ifdef RINGQ_TEST_HOOKS
  forced = getenv("RINGQ_TEST_NO_FUTEX_WAITV") != NULL; /* tests force the fallback */
#endif
  /* relaxed: a sticky hint; a stale 0 costs one more ENOSYS. */
  return n <= WAITV_MAX && !forced && !atomic_load_explicit(&waitv_refused, memory_order_relaxed);
}

/* One sleep with futex_waitv on every announced epoch (n <= WAITV_MAX). 0: re-check;
 * RINGQ_TIMEDOUT; RINGQ_ESYS; 1: futex_waitv is missing (fall back). */
static int
sleep_waitv(struct any_wait *a, size_t n, int64_t deadline)
{
  struct futex_waitv v[WAITV_MAX];
  struct timespec ts, *tsp = NULL;
  size_t i;
  long rc;
  int saved = errno, result = 0, old_type;
  for (i = 0; i < n; i++) {
    v[i].val = a->epochs[i];
    v[i].uaddr = (uint64_t)(uintptr_t)ringq__epoch_word(waitq_of(a->qs[i], a->dir));
    v[i].flags = FUTEX_32 | (ringq__is_shared(a->qs[i]) ? 0 : FUTEX_PRIVATE_FLAG);
    v[i].__reserved = 0;
  }
  if (deadline != RINGQ__FOREVER) {
    ts.tv_sec = (time_t)(deadline / 1000000000);
    ts.tv_nsec = (long)(deadline % 1000000000);
    tsp = &ts;
  }
  /* A cancellation point, as ringq__wait. */
  pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &old_type);
  rc = syscall(SYS_futex_waitv, v, (unsigned)n, 0, tsp, CLOCK_MONOTONIC);
  pthread_setcanceltype(old_type, NULL);
  if (rc < 0) {
    if (errno == ETIMEDOUT)
      result = RINGQ_TIMEDOUT;
    else if (errno == ENOSYS || errno == EPERM)
      result = 1;
    else if (errno != EAGAIN && errno != EINTR)
      result = RINGQ_ESYS;
  }
  errno = saved;
  return result;
}

static int sleep_waitv(struct any_wait *a, size_t n, int64_t deadline);

/* A slice of sleep on the first queue's futex (the fallback for process-shared queues). */
static int
sleep_first(struct any_wait *a, size_t n, int64_t deadline)
{
  int64_t cap = ringq__now_ns() + FALLBACK_SLICE_NS;
  struct ringq_queue *q0 = a->qs[0];
  int rc;
  (void)n;
  rc = ringq__wait(ringq__epoch_word(waitq_of(q0, a->dir)), a->epochs[0],
                   deadline < cap ? deadline : cap, ringq__is_shared(q0));
  return rc == RINGQ_TIMEDOUT && deadline > cap ? 0 : rc;
}

/* [W1] on the first min(n, WAITV_MAX) queues, [W2] on all, the sleep, [W3]: a->rc is the sleep's
 * result (0 when a queue was ready at [W2]). A queue that counts SLEEPERS_MAX sleepers already
 * refuses the announcement: then a nap of at most FALLBACK_SLICE_NS instead of the sleep.
 * Cancellation in the sleep runs take_back_cancelled. */
static void
announced_any(struct any_wait *a, int (*sleep)(struct any_wait *, size_t, int64_t))
{
  size_t i, m = a->n < WAITV_MAX ? a->n : WAITV_MAX;
  a->announced = 0;
  a->rc = 0;
  a->refused = 0;
  RINGQ__HOOK(RINGQ__HOOK_BEFORE_ANNOUNCE);
  for (i = 0; i < m && !a->refused; i++) {
    /* relaxed: only ringq_queue_fini reads it. */
    atomic_fetch_add_explicit(&ringq__sh(a->qs[i])->blocked, 1, memory_order_relaxed);
    if (!ringq__announce(a->qs[i], waitq_of(a->qs[i], a->dir), &a->epochs[i])) { /* [W1] */
      /* release; pairs with ringq_queue_fini's acquire. */
      atomic_fetch_sub_explicit(&ringq__sh(a->qs[i])->blocked, 1, memory_order_release);
      a->refused = 1;
    } else {
      a->announced = i + 1;
    }
  }
  pthread_cleanup_push(take_back_cancelled, a);
  if (first_ready(a->qs, a->n, a->dir) == a->n) { /* [W2] */
    /* Nothing ready: a wake consumed earlier went to another thread; the debt is paid. */
    memset(a->owed, 0, m);
    if (a->refused) {
      int64_t left = a->deadline == RINGQ__FOREVER ? FALLBACK_SLICE_NS
                                                   : a->deadline - ringq__now_ns();
      if (left > 0)
        ringq__nap(left < FALLBACK_SLICE_NS ? left : FALLBACK_SLICE_NS);
    } else {
      RINGQ__HOOK(RINGQ__HOOK_BEFORE_SLEEP);
      a->rc = sleep(a, m, a->deadline);
    }
  }
  pthread_cleanup_pop(0);
  take_back_all(a); /* [W3] */
}

struct poll_call {
  struct pollfd *fds;
  size_t n;
  int timeout_ms;
  int heap; /* fds was allocated: free it if the thread is cancelled in the poll */
  int rc;
};

static void
poll_cancelled(void *arg)
{
  struct poll_call *c = arg;
  if (c->heap)
    free(c->fds);
}

/* poll(2) as a cancellation point that frees the caller's heap array when cancelled. 0, or
 * RINGQ_ESYS. */
static int
poll_cancellable(struct poll_call *c)
{
  pthread_cleanup_push(poll_cancelled, c);
  {
    int saved = errno, old_type;
    c->rc = 0;
    pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &old_type);
    if (poll(c->fds, (nfds_t)c->n, c->timeout_ms) < 0 && errno != EINTR)
      c->rc = RINGQ_ESYS;
    pthread_setcanceltype(old_type, NULL);
    errno = saved;
  }
  pthread_cleanup_pop(0);
  return c->rc;
}

/* The fallback's sleep: poll(2) on the eventfds (each prepared), or, when a queue is process-
 * shared, a slice of sleep on the first queue's futex. 0: re-check; RINGQ_TIMEDOUT; RINGQ_ESYS. */
static int
sleep_fallback(struct ringq_queue *const *qs, size_t n, int dir, int64_t deadline,
               unsigned char *owed)
{
  struct pollfd stack[16], *fds = n <= 16 ? stack : NULL;
  size_t i;
  int rc = 0, timeout_ms = -1;
  int64_t now = ringq__now_ns();
  for (i = 0; i < n; i++)
    if (ringq__is_shared(qs[i])) {
      struct any_wait a;
      a.qs = qs;
      a.n = n;
      a.dir = dir;
      a.deadline = deadline;
      a.owed = owed;
      announced_any(&a, sleep_first);
      return a.rc;
    }
  if (fds == NULL && (fds = calloc(n, sizeof *fds)) == NULL)
    return RINGQ_ENOMEM;
  RINGQ__HOOK(RINGQ__HOOK_BEFORE_ANNOUNCE);
  for (i = 0; i < n; i++) {
    int fd;
    if (get_fd(qs[i], dir, &fd) != RINGQ_OK) {
      rc = RINGQ_ESYS;
      goto out;
    }
    fds[i].fd = fd;
    fds[i].events = POLLIN;
    if (prepare_one(qs[i], dir, fd))
      goto out; /* ready: re-check at once */
  }
  if (deadline != RINGQ__FOREVER) {
    int64_t left = deadline - now;
    if (left <= 0) {
      rc = RINGQ_TIMEDOUT;
      goto out;
    }
    timeout_ms = left / 1000000 >= 1000000000 ? 1000000000 : (int)((left + 999999) / 1000000);
  }
  RINGQ__HOOK(RINGQ__HOOK_BEFORE_SLEEP);
  {
    struct poll_call c;
    c.fds = fds;
    c.n = n;
    c.timeout_ms = timeout_ms;
    c.heap = fds != stack;
    rc = poll_cancellable(&c);
  }
out:
  if (fds != stack)
    free(fds);
  return rc;
}

/* Wait until one of qs is ready; `taking`: the caller takes from the queue reported (get_any),
 * which uses the wake consumed there, if any; wait_any only reports, so it passes every
 * consumed wake on. */
static enum ringq_status
wait_any_until(struct ringq_queue *const *qs, size_t n, unsigned event, int64_t deadline,
               size_t *index, int taking)
{
  int dir = dir_of(event);
  size_t i;
  unsigned char owed[WAITV_MAX];
  memset(owed, 0, sizeof owed);
  if (index != NULL)
    *index = n;
  if (qs == NULL || n == 0 || index == NULL || dir < 0)
    return RINGQ_EINVAL;
  for (i = 0; i < n; i++)
    if (qs[i] == NULL)
      return RINGQ_EINVAL;
  for (;;) {
    int rc = 1;
    if ((i = first_ready(qs, n, dir)) < n) {
      *index = i;
      pass_on_all(qs, n, dir, owed, taking ? i : n);
      return RINGQ_OK;
    }
    if (deadline != RINGQ__FOREVER && ringq__now_ns() >= deadline) {
      pass_on_all(qs, n, dir, owed, n);
      return RINGQ_TIMEDOUT;
    }
    if (use_waitv(n)) {
      struct any_wait a;
      a.qs = qs;
      a.n = n;
      a.dir = dir;
      a.deadline = deadline;
      a.owed = owed;
      announced_any(&a, sleep_waitv);
      rc = a.rc;
      if (rc == 1) /* relaxed: a sticky hint. */
        atomic_store_explicit(&waitv_refused, 1, memory_order_relaxed);
    }
    if (rc == 1)
      rc = sleep_fallback(qs, n, dir, deadline, owed);
    if (rc == RINGQ_ESYS || rc == RINGQ_ENOMEM) {
      pass_on_all(qs, n, dir, owed, n);
      return (enum ringq_status)rc;
    }
    /* RINGQ_TIMEDOUT: the loop's top re-checks once more, then reports it. */
  }
}

enum ringq_status
ringq_queue_wait_any(struct ringq_queue *const *qs, size_t n, unsigned event, int64_t timeout_ns,
                     size_t *index)
{
  if (timeout_ns < 0) {
    if (index != NULL)
      *index = n;
    return RINGQ_EINVAL;
  }
  return wait_any_until(qs, n, event, ringq__deadline_after(timeout_ns), index, 0);
}

enum ringq_status
ringq_queue_wait_any_until(struct ringq_queue *const *qs, size_t n, unsigned event,
                           const struct timespec *deadline, size_t *index)
{
  int64_t d;
  if (ringq__deadline_at(deadline, &d) != RINGQ_OK) {
    if (index != NULL)
      *index = n;
    return RINGQ_EINVAL;
  }
  return wait_any_until(qs, n, event, d, index, 0);
}

enum ringq_status
ringq_queue_get_any(struct ringq_queue *const *qs, size_t n, void *item, int64_t timeout_ns,
                    size_t *index)
{
  int64_t deadline;
  if (timeout_ns < 0) {
    if (index != NULL)
      *index = n;
    return RINGQ_EINVAL;
  }
  if (qs != NULL && item == NULL) /* a NULL item suits token queues (elem_size 0) only */
    for (size_t k = 0; k < n; k++)
      if (qs[k] != NULL && !qs[k]->token) {
        if (index != NULL)
          *index = n;
        return RINGQ_EINVAL;
      }
  deadline = ringq__deadline_after(timeout_ns);
  for (;;) {
    size_t i;
    enum ringq_status st = wait_any_until(qs, n, RINGQ_POLL_READABLE, deadline, &i, 1);
    if (st != RINGQ_OK)
      return st == RINGQ_TIMEDOUT ? RINGQ_EMPTY : st;
    st = ringq_queue_get_nowait(qs[i], item);
    if (st != RINGQ_EMPTY) {
      /* SHUTDOWN too: that queue is shut down and drained; the caller decides what next. */
      *index = i;
      return st;
    }
    /* another getter was first: wait again */
  }
}
