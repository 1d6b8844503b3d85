/* SPDX-License-Identifier: MIT */
/* src/bytes.h: the record ring under byte-message queues (RINGQ_QUEUE_BYTES_SPSC / _MPSC):
 * variable-length records, contiguous and 8-byte aligned, each behind a header carrying its length
 * and state (internal, never installed; the ordering argument is at the top of src/bytes.c).
 *
 * Words. Positions are free-running 64-bit byte counts, multiples of 8, compared by unsigned
 * difference; the byte at position p lives at data[p & mask]. Producers own `wpos` (bytes reserved
 * so far, open reservations included); the consumer owns `rpos` (bytes freed) and `head`. `tail`
 * counts committed messages in the rings' ticket units (RINGQ__STEP each, bit 0 the closed mark
 * RINGQ__CLOSED), so the blocking layer's task accounting, re-checks and closed mark read
 * tail / head exactly as they read a ring's. qsize = (tail - head) / RINGQ__STEP messages;
 * bytes in use = wpos - rpos (records, their headers, pads and open reservations).
 *
 * Records. [header: 8 bytes][data: len bytes, rounded up to 8]. The header's first word holds
 * the state in its two high bits and a length in the other 30:
 *   0          free space (MPSC: the consumer zeroes what it frees, so a header a producer has
 *              claimed but not written yet reads 0)
 *   BUSY       reserved, being written; length = bytes reserved; second word = claimant
 *   COMMITTED  a message of `length` bytes
 *   PAD        `length` bytes to skip (a multiple of 8, header included): the end of the ring
 *              when a record did not fit before it, or what a commit shorter than its reservation
 *              left over, or a reservation aborted or refused by a shutdown
 * The second word is the claimant: 0, or for a process-shared queue the pid of the process that
 * reserved the record (written before the header says BUSY), for people reading a dump: liveness
 * is decided by the participant table (src/bytes.c, "Dead putters"), never by this pid. A BUSY
 * header may carry RINGQ__BYTES_COUNTING (its commit has begun); a BUSY record of a dead putter
 * that has not is turned into a PAD by the consumer (a CAS) and counted lost.
 *
 * Wrap. A record never wraps: when it does not fit before the end of the ring, the reservation
 * takes the rest of the ring as a PAD and the record starts at offset 0. A record of at most half
 * the ring always fits an empty ring, whatever its offset, so max_len is at most size / 2 - 8.
 *
 * Sizes. size is a power of two (the capacity asked for, rounded up, at least 64 bytes, at most
 * RINGQ_MAX_CAPACITY); max_len <= size / 2 - 8 and <= RINGQ_MAX_ELEM_SIZE; lengths fit 30 bits.
 *
 * Trust. Everything here may sit in shared memory written by a faulty peer: every position is
 * masked before it addresses data, every length read from a header is checked against max_len,
 * the end of the ring and the reserved bytes before it sizes a copy, and every loop over records
 * is bounded by the bytes in use. A value no valid ring can hold gives RINGQ_ECORRUPT.
 * The geometry (size, mask, max_len, multi: struct ringq__bgeom) is not in this struct: every
 * function takes it from the caller's handle (struct ringq_queue's bgeom, computed by
 * ringq__bytes_geom from the validated kind, capacity and largest message), so no size, mask or
 * limit that sizes a copy or addresses data is ever read from memory another process writes. */
#ifndef RINGQ_SRC_BYTES_H
#define RINGQ_SRC_BYTES_H

#include "queue_internal.h"
#include "ringq/queue.h"
#include "wait.h" /* RINGQ__HOOK */

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#define RINGQ__BYTES_BUSY 0x40000000u
#define RINGQ__BYTES_COMMITTED 0x80000000u
#define RINGQ__BYTES_PAD 0xC0000000u
#define RINGQ__BYTES_STATE 0xC0000000u
#define RINGQ__BYTES_LEN 0x3FFFFFFFu
/* In a BUSY header of a queue with a participant table: the commit has begun ([BK2] of
 * src/bytes.c); no survivor may skip the record any more. (A length never has this bit: lengths
 * are at most RINGQ_MAX_ELEM_SIZE.) */
#define RINGQ__BYTES_COUNTING 0x20000000u
#define RINGQ__BYTES_HDR ((uint64_t)8)
#define RINGQ__BYTES_MIN ((uint64_t)64)
/* The hardware cache line the SPSC consumer writes into as it frees ([F0] of src/bytes.c): 64
 * bytes (x86, most Arm cores; RINGQ_CACHE_LINE, the padding unit, may be larger). The data area
 * starts on a RINGQ_CACHE_LINE boundary and the ring is a power of two of at least 64 bytes, so
 * a position that is a multiple of it is the start of a line. */
#define RINGQ__BYTES_TOUCH ((uint64_t)64)

struct ringq__bhdr {
  _Atomic(uint32_t) word;     /* state | length */
  _Atomic(uint32_t) claimant; /* 0, or the reserving process's pid (process-shared queues) */
};

struct ringq__bytes {
  /* No geometry here: it is the handle's (struct ringq__bgeom). */

  /* The producers' line. */
  _Alignas(RINGQ_CACHE_LINE) _Atomic(uint64_t) tail; /* committed messages, tickets; closed mark */
  _Atomic(uint64_t) wpos;                            /* bytes reserved */
  uint64_t rpos_cache; /* SPSC: the producer's copy of rpos (a value rpos had) */
  _Atomic(uint64_t) aborts; /* reservations aborted so far (rare: on this line anyway) */

  /* The consumer's line. */
  _Alignas(RINGQ_CACHE_LINE) _Atomic(uint64_t) head; /* messages consumed, tickets */
  _Atomic(uint64_t) rpos;                            /* bytes freed */
  uint64_t tail_cache; /* the consumer's copy of tail (without the mark) */
  uint64_t wpos_cache; /* wpos as loaded right after tail_cache: bounds the records below it */
  _Atomic(uint64_t) aborts_seen; /* the consumer's: `aborts` when it last freed the PADs at rpos */
  /* data[size] follows, at sizeof(struct ringq__bytes), a multiple of RINGQ_CACHE_LINE */
};
_Static_assert(sizeof(struct ringq__bytes) % RINGQ__BYTES_TOUCH == 0,
               "the data area starts on a line ([F0] of src/bytes.c)");

/* A put, or a commit, handed through the blocking layer's SPSC put path as its `item`. */
struct ringq__bytes_put {
  const void *buf;    /* put: the message */
  size_t len;         /* its length (commit: the length committed) */
  unsigned char *rec; /* commit: the data of the reserved record; put: NULL */
};

/* A get or peek, handed through the blocking layer's SPSC get path as its `item`. */
struct ringq__bytes_get {
  void *buf;        /* get: the caller's buffer */
  size_t cap;       /* its size */
  size_t len;       /* out: the message's length (also when the buffer is too small) */
  const void *view; /* peek: out, the message in place */
  int peek;         /* 1: peek (leave the message, remember it for release) */
};

static inline unsigned char *
ringq__bytes_data(struct ringq__bytes *b)
{
  return (unsigned char *)b + sizeof *b;
}

static inline struct ringq__bhdr *
ringq__bytes_hdr(struct ringq__bytes *b, const struct ringq__bgeom *g, uint64_t pos)
{
  return (struct ringq__bhdr *)(ringq__bytes_data(b) + (pos & g->mask));
}

/* Bytes a record of a message of len bytes takes, header included. */
static inline uint64_t
ringq__bytes_rec(uint64_t len)
{
  return RINGQ__BYTES_HDR + ((len + 7) & ~(uint64_t)7);
}

/* The ring's data size and largest message for a queue asked for with `capacity` bytes and a
 * largest message of `max_len` (0: the largest that fits). RINGQ_OK, RINGQ_EINVAL (capacity 0)
 * or RINGQ_ERANGE. */
static inline enum ringq_status
ringq__bytes_geometry(size_t capacity, size_t max_len, uint64_t *size, uint64_t *max_out)
{
  uint64_t s, limit;
  if (capacity == 0)
    return RINGQ_EINVAL;
  if (capacity > RINGQ_MAX_CAPACITY || max_len > RINGQ_MAX_ELEM_SIZE)
    return RINGQ_ERANGE;
  s = ringq__pow2_at_least(capacity < RINGQ__BYTES_MIN ? RINGQ__BYTES_MIN : capacity);
  if (s > RINGQ_MAX_CAPACITY)
    return RINGQ_ERANGE;
  limit = s / 2 - RINGQ__BYTES_HDR;
  if (limit > RINGQ_MAX_ELEM_SIZE)
    limit = RINGQ_MAX_ELEM_SIZE;
  if (max_len > limit)
    return RINGQ_ERANGE;
  *size = s;
  *max_out = max_len == 0 ? limit : max_len;
  return RINGQ_OK;
}

/* Bytes of memory a record ring needs (struct and data). */
static inline enum ringq_status
ringq__bytes_memsize(size_t capacity, size_t max_len, size_t *bytes)
{
  uint64_t size = 0, max = 0;
  enum ringq_status st = ringq__bytes_geometry(capacity, max_len, &size, &max);
  if (st != RINGQ_OK)
    return st;
  *bytes = sizeof(struct ringq__bytes) + (size_t)size;
  return RINGQ_OK;
}

/* The geometry of a record ring for (capacity, max_len) as ringq__bytes_geometry says, for the
 * handle: multi for BYTES_MPSC, claim for a process-shared queue. RINGQ_OK or its status. */
static inline enum ringq_status
ringq__bytes_geom(size_t capacity, size_t max_len, int multi, int claim, struct ringq__bgeom *g)
{
  uint64_t size = 0, max = 0;
  enum ringq_status st = ringq__bytes_geometry(capacity, max_len, &size, &max);
  if (st != RINGQ_OK)
    return st;
  g->size = size;
  g->mask = size - 1;
  g->max_len = max;
  g->multi = (uint32_t)(multi != 0);
  g->claim = (uint32_t)(claim != 0);
  return RINGQ_OK;
}

/* Make a record ring of geometry g in memory of ringq__bytes_memsize bytes (not thread-safe). */
/* A putter's claim word ([BK1] of src/bytes.c): bit 0 set, bits 3..34 the claimed position's
 * bits 3..34 (positions are multiples of 8; a ring is at most 2^31 bytes, so a position is rebuilt
 * from them near any other position of the ring), bits 35..63 the bytes claimed / 8 (at most the
 * ring's size). ringq__bclaim(0, 0) | 1 claims nothing (a word taken, no claim made yet). */
static inline uint64_t
ringq__bclaim(uint64_t w, uint64_t e)
{
  return 1u | (((w >> 3) & 0xffffffffu) << 3) | ((e >> 3) << 35);
}

/* Claim c covers position pos: how many bytes of it are at or after pos (0: it does not). */
static inline uint64_t
ringq__bclaim_left(uint64_t c, uint64_t pos)
{
  uint64_t e8 = c >> 35, d8 = ((pos >> 3) - ((c >> 3) & 0xffffffffu)) & 0xffffffffu;
  if (!(c & 1u) || d8 >= e8)
    return 0;
  return (e8 - d8) << 3;
}

static inline void
ringq__bytes_init(struct ringq__bytes *b, const struct ringq__bgeom *g)
{
  b->rpos_cache = 0;
  b->tail_cache = 0;
  b->wpos_cache = 0;
  /* Relaxed: the ring is not shared until init returns; handing it over publishes it. */
  atomic_init(&b->tail, 0);
  atomic_init(&b->wpos, 0);
  atomic_init(&b->head, 0);
  atomic_init(&b->rpos, 0);
  atomic_init(&b->aborts, 0);
  atomic_init(&b->aborts_seen, 0);
  memset(ringq__bytes_data(b), 0, (size_t)g->size); /* every header reads "free" */
}

/* ---- producers ------------------------------------------------------------------------------ */

/* Whether a record of rec bytes fits after wpos w with the consumer at r: the record, plus the
 * PAD to the end of the ring when it does not fit before it. */
static inline int
ringq__bytes_fits(const struct ringq__bgeom *g, uint64_t w, uint64_t r, uint64_t rec)
{
  uint64_t off = w & g->mask;
  uint64_t need = off + rec > g->size ? g->size - off + rec : rec;
  return w - r + need <= g->size;
}

/* Reserve a record for len bytes (len <= max_len): on RINGQ_OK *data is where its bytes go and
 * the record's header says BUSY (a PAD before it if it wrapped). RINGQ_FULL: no room (nothing
 * changed); RINGQ_ECORRUPT: the positions are impossible. SPSC: the one producer thread; MPSC:
 * any thread. */
static inline enum ringq_status
ringq__bytes_reserve(struct ringq__bytes *b, const struct ringq__bgeom *g, uint64_t len,
                     uint32_t claimant, _Atomic(uint64_t) *cw, unsigned char **data)
{
  uint64_t rec = ringq__bytes_rec(len), w, r, off, start;
  struct ringq__bhdr *h;
  if (g->multi) {
    /* Lock-free: the compare-exchange fails only when another producer claimed meanwhile. */
    int odd = 0; /* rounds that saw w - r above size */
    for (;;) {
      /* [R1] acquire; pairs with the consumer's [F2]: the space up to r is freed, and zeroed.
       * Loaded before wpos, so r <= w below: rpos never passes a position already claimed, and
       * the claims behind it happen-before this load (through [P2], [C1] and [F2]). */
      r = atomic_load_explicit(&b->rpos, memory_order_acquire);
      /* [R2] relaxed: the compare-exchange [R3] validates it. */
      w = atomic_load_explicit(&b->wpos, memory_order_relaxed);
      if ((w & 7) != 0 || (r & 7) != 0)
        return RINGQ_ECORRUPT;
      if (w - r > g->size) {
        /* The consumer freed, and other producers claimed, more than a ring between the two
         * loads (this thread was preempted): look again. Every time: corrupt. */
        if (++odd > 64)
          return RINGQ_ECORRUPT;
        continue;
      }
      if (!ringq__bytes_fits(g, w, r, rec))
        return RINGQ_FULL;
      off = w & g->mask;
      start = off + rec > g->size ? w + (g->size - off) : w;
      if (cw != NULL)
        /* [BK1] relaxed: published by [R3], seq_cst below (src/bytes.c, "Dead putters"). */
        atomic_store_explicit(cw, ringq__bclaim(w, start + rec - w), memory_order_relaxed);
      /* [R3] CAS, relaxed (seq_cst with a claim word: a release for [BK1]): the claim of
       * [w, start + rec), exclusive (one winner per w). The headers written below are published
       * by [P1] / [P3] (release); until then the consumer reads 0 there (MPSC: freed space is
       * zeroed). */
      if (cw != NULL ? atomic_compare_exchange_weak_explicit(&b->wpos, &w, start + rec,
                                                             memory_order_seq_cst,
                                                             memory_order_relaxed)
                     : atomic_compare_exchange_weak_explicit(&b->wpos, &w, start + rec,
                                                             memory_order_relaxed,
                                                             memory_order_relaxed)) {
        if (cw != NULL)
          RINGQ__HOOK(RINGQ__HOOK_BYTES_CLAIMED);
        break;
      }
    }
  } else {
    /* [R2] relaxed: only the producer moves wpos. */
    w = atomic_load_explicit(&b->wpos, memory_order_relaxed);
    r = b->rpos_cache;
    if ((w & 7) != 0 || w - r > g->size)
      return RINGQ_ECORRUPT;
    if (!ringq__bytes_fits(g, w, r, rec)) {
      /* [R1] acquire; pairs with [F2]: the consumer is done with the space up to r. */
      r = atomic_load_explicit(&b->rpos, memory_order_acquire);
      if ((r & 7) != 0 || w - r > g->size)
        return RINGQ_ECORRUPT;
      b->rpos_cache = r;
      if (!ringq__bytes_fits(g, w, r, rec))
        return RINGQ_FULL;
    }
    off = w & g->mask;
    start = off + rec > g->size ? w + (g->size - off) : w;
    if (cw != NULL)
      /* [BK1] relaxed: published by the exchange [R3] below. */
      atomic_store_explicit(cw, ringq__bclaim(w, start + rec - w), memory_order_relaxed);
  }
  if (start != w)
    /* [P1] release; pairs with [C2]: the end of the ring is a PAD. */
    atomic_store_explicit(&ringq__bytes_hdr(b, g, w)->word,
                          RINGQ__BYTES_PAD | (uint32_t)(start - w), memory_order_release);
  h = ringq__bytes_hdr(b, g, start);
  /* relaxed: ordered before the BUSY store below, which publishes it. */
  atomic_store_explicit(&h->claimant, claimant, memory_order_relaxed);
  /* [P1] release; pairs with [C2] and with a liveness check's acquire (src/peers.c): BUSY, this
   * many bytes, this claimant. */
  atomic_store_explicit(&h->word, RINGQ__BYTES_BUSY | (uint32_t)len, memory_order_release);
  if (!g->multi && cw != NULL)
    /* [R3] seq_cst exchange (SPSC with a claim word: a read-modify-write, so that a later
     * putter's [R3] continues its release sequence for BR1 of src/bytes.c); as below. */
    (void)atomic_exchange_explicit(&b->wpos, start + rec, memory_order_seq_cst);
  else if (!g->multi)
    /* [R3] release (SPSC, after the headers); pairs with [C1']: the consumer reads headers
     * below wpos only, and finds them written (BUSY or PAD at least). */
    atomic_store_explicit(&b->wpos, start + rec, memory_order_release);
  *data = (unsigned char *)h + RINGQ__BYTES_HDR;
  return RINGQ_OK;
}

/* The header of the record whose data the caller holds at `data`, if it is a BUSY record of
 * this ring: its reserved length in *len. RINGQ_EINVAL for a pointer no reserve returned. */
static inline enum ringq_status
ringq__bytes_own(struct ringq__bytes *b, const struct ringq__bgeom *g, const void *data,
                 struct ringq__bhdr **hdr, uint64_t *len)
{
  const unsigned char *base = ringq__bytes_data(b);
  uintptr_t p = (uintptr_t)data, lo = (uintptr_t)base + RINGQ__BYTES_HDR;
  uint64_t off;
  uint32_t word;
  /* A record of 0 bytes at the end of the ring has its data pointer at the end. */
  if (data == NULL || p < lo || p > (uintptr_t)base + g->size || ((p - lo) & 7) != 0)
    return RINGQ_EINVAL;
  off = (uint64_t)(p - (uintptr_t)base) - RINGQ__BYTES_HDR;
  *hdr = (struct ringq__bhdr *)(ringq__bytes_data(b) + off);
  /* relaxed: the reserving thread wrote it (or a thread the caller synchronized with). */
  word = atomic_load_explicit(&(*hdr)->word, memory_order_relaxed);
  *len = word & RINGQ__BYTES_LEN;
  if ((word & RINGQ__BYTES_STATE) != RINGQ__BYTES_BUSY || *len > g->max_len ||
      off + ringq__bytes_rec(*len) > g->size)
    return RINGQ_EINVAL;
  return RINGQ_OK;
}

/* Turn a reserved record into a PAD of its whole size (abort, or a commit refused by shutdown). */
static inline void
ringq__bytes_pad(struct ringq__bhdr *hdr, uint64_t reserved)
{
  /* [P3] release; pairs with [C2]: the consumer skips the record. */
  atomic_store_explicit(&hdr->word, RINGQ__BYTES_PAD | (uint32_t)ringq__bytes_rec(reserved),
                        memory_order_release);
}

/* Count one message in tail: [P2]. closable == 0 only for the SPSC asymmetric variant (the
 * blocking layer's put_busy handshake keeps the closed mark away). RINGQ_OK or RINGQ_SHUTDOWN
 * (closed: nothing counted). */
static inline enum ringq_status
ringq__bytes_count(struct ringq__bytes *b, int closable)
{
  /* relaxed: SPSC, only the producer moves tail (and shutdown sets the mark, which the CAS
   * sees); MPSC, the compare-exchange validates it. */
  uint64_t t = atomic_load_explicit(&b->tail, memory_order_relaxed);
  if (!closable) {
    /* [P2] release; pairs with [C1]: the records up to this one's header are written. */
    atomic_store_explicit(&b->tail, t + RINGQ__STEP, memory_order_release);
    return RINGQ_OK;
  }
  do {
    if (t & RINGQ__CLOSED)
      return RINGQ_SHUTDOWN;
    /* [P2] seq_cst CAS; pairs with [C1] (release part) and is the blocking layer's [N1] for
     * NOT_EMPTY (src/queue.c); fails for good once shutdown set the closed mark. */
  } while (!atomic_compare_exchange_weak_explicit(&b->tail, &t, t + RINGQ__STEP,
                                                  memory_order_seq_cst, memory_order_relaxed));
  return RINGQ_OK;
}

/* Commit the reserved record at hdr (reserved bytes, reserved >= len) as a message of len bytes:
 * [P2] count it, [P3] mark it COMMITTED. 1, or RINGQ_SHUTDOWN (closed: the record becomes a PAD,
 * nothing was accepted). */
static inline ptrdiff_t
ringq__bytes_commit(struct ringq__bytes *b, struct ringq__bhdr *hdr, uint64_t reserved,
                    uint64_t len, int closable, int counting)
{
  uint64_t rec = ringq__bytes_rec(len), full = ringq__bytes_rec(reserved);
  uint32_t busy = RINGQ__BYTES_BUSY | (uint32_t)reserved;
  if (rec < full)
    /* [P3] release (ordered before the COMMITTED store below, which also publishes it, and
     * before the COUNTING CAS): what the message does not use is skipped. */
    atomic_store_explicit(&((struct ringq__bhdr *)((unsigned char *)hdr + rec))->word,
                          RINGQ__BYTES_PAD | (uint32_t)(full - rec), memory_order_release);
  /* [BK2] seq_cst CAS (a queue with a participant table): BUSY|reserved -> BUSY|COUNTING|len,
   * the one decision, on this word, between this commit and a survivor's skip (BR3, src/bytes.c);
   * release for the shortening PAD above, which a survivor's walk past this record reads. Lost:
   * the record is a PAD, skipped as a dead putter's (only a wrong liveness answer can do that). */
  if (counting && !atomic_compare_exchange_strong_explicit(
                      &hdr->word, &busy, RINGQ__BYTES_BUSY | RINGQ__BYTES_COUNTING | (uint32_t)len,
                      memory_order_seq_cst, memory_order_relaxed))
    return RINGQ_ECORRUPT;
  if (counting)
    RINGQ__HOOK(RINGQ__HOOK_BYTES_COUNTING);
  if (ringq__bytes_count(b, closable) != RINGQ_OK) {
    ringq__bytes_pad(hdr, reserved);
    return RINGQ_SHUTDOWN;
  }
  if (counting)
    RINGQ__HOOK(RINGQ__HOOK_BYTES_COUNTED);
  /* [P3] release; pairs with [C2]: the message's bytes are written. */
  atomic_store_explicit(&hdr->word, RINGQ__BYTES_COMMITTED | (uint32_t)len, memory_order_release);
  return 1;
}

/* A put (op->rec NULL: reserve, copy, commit) or a commit (op->rec from reserve): 1 done, 0 no
 * room (a put only), or RINGQ_SHUTDOWN / RINGQ_EINVAL / RINGQ_ECORRUPT. */
static inline ptrdiff_t
ringq__bytes_push(struct ringq__bytes *b, const struct ringq__bgeom *g,
                  const struct ringq__bytes_put *op, int closable, uint32_t claimant,
                  _Atomic(uint64_t) *cw, int counting)
{
  struct ringq__bhdr *hdr;
  uint64_t reserved;
  if (op->rec == NULL) {
    unsigned char *data = NULL;
    enum ringq_status st = ringq__bytes_reserve(b, g, op->len, claimant, cw, &data);
    if (st != RINGQ_OK)
      return st == RINGQ_FULL ? 0 : (ptrdiff_t)st;
    if (op->len > 0)
      memcpy(data, op->buf, op->len);
    if (cw != NULL)
      RINGQ__HOOK(RINGQ__HOOK_BYTES_WRITTEN);
    hdr = (struct ringq__bhdr *)(data - RINGQ__BYTES_HDR);
    reserved = op->len;
  } else {
    enum ringq_status st = ringq__bytes_own(b, g, op->rec, &hdr, &reserved);
    if (st != RINGQ_OK)
      return st;
    if (op->len > reserved)
      return RINGQ_EINVAL;
  }
  return ringq__bytes_commit(b, hdr, reserved, op->len, closable, counting);
}

/* ---- the consumer (one thread at a time) ---------------------------------------------------- */

/* ringq__bytes_next's result when no message is counted but PADs lie at rpos (aborted or
 * shortened reservations after the last message): *end is the position past them; consume them
 * with ringq__bytes_skip, so that their room is not held until the next message. */
#define RINGQ__BYTES_SKIP 1

/* The PADs at pos, up to the first record that is not one (or wpos w): the position past them.
 * Bounded by the bytes in use. */
static inline uint64_t
ringq__bytes_pads(struct ringq__bytes *b, const struct ringq__bgeom *g, uint64_t pos, uint64_t w)
{
  uint64_t n;
  for (n = 0; n <= g->size / RINGQ__BYTES_HDR && w - pos >= RINGQ__BYTES_HDR && w - pos <= g->size;
       n++) {
    /* [C2] acquire; pairs with [P1] / [P3]. */
    uint32_t word = atomic_load_explicit(&ringq__bytes_hdr(b, g, pos)->word, memory_order_acquire);
    uint64_t k = word & RINGQ__BYTES_LEN;
    if ((word & RINGQ__BYTES_STATE) != RINGQ__BYTES_PAD || k < RINGQ__BYTES_HDR || (k & 7) != 0 ||
        (pos & g->mask) + k > g->size || k > w - pos)
      break;
    pos += k;
  }
  return pos;
}

/* The next message: on RINGQ_OK *rec is its data, *len its length, *end the position just past
 * it (PADs before it included). RINGQ_EMPTY: none counted, or the next record is still being
 * written; RINGQ__BYTES_SKIP: none counted, PADs to free up to *end; RINGQ_SHUTDOWN: closed and
 * every counted message consumed; RINGQ_ECORRUPT. Writes nothing shared but aborts_seen. */
static inline int
ringq__bytes_next(struct ringq__bytes *b, const struct ringq__bgeom *g, const unsigned char **rec,
                  uint64_t *len, uint64_t *end)
{
  /* relaxed: the consumer's own words. */
  uint64_t pos = atomic_load_explicit(&b->rpos, memory_order_relaxed);
  uint64_t h = atomic_load_explicit(&b->head, memory_order_relaxed);
  uint64_t t = b->tail_cache, w = b->wpos_cache, n;
  if (t == h) {
    /* [C1] acquire; pairs with [P2] (and the release sequence of the producers' compare-exchanges
     * on tail): every record up to the last counted message has its header written. */
    uint64_t tt = atomic_load_explicit(&b->tail, memory_order_acquire);
    /* [C1'] acquire; ordered after [C1]: a reservation precedes its count, so wpos covers every
     * record counted in tt. */
    w = atomic_load_explicit(&b->wpos, memory_order_acquire);
    t = tt & ~RINGQ__CLOSED;
    b->tail_cache = t;
    b->wpos_cache = w;
    if (t == h) {
      if (tt & RINGQ__CLOSED)
        return RINGQ_SHUTDOWN;
      uint64_t a;
      if ((pos & 7) != 0 || w - pos > g->size)
        return RINGQ_ECORRUPT;
      /* [A5] acquire; pairs with an abort's [A4]: loaded before the walk, so an abort after it
       * leaves aborts_seen behind and the getters' re-check true. */
      a = atomic_load_explicit(&b->aborts, memory_order_acquire);
      *end = ringq__bytes_pads(b, g, pos, w);
      /* [A6] seq_cst; read by ringq__bytes_pad_ready: the PADs aborted so far are seen to. */
      atomic_store_explicit(&b->aborts_seen, a, memory_order_seq_cst);
      return *end != pos ? RINGQ__BYTES_SKIP : RINGQ_EMPTY;
    }
  }
  /* Each counted message takes at least 8 bytes of the reserved ones. */
  if ((pos & 7) != 0 || w - pos > g->size || (int64_t)(t - h) < 0 ||
      (t - h) / RINGQ__STEP > (w - pos) / RINGQ__BYTES_HDR)
    return RINGQ_ECORRUPT;
  for (n = 0; n <= g->size / RINGQ__BYTES_HDR; n++) {
    uint64_t off = pos & g->mask, k;
    struct ringq__bhdr *hdr = ringq__bytes_hdr(b, g, pos);
    uint32_t word;
    if (w - pos < RINGQ__BYTES_HDR || w - pos > g->size)
      return RINGQ_ECORRUPT; /* counted messages left, no reserved record left */
    /* [C2] acquire; pairs with [P1] / [P3]: a COMMITTED record's bytes, a PAD's length. */
    word = atomic_load_explicit(&hdr->word, memory_order_acquire);
    k = word & RINGQ__BYTES_LEN;
    switch (word & RINGQ__BYTES_STATE) {
    case RINGQ__BYTES_PAD:
      if (k < RINGQ__BYTES_HDR || (k & 7) != 0 || off + k > g->size || k > w - pos)
        return RINGQ_ECORRUPT;
      pos += k;
      continue;
    case RINGQ__BYTES_COMMITTED:
      if (k > g->max_len || off + ringq__bytes_rec(k) > g->size || ringq__bytes_rec(k) > w - pos)
        return RINGQ_ECORRUPT;
      *rec = (const unsigned char *)hdr + RINGQ__BYTES_HDR;
      *len = k;
      *end = pos + ringq__bytes_rec(k);
      return RINGQ_OK;
    case RINGQ__BYTES_BUSY:
      return RINGQ_EMPTY; /* being written: the caller waits (or reports EMPTY) */
    default:
      /* Claimed, header not written yet (MPSC); an SPSC producer writes every header before its
       * count, so 0 there is corruption. */
      return g->multi ? RINGQ_EMPTY : RINGQ_ECORRUPT;
    }
  }
  return RINGQ_ECORRUPT;
}

/* Consume up to `end` (a position ringq__bytes_next returned): one message counted (none when
 * `message` is 0: PADs only), its record and the PADs before it freed. release_mo: [F2] (seq_cst
 * from the blocking layer's symmetric protocol: its [N1] for NOT_FULL). */
static inline void
ringq__bytes_free(struct ringq__bytes *b, const struct ringq__bgeom *g, uint64_t end, int message,
                  memory_order release_mo)
{
  /* relaxed: the consumer's own words. */
  uint64_t pos = atomic_load_explicit(&b->rpos, memory_order_relaxed);
  uint64_t h = atomic_load_explicit(&b->head, memory_order_relaxed);
  if (g->multi) {
    /* [F0] Zero what is freed (at most two pieces: a PAD to the end of the ring, then the
     * record), so that a header claimed and not yet written reads 0. Bounded: end - pos <= size
     * (checked by ringq__bytes_next). */
    while (pos != end && end - pos <= g->size) {
      uint64_t off = pos & g->mask, n = end - pos;
      if (n > g->size - off)
        n = g->size - off;
      memset(ringq__bytes_data(b) + off, 0, (size_t)n);
      pos += n;
    }
  } else if (end - pos <= g->size) {
    /* [F0] SPSC: one store into each line wholly inside [pos, end), so that the producer's next
     * copy there takes lines this cache wrote (src/bytes.c, "The consumer writes what it
     * frees"). Before [F2]: the room is not the producer's yet. A line that starts before end
     * but reaches past it is left alone (the next record may be being written there); p past
     * end makes end - p huge and ends the loop. At most size / 64 rounds; masked positions. */
    uint64_t p = (pos + RINGQ__BYTES_TOUCH - 1) & ~(RINGQ__BYTES_TOUCH - 1);
    for (; end - p >= RINGQ__BYTES_TOUCH && end - p <= g->size; p += RINGQ__BYTES_TOUCH)
      memset(ringq__bytes_data(b) + (p & g->mask), 0, 8);
  }
  if (message)
    /* [F1] release; pairs with qsize's and the re-checks' loads of head. */
    atomic_store_explicit(&b->head, h + RINGQ__STEP, memory_order_release);
  /* [F2] release_mo; pairs with [R1]: the record is read, and [F0] written, before its room is
   * reused. */
  ringq__store_mo(&b->rpos, end, release_mo);
}

static inline void
ringq__bytes_consume(struct ringq__bytes *b, const struct ringq__bgeom *g, uint64_t end,
                     memory_order release_mo)
{
  ringq__bytes_free(b, g, end, 1, release_mo);
}

/* Get or peek the next message (see struct ringq__bytes_get): 1, 0 (empty, or the next record is
 * still being written), 2 (empty, and PADs were freed: notify putters), or RINGQ_SHUTDOWN /
 * RINGQ_EMSGSIZE (buffer too small: g->len says how much is needed, the message stays) /
 * RINGQ_EINVAL (a peek is open) / RINGQ_ECORRUPT. */
static inline ptrdiff_t
ringq__bytes_pop(struct ringq__bytes *b, const struct ringq__bgeom *g, struct ringq__bytes_get *op,
                 uint64_t *peek_end, memory_order release_mo)
{
  const unsigned char *rec = NULL;
  uint64_t len = 0, end = 0;
  int st;
  /* The getter's own word (in its handle), read inside the get_busy window (a discarder waits
   * it out): a peek still open makes a get or another peek a misuse. */
  if (*peek_end != 0)
    return RINGQ_EINVAL;
  st = ringq__bytes_next(b, g, &rec, &len, &end);
  if (st == RINGQ__BYTES_SKIP) {
    ringq__bytes_free(b, g, end, 0, release_mo);
    return 2;
  }
  if (st != RINGQ_OK)
    return st == RINGQ_EMPTY ? 0 : (ptrdiff_t)st;
  op->len = (size_t)len;
  if (op->peek) {
    op->view = rec;
    *peek_end = end | 1; /* positions are multiples of 8: never 0 this way */
    return 1;
  }
  if (len > op->cap)
    return RINGQ_EMSGSIZE;
  if (len > 0)
    memcpy(op->buf, rec, (size_t)len);
  ringq__bytes_consume(b, g, end, release_mo);
  return 1;
}

/* ---- any thread ----------------------------------------------------------------------------- */

/* Messages committed and not yet consumed. */
static inline size_t
ringq__bytes_size(struct ringq__bytes *b, const struct ringq__bgeom *g)
{
  /* acquire, head before tail (as ringq_spsc_size). */
  uint64_t h = atomic_load_explicit(&b->head, memory_order_acquire);
  uint64_t t = atomic_load_explicit(&b->tail, memory_order_acquire) & ~RINGQ__CLOSED;
  int64_t d = (int64_t)(t - h);
  uint64_t n = d > 0 ? (uint64_t)d / RINGQ__STEP : 0;
  return (size_t)(n > g->size / RINGQ__BYTES_HDR ? g->size / RINGQ__BYTES_HDR : n);
}

/* Bytes in use: records, headers, PADs and open reservations, within [0, size]. */
static inline size_t
ringq__bytes_used(struct ringq__bytes *b, const struct ringq__bgeom *g)
{
  /* acquire, rpos before wpos, so that the difference is never negative in a valid ring. */
  uint64_t r = atomic_load_explicit(&b->rpos, memory_order_acquire);
  uint64_t w = atomic_load_explicit(&b->wpos, memory_order_acquire);
  uint64_t d = w - r;
  return (size_t)(d > g->size ? g->size : d);
}

/* Whether a record of rec bytes fits now, whatever the closed mark says (full() after a
 * shutdown still reports the room, as the other queues' full() still compares qsize). seq_cst
 * loads; rpos pairs with the consumer's [F2]. */
static inline int
ringq__bytes_fits_now(struct ringq__bytes *b, const struct ringq__bgeom *g, uint64_t rec)
{
  uint64_t r = atomic_load_explicit(&b->rpos, memory_order_seq_cst);
  uint64_t w = atomic_load_explicit(&b->wpos, memory_order_seq_cst);
  if ((w & 7) != 0 || w - r > g->size)
    return 1; /* impossible positions: let the put find RINGQ_ECORRUPT */
  return ringq__bytes_fits(g, w, r, rec);
}

/* The blocking layer's [W2] for putters: a record of rec bytes fits now, or the ring is closed.
 * seq_cst loads; rpos pairs with the consumer's [F2] ([N1] for NOT_FULL). */
static inline int
ringq__bytes_room(struct ringq__bytes *b, const struct ringq__bgeom *g, uint64_t rec)
{
  if (atomic_load_explicit(&b->tail, memory_order_seq_cst) & RINGQ__CLOSED)
    return 1;
  return ringq__bytes_fits_now(b, g, rec);
}

/* The getters' [W2] addition: a reservation was aborted since the getter last freed the PADs at
 * its position (the abort's [A4], a seq_cst increment, is the [N1] it pairs with). Reads no
 * header: the consumer may be zeroing them. seq_cst loads. */
static inline int
ringq__bytes_pad_ready(struct ringq__bytes *b)
{
  return atomic_load_explicit(&b->aborts, memory_order_seq_cst) !=
         atomic_load_explicit(&b->aborts_seen, memory_order_seq_cst);
}

/* The consumer's view for dead-peer recovery (src/bytes.c, "Dead putters"): the first record at
 * or after rpos that is not a PAD, below wpos, when its header reads 0 (claimed, not written) or
 * BUSY: its position in *pos, its header word in *word. 0: none (a committed message, nothing
 * reserved, or impossible values). Writes nothing. Bounded by the bytes in use. */
static inline int
ringq__bytes_stuck(struct ringq__bytes *b, const struct ringq__bgeom *g, uint64_t *pos,
                   uint32_t *word)
{
  /* acquire; pairs with [F2] (a putter may ask too: read-only, every value checked). */
  uint64_t p = atomic_load_explicit(&b->rpos, memory_order_acquire), n;
  /* acquire; pairs with [R3]: the records below it are claimed. */
  uint64_t w = atomic_load_explicit(&b->wpos, memory_order_acquire);
  for (n = 0; n <= g->size / RINGQ__BYTES_HDR && w - p >= RINGQ__BYTES_HDR && w - p <= g->size;
       n++) {
    /* [C2] acquire; pairs with [P1] / [P3]. */
    uint32_t v = atomic_load_explicit(&ringq__bytes_hdr(b, g, p)->word, memory_order_acquire);
    uint64_t k = v & RINGQ__BYTES_LEN;
    if ((v & RINGQ__BYTES_STATE) == RINGQ__BYTES_PAD && k >= RINGQ__BYTES_HDR && (k & 7) == 0 &&
        (p & g->mask) + k <= g->size && k <= w - p) {
      p += k;
      continue;
    }
    if (v != 0 && (v & RINGQ__BYTES_STATE) != RINGQ__BYTES_BUSY)
      return 0;
    *pos = p;
    *word = v;
    return 1;
  }
  return 0;
}

#endif /* RINGQ_SRC_BYTES_H */
