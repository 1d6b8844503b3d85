/* SPDX-License-Identifier: MIT */
/* python/src/shared.c: ringq._ringq._SharedRing, the C type ringq.SharedQueue (the
 * multiprocessing.Queue counterpart) subclasses: put / get / put_bytes / get_bytes and the rest
 * are here (pickling included); ringq/shared.py adds the constructor, pickling into a child,
 * repr and feed().
 *
 * What it holds. Two ringq queues in shared memory, each with this process's own handle:
 *  - `q`, a byte-message queue (RINGQ_QUEUE_BYTES_MPSC): one message per item, any number of
 *    putting processes, ONE getter at a time: getters serialise on a multiprocessing Lock (a
 *    POSIX semaphore in shared memory), as multiprocessing.Queue does with its reader lock;
 *  - `slots`, only with maxsize > 0: a token queue (RINGQ_QUEUE_MPMC, element size 0, capacity
 *    maxsize) counting the items in flight, as multiprocessing.Queue's BoundedSemaphore does.
 * Both live in anonymous memory files (memfd; a fork child inherits the mapping, a spawn child
 * gets the descriptors) or under a POSIX shared-memory name (`name` and `name` + ".slots").
 *
 * The count argument (maxsize). A put takes a token (token put: waits while maxsize tokens are
 * out), then puts its message; if the message is refused (timeout, shutdown) it takes its token
 * back (token get). A get removes a message, then a token. So at every moment
 *   tokens = messages in q + puts between their two steps + gets between their two steps,
 * and a get's or a rollback's token get always finds one: its own put's token was put before the
 * message it follows (put returned, then the message was put, then got: each happens-before the
 * next), and no other path takes more tokens than it accounts for. The queue never holds more than
 * maxsize messages. A producer killed between its two steps leaves one token behind (the bound
 * shrinks by one for good: documented, as for multiprocessing's semaphore). A token get that does
 * not find one (an immediate shutdown discarded them) changes nothing else.
 *
 * The getters' lock, ordering. The byte queue's getter state (head, rpos, the getter's cached
 * copies of tail and wpos, the open peek) lives in the shared mapping and is written by whichever
 * process gets; the library allows one getter at a time and needs each getter's writes to happen
 * before the next getter's reads. The lock gives exactly that: a getter's release (sem_post) is a
 * release operation and the next getter's acquire (sem_wait / sem_timedwait) an acquire on the
 * same semaphore word, so everything the first did to the queue happens-before the second
 * starts. Every path that takes a message runs between acquire and release (get_data), and a
 * failed take releases too. A getter that dies holding the lock leaves it held (multiprocessing's
 * semaphore is not robust): see the README.
 *
 * Waiting. Every blocking call makes one attempt holding the GIL (the common case, no system call
 * and no GIL hand-off), then waits inside ringq with the GIL released: in one piece in a worker
 * thread, in slices of SLICE_NS in the main thread, which runs signal handlers between them
 * (ringq's deadlines are absolute on CLOCK_MONOTONIC: no slice ends the wait early, none extends
 * it).
 *
 * Trust. Everything read from q is bounded by ringq (a message's length is at most max_message,
 * validated by the library against the mapping): the bytes path keeps the C library's promise
 * against a hostile peer. What the Python layer does with the bytes (unpickling) is its own. */
#define _GNU_SOURCE
#include "pyringq.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#define NOW (-2LL) /* "try once, do not wait", beside NO_DEADLINE and absolute deadlines */

typedef struct {
  PyObject_HEAD
  struct ringq_queue *q;     /* the byte-message queue (this process's handle) */
  struct ringq_queue *slots; /* the token queue counting items (maxsize > 0), or NULL */
  PyObject *name;            /* str of a named queue, or None */
  /* A peeked message not yet handed over (a get that could not allocate its bytes object keeps it
   * for the next get instead of losing it). GIL. */
  const void *peek_ptr;
  size_t peek_len;
  int peek_open;
  int closed;        /* close() was called in this process */
  PyObject *acquire; /* the getters' lock's acquire and release (a multiprocessing Lock) */
  PyObject *release; /* (no cycle through them: the lock never refers to the queue) */
} SharedObject;

/* ---- errors -------------------------------------------------------------------------------- */

static PyObject *
shm_error(enum ringq_status st, const char *what)
{
  PyObject *type;
  switch (st) {
  case RINGQ_EEXIST: type = PyExc_FileExistsError; break;
  case RINGQ_ENOENT: type = PyExc_FileNotFoundError; break;
  case RINGQ_EACCES: type = PyExc_PermissionError; break;
  case RINGQ_EINVAL:
  case RINGQ_ERANGE: type = PyExc_ValueError; break;
  case RINGQ_ENOMEM: return PyErr_NoMemory();
  case RINGQ_ESYS: return PyErr_SetFromErrno(PyExc_OSError);
  default: type = PyExc_RuntimeError; break;
  }
  PyErr_Format(type, "ringq: %s: %s", what, ringq_strerror(st));
  return NULL;
}

/* The exception of a failed put / get / join: queue.Full, queue.Empty, ShutDown, or ringq's. */
static PyObject *
op_error(enum ringq_status st)
{
  switch (st) {
  case RINGQ_FULL: PyErr_SetNone(Full); return NULL;
  case RINGQ_EMPTY: PyErr_SetNone(Empty); return NULL;
  case RINGQ_SHUTDOWN: PyErr_SetNone(ShutDown); return NULL;
  default: return ringq_error(st);
  }
}

/* ---- one operation, tried now or waited for ------------------------------------------------ */

enum op_kind { OP_SLOT_PUT, OP_BYTES_PUT, OP_PEEK, OP_JOIN };

struct op {
  enum op_kind kind;
  SharedObject *self;
  const void *buf; /* OP_BYTES_PUT: the message */
  size_t len;
  const void *ptr; /* OP_PEEK: the message in place */
  size_t got;
};

/* Run o once, until `end`: NOW (no wait), NO_DEADLINE or a CLOCK_MONOTONIC time in ns. Runs with
 * or without the GIL (touches no Python object). */
static enum ringq_status
op_run(struct op *o, int64_t end)
{
  struct timespec ts = to_timespec(end >= 0 ? end : 0);
  struct ringq_queue *q = o->self->q;
  int64_t left;
  switch (o->kind) {
  case OP_SLOT_PUT: /* a token: element size 0, no item */
    q = o->self->slots;
    return end == NOW           ? ringq_queue_put_nowait(q, NULL)
           : end == NO_DEADLINE ? ringq_queue_put(q, NULL)
                                : ringq_queue_put_until(q, NULL, &ts);
  case OP_BYTES_PUT:
    return end == NOW           ? ringq_queue_put_bytes_nowait(q, o->buf, o->len)
           : end == NO_DEADLINE ? ringq_queue_put_bytes(q, o->buf, o->len)
                                : ringq_queue_put_bytes_until(q, o->buf, o->len, &ts);
  case OP_PEEK: /* peek takes a relative timeout: what is left of `end` (INT64_MAX: no limit) */
    left = end == NOW ? 0 : end == NO_DEADLINE ? INT64_MAX : end - now_ns();
    return ringq_queue_peek_bytes(q, &o->ptr, &o->got, left > 0 ? left : 0);
  case OP_JOIN:
    return end == NOW           ? ringq_queue_join_timeout(q, 0)
           : end == NO_DEADLINE ? ringq_queue_join(q)
                                : ringq_queue_join_until(q, &ts);
  }
  return RINGQ_EINVAL;
}

static int
would_block(enum ringq_status st)
{
  return st == RINGQ_FULL || st == RINGQ_EMPTY || st == RINGQ_TIMEDOUT;
}

/* Run o: once holding the GIL, then (block) waiting with the GIL released until `deadline`.
 * Returns 0 with *out the last status, or -1 with an exception set (a signal handler raised). */
static int
run_blocking(struct op *o, int block, int64_t deadline, enum ringq_status *out)
{
  enum ringq_status st = op_run(o, NOW);
  while (block && would_block(st)) {
    int sliced;
    int64_t end = wait_end(deadline, &sliced);
    if (!sliced && deadline != NO_DEADLINE && deadline - now_ns() <= 0)
      break; /* tried once after the deadline already */
    Py_BEGIN_ALLOW_THREADS
    st = op_run(o, end);
    Py_END_ALLOW_THREADS
    if (!would_block(st) || !sliced)
      break;
    if (PyErr_CheckSignals() < 0)
      return -1;
  }
  *out = st;
  return 0;
}

/* block / timeout arguments as queue.Queue takes them: a deadline, or -1 with ValueError for a
 * negative timeout. */
static int
block_deadline(PyObject *block_arg, PyObject *timeout, int *block, int64_t *deadline)
{
  int negative;
  *deadline = NO_DEADLINE;
  if ((*block = truth(block_arg, 1)) < 0)
    return -1;
  if (!*block || timeout == NULL || timeout == Py_None)
    return 0;
  if (deadline_from(timeout, deadline, &negative) < 0)
    return -1;
  if (negative) {
    PyErr_SetString(PyExc_ValueError, "'timeout' must be a non-negative number");
    return -1;
  }
  return 0;
}

/* ---- put / get ----------------------------------------------------------------------------- */

/* pickle.dumps, pickle.loads and the exceptions after which put tries multiprocessing's
 * ForkingPickler (shared_add_type imports them). */
static PyObject *pickle_dumps, *pickle_loads, *pickling_error, *protocol5;

/* Take one token back (a refused put's, or a got message's). A missing token (an immediate
 * shutdown discarded the tokens) leaves nothing to do. */
static void
slot_release(SharedObject *self)
{
  if (self->slots != NULL) {
    enum ringq_status st = ringq_queue_get_nowait(self->slots, NULL);
    (void)st;
  }
}

/* The checks every put and get starts with: attached, and not closed in this process. */
static int
usable(SharedObject *self)
{
  if (self->q == NULL) {
    PyErr_SetString(PyExc_ValueError, "SharedQueue not made or attached");
    return -1;
  }
  if (self->closed) {
    PyErr_Format(PyExc_ValueError, "Queue %R is closed", (PyObject *)self);
    return -1;
  }
  return 0;
}

/* len bytes at buf as one message: a token first (maxsize), then the message. Returns 0, or -1
 * with an exception set. */
static int
put_buf(SharedObject *self, const void *buf, size_t len, int block, int64_t deadline)
{
  enum ringq_status st = RINGQ_OK;
  struct op o = {.self = self};
  size_t max = ringq_queue_bytes_max(self->q);
  if (len > max) {
    PyErr_Format(PyExc_ValueError,
                 "message of %zu bytes is larger than this SharedQueue takes (%zu bytes: half its "
                 "capacity of %zu bytes, less 8); make the queue with a larger capacity",
                 len, max, ringq_queue_capacity(self->q));
    return -1;
  }
  if (self->slots != NULL) {
    o.kind = OP_SLOT_PUT;
    if (run_blocking(&o, block, deadline, &st) < 0)
      return -1;
    if (st != RINGQ_OK) {
      op_error(st);
      return -1;
    }
  }
  o.kind = OP_BYTES_PUT;
  o.buf = buf;
  o.len = len;
  if (run_blocking(&o, block, deadline, &st) < 0 || st != RINGQ_OK) {
    slot_release(self); /* the message was not accepted: its token goes back */
    if (!PyErr_Occurred())
      op_error(st);
    return -1;
  }
  return 0;
}

/* The bytes of `data` (any object with the buffer protocol) as one message. */
static PyObject *
put_data(SharedObject *self, PyObject *data, int block, int64_t deadline)
{
  Py_buffer view;
  int rc;
  if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0)
    return NULL;
  rc = put_buf(self, view.buf, (size_t)view.len, block, deadline);
  PyBuffer_Release(&view);
  if (rc < 0)
    return NULL;
  Py_RETURN_NONE;
}

/* ---- small objects without pickle ----------------------------------------------------------
 * put() of an object of one of these exact types (not a subclass: bool, an int subclass, goes
 * its own way) writes a tag byte and the value instead of a pickle; get() rebuilds an equal object
 * of the same type. A protocol-5 pickle always starts with PROTO (0x80), so the first byte tells
 * the two apart. Both ends are processes of one machine, so numbers are in native byte order.
 * A message that starts with a tag but does not have the tag's length is handed to pickle.loads,
 * which refuses it (UnpicklingError), as it refuses any other malformed message. */
enum {
  TAG_INT = 0x01,   /* + int64_t: an int of -2^63 .. 2^63-1 */
  TAG_FLOAT = 0x02, /* + double */
  TAG_NONE = 0x03,
  TAG_FALSE = 0x04,
  TAG_TRUE = 0x05,
  TAG_BYTES = 0x06, /* + the bytes (at most SMALL_MAX) */
  TAG_STR = 0x07,   /* + UTF-8 (at most SMALL_MAX bytes) */
  SMALL_MAX = 256,
};

/* obj encoded into out (room for 1 + SMALL_MAX bytes): its length, or 0 when obj is not one of
 * the small objects (then nothing is set; an error while looking is cleared: pickle decides). */
static size_t
encode_small(PyObject *obj, unsigned char *out)
{
  if (PyLong_CheckExact(obj)) {
    int overflow;
    long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
    int64_t w = (int64_t)v;
    if (overflow != 0 || (v == -1 && PyErr_Occurred())) {
      PyErr_Clear();
      return 0;
    }
    out[0] = TAG_INT;
    memcpy(out + 1, &w, sizeof w);
    return 1 + sizeof w;
  }
  if (PyFloat_CheckExact(obj)) {
    double d = PyFloat_AS_DOUBLE(obj);
    out[0] = TAG_FLOAT;
    memcpy(out + 1, &d, sizeof d);
    return 1 + sizeof d;
  }
  if (obj == Py_None || obj == Py_False || obj == Py_True) {
    out[0] = obj == Py_None ? TAG_NONE : obj == Py_False ? TAG_FALSE : TAG_TRUE;
    return 1;
  }
  if (PyBytes_CheckExact(obj) && PyBytes_GET_SIZE(obj) <= SMALL_MAX) {
    out[0] = TAG_BYTES;
    memcpy(out + 1, PyBytes_AS_STRING(obj), (size_t)PyBytes_GET_SIZE(obj));
    return 1 + (size_t)PyBytes_GET_SIZE(obj);
  }
  if (PyUnicode_CheckExact(obj) && PyUnicode_GET_LENGTH(obj) <= SMALL_MAX) {
    Py_ssize_t n;
    const char *u = PyUnicode_AsUTF8AndSize(obj, &n); /* NULL: lone surrogates; pickle copes */
    if (u == NULL) {
      PyErr_Clear();
      return 0;
    }
    if (n > SMALL_MAX)
      return 0;
    out[0] = TAG_STR;
    memcpy(out + 1, u, (size_t)n);
    return 1 + (size_t)n;
  }
  return 0;
}

/* The object a small-object message of len bytes at p encodes (a new reference; NULL with an
 * exception on failure), or NULL with no exception when the message is not one (a pickle). */
static PyObject *
decode_small(const unsigned char *p, size_t len)
{
  int64_t w;
  double d;
  if (len == 0)
    return NULL;
  switch (p[0]) {
  case TAG_INT:
    if (len != 1 + sizeof w)
      return NULL;
    memcpy(&w, p + 1, sizeof w);
    return PyLong_FromLongLong((long long)w);
  case TAG_FLOAT:
    if (len != 1 + sizeof d)
      return NULL;
    memcpy(&d, p + 1, sizeof d);
    return PyFloat_FromDouble(d);
  case TAG_NONE:
  case TAG_FALSE:
  case TAG_TRUE:
    if (len != 1)
      return NULL;
    return Py_NewRef(p[0] == TAG_NONE ? Py_None : p[0] == TAG_FALSE ? Py_False : Py_True);
  case TAG_BYTES:
    if (len - 1 > SMALL_MAX)
      return NULL;
    return PyBytes_FromStringAndSize((const char *)p + 1, (Py_ssize_t)(len - 1));
  case TAG_STR: /* a peer's invalid UTF-8 raises UnicodeDecodeError, like any malformed message */
    if (len - 1 > SMALL_MAX)
      return NULL;
    return PyUnicode_DecodeUTF8((const char *)p + 1, (Py_ssize_t)(len - 1), "strict");
  default:
    return NULL;
  }
}

/* obj pickled with protocol 5 (in-band: one message). pickle.dumps first; what it refuses goes
 * through multiprocessing's ForkingPickler, which reduces what multiprocessing.Queue can carry
 * (connections, sockets: their descriptors). */
static PyObject *
dumps(PyObject *obj)
{
  PyObject *args[2] = {obj, protocol5}, *out, *red, *fp;
  out = PyObject_Vectorcall(pickle_dumps, args, 2, NULL);
  if (out != NULL || !(PyErr_ExceptionMatches(PyExc_TypeError) ||
                       PyErr_ExceptionMatches(pickling_error) ||
                       PyErr_ExceptionMatches(PyExc_AttributeError)))
    return out;
  PyErr_Clear();
  if ((red = PyImport_ImportModule("multiprocessing.reduction")) == NULL)
    return NULL;
  fp = PyObject_GetAttrString(red, "ForkingPickler");
  Py_DECREF(red);
  if (fp == NULL)
    return NULL;
  out = PyObject_CallMethod(fp, "dumps", "OO", obj, protocol5);
  Py_DECREF(fp);
  return out;
}

/* obj as one message: a small object's encoding, else its pickle. */
static PyObject *
put_obj(SharedObject *self, PyObject *obj, int block, int64_t deadline)
{
  unsigned char small[1 + SMALL_MAX];
  size_t n = encode_small(obj, small);
  PyObject *data, *res;
  if (n > 0) {
    if (put_buf(self, small, n, block, deadline) < 0)
      return NULL;
    Py_RETURN_NONE;
  }
  if ((data = dumps(obj)) == NULL)
    return NULL;
  res = put_data(self, data, block, deadline);
  Py_DECREF(data);
  return res;
}

/* put(obj, block=True, timeout=None) / put_bytes(data, block=True, timeout=None). */
static PyObject *
put_common(SharedObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
           int pickled)
{
  static const char *const obj_names[] = {"obj", "block", "timeout"};
  static const char *const data_names[] = {"data", "block", "timeout"};
  PyObject *a[3];
  int block;
  int64_t deadline;
  if (parse_args(pickled ? "put" : "put_bytes", pickled ? obj_names : data_names, 3, 1, args,
                 nargs, kwnames, a) < 0 ||
      usable(self) < 0 || block_deadline(a[1], a[2], &block, &deadline) < 0)
    return NULL;
  if (!pickled)
    return put_data(self, a[0], block, deadline);
  return put_obj(self, a[0], block, deadline);
}

static PyObject *
shared_put(SharedObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
  return put_common(self, args, nargs, kwnames, 1);
}

static PyObject *
shared_put_bytes(SharedObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
  return put_common(self, args, nargs, kwnames, 0);
}

static PyObject *
shared_put_nowait(SharedObject *self, PyObject *obj)
{
  if (usable(self) < 0)
    return NULL;
  return put_obj(self, obj, 0, NO_DEADLINE);
}

/* The oldest message, this process holding the getters' lock: as bytes, or (decode) as the small
 * object it encodes, with *decoded set (a pickle still comes as bytes: unpickled after the lock). */
static PyObject *
take(SharedObject *self, int block, int64_t deadline, int decode, int *decoded)
{
  PyObject *out = NULL;
  enum ringq_status st, rs;
  struct op o = {.kind = OP_PEEK, .self = self};
  if (!self->peek_open) {
    if (run_blocking(&o, block, deadline, &st) < 0)
      return NULL;
    if (st != RINGQ_OK)
      return op_error(st);
    self->peek_ptr = o.ptr;
    self->peek_len = o.got;
    self->peek_open = 1;
  }
  /* The length is at most max_message (ringq validated it against the mapping). */
  if (decode) {
    out = decode_small(self->peek_ptr, self->peek_len);
    if (out == NULL && PyErr_Occurred() && !PyErr_ExceptionMatches(PyExc_MemoryError)) {
      /* A peer's malformed small object (invalid UTF-8): the message is consumed and refused, as
       * pickle.loads refuses a malformed pickle. */
      PyObject *type, *value, *tb;
      PyErr_Fetch(&type, &value, &tb);
      self->peek_open = 0;
      rs = ringq_queue_release_bytes(self->q);
      if (rs == RINGQ_OK)
        slot_release(self);
      PyErr_Restore(type, value, tb);
      return NULL;
    }
    *decoded = out != NULL;
  }
  if (out == NULL && !PyErr_Occurred())
    out = PyBytes_FromStringAndSize(self->peek_ptr, (Py_ssize_t)self->peek_len);
  if (out == NULL)
    return NULL; /* the message stays peeked: this process's next get returns it */
  self->peek_open = 0;
  rs = ringq_queue_release_bytes(self->q);
  if (rs != RINGQ_OK) {
    /* RINGQ_ECORRUPT: another process scribbled the peek's end; nothing was freed (the message
     * would come again), so it is not handed out either. */
    Py_DECREF(out);
    return ringq_error(rs);
  }
  slot_release(self);
  return out;
}

/* The getters' lock (a multiprocessing Lock, as multiprocessing.Queue's reader lock): acquire it
 * as multiprocessing.Queue.get does (block; with a timeout, what is left of the deadline), take a
 * message, release it (keeping the exception of a failed take). */
static PyObject *
get_data(SharedObject *self, int block, int64_t deadline, int decode, int *decoded)
{
  PyObject *got, *res, *out;
  if (self->acquire == NULL) {
    PyErr_SetString(PyExc_ValueError, "SharedQueue without its getters' lock");
    return NULL;
  }
  if (!block) {
    PyObject *args[1] = {Py_False};
    got = PyObject_Vectorcall(self->acquire, args, 1, NULL);
  } else if (deadline == NO_DEADLINE) {
    /* acquire(True), not acquire(): SemLock.acquire's argument parser takes its fast path only
     * with an argument vector (a call without arguments unpacks keywords: measured). */
    PyObject *args[1] = {Py_True};
    got = PyObject_Vectorcall(self->acquire, args, 1, NULL);
  } else {
    /* The semaphore's timed wait runs on CLOCK_REALTIME: a wall-clock step can end it early, so
     * a refusal before the CLOCK_MONOTONIC deadline tries again for what is left. */
    for (;;) {
      int64_t left = deadline - now_ns();
      PyObject *t = PyFloat_FromDouble(left > 0 ? (double)left / 1e9 : 0.0), *args[2];
      if (t == NULL)
        return NULL;
      args[0] = Py_True;
      args[1] = t;
      got = PyObject_Vectorcall(self->acquire, args, 2, NULL);
      Py_DECREF(t);
      if (got != Py_False || deadline - now_ns() <= 0)
        break;
      Py_DECREF(got);
    }
  }
  if (got == NULL)
    return NULL;
  if (got == Py_False) {
    Py_DECREF(got);
    PyErr_SetNone(Empty);
    return NULL;
  }
  Py_DECREF(got);
  out = take(self, block, deadline, decode, decoded);
  if (out == NULL) {
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    res = PyObject_CallNoArgs(self->release);
    if (res == NULL) { /* report the release's failure instead */
      Py_XDECREF(type);
      Py_XDECREF(value);
      Py_XDECREF(tb);
      return NULL;
    }
    Py_DECREF(res);
    PyErr_Restore(type, value, tb);
    return NULL;
  }
  if ((res = PyObject_CallNoArgs(self->release)) == NULL) {
    Py_DECREF(out);
    return NULL;
  }
  Py_DECREF(res);
  return out;
}

/* get(block=True, timeout=None) / get_bytes(block=True, timeout=None). */
static PyObject *
get_common(SharedObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
           int pickled)
{
  static const char *const names[] = {"block", "timeout"};
  PyObject *a[2], *data, *obj;
  int block, decoded = 0;
  int64_t deadline;
  if (parse_args(pickled ? "get" : "get_bytes", names, 2, 0, args, nargs, kwnames, a) < 0 ||
      usable(self) < 0 || block_deadline(a[0], a[1], &block, &deadline) < 0)
    return NULL;
  data = get_data(self, block, deadline, pickled, &decoded);
  if (data == NULL || !pickled || decoded)
    return data;
  obj = PyObject_CallOneArg(pickle_loads, data); /* after the lock is released, as multiprocessing */
  Py_DECREF(data);
  return obj;
}

static PyObject *
shared_get(SharedObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
  return get_common(self, args, nargs, kwnames, 1);
}

static PyObject *
shared_get_bytes(SharedObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
  return get_common(self, args, nargs, kwnames, 0);
}

static PyObject *
shared_get_nowait(SharedObject *self, PyObject *unused)
{
  PyObject *data, *obj;
  int decoded = 0;
  (void)unused;
  if (usable(self) < 0 || (data = get_data(self, 0, NO_DEADLINE, 1, &decoded)) == NULL)
    return NULL;
  if (decoded)
    return data;
  obj = PyObject_CallOneArg(pickle_loads, data);
  Py_DECREF(data);
  return obj;
}

/* _set_lock(lock): the getters' lock (its acquire and release are called directly). */
static PyObject *
shared_set_lock(SharedObject *self, PyObject *lock)
{
  PyObject *acq = PyObject_GetAttrString(lock, "acquire"), *rel;
  if (acq == NULL)
    return NULL;
  if ((rel = PyObject_GetAttrString(lock, "release")) == NULL) {
    Py_DECREF(acq);
    return NULL;
  }
  Py_XSETREF(self->acquire, acq);
  Py_XSETREF(self->release, rel);
  Py_RETURN_NONE;
}

/* close(): this process puts and gets no more. */
static PyObject *
shared_close(SharedObject *self, PyObject *unused)
{
  (void)unused;
  self->closed = 1;
  Py_RETURN_NONE;
}

/* ---- sizes, tasks, shutdown ---------------------------------------------------------------- */

static PyObject *
shared_qsize(SharedObject *self, PyObject *unused)
{
  (void)unused;
  return PyLong_FromSize_t(ringq_queue_qsize(self->q));
}

static PyObject *
shared_empty(SharedObject *self, PyObject *unused)
{
  (void)unused;
  return PyBool_FromLong(ringq_queue_qsize(self->q) == 0);
}

static PyObject *
shared_full(SharedObject *self, PyObject *unused)
{
  (void)unused;
  return PyBool_FromLong((self->slots != NULL && ringq_queue_full(self->slots)) ||
                         ringq_queue_full(self->q));
}

/* For the calls that need the queue (put and get check it in usable()). */
static int
attached(SharedObject *self)
{
  if (self->q == NULL) {
    PyErr_SetString(PyExc_ValueError, "SharedQueue not made or attached");
    return -1;
  }
  return 0;
}

static PyObject *
shared_task_done(SharedObject *self, PyObject *unused)
{
  enum ringq_status st;
  (void)unused;
  if (attached(self) < 0)
    return NULL;
  st = ringq_queue_task_done(self->q);
  if (st == RINGQ_ETASKDONE) {
    PyErr_SetString(PyExc_ValueError, "task_done() called too many times");
    return NULL;
  }
  if (st != RINGQ_OK)
    return ringq_error(st);
  Py_RETURN_NONE;
}

/* join(timeout=None) -> bool: whether every item put was task_done within the timeout. */
static PyObject *
shared_join(SharedObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
  static const char *const names[] = {"timeout"};
  PyObject *a[1];
  int block;
  int64_t deadline;
  enum ringq_status st;
  struct op o = {.kind = OP_JOIN, .self = self};
  if (parse_args("join", names, 1, 0, args, nargs, kwnames, a) < 0 || attached(self) < 0)
    return NULL;
  if (block_deadline(NULL, a[0], &block, &deadline) < 0)
    return NULL;
  if (run_blocking(&o, 1, deadline, &st) < 0)
    return NULL;
  if (st == RINGQ_TIMEDOUT)
    Py_RETURN_FALSE;
  if (st != RINGQ_OK)
    return ringq_error(st);
  Py_RETURN_TRUE;
}

/* shutdown(immediate=False): the token queue first (a putter waiting for a token wakes and fails),
 * then the messages. Not immediate: getters still take what is queued, and their tokens. */
static PyObject *
shared_shutdown(SharedObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
  static const char *const names[] = {"immediate"};
  PyObject *a[1];
  int immediate;
  enum ringq_status st = RINGQ_OK;
  if (parse_args("shutdown", names, 1, 0, args, nargs, kwnames, a) < 0 || attached(self) < 0)
    return NULL;
  if ((immediate = truth(a[0], 0)) < 0)
    return NULL;
  Py_BEGIN_ALLOW_THREADS /* it waits for a get or put under way in another process */
  if (self->slots != NULL)
    st = ringq_queue_shutdown(self->slots, immediate);
  if (st == RINGQ_OK)
    st = ringq_queue_shutdown(self->q, immediate);
  Py_END_ALLOW_THREADS
  if (st != RINGQ_OK)
    return ringq_error(st);
  Py_RETURN_NONE;
}

static PyObject *
shared_fds(SharedObject *self, PyObject *unused)
{
  (void)unused;
  if (attached(self) < 0)
    return NULL;
  return Py_BuildValue("(ii)", ringq_queue_shm_fd(self->q),
                       self->slots != NULL ? ringq_queue_shm_fd(self->slots) : -1);
}

/* ---- life cycle ---------------------------------------------------------------------------- */

static PyObject *
slots_name(PyObject *name)
{
  return PyUnicode_FromFormat("%U.slots", name);
}

/* Close this process's handles (no thread of it is in a call on them: each call holds a
 * reference to the object). A peek still open is given up with the handle. */
static void
release_handles(SharedObject *self)
{
  enum ringq_status st = RINGQ_OK;
  if (self->q != NULL)
    st = ringq_queue_close(self->q);
  if (self->slots != NULL)
    st = ringq_queue_close(self->slots);
  (void)st;
  self->q = self->slots = NULL;
  self->peek_open = 0;
}

static int
check_shapes(SharedObject *self)
{
  if (ringq_queue_kind(self->q) != RINGQ_QUEUE_BYTES_MPSC ||
      (self->slots != NULL &&
       (ringq_queue_kind(self->slots) != RINGQ_QUEUE_MPMC ||
        ringq_queue_elem_size(self->slots) != 0))) {
    PyErr_SetString(PyExc_ValueError, "ringq: not a SharedQueue's queues (another kind of queue)");
    return -1;
  }
  return 0;
}

/* An empty object (the Python subclass's arguments are its __init__'s); _create or _attach makes
 * it a queue. */
static PyObject *
shared_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
  SharedObject *self;
  (void)args;
  (void)kwds;
  if ((self = (SharedObject *)type->tp_alloc(type, 0)) == NULL)
    return NULL;
  self->name = Py_NewRef(Py_None);
  return (PyObject *)self;
}

static int
fresh(SharedObject *self)
{
  if (self->q != NULL) {
    PyErr_SetString(PyExc_ValueError, "SharedQueue already made or attached");
    return -1;
  }
  return 0;
}

/* _create(capacity, max_message, maxsize, name=None): make the queues (memfd, or named: created
 * exclusively, mode 0600). */
static PyObject *
shared_create(SharedObject *self, PyObject *args)
{
  Py_ssize_t capacity, max_message, maxsize;
  PyObject *name = Py_None, *sname = NULL;
  enum ringq_status st;
  if (!PyArg_ParseTuple(args, "nnn|O:_create", &capacity, &max_message, &maxsize, &name) ||
      fresh(self) < 0)
    return NULL;
  if (capacity <= 0 || max_message < 0 || maxsize < 0) {
    PyErr_SetString(PyExc_ValueError, "capacity must be positive, max_message and maxsize >= 0");
    return NULL;
  }
  if (name != Py_None && !PyUnicode_Check(name)) {
    PyErr_SetString(PyExc_TypeError, "name must be a str or None");
    return NULL;
  }
  if (name == Py_None) {
    st = ringq_queue_memfd_create(RINGQ_QUEUE_BYTES_MPSC, (size_t)capacity, (size_t)max_message,
                                  0, &self->q);
    if (st != RINGQ_OK)
      goto fail;
    if (maxsize > 0 &&
        (st = ringq_queue_memfd_create(RINGQ_QUEUE_MPMC, (size_t)maxsize, 0, 0, &self->slots)) !=
            RINGQ_OK)
      goto fail;
  } else {
    const char *n = PyUnicode_AsUTF8(name), *sn;
    if (n == NULL)
      goto fail_exc;
    st = ringq_queue_shm_create(n, 0, RINGQ_QUEUE_BYTES_MPSC, (size_t)capacity,
                                (size_t)max_message, 0, &self->q);
    if (st != RINGQ_OK)
      goto fail;
    if (maxsize > 0) {
      if ((sname = slots_name(name)) == NULL || (sn = PyUnicode_AsUTF8(sname)) == NULL)
        goto fail_exc;
      st = ringq_queue_shm_create(sn, 0, RINGQ_QUEUE_MPMC, (size_t)maxsize, 0, 0, &self->slots);
      if (st != RINGQ_OK) {
        enum ringq_status us = ringq_queue_shm_unlink(n); /* nothing named is left behind */
        (void)us;
        goto fail;
      }
    }
    Py_SETREF(self->name, Py_NewRef(name));
  }
  Py_XDECREF(sname);
  Py_RETURN_NONE;
fail:
  shm_error(st, name == Py_None ? "cannot make a SharedQueue" : "cannot create a SharedQueue");
fail_exc:
  Py_XDECREF(sname);
  release_handles(self);
  return NULL;
}

/* _attach(where, slots_where): attach the queues of another process's SharedQueue: `where` a
 * descriptor (int; the caller keeps it: the handle holds a duplicate) or a name (str);
 * slots_where the same for the token queue, or None. */
static PyObject *
shared_attach(SharedObject *self, PyObject *args)
{
  PyObject *where, *swhere;
  enum ringq_status st;
  int i;
  if (!PyArg_ParseTuple(args, "OO:_attach", &where, &swhere) || fresh(self) < 0)
    return NULL;
  for (i = 0; i < 2; i++) {
    PyObject *w = i == 0 ? where : swhere;
    struct ringq_queue **out = i == 0 ? &self->q : &self->slots;
    if (w == Py_None && i == 1)
      break;
    if (PyUnicode_Check(w)) {
      const char *n = PyUnicode_AsUTF8(w);
      if (n == NULL)
        goto fail_exc;
      st = ringq_queue_shm_open(n, out);
    } else {
      long fd = PyLong_AsLong(w);
      if (fd == -1 && PyErr_Occurred())
        goto fail_exc;
      if (fd < 0 || fd > INT_MAX) {
        PyErr_SetString(PyExc_ValueError, "not a descriptor");
        goto fail_exc;
      }
      st = ringq_queue_attach_fd((int)fd, out);
    }
    if (st != RINGQ_OK) {
      shm_error(st, "cannot attach a SharedQueue");
      goto fail_exc;
    }
  }
  if (check_shapes(self) < 0)
    goto fail_exc;
  if (PyUnicode_Check(where))
    Py_SETREF(self->name, Py_NewRef(where));
  Py_RETURN_NONE;
fail_exc:
  release_handles(self);
  return NULL;
}

/* unlink(): remove the names of a named queue (processes attached keep using it). */
static PyObject *
shared_unlink(SharedObject *self, PyObject *unused)
{
  PyObject *sname;
  const char *n, *sn;
  enum ringq_status st, sst = RINGQ_OK;
  (void)unused;
  if (self->name == Py_None) {
    PyErr_SetString(PyExc_ValueError, "not a named SharedQueue");
    return NULL;
  }
  if ((n = PyUnicode_AsUTF8(self->name)) == NULL || (sname = slots_name(self->name)) == NULL)
    return NULL;
  if ((sn = PyUnicode_AsUTF8(sname)) == NULL) {
    Py_DECREF(sname);
    return NULL;
  }
  st = ringq_queue_shm_unlink(n);
  if (self->slots != NULL)
    sst = ringq_queue_shm_unlink(sn);
  Py_DECREF(sname);
  if (st != RINGQ_OK)
    return shm_error(st, "cannot unlink the SharedQueue");
  if (sst != RINGQ_OK)
    return shm_error(sst, "cannot unlink the SharedQueue's item count");
  Py_RETURN_NONE;
}

static void
shared_dealloc(SharedObject *self)
{
  release_handles(self);
  Py_XDECREF(self->acquire);
  Py_XDECREF(self->release);
  Py_XDECREF(self->name);
  Py_TYPE(self)->tp_free((PyObject *)self);
}

/* ---- attributes ---------------------------------------------------------------------------- */

static PyObject *
get_capacity(SharedObject *self, void *unused)
{
  (void)unused;
  return PyLong_FromSize_t(ringq_queue_capacity(self->q));
}

static PyObject *
get_max_message(SharedObject *self, void *unused)
{
  (void)unused;
  return PyLong_FromSize_t(ringq_queue_bytes_max(self->q));
}

static PyObject *
get_maxsize(SharedObject *self, void *unused)
{
  (void)unused;
  return PyLong_FromSize_t(self->slots != NULL ? ringq_queue_capacity(self->slots) : 0);
}

static PyObject *
get_bytes_used(SharedObject *self, void *unused)
{
  (void)unused;
  return PyLong_FromSize_t(ringq_queue_bytes_used(self->q));
}

static PyObject *
get_is_shutdown(SharedObject *self, void *unused)
{
  (void)unused;
  return PyBool_FromLong(ringq_queue_is_shutdown(self->q));
}

static PyObject *
get_name(SharedObject *self, void *unused)
{
  (void)unused;
  return Py_NewRef(self->name);
}

#define FASTCALL_KW(f) (PyCFunction)(void (*)(void))(f), METH_FASTCALL | METH_KEYWORDS

static PyMethodDef shared_methods[] = {
    {"put", FASTCALL_KW(shared_put),
     "put(obj, block=True, timeout=None): obj pickled (protocol 5) as one message; waits while\n"
     "maxsize items are queued or the message does not fit. Raises queue.Full, ShutDown,\n"
     "ValueError (closed here, a negative timeout, a pickle larger than max_message)."},
    {"put_nowait", (PyCFunction)shared_put_nowait, METH_O, "put(obj, False)."},
    {"put_bytes", FASTCALL_KW(shared_put_bytes),
     "put_bytes(data, block=True, timeout=None): a bytes-like object as one message, as it is\n"
     "(no pickling); get_bytes returns it. A queue carries pickles or raw messages, not both."},
    {"get", FASTCALL_KW(shared_get),
     "get(block=True, timeout=None): the next item, unpickled after the getters' lock is\n"
     "released. Raises queue.Empty, ShutDown (shut down and drained), ValueError."},
    {"get_nowait", (PyCFunction)shared_get_nowait, METH_NOARGS, "get(False)."},
    {"get_bytes", FASTCALL_KW(shared_get_bytes),
     "get_bytes(block=True, timeout=None) -> bytes: the next message as it is. Getters take the\n"
     "getters' lock one at a time; a timeout covers the wait for the lock and for a message."},
    {"qsize", (PyCFunction)shared_qsize, METH_NOARGS,
     "Items in the queue (exact while nobody puts or gets)."},
    {"empty", (PyCFunction)shared_empty, METH_NOARGS, "qsize() == 0."},
    {"full", (PyCFunction)shared_full, METH_NOARGS,
     "maxsize items queued, or no room now for a message of max_message bytes."},
    {"task_done", (PyCFunction)shared_task_done, METH_NOARGS,
     "As JoinableQueue.task_done: ValueError when called more times than items were put."},
    {"join", FASTCALL_KW(shared_join),
     "join(timeout=None) -> bool: wait until every item put (by any process) was task_done\n"
     "(by any process); with a timeout (an extension), whether that happened in time."},
    {"shutdown", FASTCALL_KW(shared_shutdown),
     "shutdown(immediate=False): as queue.Queue.shutdown (Python 3.13), for every process."},
    {"close", (PyCFunction)shared_close, METH_NOARGS,
     "This process puts and gets no more (later calls here raise ValueError)."},
    {"unlink", (PyCFunction)shared_unlink, METH_NOARGS,
     "Remove a named queue's names (attached processes keep using it)."},
    {"_fds", (PyCFunction)shared_fds, METH_NOARGS,
     "(descriptor of the messages' memory file, of the item count's, or -1)."},
    {"_create", (PyCFunction)shared_create, METH_VARARGS,
     "_create(capacity, max_message, maxsize, name=None): make the queues."},
    {"_attach", (PyCFunction)shared_attach, METH_VARARGS,
     "_attach(where, slots_where): attach by descriptor or name."},
    {"_set_lock", (PyCFunction)shared_set_lock, METH_O, "_set_lock(lock): the getters' lock."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef shared_getset[] = {
    {"capacity", (getter)get_capacity, NULL, "Bytes of the message ring (rounded).", NULL},
    {"max_message", (getter)get_max_message, NULL, "The largest message put takes.", NULL},
    {"maxsize", (getter)get_maxsize, NULL, "The bound in items (0: none).", NULL},
    {"bytes_used", (getter)get_bytes_used, NULL, "Bytes of the ring in use.", NULL},
    {"is_shutdown", (getter)get_is_shutdown, NULL, "Whether shutdown() was called.", NULL},
    {"name", (getter)get_name, NULL, "The shared-memory name, or None (memfd).", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyTypeObject SharedType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "ringq._ringq._SharedRing",
    .tp_basicsize = sizeof(SharedObject),
    .tp_dealloc = (destructor)shared_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "The C part of ringq.SharedQueue (use that class).",
    .tp_methods = shared_methods,
    .tp_getset = shared_getset,
    .tp_new = shared_new,
};

int
shared_add_type(PyObject *module)
{
  PyObject *pickle = PyImport_ImportModule("pickle");
  if (pickle == NULL)
    return -1;
  pickle_dumps = PyObject_GetAttrString(pickle, "dumps");
  pickle_loads = PyObject_GetAttrString(pickle, "loads");
  pickling_error = PyObject_GetAttrString(pickle, "PicklingError");
  Py_DECREF(pickle);
  if (pickle_dumps == NULL || pickle_loads == NULL || pickling_error == NULL ||
      (protocol5 = PyLong_FromLong(5)) == NULL)
    return -1;
  if (PyType_Ready(&SharedType) < 0)
    return -1;
  return PyModule_AddObjectRef(module, "_SharedRing", (PyObject *)&SharedType);
}
