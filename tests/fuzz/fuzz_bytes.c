/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_bytes.c: libFuzzer target for byte-message queues (RINGQ_QUEUE_BYTES_SPSC and
 * _MPSC, src/bytes.c / bytes.h), single-threaded, compared with a model of the record ring: put and
 * get without waiting (random lengths, buffers too small), reserve / commit (shorter than
 * reserved) / abort with several reservations open, peek / release, shutdown, and the sizes
 * (qsize, bytes_used, full); every status, length, byte and the ring's room (which message is
 * FULL, where the pad at the end of the ring goes) must be the model's.
 *
 * Then, optionally, corruption: an operation overwrites record headers (any 8-byte boundary of the
 * ring, with input bytes or a state and a near-miss length) or the record ring's positions, as a
 * faulty peer sharing the queue could. From then on the model is dropped and only the contract for
 * untrusted memory is checked (bytes.h, "Trust"; tests/bytes/bytes_corrupt.c): every call returns
 * a status its documentation lists (RINGQ_ECORRUPT among them), a get never writes more than its
 * buffer or reports more than it copied, a peek or reservation lies inside the ring, ASan sees no
 * access outside the queue's memory (an allocation of exactly memsize bytes whose ring data ends
 * it) or the caller's buffer (allocated with exactly its capacity), and nothing hangs (libFuzzer's
 * -timeout). The geometry words (size, mask, max_len, multi) are not overwritten: moving them into
 * the per-process handle is issue 10's work (bytes.h, "Trust").
 *
 * The queue starts with its positions and tickets anywhere (near the 64-bit wrap, at any offset
 * of the ring), as a ring that has been used for long has them. */
#define _POSIX_C_SOURCE 200809L /* posix_memalign */
#include <ringq/queue.h>

#include "bytes.h"
#include "fuzz_util.h"
#include "queue_internal.h"

#include <stddef.h>

#define MAX_RECS 256 /* more than a ring of 1024 bytes can hold (8 bytes a record at least) */
#define MAX_OPEN 8
#define MAX_MSG 520

static const size_t capacities[] = {64, 128, 256, 1024};
static const size_t max_lens[] = {0, 8, 13, 40, 0, 24, 56, 100};

enum { M_PAD = 1, M_BUSY, M_COMMITTED };

/* One record of the model, from rpos to wpos. */
struct mrec {
  uint64_t pos, size; /* where, and bytes with the header */
  int state;
  uint64_t len, id;   /* COMMITTED: the message; BUSY: len = bytes reserved */
};

struct model {
  uint64_t size, max;
  uint64_t rpos, wpos;
  struct mrec recs[MAX_RECS];
  size_t first, n;           /* recs[first .. first + n) (mod MAX_RECS) */
  size_t committed;          /* COMMITTED records not yet consumed: qsize */
  int closed, peek_open;
  uint64_t next_id;
};

/* Open reservations, in the order they were made. */
struct open_res {
  unsigned char *ptr;
  uint64_t n;
  uint64_t pos;
};

static struct mrec *
mrec_at(struct model *m, size_t i)
{
  return &m->recs[(m->first + i) % MAX_RECS];
}

static uint64_t
rec_bytes(uint64_t len)
{
  return 8 + ((len + 7) & ~(uint64_t)7);
}

static int
model_fits(const struct model *m, uint64_t rec)
{
  uint64_t off = m->wpos & (m->size - 1);
  uint64_t need = off + rec > m->size ? m->size - off + rec : rec;
  return m->wpos - m->rpos + need <= m->size;
}

static void
model_append(struct model *m, uint64_t size, int state, uint64_t len, uint64_t id)
{
  struct mrec *r;
  FUZZ_CHECK(m->n < MAX_RECS, "model overflow");
  r = mrec_at(m, m->n++);
  r->pos = m->wpos;
  r->size = size;
  r->state = state;
  r->len = len;
  r->id = id;
  m->wpos += size;
}

/* Reserve a record of rec bytes (the model fits it): the pad to the end of the ring first if it
 * does not fit before it. Returns the record's position. */
static uint64_t
model_reserve(struct model *m, uint64_t rec, int state, uint64_t len, uint64_t id)
{
  uint64_t off = m->wpos & (m->size - 1);
  if (off + rec > m->size)
    model_append(m, m->size - off, M_PAD, 0, 0);
  model_append(m, rec, state, len, id);
  return m->wpos - rec;
}

static size_t
model_find(struct model *m, uint64_t pos)
{
  size_t i;
  for (i = 0; i < m->n; i++)
    if (mrec_at(m, i)->pos == pos)
      return i;
  FUZZ_CHECK(0, "no model record at %llu", (unsigned long long)pos);
  return 0;
}

/* Split record i: its first `size` bytes stay, the rest becomes a PAD after it. */
static void
model_split(struct model *m, size_t i, uint64_t size)
{
  size_t j;
  struct mrec *r = mrec_at(m, i);
  uint64_t rest = r->size - size;
  if (rest == 0)
    return;
  FUZZ_CHECK(m->n < MAX_RECS, "model overflow");
  for (j = m->n; j > i + 1; j--)
    *mrec_at(m, j) = *mrec_at(m, j - 1);
  m->n++;
  r->size = size;
  mrec_at(m, i + 1)->pos = r->pos + size;
  mrec_at(m, i + 1)->size = rest;
  mrec_at(m, i + 1)->state = M_PAD;
  mrec_at(m, i + 1)->len = 0;
}

/* Drop the first k records (the getter consumed or skipped them). */
static void
model_free(struct model *m, size_t k)
{
  while (k-- > 0) {
    m->rpos += mrec_at(m, 0)->size;
    m->first = (m->first + 1) % MAX_RECS;
    m->n--;
  }
}

/* What a get or peek finds: RINGQ_OK with *idx the message (records before it are PADs),
 * RINGQ_EMPTY or RINGQ_SHUTDOWN. A miss with nothing counted frees the PADs at rpos. */
static int
model_next(struct model *m, size_t *idx)
{
  size_t i;
  if (m->committed == 0) {
    if (m->closed)
      return RINGQ_SHUTDOWN;
    for (i = 0; i < m->n && mrec_at(m, i)->state == M_PAD; i++) {
    }
    model_free(m, i);
    return RINGQ_EMPTY;
  }
  for (i = 0; i < m->n; i++) {
    struct mrec *r = mrec_at(m, i);
    if (r->state == M_PAD)
      continue;
    if (r->state == M_BUSY)
      return RINGQ_EMPTY;
    *idx = i;
    return RINGQ_OK;
  }
  FUZZ_CHECK(0, "model: a message counted and none found");
  return RINGQ_EMPTY;
}

static void
fill(unsigned char *dst, uint64_t id, size_t len)
{
  size_t i;
  for (i = 0; i < len; i++)
    dst[i] = fuzz_item_byte(id, i);
}

/* The queue under test's geometry: the handle's (struct ringq__bgeom), not the ring's. */
static const struct ringq__bgeom *G;

/* Overwrite a record header (or, less often, a position of the record ring) with input data. */
static void
corrupt(struct fuzz_input *in, struct ringq__bytes *b)
{
  uint8_t how = fuzz_byte(in), a = fuzz_byte(in), c = fuzz_byte(in);
  uint64_t off = ((uint64_t)a * 256u + c) * 8u & G->mask;
  struct ringq__bhdr *h = (struct ringq__bhdr *)(ringq__bytes_data(b) + off);
  uint32_t word = atomic_load_explicit(&h->word, memory_order_relaxed), v;
  /* relaxed everywhere below: this thread is the only one here. */
  switch (how % 8) {
  case 0: /* raw input bytes */
    v = (uint32_t)fuzz_byte(in) | (uint32_t)fuzz_byte(in) << 8 | (uint32_t)fuzz_byte(in) << 16 |
        (uint32_t)fuzz_byte(in) << 24;
    break;
  case 1: /* the same state, a near-miss length */
    v = (word & RINGQ__BYTES_STATE) | ((word + (uint32_t)(int8_t)fuzz_byte(in)) & RINGQ__BYTES_LEN);
    break;
  case 2: /* another state, the same length */
    v = ((uint32_t)(fuzz_byte(in) % 4) << 30) | (word & RINGQ__BYTES_LEN);
    break;
  case 3: /* a state and a length around max_len or the end of the ring */
  {
    uint8_t s = fuzz_byte(in), d = fuzz_byte(in);
    uint64_t base = (s & 4) ? G->max_len : G->size - off;
    v = ((uint32_t)(s % 4) << 30) | ((uint32_t)(base + (uint64_t)(int8_t)d) & RINGQ__BYTES_LEN);
    break;
  }
  case 4: /* a raw byte anywhere in the ring */
    ringq__bytes_data(b)[((uint64_t)a * 256u + c) & G->mask] = fuzz_byte(in);
    return;
  default: { /* a position or a cache of the record ring */
    uint64_t d = (uint64_t)(int64_t)(int8_t)fuzz_byte(in) * ((fuzz_byte(in) & 1) ? 8u : 1u);
    switch (how % 16 / 2) {
    case 0: atomic_fetch_add_explicit(&b->tail, d & ~RINGQ__CLOSED, memory_order_relaxed); break;
    case 1: atomic_fetch_add_explicit(&b->head, d, memory_order_relaxed); break;
    case 2: atomic_fetch_add_explicit(&b->wpos, d, memory_order_relaxed); break;
    case 3: atomic_fetch_add_explicit(&b->rpos, d, memory_order_relaxed); break;
    case 4: b->tail_cache += d; break;
    case 5: b->wpos_cache += d; break;
    case 6: b->rpos_cache += d; break;
    default: atomic_fetch_add_explicit(&b->aborts_seen, d, memory_order_relaxed); break;
    }
    return;
  }
  }
  atomic_store_explicit(&h->word, v, memory_order_relaxed);
}

/* Whether [p, p + len) lies inside the ring's data. */
static int
in_ring(struct ringq__bytes *b, const void *p, uint64_t len)
{
  uintptr_t lo = (uintptr_t)ringq__bytes_data(b), hi = lo + (uintptr_t)G->size;
  return (uintptr_t)p >= lo && (uintptr_t)p <= hi && len <= hi - (uintptr_t)p;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct fuzz_input in = {data, size, 0};
  static struct model m;
  struct open_res open[MAX_OPEN];
  size_t n_open = 0, bytes = 0, i;
  uint8_t setup = fuzz_byte(&in), geo = fuzz_byte(&in);
  enum ringq_queue_kind kind = (setup & 1) ? RINGQ_QUEUE_BYTES_MPSC : RINGQ_QUEUE_BYTES_SPSC;
  unsigned flags = (setup & 2) ? RINGQ_QUEUE_PROCESS_SHARED : 0;
  size_t capacity = capacities[geo % 4], max_len = max_lens[geo / 4 % 8];
  int model = 1;
  /* Only a process-shared queue's memory is untrusted (another process may write it): a private
   * queue's is this process's own, and a corrupt one may hang it (an MPSC header read as "being
   * written" is waited for without limit). */
  int allow_corrupt = (setup & 4) != 0 && flags != 0;
  struct ringq_queue *q;
  struct ringq__bytes *b;
  const void *view = NULL;
  size_t view_len = 0;
  unsigned char msg[MAX_MSG];

  if (ringq_queue_memsize(kind, capacity, max_len, &bytes) != RINGQ_OK)
    return 0; /* max_len above capacity / 2 - 8: RINGQ_ERANGE, tested elsewhere */
  /* Exactly memsize bytes (posix_memalign: aligned_alloc wants a multiple of the alignment), so
   * that ASan's redzone starts where the ring's data ends. */
  {
    void *mem = NULL;
    FUZZ_CHECK(posix_memalign(&mem, RINGQ_CACHE_LINE, bytes) == 0, "alloc");
    q = (struct ringq_queue *)mem;
  }
  FUZZ_CHECK(ringq_queue_init(q, bytes, kind, capacity, max_len, flags) == RINGQ_OK, "init");
  b = (struct ringq__bytes *)((unsigned char *)q + q->ring_offset);
  G = &q->bgeom;
  FUZZ_CHECK(ringq__bytes_data(b) + G->size == (unsigned char *)q + bytes, "layout");

  memset(&m, 0, sizeof m);
  m.size = G->size;
  m.max = G->max_len;
  if (setup & 8) {
    /* Positions anywhere, near the wrap: a ring used for long (all words agree: empty). */
    uint64_t p = UINT64_MAX - 7u - 8u * (uint64_t)fuzz_byte(&in) * (1u + fuzz_byte(&in) % 8);
    uint64_t t = UINT64_MAX - 1u - 2u * (uint64_t)fuzz_byte(&in);
    atomic_store_explicit(&b->wpos, p, memory_order_relaxed); /* relaxed: not shared yet */
    atomic_store_explicit(&b->rpos, p, memory_order_relaxed);
    atomic_store_explicit(&b->tail, t, memory_order_relaxed);
    atomic_store_explicit(&b->head, t, memory_order_relaxed);
    atomic_store_explicit(&ringq__sh(q)->done, t, memory_order_relaxed);
    atomic_store_explicit(&ringq__sh(q)->tail_seen, t, memory_order_relaxed);
    b->rpos_cache = b->wpos_cache = p;
    b->tail_cache = t;
    m.rpos = m.wpos = p;
  }

  while (fuzz_more(&in)) {
    uint8_t op = fuzz_byte(&in) % 12, arg = fuzz_byte(&in), arg2 = fuzz_byte(&in);
    size_t len = (size_t)arg2 % (m.max + 4); /* sometimes above max_len */
    enum ringq_status st;
    switch (op) {
    case 0:
    case 1: { /* put */
      fill(msg, m.next_id, len);
      st = ringq_queue_put_bytes_nowait(q, msg, len);
      ALLOWED(st, RINGQ_OK, RINGQ_FULL, RINGQ_SHUTDOWN, RINGQ_EMSGSIZE, RINGQ_ECORRUPT);
      if (model) {
        int want = len > m.max             ? RINGQ_EMSGSIZE
                   : m.closed              ? RINGQ_SHUTDOWN
                   : !model_fits(&m, rec_bytes(len)) ? RINGQ_FULL
                                                     : RINGQ_OK;
        FUZZ_CHECK(st == want, "put of %zu: %d, model %d (wpos %llu rpos %llu)", len, st, want,
                   (unsigned long long)m.wpos, (unsigned long long)m.rpos);
        if (st == RINGQ_OK) {
          (void)model_reserve(&m, rec_bytes(len), M_COMMITTED, len, m.next_id);
          m.committed++;
        }
      }
      m.next_id++;
      break;
    }
    case 2:
    case 3: { /* get into a buffer of exactly cap bytes (maybe too small) */
      size_t cap = (size_t)arg % (m.max + 9), got = (size_t)-1;
      unsigned char *buf = cap ? malloc(cap) : NULL;
      st = ringq_queue_get_bytes_nowait(q, buf, cap, &got);
      ALLOWED(st, RINGQ_OK, RINGQ_EMPTY, RINGQ_SHUTDOWN, RINGQ_EMSGSIZE, RINGQ_EINVAL,
              RINGQ_ECORRUPT);
      FUZZ_CHECK(st != RINGQ_OK || got <= cap, "got %zu into %zu", got, cap);
      FUZZ_CHECK(st != RINGQ_EMSGSIZE || (got > cap && got <= m.max), "EMSGSIZE with len %zu",
                 got);
      if (model) {
        size_t idx = 0;
        int want = m.peek_open ? RINGQ_EINVAL : model_next(&m, &idx);
        if (want == RINGQ_OK && mrec_at(&m, idx)->len > cap)
          want = RINGQ_EMSGSIZE;
        FUZZ_CHECK(st == want, "get (cap %zu): %d, model %d", cap, st, want);
        if (st == RINGQ_OK || st == RINGQ_EMSGSIZE) {
          struct mrec *r = mrec_at(&m, idx);
          FUZZ_CHECK(got == r->len, "length %zu, model %llu", got, (unsigned long long)r->len);
          if (st == RINGQ_OK) {
            for (i = 0; i < got; i++)
              FUZZ_CHECK(buf[i] == fuzz_item_byte(r->id, i), "byte %zu of message %llu", i,
                         (unsigned long long)r->id);
            model_free(&m, idx + 1);
            m.committed--;
          }
        }
      }
      free(buf);
      break;
    }
    case 4: { /* peek */
      const void *v = NULL;
      size_t vl = 0;
      st = ringq_queue_peek_bytes(q, &v, &vl, 0);
      ALLOWED(st, RINGQ_OK, RINGQ_EMPTY, RINGQ_SHUTDOWN, RINGQ_EINVAL, RINGQ_ECORRUPT);
      if (st == RINGQ_OK) {
        uint64_t sum = 0;
        FUZZ_CHECK(vl <= m.max && in_ring(b, v, vl), "peek outside the ring (%zu bytes)", vl);
        for (i = 0; i < vl; i++) /* ASan sees every byte shown */
          sum += ((const unsigned char *)v)[i];
        (void)sum;
      }
      if (model) {
        size_t idx = 0;
        int want = m.peek_open ? RINGQ_EINVAL : model_next(&m, &idx);
        FUZZ_CHECK(st == want, "peek: %d, model %d", st, want);
        if (st == RINGQ_OK) {
          struct mrec *r = mrec_at(&m, idx);
          FUZZ_CHECK(vl == r->len, "peek length %zu, model %llu", vl, (unsigned long long)r->len);
          for (i = 0; i < vl; i++)
            FUZZ_CHECK(((const unsigned char *)v)[i] == fuzz_item_byte(r->id, i), "peek byte %zu",
                       i);
        }
      }
      if (st == RINGQ_OK) {
        m.peek_open = 1;
        view = v;
        view_len = vl;
      }
      break;
    }
    case 5: /* release */
      st = ringq_queue_release_bytes(q);
      ALLOWED(st, RINGQ_OK, RINGQ_EINVAL, RINGQ_ECORRUPT);
      if (model) {
        FUZZ_CHECK(st == (m.peek_open ? RINGQ_OK : RINGQ_EINVAL), "release: %d", st);
        if (st == RINGQ_OK) {
          size_t idx = 0;
          FUZZ_CHECK(model_next(&m, &idx) == RINGQ_OK, "model: the peeked message is gone");
          model_free(&m, idx + 1);
          m.committed--;
        }
      }
      if (st == RINGQ_OK)
        m.peek_open = 0;
      (void)view;
      (void)view_len;
      break;
    case 6: { /* reserve */
      void *p = NULL;
      if (n_open == MAX_OPEN)
        break;
      st = ringq_queue_reserve_bytes(q, len, &p, 0);
      ALLOWED(st, RINGQ_OK, RINGQ_FULL, RINGQ_SHUTDOWN, RINGQ_EMSGSIZE, RINGQ_ECORRUPT);
      if (st == RINGQ_OK) {
        FUZZ_CHECK(((uintptr_t)p & 7) == 0 && in_ring(b, p, len), "reservation outside the ring");
        memset(p, 0xA5, len); /* ASan sees every byte reserved */
      }
      if (model) {
        int want = len > m.max             ? RINGQ_EMSGSIZE
                   : m.closed              ? RINGQ_SHUTDOWN
                   : !model_fits(&m, rec_bytes(len)) ? RINGQ_FULL
                                                     : RINGQ_OK;
        FUZZ_CHECK(st == want, "reserve of %zu: %d, model %d", len, st, want);
        if (st == RINGQ_OK) {
          open[n_open].pos = model_reserve(&m, rec_bytes(len), M_BUSY, len, 0);
          FUZZ_CHECK((unsigned char *)p ==
                         ringq__bytes_data(b) + (open[n_open].pos & G->mask) + 8,
                     "reservation at another place than the model's");
        }
      }
      if (st == RINGQ_OK) {
        open[n_open].ptr = p;
        open[n_open].n = len;
        n_open++;
      }
      break;
    }
    case 7:
    case 8: { /* commit (op 7) or abort (op 8) an open reservation */
      size_t k;
      struct open_res r;
      if (n_open == 0) {
        /* Not a reservation: refused. */
        ALLOWED(ringq_queue_commit_bytes(q, NULL, 0), RINGQ_EINVAL);
        ALLOWED(ringq_queue_abort_bytes(q, msg), RINGQ_EINVAL);
        break;
      }
      k = (size_t)arg % n_open;
      r = open[k];
      if (op == 7) {
        size_t clen = (size_t)arg2 % (r.n + 2); /* sometimes above n: refused, stays open */
        fill(r.ptr, m.next_id, clen <= r.n ? clen : r.n);
        st = ringq_queue_commit_bytes(q, r.ptr, clen);
        ALLOWED(st, RINGQ_OK, RINGQ_SHUTDOWN, RINGQ_EINVAL, RINGQ_ECORRUPT);
        if (model) {
          int want = clen > r.n ? RINGQ_EINVAL : m.closed ? RINGQ_SHUTDOWN : RINGQ_OK;
          FUZZ_CHECK(st == want, "commit %zu of %llu: %d, model %d", clen,
                     (unsigned long long)r.n, st, want);
          if (st != RINGQ_EINVAL) {
            size_t j = model_find(&m, r.pos);
            struct mrec *mr = mrec_at(&m, j);
            if (st == RINGQ_OK) {
              model_split(&m, j, rec_bytes(clen));
              mr = mrec_at(&m, j);
              mr->state = M_COMMITTED;
              mr->len = clen;
              mr->id = m.next_id;
              m.committed++;
            } else {
              mr->state = M_PAD;
            }
          }
        }
        m.next_id++;
        if (st == RINGQ_EINVAL && clen > r.n)
          break; /* refused: still open */
      } else {
        st = ringq_queue_abort_bytes(q, r.ptr);
        ALLOWED(st, RINGQ_OK, RINGQ_EINVAL, RINGQ_ECORRUPT);
        if (model) {
          FUZZ_CHECK(st == RINGQ_OK, "abort: %d", st);
          mrec_at(&m, model_find(&m, r.pos))->state = M_PAD;
        }
      }
      open[k] = open[--n_open];
      break;
    }
    case 9: { /* the sizes */
      size_t qs = ringq_queue_qsize(q), used = ringq_queue_bytes_used(q);
      int full = ringq_queue_full(q);
      FUZZ_CHECK(ringq_queue_capacity(q) == m.size, "capacity");
      FUZZ_CHECK(ringq_queue_bytes_max(q) == m.max, "bytes_max");
      FUZZ_CHECK(used <= m.size && qs <= m.size / 8, "qsize %zu, bytes_used %zu", qs, used);
      if (model) {
        FUZZ_CHECK(qs == m.committed, "qsize %zu, model %zu", qs, m.committed);
        FUZZ_CHECK(used == m.wpos - m.rpos, "bytes_used %zu, model %llu", used,
                   (unsigned long long)(m.wpos - m.rpos));
        /* After a shutdown too: full() reports the room, as the other queues' full() still
         * compares qsize (found by this target: it once gave the putters' [W2], true when closed). */
        FUZZ_CHECK(full == !model_fits(&m, rec_bytes(m.max)), "full %d", full);
      }
      break;
    }
    case 10: /* shutdown (rarely; not while a peek is open: an immediate one would wait for it) */
      if (arg < 12 && !m.peek_open) {
        FUZZ_CHECK(ringq_queue_shutdown(q, false) == RINGQ_OK, "shutdown");
        m.closed = 1;
      }
      break;
    default: /* corruption: the model ends here */
      if (allow_corrupt) {
        corrupt(&in, b);
        model = 0;
      }
      break;
    }
  }
  /* Before the end: nothing may stay open (an immediate shutdown waits for an open peek, and for
   * an open reservation with messages behind it). */
  if (m.peek_open)
    ALLOWED(ringq_queue_release_bytes(q), RINGQ_OK, RINGQ_EINVAL, RINGQ_ECORRUPT);
  for (i = 0; i < n_open; i++)
    ALLOWED(ringq_queue_abort_bytes(q, open[i].ptr), RINGQ_OK, RINGQ_EINVAL);
  if (model) {
    size_t j;
    for (j = 0; j < m.n; j++) /* the model: what the getter may still find */
      if (mrec_at(&m, j)->state == M_BUSY)
        mrec_at(&m, j)->state = M_PAD;
  }
  /* After a corruption, only when the input asks: a record that reads "being written" with
   * messages counted behind it, or a get_busy word left raised, holds the discarder for
   * SHARED_PEER_WAIT_NS (the bounded wait for a peer process, src/queue.c; shortened in this
   * build, tests/fuzz/CMakeLists.txt). */
  if (model || (setup & 16)) {
    FUZZ_CHECK(ringq_queue_shutdown(q, true) == RINGQ_OK, "shutdown(immediate)");
    ALLOWED(ringq_queue_put_bytes_nowait(q, msg, 0), RINGQ_SHUTDOWN);
    FUZZ_CHECK(ringq_queue_qsize(q) == 0, "qsize after an immediate shutdown");
    FUZZ_CHECK(ringq_queue_fini(q) == RINGQ_OK, "fini");
  }
  free(q); /* nothing else to release: no descriptor was asked for */
  return 0;
}
