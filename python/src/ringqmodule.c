/* SPDX-License-Identifier: MIT */
/* python/src/ringqmodule.c: ringq._ringq, Python's queue.Queue contract on a ringq queue (CPython
 * extension module).
 *
 * Design. Each ringq.Queue holds one process-private, unbounded ringq MPMC queue of 8-byte items,
 * each a PyObject * whose reference the queue owns while the item is inside. Python's `maxsize`
 * is writable at any time (CPython's own tests shrink a full queue), while a ringq queue's
 * capacity is fixed at creation, so the bound is enforced here, on top of the unbounded ring:
 *
 *  - Every put (the check against maxsize and the ring's put_nowait) runs while holding the GIL,
 *    so puts are serialized and the count of items can only fall between the check and the put:
 *    the queue never holds more than maxsize items accepted under that maxsize, exactly as Python.
 *  - Gets take items from the ring only while holding the GIL (get_nowait). A get that finds the
 *    ring empty waits on a futex word of this object (`item_epoch`) with the GIL released; every
 *    put that published an item bumps it and wakes the waiters while holding the GIL (Python's
 *    not_empty.notify()); the woken getter takes the GIL back and tries get_nowait again. Before
 *    it sleeps, the getter watches the word for ITEM_SPINS looks (a hand-off between two threads
 *    then costs no sleep: bench.py's pingpong). Why not ringq's own blocking get, as until 0.3.0:
 *    it takes the item without the GIL, after its own spin of ring attempts, and the item is of no
 *    use before this thread has the GIL back; with four threads on two CPUs (bench.py
 *    stream-2p2c-bounded) that ran slower than this (the numbers are in the commit message).
 *  - Both words follow one protocol (epoch_wait, notify_epoch), argued here. A waiter reads the
 *    word and counts itself in (`*_waiters`) while holding the GIL, after its attempt failed, also
 *    while holding it; then it releases the GIL and sleeps while the word still holds the value
 *    read. A notifier (a put for items; a get or a shutdown for room; a shutdown for both) changes
 *    the queue and then, still holding the GIL, bumps the word and wakes every waiter if any is
 *    counted in. The GIL orders the waiter's attempt and registration before any change that
 *    could make its next attempt succeed (that change needs the GIL, which the waiter held), so
 *    that notifier sees the count > 0, and its bump happens before its wake: either the word
 *    differs when the waiter's FUTEX_WAIT compares it (no sleep), or the waiter is asleep and
 *    the wake finds it. No wake is lost. The notifier sets the count to 0 (everyone counted was
 *    woken); a waiter whose word did not change (timeout, signal, spurious return) takes itself
 *    out; every waiter re-tries its attempt under the GIL before it sleeps again. The word wraps
 *    after 2^32 notifies; a waiter would have to sleep through exactly that many to miss one.
 *  - The wake's system call is made only when a waiter may be asleep: a getter that watches the
 *    word (ITEM_SPINS) needs none, and a put that made one anyway kept the GIL the longer (the
 *    pingpong hand-off then found the GIL taken and slept on it: 40 us round trips instead of 2).
 *    Each word has a count of sleepers (`*_sleepers`, atomic: written without the GIL). [E1] The
 *    waiter increments it (seq_cst read-modify-write) before its FUTEX_WAIT and decrements it
 *    after; the kernel reads the word after a full barrier of its own (futex_wait's smp_mb, its
 *    "MB (A)"), so [E1] precedes that compare. [E2] The notifier bumps the word (seq_cst
 *    read-modify-write), then [E3] reads the sleepers (seq_cst) and wakes if it reads > 0. In the
 *    single total order of the seq_cst operations, either [E1] comes before [E3] (the notifier
 *    sees the sleeper and wakes: the waiter is queued, or its compare sees the bump), or [E3]
 *    comes before [E1], and then [E2] (before [E3]) comes before [E1] and so before the kernel's
 *    compare, which sees the bumped word: the waiter does not sleep. Either way no sleep outlasts
 *    a bump it was counted in for. A stale count (a sleeper just returning) costs one needless
 *    wake, never a lost one.
 *  - A put that finds the queue full waits on a futex word of this object (`room_epoch`) with the
 *    GIL released; every get that took an item bumps it and wakes the waiters while holding the
 *    GIL (Python's not_full.notify()). The waiter reads the epoch and registers while holding the
 *    GIL, so a notifier that runs after it released the GIL changes the word first: no lost wake.
 *  - task_done / join and shutdown (immediate or not) are ringq's: join waits in ringq with the GIL
 *    released; the items an immediate shutdown or the queue's collection discards reach
 *    ringq_queue_set_discard's callback, which only collects them, and they are released (Py_DECREF)
 *    after the ringq call returned, so that no destructor runs inside the queue.
 *  - Signals: the main thread waits in slices of SLICE_NS and runs PyErr_CheckSignals between
 *    them (KeyboardInterrupt during a get, put or join without timeout); other threads cannot
 *    handle signals in CPython and wait in one piece.
 *  - Event loops (ringq.AsyncQueue, in ringq/__init__.py): the descriptor for "an item can be got"
 *    is ringq_queue_fd's; "room for a put" and "all tasks done" are this object's own eventfds,
 *    since the bound and the Python-side task count live here; both are written under the GIL. */
#define _GNU_SOURCE
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include <ringq/queue.h>

#include "pyringq.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>


/* Events of _fd / _poll_prepare (READABLE and WRITABLE are ringq's values). */
#define EV_READABLE RINGQ_POLL_READABLE
#define EV_WRITABLE RINGQ_POLL_WRITABLE
#define EV_JOINED 0x4u

PyObject *Full;     /* queue.Full */
PyObject *Empty;    /* queue.Empty */
PyObject *ShutDown; /* queue.ShutDown where the running Python has it, else ringq's own */
unsigned long main_thread_ident;

struct discarded {
  PyObject **items;
  size_t n, cap;
};

typedef struct {
  PyObject_HEAD
  struct ringq_queue *q;
  Py_ssize_t maxsize;    /* Python's maxsize: <= 0 means no bound (GIL) */
  Py_ssize_t unfinished; /* Python's unfinished_tasks, mirroring ringq's count (GIL) */
  /* Futex word of putters waiting for room: bumped by each get when room_waiters > 0. */
  _Atomic uint32_t room_epoch;
  Py_ssize_t room_waiters; /* threads registered on room_epoch since its last bump (GIL) */
  _Atomic uint32_t room_sleepers; /* threads in or entering FUTEX_WAIT on room_epoch ([E1]) */
  /* Futex word of getters waiting for an item: bumped by each put when item_waiters > 0. */
  _Atomic uint32_t item_epoch;
  Py_ssize_t item_waiters; /* threads registered on item_epoch since its last bump (GIL) */
  _Atomic uint32_t item_sleepers; /* threads in or entering FUTEX_WAIT on item_epoch ([E1]) */
  int spin_off; /* getters' waits left without a look at item_epoch (SPIN_OFF_WAITS; GIL) */
  int room_fd, join_fd;    /* own eventfds for event loops, -1 until asked for (GIL) */
  int room_armed, join_armed;
  struct discarded discarded; /* items handed to the discard callback, released afterwards */
  PyObject *weakreflist;
} QueueObject;

/* ---- time and futex ------------------------------------------------------------------------ */

int64_t
now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct timespec
to_timespec(int64_t ns)
{
  struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000LL), .tv_nsec = (long)(ns % 1000000000LL)};
  return ts;
}

/* Python's check: `timeout < 0` raises ValueError. Converts a timeout object (seconds) into an
 * absolute CLOCK_MONOTONIC deadline; a timeout too large to represent means no deadline.
 * Returns 0, or -1 with an exception set (*negative set when the timeout was negative). */
int
deadline_from(PyObject *timeout, int64_t *deadline, int *negative)
{
  double t = PyFloat_AsDouble(timeout);
  *negative = 0;
  if (t == -1.0 && PyErr_Occurred())
    return -1;
  if (isnan(t)) {
    PyErr_SetString(PyExc_ValueError, "'timeout' must be a number, not NaN");
    return -1;
  }
  if (t < 0) {
    *negative = 1;
    return 0;
  }
  if (t > 9.0e9) /* about 285 years */
    *deadline = NO_DEADLINE;
  else
    *deadline = now_ns() + (int64_t)(t * 1e9);
  return 0;
}

/* Where one wait of this thread ends: the deadline, or a slice of it in the main thread (which is
 * the only one that can run signal handlers). *sliced says the wait ends before the deadline. */
int64_t
wait_end(int64_t deadline, int *sliced)
{
  int64_t end;
  *sliced = 0;
  if (PyThread_get_thread_ident() != main_thread_ident)
    return deadline;
  end = now_ns() + SLICE_NS;
  if (deadline == NO_DEADLINE || deadline > end) {
    *sliced = 1;
    return end;
  }
  return deadline;
}

/* Sleep on a word (room_epoch or item_epoch) while it still holds `expected`, until `end`
 * (CLOCK_MONOTONIC, or no limit). Any return (wake, timeout, signal, changed word) leads the caller
 * back to its re-check. Called without the GIL. */
static void
epoch_wait(_Atomic uint32_t *word, uint32_t expected, int64_t end)
{
  struct timespec ts = to_timespec(end);
  syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_BITSET_PRIVATE, expected,
          end == NO_DEADLINE ? NULL : &ts, NULL, FUTEX_BITSET_MATCH_ANY);
}

#ifndef ITEM_SPINS
#define ITEM_SPINS 256 /* a getter's look at item_epoch before it sleeps (a few microseconds) */
#endif
/* The look is worth it when the GIL comes back soon after the word changed (a hand-off between two
 * threads: bench.py's pingpong). When it took longer than SPIN_USELESS_NS, the putter kept the GIL
 * (it goes on putting) and the look only took a CPU from it (four threads on two CPUs:
 * stream-2p2c-bounded); the queue's getters then sleep at once for the next SPIN_OFF_WAITS waits,
 * and look again after them. Only the spin is adaptive; the protocol is the same either way. */
#define SPIN_USELESS_NS 10000
#define SPIN_OFF_WAITS 64

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/* One wait of the protocol of the header (GIL held on entry and on return): register on `word`,
 * release the GIL, watch the word for up to `spins` looks (only reads: a change ends the wait
 * without a system call), else sleep until a notify or `end`; take the GIL back, take this thread
 * out if no notifier did. The caller re-tries its attempt afterwards. Returns how long the GIL
 * took to come back after the look saw a change, or -1. The look takes nothing from
 * the queue, so it needs no ordering of its own: whatever it sees, the attempt after it runs under
 * the GIL again. */
static int64_t
epoch_block(_Atomic uint32_t *word, Py_ssize_t *waiters, _Atomic uint32_t *sleepers, int64_t end,
            int spins)
{
  int64_t seen = 0; /* when the look saw the word change (0: it did not) */
  /* relaxed: read while holding the GIL, which every writer of the word holds (notify_epoch). */
  uint32_t epoch = atomic_load_explicit(word, memory_order_relaxed);
  (*waiters)++;
  Py_BEGIN_ALLOW_THREADS
  int i;
  for (i = 0; i < spins; i++) {
    cpu_relax();
    /* relaxed: only a hint (see above); the futex compare and the re-try decide. */
    if (atomic_load_explicit(word, memory_order_relaxed) != epoch) {
      seen = now_ns();
      break;
    }
  }
  if (i == spins) {
    /* [E1] seq_cst; pairs with [E3]: announced before the kernel's compare of the word. */
    atomic_fetch_add_explicit(sleepers, 1u, memory_order_seq_cst);
    epoch_wait(word, epoch, end);
    /* relaxed: only lowers the count; a notifier that still sees it makes a needless wake. */
    atomic_fetch_sub_explicit(sleepers, 1u, memory_order_relaxed);
  }
  Py_END_ALLOW_THREADS
  /* relaxed: read while holding the GIL again. An unchanged epoch: no notify counted this waiter
   * out (a timeout, a signal, a spurious return), so it takes itself out. */
  if (atomic_load_explicit(word, memory_order_relaxed) == epoch)
    (*waiters)--;
  return seen ? now_ns() - seen : -1;
}

/* The notifier's side (GIL held): after the change, bump the word and wake every counted waiter. */
static void
notify_epoch(_Atomic uint32_t *word, Py_ssize_t *waiters, _Atomic uint32_t *sleepers)
{
  if (*waiters > 0) {
    /* [E2] seq_cst; pairs with [E1] through [E3]. (Among the GIL holders the word needs no
     * order: it is only written while holding the GIL, and read under it by the waiters.) */
    atomic_fetch_add_explicit(word, 1u, memory_order_seq_cst);
    /* Every registered waiter is woken now: the next notifies make no system call until one
     * registers again (a woken waiter may wait for the GIL while the notifier goes on). */
    *waiters = 0;
    /* [E3] seq_cst; pairs with [E1]: nobody announced sleeping means nobody sleeps on the old
     * value (the header's argument). */
    if (atomic_load_explicit(sleepers, memory_order_seq_cst) > 0)
      syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
  }
}

static void
signal_fd(int fd)
{
  uint64_t one = 1;
  ssize_t r = write(fd, &one, sizeof one); /* cannot block or fail short of a counter overflow */
  (void)r;
}

static void
drain_fd(int fd)
{
  uint64_t n;
  ssize_t r = read(fd, &n, sizeof n); /* EAGAIN when already clear: nothing to do */
  (void)r;
}

/* ---- notifications, all while holding the GIL --------------------------------------------- */

static int
has_room(QueueObject *self)
{
  return self->maxsize <= 0 || (Py_ssize_t)ringq_queue_qsize(self->q) < self->maxsize;
}

/* Room may have appeared (a get, a shutdown): Python's not_full.notify(), to every waiter (each
 * re-checks; a waiter never consumes a notification another one needed). */
static void
notify_room(QueueObject *self)
{
  notify_epoch(&self->room_epoch, &self->room_waiters, &self->room_sleepers);
  if (self->room_armed && (has_room(self) || ringq_queue_is_shutdown(self->q))) {
    self->room_armed = 0;
    signal_fd(self->room_fd);
  }
}

static void
notify_joined(QueueObject *self)
{
  if (self->join_armed && self->unfinished == 0) {
    self->join_armed = 0;
    signal_fd(self->join_fd);
  }
}

/* ---- discarded items ----------------------------------------------------------------------- */

/* ringq's discard callback: runs in the thread that shuts down or collects the queue, which holds
 * the GIL; it only records the item, released by release_discarded once the ringq call is over. */
static void
discard_item(void *item, void *ctx)
{
  QueueObject *self = ctx;
  struct discarded *d = &self->discarded;
  PyObject *obj;
  memcpy(&obj, item, sizeof obj);
  if (d->n == d->cap) {
    size_t cap = d->cap ? 2 * d->cap : 64;
    PyObject **items = PyMem_RawRealloc(d->items, cap * sizeof *items);
    if (items == NULL) {
      Py_DECREF(obj); /* no memory to defer it: release it now (the GIL is held) */
      return;
    }
    d->items = items;
    d->cap = cap;
  }
  d->items[d->n++] = obj;
}

/* Release the recorded items (destructors may run, and may use this queue again). */
static void
release_discarded(struct discarded *d)
{
  PyObject **items = d->items;
  size_t i, n = d->n;
  d->items = NULL;
  d->n = d->cap = 0;
  for (i = 0; i < n; i++)
    Py_DECREF(items[i]);
  PyMem_RawFree(items);
}

/* ---- errors -------------------------------------------------------------------------------- */

PyObject *
ringq_error(enum ringq_status st)
{
  if (st == RINGQ_ENOMEM)
    return PyErr_NoMemory();
  if (st == RINGQ_ESYS)
    return PyErr_SetFromErrno(PyExc_OSError);
  PyErr_Format(PyExc_RuntimeError, "ringq: %s", ringq_strerror(st));
  return NULL;
}

/* ---- argument parsing ---------------------------------------------------------------------- */

/* Python's calling convention for `name(p0, p1, ...)` with keywords: out[i] gets the i-th
 * parameter or NULL when not given; the first `required` must be given. */
int
parse_args(const char *fname, const char *const *names, Py_ssize_t n, Py_ssize_t required,
           PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, PyObject **out)
{
  Py_ssize_t i, k, nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  if (nargs > n) {
    PyErr_Format(PyExc_TypeError, "%s() takes at most %zd arguments (%zd given)", fname, n,
                 nargs + nkw);
    return -1;
  }
  for (i = 0; i < n; i++)
    out[i] = i < nargs ? args[i] : NULL;
  for (k = 0; k < nkw; k++) {
    PyObject *key = PyTuple_GET_ITEM(kwnames, k);
    for (i = 0; i < n; i++)
      if (PyUnicode_CompareWithASCIIString(key, names[i]) == 0)
        break;
    if (i == n) {
      PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'", fname, key);
      return -1;
    }
    if (out[i] != NULL) {
      PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'", fname, names[i]);
      return -1;
    }
    out[i] = args[nargs + k];
  }
  for (i = 0; i < required; i++)
    if (out[i] == NULL) {
      PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'", fname, names[i]);
      return -1;
    }
  return 0;
}

/* A `block` argument: true when absent. Returns 1, 0 or -1 (exception set). */
int
truth(PyObject *o, int absent)
{
  return o == NULL ? absent : PyObject_IsTrue(o);
}

/* ---- put ----------------------------------------------------------------------------------- */

static PyObject *
put_impl(QueueObject *self, PyObject *item, int block, PyObject *timeout)
{
  enum ringq_status st;
  if (ringq_queue_is_shutdown(self->q)) {
    PyErr_SetNone(ShutDown);
    return NULL;
  }
  if (self->maxsize > 0) {
    int64_t deadline = NO_DEADLINE;
    /* Python's order: with a bound, a negative timeout is refused even when there is room. */
    if (block && timeout != NULL && timeout != Py_None) {
      int negative;
      if (deadline_from(timeout, &deadline, &negative) < 0)
        return NULL;
      if (negative) {
        PyErr_SetString(PyExc_ValueError, "'timeout' must be a non-negative number");
        return NULL;
      }
    }
    if (!block && !has_room(self)) {
      PyErr_SetNone(Full);
      return NULL;
    }
    while (!has_room(self)) {
      int sliced;
      if (deadline != NO_DEADLINE && deadline - now_ns() <= 0) {
        PyErr_SetNone(Full);
        return NULL;
      }
      (void)epoch_block(&self->room_epoch, &self->room_waiters, &self->room_sleepers,
                        wait_end(deadline, &sliced), 0);
      if (ringq_queue_is_shutdown(self->q)) {
        PyErr_SetNone(ShutDown);
        return NULL;
      }
      if (PyErr_CheckSignals() < 0)
        return NULL;
    }
  }
  Py_INCREF(item); /* the queue's reference, until a get hands it over or a discard drops it */
  st = ringq_queue_put_nowait(self->q, &item);
  if (st != RINGQ_OK) {
    Py_DECREF(item);
    if (st == RINGQ_SHUTDOWN) {
      PyErr_SetNone(ShutDown);
      return NULL;
    }
    return ringq_error(st); /* RINGQ_ENOMEM: no segment for the unbounded ring */
  }
  self->unfinished++;
  notify_epoch(&self->item_epoch, &self->item_waiters, &self->item_sleepers); /* not_empty */
  Py_RETURN_NONE;
}

static PyObject *
queue_put(QueueObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
  static const char *const names[] = {"item", "block", "timeout"};
  PyObject *a[3];
  int block;
  if (parse_args("put", names, 3, 1, args, nargs, kwnames, a) < 0)
    return NULL;
  if ((block = truth(a[1], 1)) < 0)
    return NULL;
  return put_impl(self, a[0], block, a[2]);
}

static PyObject *
queue_put_nowait(QueueObject *self, PyObject *item)
{
  return put_impl(self, item, 0, NULL);
}

/* ---- get ----------------------------------------------------------------------------------- */

static PyObject *
got(QueueObject *self, PyObject *item)
{
  notify_room(self);
  return item; /* the queue's reference becomes the caller's */
}

static PyObject *
get_impl(QueueObject *self, int block, PyObject *timeout)
{
  PyObject *item;
  enum ringq_status st;
  int64_t deadline = NO_DEADLINE;
  if (block && timeout != NULL && timeout != Py_None) {
    int negative;
    if (deadline_from(timeout, &deadline, &negative) < 0)
      return NULL;
    if (negative) { /* Python checks shutdown first, then the sign, before looking for items */
      if (ringq_queue_is_shutdown(self->q) && ringq_queue_qsize(self->q) == 0)
        PyErr_SetNone(ShutDown);
      else
        PyErr_SetString(PyExc_ValueError, "'timeout' must be a non-negative number");
      return NULL;
    }
  }
  /* Items are taken under the GIL only; a wait is on item_epoch (see the header). ringq's
   * get_nowait says RINGQ_SHUTDOWN once the queue is shut down and drained. */
  st = ringq_queue_get_nowait(self->q, &item);
  while (st == RINGQ_EMPTY && block) {
    int sliced, spins = ITEM_SPINS;
    int64_t regain;
    if (deadline != NO_DEADLINE && deadline - now_ns() <= 0)
      break; /* the caller's deadline passed (after one more attempt) */
    if (self->spin_off > 0) {
      self->spin_off--;
      spins = 0;
    }
    regain = epoch_block(&self->item_epoch, &self->item_waiters, &self->item_sleepers,
                         wait_end(deadline, &sliced), spins);
    if (regain > SPIN_USELESS_NS)
      self->spin_off = SPIN_OFF_WAITS;
    st = ringq_queue_get_nowait(self->q, &item);
    if (st != RINGQ_EMPTY)
      break;
    if (PyErr_CheckSignals() < 0)
      return NULL;
  }
  switch (st) {
  case RINGQ_OK:
    return got(self, item);
  case RINGQ_EMPTY:
    PyErr_SetNone(Empty);
    return NULL;
  case RINGQ_SHUTDOWN:
    PyErr_SetNone(ShutDown);
    return NULL;
  default:
    return ringq_error(st);
  }
}

static PyObject *
queue_get(QueueObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
  static const char *const names[] = {"block", "timeout"};
  PyObject *a[2];
  int block;
  if (parse_args("get", names, 2, 0, args, nargs, kwnames, a) < 0)
    return NULL;
  if ((block = truth(a[0], 1)) < 0)
    return NULL;
  return get_impl(self, block, a[1]);
}

static PyObject *
queue_get_nowait(QueueObject *self, PyObject *unused)
{
  (void)unused;
  return get_impl(self, 0, NULL);
}

/* _try_get(default): get_nowait that returns `default` when the queue is empty instead of raising
 * Empty (the event-loop side polls an empty queue often; an exception costs more than the get). */
static PyObject *
queue_try_get(QueueObject *self, PyObject *dflt)
{
  PyObject *item;
  enum ringq_status st = ringq_queue_get_nowait(self->q, &item);
  if (st == RINGQ_OK)
    return got(self, item);
  if (st == RINGQ_EMPTY)
    return Py_NewRef(dflt);
  if (st == RINGQ_SHUTDOWN) {
    PyErr_SetNone(ShutDown);
    return NULL;
  }
  return ringq_error(st);
}

/* _try_put(item): put_nowait that returns False when the queue is full instead of raising Full. */
static PyObject *
queue_try_put(QueueObject *self, PyObject *item)
{
  if (self->maxsize > 0 && !has_room(self) && !ringq_queue_is_shutdown(self->q))
    Py_RETURN_FALSE;
  if (put_impl(self, item, 0, NULL) == NULL)
    return NULL;
  Py_RETURN_TRUE;
}

/* ---- sizes, tasks, shutdown ---------------------------------------------------------------- */

static PyObject *
queue_qsize(QueueObject *self, PyObject *unused)
{
  (void)unused;
  return PyLong_FromSize_t(ringq_queue_qsize(self->q));
}

static PyObject *
queue_empty(QueueObject *self, PyObject *unused)
{
  (void)unused;
  return PyBool_FromLong(ringq_queue_qsize(self->q) == 0);
}

static PyObject *
queue_full(QueueObject *self, PyObject *unused)
{
  (void)unused;
  return PyBool_FromLong(self->maxsize > 0 && !has_room(self));
}

static PyObject *
queue_task_done(QueueObject *self, PyObject *unused)
{
  enum ringq_status st = ringq_queue_task_done(self->q);
  (void)unused;
  if (st == RINGQ_ETASKDONE) {
    PyErr_SetString(PyExc_ValueError, "task_done() called too many times");
    return NULL;
  }
  if (st != RINGQ_OK)
    return ringq_error(st);
  self->unfinished--;
  notify_joined(self);
  Py_RETURN_NONE;
}

static PyObject *
queue_join(QueueObject *self, PyObject *unused)
{
  enum ringq_status st;
  (void)unused;
  for (;;) {
    int sliced;
    int64_t end = wait_end(NO_DEADLINE, &sliced);
    struct timespec ts = to_timespec(end);
    Py_BEGIN_ALLOW_THREADS
    st = end == NO_DEADLINE ? ringq_queue_join(self->q) : ringq_queue_join_until(self->q, &ts);
    Py_END_ALLOW_THREADS
    if (st != RINGQ_TIMEDOUT)
      break;
    if (PyErr_CheckSignals() < 0)
      return NULL;
  }
  if (st != RINGQ_OK)
    return ringq_error(st);
  Py_RETURN_NONE;
}

static PyObject *
queue_shutdown(QueueObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
  static const char *const names[] = {"immediate"};
  PyObject *a[1];
  int immediate;
  enum ringq_status st;
  size_t discarded;
  if (parse_args("shutdown", names, 1, 0, args, nargs, kwnames, a) < 0)
    return NULL;
  if ((immediate = truth(a[0], 0)) < 0)
    return NULL;
  /* With the GIL held: no put or get is under way in the ring (both take items only while holding
   * the GIL); the getters and putters waiting on item_epoch and room_epoch are woken below. */
  st = ringq_queue_shutdown(self->q, immediate);
  if (st != RINGQ_OK)
    return ringq_error(st);
  discarded = self->discarded.n;
  /* ringq subtracted the discarded items from its count, clamped at zero: the mirror follows. */
  self->unfinished = (size_t)self->unfinished > discarded ? self->unfinished - (Py_ssize_t)discarded
                                                          : 0;
  notify_epoch(&self->item_epoch, &self->item_waiters, &self->item_sleepers); /* SHUTDOWN */
  notify_room(self);
  notify_joined(self);
  release_discarded(&self->discarded);
  Py_RETURN_NONE;
}

/* ---- event-loop support for ringq.AsyncQueue ----------------------------------------------- */

static int
own_fd(int *fd)
{
  if (*fd < 0 && (*fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
    PyErr_SetFromErrno(PyExc_OSError);
    return -1;
  }
  return 0;
}

/* _fd(event): the descriptor that becomes readable when `event` may hold. */
static PyObject *
queue_fd(QueueObject *self, PyObject *arg)
{
  long ev = PyLong_AsLong(arg);
  int fd;
  enum ringq_status st;
  if (ev == -1 && PyErr_Occurred())
    return NULL;
  switch (ev) {
  case EV_READABLE:
    if ((st = ringq_queue_fd(self->q, RINGQ_POLL_READABLE, &fd)) != RINGQ_OK)
      return ringq_error(st);
    return PyLong_FromLong(fd);
  case EV_WRITABLE:
    if (own_fd(&self->room_fd) < 0)
      return NULL;
    return PyLong_FromLong(self->room_fd);
  case EV_JOINED:
    if (own_fd(&self->join_fd) < 0)
      return NULL;
    return PyLong_FromLong(self->join_fd);
  default:
    PyErr_SetString(PyExc_ValueError, "unknown event");
    return NULL;
  }
}

/* _poll_prepare(event): clear the event's descriptor and arm it; True when the event holds
 * already (then do not wait: try again), False when waiting for the descriptor is safe. */
static PyObject *
queue_poll_prepare(QueueObject *self, PyObject *arg)
{
  long ev = PyLong_AsLong(arg);
  unsigned ready;
  enum ringq_status st;
  if (ev == -1 && PyErr_Occurred())
    return NULL;
  switch (ev) {
  case EV_READABLE:
    if ((st = ringq_queue_poll_prepare(self->q, RINGQ_POLL_READABLE, &ready)) != RINGQ_OK)
      return ringq_error(st);
    return PyBool_FromLong(ready != 0);
  case EV_WRITABLE:
    if (own_fd(&self->room_fd) < 0)
      return NULL;
    drain_fd(self->room_fd);
    if (has_room(self) || ringq_queue_is_shutdown(self->q))
      Py_RETURN_TRUE;
    self->room_armed = 1; /* the next get (or shutdown) signals the descriptor */
    Py_RETURN_FALSE;
  case EV_JOINED:
    if (own_fd(&self->join_fd) < 0)
      return NULL;
    drain_fd(self->join_fd);
    if (self->unfinished == 0)
      Py_RETURN_TRUE;
    self->join_armed = 1; /* the task_done (or shutdown) that ends the tasks signals it */
    Py_RETURN_FALSE;
  default:
    PyErr_SetString(PyExc_ValueError, "unknown event");
    return NULL;
  }
}

/* ---- attributes ---------------------------------------------------------------------------- */

static int
set_maxsize(QueueObject *self, PyObject *value)
{
  Py_ssize_t m;
  if (value == NULL) {
    PyErr_SetString(PyExc_AttributeError, "cannot delete maxsize");
    return -1;
  }
  m = PyNumber_AsSsize_t(value, PyExc_OverflowError);
  if (m == -1 && PyErr_Occurred())
    return -1;
  self->maxsize = m;
  return 0;
}

static PyObject *
get_maxsize(QueueObject *self, void *unused)
{
  (void)unused;
  return PyLong_FromSsize_t(self->maxsize);
}

static int
setter_maxsize(QueueObject *self, PyObject *value, void *unused)
{
  (void)unused;
  return set_maxsize(self, value);
}

static PyObject *
get_unfinished(QueueObject *self, void *unused)
{
  (void)unused;
  return PyLong_FromSsize_t(self->unfinished);
}

static PyObject *
get_is_shutdown(QueueObject *self, void *unused)
{
  (void)unused;
  return PyBool_FromLong(ringq_queue_is_shutdown(self->q));
}

/* ---- life cycle ---------------------------------------------------------------------------- */

static PyObject *
queue_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
  QueueObject *self;
  enum ringq_status st;
  (void)args;
  (void)kwds;
  self = (QueueObject *)type->tp_alloc(type, 0);
  if (self == NULL)
    return NULL;
  self->room_fd = self->join_fd = -1;
  atomic_init(&self->room_epoch, 0u);
  atomic_init(&self->room_sleepers, 0u);
  atomic_init(&self->item_epoch, 0u);
  atomic_init(&self->item_sleepers, 0u);
  st = ringq_queue_create(RINGQ_QUEUE_MPMC, 0, sizeof(PyObject *), &self->q);
  if (st == RINGQ_OK)
    st = ringq_queue_set_discard(self->q, discard_item, self);
  if (st != RINGQ_OK) {
    Py_DECREF(self);
    return ringq_error(st);
  }
  return (PyObject *)self;
}

static int
queue_init(QueueObject *self, PyObject *args, PyObject *kwds)
{
  static char *names[] = {"maxsize", NULL};
  PyObject *maxsize = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:Queue", names, &maxsize))
    return -1;
  if (maxsize == NULL) {
    self->maxsize = 0;
    return 0;
  }
  return set_maxsize(self, maxsize);
}

static void
queue_dealloc(QueueObject *self)
{
  if (self->weakreflist != NULL)
    PyObject_ClearWeakRefs((PyObject *)self);
  if (self->q != NULL) {
    /* Nobody waits in the queue: a waiting call holds a reference to it. destroy hands the items
     * left to discard_item; they are released once the queue is gone. */
    enum ringq_status st = ringq_queue_destroy(self->q);
    if (st != RINGQ_OK)
      PyErr_WriteUnraisable((PyObject *)self); /* not reached; the queue is leaked, not freed */
    self->q = NULL;
  }
  if (self->room_fd >= 0)
    close(self->room_fd);
  if (self->join_fd >= 0)
    close(self->join_fd);
  release_discarded(&self->discarded);
  Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef queue_methods[] = {
    {"put", (PyCFunction)(void (*)(void))queue_put, METH_FASTCALL | METH_KEYWORDS,
     "put(item, block=True, timeout=None): put an item, as queue.Queue.put."},
    {"get", (PyCFunction)(void (*)(void))queue_get, METH_FASTCALL | METH_KEYWORDS,
     "get(block=True, timeout=None): remove and return the oldest item, as queue.Queue.get."},
    {"put_nowait", (PyCFunction)queue_put_nowait, METH_O, "put(item, False)."},
    {"get_nowait", (PyCFunction)queue_get_nowait, METH_NOARGS, "get(False)."},
    {"qsize", (PyCFunction)queue_qsize, METH_NOARGS, "The number of items in the queue."},
    {"empty", (PyCFunction)queue_empty, METH_NOARGS, "qsize() == 0."},
    {"full", (PyCFunction)queue_full, METH_NOARGS, "0 < maxsize <= qsize()."},
    {"task_done", (PyCFunction)queue_task_done, METH_NOARGS,
     "Mark a task done; ValueError when called more times than items were put."},
    {"join", (PyCFunction)queue_join, METH_NOARGS, "Wait until every item put is task_done."},
    {"shutdown", (PyCFunction)(void (*)(void))queue_shutdown, METH_FASTCALL | METH_KEYWORDS,
     "shutdown(immediate=False), as queue.Queue.shutdown of Python 3.13."},
    {"_try_get", (PyCFunction)queue_try_get, METH_O, "get_nowait, or the argument when empty."},
    {"_try_put", (PyCFunction)queue_try_put, METH_O, "put_nowait; False when full."},
    {"_fd", (PyCFunction)queue_fd, METH_O, "Event-loop descriptor of an event (1, 2 or 4)."},
    {"_poll_prepare", (PyCFunction)queue_poll_prepare, METH_O,
     "Clear and arm an event's descriptor; True when the event holds already."},
    {"__class_getitem__", Py_GenericAlias, METH_O | METH_CLASS, "See PEP 585."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef queue_getset[] = {
    {"maxsize", (getter)get_maxsize, (setter)setter_maxsize, "The bound (<= 0: none).", NULL},
    {"unfinished_tasks", (getter)get_unfinished, NULL, "Items put and not yet task_done.", NULL},
    {"is_shutdown", (getter)get_is_shutdown, NULL, "Whether shutdown() was called.", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyTypeObject QueueType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "ringq.Queue",
    .tp_basicsize = sizeof(QueueObject),
    .tp_dealloc = (destructor)queue_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "Queue(maxsize=0): queue.Queue's contract on a lock-free ringq queue.",
    .tp_weaklistoffset = offsetof(QueueObject, weakreflist),
    .tp_methods = queue_methods,
    .tp_getset = queue_getset,
    .tp_init = (initproc)queue_init,
    .tp_new = queue_new,
};

/* ---- module -------------------------------------------------------------------------------- */

static int
module_exec(PyObject *m)
{
  PyObject *queue_mod, *threading, *main_thread, *ident;
  if ((queue_mod = PyImport_ImportModule("queue")) == NULL)
    return -1;
  Full = PyObject_GetAttrString(queue_mod, "Full");
  Empty = PyObject_GetAttrString(queue_mod, "Empty");
  ShutDown = PyObject_GetAttrString(queue_mod, "ShutDown");
  Py_DECREF(queue_mod);
  if (Full == NULL || Empty == NULL)
    return -1;
  if (ShutDown == NULL) { /* before Python 3.13 */
    PyErr_Clear();
    ShutDown = PyErr_NewExceptionWithDoc("ringq.ShutDown",
                                         "Raised by put and get on a queue that was shut down "
                                         "(queue.ShutDown where Python has it).",
                                         NULL, NULL);
    if (ShutDown == NULL)
      return -1;
  }
  /* The thread that can handle signals: Python's main thread. */
  if ((threading = PyImport_ImportModule("threading")) == NULL)
    return -1;
  main_thread = PyObject_CallMethod(threading, "main_thread", NULL);
  Py_DECREF(threading);
  if (main_thread == NULL)
    return -1;
  ident = PyObject_GetAttrString(main_thread, "ident");
  Py_DECREF(main_thread);
  if (ident == NULL)
    return -1;
  main_thread_ident = PyLong_AsUnsignedLong(ident);
  Py_DECREF(ident);
  if (PyErr_Occurred())
    return -1;
  if (PyType_Ready(&QueueType) < 0 || shared_add_type(m) < 0)
    return -1;
  if (PyModule_AddObjectRef(m, "Queue", (PyObject *)&QueueType) < 0 ||
      PyModule_AddObjectRef(m, "Full", Full) < 0 || PyModule_AddObjectRef(m, "Empty", Empty) < 0 ||
      PyModule_AddObjectRef(m, "ShutDown", ShutDown) < 0 ||
      PyModule_AddIntConstant(m, "READABLE", EV_READABLE) < 0 ||
      PyModule_AddIntConstant(m, "WRITABLE", EV_WRITABLE) < 0 ||
      PyModule_AddIntConstant(m, "JOINED", EV_JOINED) < 0 ||
      PyModule_AddStringConstant(m, "ringq_version", ringq_version_string()) < 0)
    return -1;
  return 0;
}

static PyModuleDef_Slot module_slots[] = {{Py_mod_exec, module_exec}, {0, NULL}};

static struct PyModuleDef ringq_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "ringq._ringq",
    .m_doc = "ringq's queues for Python (C part; use the ringq package).",
    .m_size = 0,
    .m_slots = module_slots,
};

PyMODINIT_FUNC
PyInit__ringq(void)
{
  return PyModuleDef_Init(&ringq_module);
}
