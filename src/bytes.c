/* SPDX-License-Identifier: MIT */
/* src/bytes.c: byte-message queues (RINGQ_QUEUE_BYTES_SPSC / _MPSC): the record ring of
 * src/bytes.h under the blocking queue's contract, which is reused from queue.c, not rewritten.
 *
 * Why a kind of the queue. A byte queue is a struct ringq_queue whose `bytes` field is set and
 * whose kind is RINGQ_QUEUE_SPSC: it has one getter, so the SPSC queue's handshakes apply as they
 * are (get_busy around every get, which an immediate shutdown waits out before it becomes the
 * consumer; put_busy and the asymmetric membarrier variant for a private BYTES_SPSC queue). The
 * record ring keeps the rings' ticket words: `tail` counts committed messages (closed mark in bit
 * 0), `head` consumed ones, so task_done / join, qsize, shutdown's closed mark and the getters'
 * [W2] re-check (tail != head, or closed) read them unchanged. queue.c dispatches on `bytes` in a
 * few places only: the push and pop inside its SPSC put and get paths, the putters' [W2] re-check
 * (room for the putter's own record), qsize / full / capacity, discards, memsize / init.
 *
 * Why MPSC and not MPMC. Several getters would have to claim records in order (a compare-exchange
 * on the read position after reading a committed length) and free room in order (a consumed flag
 * per record, and a head that sweeps the consumed prefix), and the discarding of an immediate
 * shutdown would need a claim protocol instead of the get_busy handshake. The one-getter design
 * keeps the consumer wait-free apart from waiting for a record being written, keeps peek / release
 * trivially safe, and covers the tutorials' shapes (many workers reporting to one collector; one
 * process feeding another). A program that needs several getters can put a fixed-size MPMC queue
 * of indices behind one getter, or use one byte queue per worker.
 *
 * The ordering argument (labels as in src/bytes.h)
 * =================================================
 * What publishes a record. A put is reserve, copy, commit. The reservation [R3] claims bytes by
 * moving wpos (MPSC: a compare-exchange, one winner per value; SPSC: the one producer's store)
 * and writes the record's header BUSY [P1] (release), after a PAD header for the end of the ring
 * if the record did not fit before it. The commit then counts the message [P2] in tail (MPSC and
 * symmetric SPSC: a seq_cst compare-exchange that fails once the closed mark is set; asymmetric
 * SPSC: a release store inside queue.c's put_busy handshake), and only then stores the header
 * COMMITTED | len [P3] (release). The message is accepted at [P2]: that is where it becomes a
 * task (tail) and where a shutdown refuses it (the closed mark is in tail); a refused commit turns
 * its record into a PAD.
 *
 * Which load pairs with it. The consumer first loads tail [C1] (acquire, only when its cached
 * copy is used up) and reads no header unless tail is past head: some counted message is at or
 * after rpos. It then reads the header at rpos [C2] (acquire): COMMITTED pairs with that record's
 * [P3], so the length and the message bytes (copied before [P3]) are complete; PAD pairs with
 * [P1] / [P3] and gives the bytes to skip; BUSY means "still being written": the getter reports
 * EMPTY for this attempt, and the blocking layer waits (a counted message is behind it, so
 * get_may_proceed holds and block_until backs off and retries; nowait reports EMPTY).
 *
 * Why the consumer never reads a half-written or stale length. The header is one 32-bit atomic
 * word carrying state and length together, written by single stores, so a load sees a whole
 * value. Stale values: SPSC, every header up to the last counted message was written ([P1], in
 * the producer's program order) before the count [P2] that [C1] read, so [C2] reads that store or
 * a later one of the same record. MPSC, a producer may have claimed [R3] and not yet written its
 * header when a later producer's count is already visible; there the header holds whatever the
 * freed space held, and the consumer zeroes every byte it frees before it publishes the room
 * ([F2] release, which the next claimant's [R1] acquires), so the header reads 0 (free: wait),
 * never an old length. Header positions are only ever record boundaries (the walk starts at rpos
 * and adds lengths it checked), so message bytes are never read as a header.
 *
 * Room. The consumer frees room by its store of rpos [F2], after its copy (and, MPSC, the zeroing):
 * a producer's [R1] acquire of rpos pairs with it, so the producer's writes into that room come
 * after the consumer's reads. [F2] is the blocking layer's [N1] for NOT_FULL (seq_cst, or release
 * in the asymmetric variant), [P2] its [N1] for NOT_EMPTY; the putters' [W2] re-check reads rpos
 * and wpos (seq_cst) and asks whether the putter's own record fits (a thread-local need; an event
 * loop or any other caller asks for the largest record), the getters' reads head and tail. So the
 * wait protocol's argument (top of queue.c) holds as written.
 *
 * The consumer writes what it frees ([F0], before [F2]). MPSC, it zeroes every freed byte (above).
 * SPSC, it stores 0 in the first word of each 64-byte line lying wholly inside the freed bytes
 * (RINGQ__BYTES_TOUCH; no line that reaches past the freed bytes, where the next record is). Why:
 * a consumer that only reads a record leaves its lines shared between the two caches, and the
 * producer's copy into them a lap later then upgrades line by line: measured on the 2-CPU EPYC
 * guest, a 4 KiB SPSC put ran at less than half the rate of the MPSC one, whose consumer zeroes
 * (bench/README.md, "Byte messages"); a line the consumer wrote last is taken by an ordinary miss.
 * Why it is safe: these are plain stores to bytes that no reader will read again (they are below
 * the position [F2] publishes, and every header there is rewritten by [P1] before a count or wpos
 * covers it again), made by the consumer before its [F2] store of rpos. A producer writes into
 * that room only after its [R1] acquire load read that [F2] or a later one (SPSC: rpos_cache holds
 * such a value), so [F0] happens-before the producer's copy and header stores: the producer's
 * bytes are never overwritten by a late touch. Bounded: at most size / 64 stores, positions
 * masked, only when end - rpos <= size. Moving [F0] after [F2] would let a producer waiting for
 * room copy a message into a line that a touch then zeroes (tests/bytes, bytes_test_touch).
 *
 * Aborted reservations. An abort turns its record into a PAD [P3] and counts itself in `aborts`
 * [A4] (seq_cst: the [N1] of a getter that must free PADs, since no message will come to make it
 * walk past them). The getter, finding no message, loads aborts [A5], frees the PADs at rpos and
 * stores what it loaded in aborts_seen [A6]; the getters' [W2] also holds while the two differ.
 * It reads no header (the consumer may be zeroing them), so any thread may run it.
 *
 * Shutdown. The closed mark is set in tail after CLOSING (and, asymmetric SPSC, after put_busy
 * fell). A commit either counted its message before the mark (then the getters, or the discarder,
 * take it: they report SHUTDOWN only once head reaches the closed tail, and wait for a counted
 * message behind a BUSY record) or fails and pads its record. Reservations may be made after
 * CLOSING by a racing put; their commit fails. An open reservation with counted messages behind
 * it holds up the getter, and an immediate shutdown, until it is committed or aborted.
 *
 * Trust (shared memory, issue 10's rules). The geometry (ring size, mask, max_len, multi, claim)
 * is the handle's (q->bgeom, struct ringq__bgeom), computed from the kind, capacity and largest
 * message that ringq_queue_init was given or that src/shm.c's attach validated; nothing in the
 * mapping sizes or places anything. Every length read from a header is checked against
 * max_len, the end of the ring and the bytes reserved (wpos as loaded at [C1']) before it sizes a
 * copy or a skip; positions are masked before they address data; the walk over PADs is bounded by
 * the bytes in use; a get copies at most the caller's cap; a release checks the peek's recorded
 * end against rpos and the ring size. Impossible values give RINGQ_ECORRUPT.
 * Dead putters (a queue made or attached by src/shm.c, with a participant table: src/peers.c)
 * ===============================================================================================
 * A putter killed while it holds a reservation leaves a record that is never committed: the
 * consumer stops at it and every later message waits behind it. The machinery is peers.c's (the
 * table, OFD-lock liveness, claim words, the 5 ms stuck bound), used as follows.
 *   [BK1] Before each attempt of its claim [R3] (MPSC: the wpos compare-exchange; SPSC: the wpos
 *         store, then an exchange), a putter stores claim(w, e) in a claim word of its own entry
 *         (ringq__peers_claim_any: any free word, taken by a CAS, so that one thread may hold
 *         several reservations): w the wpos it claims from, e the bytes it claims (the record,
 *         plus the PAD to the end of the ring when it wraps). [R3] is then seq_cst (a release).
 *   [BK2] Its commit first turns the header BUSY|len into BUSY|COUNTING|len by a CAS, and only
 *         then counts [P2] and marks COMMITTED [P3]; an abort (or a commit refused by shutdown)
 *         stores its PAD. After either, the claim word is cleared (release).
 *   [BR]  The consumer (a getter, or an immediate shutdown's discarder: one at a time, inside the
 *         get_busy window), finding at pos (rpos, after the PADs there) a header that reads 0 or
 *         BUSY while messages are counted behind it, waits as before; once the same pos has been
 *         stuck for STUCK_NS in this handle's view it resolves it:
 *     BR1 load wpos (seq_cst): pos below it (some claim covers pos);
 *     BR2 scan every entry's claim words (seq_cst) for claims covering pos; any live entry's
 *         word -> wait; none -> wait; only dead entries' words -> go on;
 *     BR3 load the header again: BUSY|len (no COUNTING) -> CAS it to PAD|rec(len); 0 (the putter
 *         died between [R3] and [P1]) -> CAS it to a PAD of the claimed extent (the claim's end;
 *         when the dead words disagree on it: wait), split at the end of the ring; the CAS that
 *         pads the record (not a wrap's PAD) counts one message lost in stats.lost, and the dead
 *         words covering pos are cleared (CAS). Nothing is counted as a task: a reservation
 *         becomes a task at [P2] only, and the COUNTING state keeps [BR3] away from it.
 * Why a live putter, even preempted or stopped, is never taken for dead: the putter W whose [R3]
 * claimed the bytes at pos stored [BK1] before [R3], a seq_cst read-modify-write (MPSC; SPSC an
 * exchange): a release. BR1 read the value [R3] wrote or a later one, and every later value of
 * wpos is written by a read-modify-write of a putter (compare-exchange or exchange), so they
 * continue [R3]'s release sequence: [R3] synchronizes with BR1, [BK1] happens before BR2, and BR2
 * reads W's claim or a later value of W's word. W changes its word again only at [BK2]'s clear,
 * after its COUNTING CAS (or its PAD). If BR2 read the claim and W is live (its process holds its
 * OFD lock; a stopped or preempted process does), BR2 waits. If BR2 read the clear (release,
 * read by a seq_cst load: acquire), BR3 sees BUSY|COUNTING, COMMITTED or PAD, and its CAS fails.
 * So BR3's CAS can only succeed when W is dead; and since W's own COUNTING CAS is on the same
 * header word, exactly one of "W counts it" and "a survivor skips it" happens, whatever the
 * timing (a late commit finds the PAD and reports RINGQ_ECORRUPT, never counts the message).
 * Other words covering pos belong to putters whose [R3] failed (they rewrite or clear it, live;
 * or changed nothing, dead). Several consumers never run BR at once (the getter's get_busy
 * window; the discarder waits it out), and the CAS makes the count exactly-once even if they did.
 *     BR4 BUSY|COUNTING|len (the putter died between its COUNTING CAS and [P3]): whether its
 *         [P2] happened is read from a snapshot: load tail (t1, seq_cst), then wpos, walk the
 *         records after this one up to wpos, load tail again (t2). If t2 == t1, no [P2] took
 *         place between the two loads; every COMMITTED record seen was counted in t1 ([P3]
 *         follows [P2]: reading it (acquire) makes [P2] visible, so t2 reads it or later);
 *         every BUSY record without COUNTING was not (if its [P2] were in t1, t1's acquire
 *         would make its COUNTING CAS, sequenced before [P2], visible to the walk). So
 *         (t1 - head) / STEP - (COMMITTED seen) is 1 (counted: the CAS makes the record
 *         COMMITTED|len, delivered, nothing lost: the shortening PAD was written before the
 *         COUNTING CAS) or 0 (not counted: a PAD of the claimed extent, counted lost). When the
 *         walk meets another COUNTING record, a header that reads 0, or tail moved, it waits
 *         and tries again later (a live putter finishes; two dead putters both in these few
 *         instructions: the window that remains, below).
 * Windows that remain: two putters killed both between [R3] and [P3] with the first one's record
 * needing BR4 while the second's header reads 0 or says COUNTING: BR4 cannot tell, and the
 * consumer stops there (timed calls return at their deadline; an immediate shutdown gives up
 * after SHARED_PEER_WAIT_NS). Several dead words that disagree on the extent of a record whose
 * header reads 0 (two putters killed racing for the same bytes) also wait. A putter that finds
 * no room while a dead putter's record holds it wakes the consumer (nudge_consumer: an increment
 * of `aborts`, which the getters' [W2] already watches), so that a getter asleep on an empty
 * queue resolves it too. A handle holds at most 2 * RINGQ__LANES reservations at once: a reserve
 * beyond that reports no room for the moment.
 * Costs: none for private queues; a shared put adds a CAS on its own entry's line (the claim), the
 * COUNTING CAS on its header, and a store (the clear).
 */
#include "bytes.h"
#include "peers.h"
#include "queue_internal.h"
#include "wait.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* queue.c's "try once" deadline (ringq__deadline_after(0)). */
#define NOWAIT INT64_MIN

static struct ringq__bytes *
bytes_of(const struct ringq_queue *q)
{
  return (struct ringq__bytes *)((unsigned char *)(uintptr_t)q + q->ring_offset);
}

/* The record ring's geometry: the handle's, never the ring's (src/bytes.h, "Trust"). */
static const struct ringq__bgeom *
geom_of(const struct ringq_queue *q)
{
  return &q->bgeom;
}

enum ringq_status
ringq__bytes_handle(struct ringq_queue *q, enum ringq_queue_kind kind, size_t capacity,
                    size_t max_len, unsigned flags)
{
  int shared = (flags & RINGQ_QUEUE_PROCESS_SHARED) != 0;
  enum ringq_status st;
  if (kind != RINGQ_QUEUE_BYTES_SPSC && kind != RINGQ_QUEUE_BYTES_MPSC)
    return RINGQ_EINVAL;
  st = ringq__bytes_geom(capacity, max_len, kind == RINGQ_QUEUE_BYTES_MPSC, shared, &q->bgeom);
  if (st != RINGQ_OK)
    return st;
  /* The SPSC queue's paths (one getter; for BYTES_SPSC one putter and, when private, the
   * asymmetric variant); puts and gets go through this file. */
  ringq__init_handle(q, RINGQ_QUEUE_SPSC, flags, 1, 0);
  memset(&q->geom, 0, sizeof q->geom); /* no fixed-size ring */
  q->bytes = kind == RINGQ_QUEUE_BYTES_SPSC ? 1u : 2u;
  if (kind == RINGQ_QUEUE_BYTES_MPSC) /* several putters: never the one-putter handshake */
    atomic_init(&q->asym, 0);
  return RINGQ_OK;
}

/* The record size the calling putter waits for room for (0: not a putter of a byte queue). */
static _Thread_local uint64_t put_need;

int
ringq__bytes_put_may_proceed(struct ringq_queue *q)
{
  const struct ringq__bgeom *g = geom_of(q);
  return ringq__bytes_room(bytes_of(q), g, put_need != 0 ? put_need : ringq__bytes_rec(g->max_len));
}

/* The claimant word: this process's pid for a process-shared queue (cached; reset in a forked
 * child), 0 otherwise. */
static _Atomic(uint32_t) cached_pid;
static pthread_once_t pid_once = PTHREAD_ONCE_INIT;

static void
forget_pid(void)
{
  /* relaxed: the child has one thread when this runs. */
  atomic_store_explicit(&cached_pid, 0, memory_order_relaxed);
}

static void
watch_fork(void)
{
  (void)pthread_atfork(NULL, NULL, forget_pid);
}

uint32_t
ringq__bytes_claimant(const struct ringq_queue *q)
{
  uint32_t pid;
  if (!geom_of(q)->claim)
    return 0;
  /* relaxed: any thread that caches it caches the same value. */
  pid = atomic_load_explicit(&cached_pid, memory_order_relaxed);
  if (pid == 0) {
    pthread_once(&pid_once, watch_fork);
    pid = (uint32_t)getpid();
    atomic_store_explicit(&cached_pid, pid, memory_order_relaxed); /* relaxed: as above */
  }
  return pid;
}

/* ---- dead putters (the top: "Dead putters") --------------------------------------------- */

/* Finding this handle's claim word of a reservation: the record at ring offset `off` taking
 * `rec` bytes (the claim's extent minus a wrap's PAD). */
struct own_rec {
  uint64_t off, rec;
  const struct ringq__bgeom *g;
};

static int
match_own(uint64_t c, void *ctx)
{
  const struct own_rec *o = ctx;
  uint64_t e = (c >> 35) << 3, v = (((c >> 3) & 0xffffffffu) << 3) & o->g->mask;
  if (!(c & 1u) || e == 0 || e > o->g->size)
    return 0;
  if (v + e > o->g->size) /* wrapped: a PAD to the end, the record at offset 0 */
    return o->off == 0 && e - (o->g->size - v) == o->rec;
  return o->off == v && e == o->rec;
}

static _Atomic(uint64_t) *
own_word(struct ringq_queue *q, const struct ringq__bhdr *hdr, uint64_t reserved)
{
  struct own_rec o;
  o.off = (uint64_t)((const unsigned char *)hdr - ringq__bytes_data(bytes_of(q)));
  o.rec = ringq__bytes_rec(reserved);
  o.g = geom_of(q);
  return ringq__peers_find_own(q, match_own, &o);
}

ptrdiff_t
ringq__bytes_push_q(struct ringq_queue *q, const void *opv, int closable)
{
  const struct ringq__bytes_put *op = opv;
  struct ringq__bytes *b = bytes_of(q);
  _Atomic(uint64_t) *cw = NULL;
  ptrdiff_t k;
  if (q->peer == 0)
    return ringq__bytes_push(b, geom_of(q), op, closable, ringq__bytes_claimant(q), NULL, 0);
  if (op->rec == NULL) {
    /* A word that claims nothing until [BK1]; none free: every word holds an open reservation
     * of this handle: no room for the moment (the blocking layer tries again). */
    if ((cw = ringq__peers_claim_any(q, 1u)) == NULL)
      return 0;
  } else {
    struct ringq__bhdr *hdr = NULL;
    uint64_t reserved = 0;
    if (ringq__bytes_own(b, geom_of(q), op->rec, &hdr, &reserved) == RINGQ_OK)
      cw = own_word(q, hdr, reserved); /* NULL: none (a fork child sharing the entry cleared
                                           nothing; the COUNTING CAS still decides) */
  }
  k = ringq__bytes_push(b, geom_of(q), op, closable, ringq__bytes_claimant(q), cw, 1);
  /* [BK2]'s clear, release: after the COUNTING CAS and the commit (or the PAD of a refused one);
   * a commit refused as a misuse (EINVAL) leaves its reservation, and its claim, open. */
  if (cw != NULL && (op->rec == NULL || k != RINGQ_EINVAL))
    ringq__peers_unclaim(cw);
  return k;
}

int
ringq__bytes_claim_pending(struct ringq_queue *q, uint64_t c)
{
  /* acquire; pairs with the consumer's [F2]: the bytes below rpos are consumed. */
  uint64_t r = atomic_load_explicit(&bytes_of(q)->rpos, memory_order_acquire);
  uint64_t e8 = c >> 35, d8 = ((r >> 3) - ((c >> 3) & 0xffffffffu)) & 0xffffffffu;
  if (!(c & 1u) || e8 == 0)
    return 0; /* claims nothing */
  /* Pending while the claim starts after rpos (d8 "negative") or rpos is inside it. */
  return d8 >= ((uint64_t)1 << 31) || d8 < e8;
}

/* BR2's view of the words covering pos: the end they claim up to (when they all agree). */
struct cover {
  uint64_t pos, end;
  int seen, disagree;
};

static int
match_cover(uint64_t c, void *ctx)
{
  struct cover *cv = ctx;
  uint64_t left = ringq__bclaim_left(c, cv->pos);
  if (left == 0)
    return 0;
  if (cv->seen && cv->end != cv->pos + left)
    cv->disagree = 1;
  cv->end = cv->pos + left;
  cv->seen = 1;
  return 1;
}

/* BR4: whether the record at pos (rec bytes, its header BUSY|COUNTING, its putter dead) was
 * counted in tail: 1 yes, 0 no, -1 cannot tell now (tail moved, or another record in the way is
 * being written or committed: look again later). The consumer only. */
static int
counted_at(struct ringq__bytes *b, const struct ringq__bgeom *g, uint64_t pos, uint64_t rec)
{
  /* relaxed: the consumer's own word. */
  uint64_t h = atomic_load_explicit(&b->head, memory_order_relaxed), t1, t2, w, p, c = 0, n;
  /* BR4 seq_cst (acquire): every [P2] before it is seen with its COUNTING CAS. */
  t1 = atomic_load_explicit(&b->tail, memory_order_seq_cst) & ~RINGQ__CLOSED;
  /* acquire, after t1: covers every record counted in t1 (its [R3] precedes its [P2]). */
  w = atomic_load_explicit(&b->wpos, memory_order_acquire);
  if (w - pos > g->size || w - pos < rec)
    return -1;
  for (p = pos + rec, n = 0; p != w && n <= g->size / RINGQ__BYTES_HDR; n++) {
    /* [C2] acquire; pairs with [P1] / [P3] / the COUNTING CAS. */
    uint32_t v = atomic_load_explicit(&ringq__bytes_hdr(b, g, p)->word, memory_order_acquire);
    uint64_t k = v & RINGQ__BYTES_LEN;
    if (w - p < RINGQ__BYTES_HDR || w - p > g->size)
      return -1;
    switch (v & RINGQ__BYTES_STATE) {
    case RINGQ__BYTES_PAD:
      break;
    case RINGQ__BYTES_COMMITTED:
      c++;
      k = ringq__bytes_rec(k);
      break;
    case RINGQ__BYTES_BUSY:
      if (v & RINGQ__BYTES_COUNTING)
        return -1; /* another commit under way: its count is unknown */
      k = ringq__bytes_rec(k); /* not counted: its COUNTING CAS comes first */
      break;
    default:
      return -1; /* claimed, not written: its extent is unknown */
    }
    if (k < RINGQ__BYTES_HDR || (k & 7) != 0 || k > w - p || (p & g->mask) + k > g->size)
      return -1;
    p += k;
  }
  /* BR4 seq_cst: tail unchanged, so no [P2] happened between t1 and here. */
  t2 = atomic_load_explicit(&b->tail, memory_order_seq_cst) & ~RINGQ__CLOSED;
  if (p != w || t2 != t1 || (int64_t)(t1 - h) < 0)
    return -1;
  if ((t1 - h) / RINGQ__STEP == c + 1)
    return 1;
  return (t1 - h) / RINGQ__STEP == c ? 0 : -1;
}

int
ringq__bytes_unstick(struct ringq_queue *q)
{
  struct ringq__bytes *b = bytes_of(q);
  const struct ringq__bgeom *g = geom_of(q);
  struct ringq__bhdr *hdr;
  struct cover cv;
  uint64_t pos = 0, w, off, n;
  uint32_t word = 0, pad = 0;
  int dead = 0, lost = 1;
  /* BR0 acquire; pairs with an abort's or a nudge's [A4]: one since the last look makes this
   * look at once (a nudging putter saw the record stuck, and only dead claims on it). */
  uint64_t a = atomic_load_explicit(&b->aborts, memory_order_acquire);
  /* relaxed: this handle's view, the consumer's. */
  int nudged = a != atomic_exchange_explicit(&q->bytes_aborts_view, a, memory_order_relaxed);
  if (q->peer == 0 || !ringq__bytes_stuck(b, g, &pos, &word) ||
      (!nudged && !ringq__peers_stuck(q, pos)))
    return 0;
  /* BR1 seq_cst; pairs with the [R3] that claimed pos (see the top). */
  w = atomic_load_explicit(&b->wpos, memory_order_seq_cst);
  if (w - pos < RINGQ__BYTES_HDR || w - pos > g->size)
    return 0;
  memset(&cv, 0, sizeof cv);
  cv.pos = pos;
  /* BR2: only dead participants claim pos. */
  if (ringq__peers_scan(q, 3u, match_cover, &cv, &dead) != 0 || !dead)
    return 0;
  hdr = ringq__bytes_hdr(b, g, pos);
  off = pos & g->mask;
  /* BR3 acquire: a putter that cleared its word ([BK2], release) wrote its header first. */
  word = atomic_load_explicit(&hdr->word, memory_order_acquire);
  if (word == 0) {
    /* Claimed, never written: a PAD of the claimed bytes, split at the end of the ring (the
     * first piece is the wrap's PAD, not the record: counted when the record's piece is). */
    n = cv.end - pos;
    if (cv.disagree || n < RINGQ__BYTES_HDR || (n & 7) != 0 || n > w - pos)
      return 0;
    if (off + n > g->size) {
      n = g->size - off;
      lost = 0;
    }
  } else if ((word & RINGQ__BYTES_STATE) == RINGQ__BYTES_BUSY &&
             (word & RINGQ__BYTES_LEN) <= g->max_len) {
    n = ringq__bytes_rec(word & RINGQ__BYTES_LEN); /* no COUNTING bit: that length is larger */
    if (off + n > g->size || n > w - pos)
      return 0;
  } else if ((word & RINGQ__BYTES_STATE) == RINGQ__BYTES_BUSY &&
             (word & RINGQ__BYTES_COUNTING) != 0 &&
             (word & RINGQ__BYTES_LEN & ~RINGQ__BYTES_COUNTING) <= g->max_len) {
    /* BR4: the putter died committing; whether it counted ([P2]) is read from a snapshot. */
    uint64_t len = word & RINGQ__BYTES_LEN & ~RINGQ__BYTES_COUNTING;
    int counted = counted_at(b, g, pos, ringq__bytes_rec(len));
    n = cv.end - pos;
    if (counted < 0 || cv.disagree || (n & 7) != 0 || n < ringq__bytes_rec(len) ||
        off + n > g->size || n > w - pos)
      return 0;
    if (counted) {
      n = 0;
      lost = 0;
      pad = RINGQ__BYTES_COMMITTED | (uint32_t)len; /* accepted: delivered, not lost */
    }
  } else {
    return 0; /* committed or padded meanwhile */
  }
  if (n != 0)
    pad = RINGQ__BYTES_PAD | (uint32_t)n;
  /* BR3 seq_cst CAS; the one decision against the putter's COUNTING CAS ([BK2], same word) and
   * any other resolver; pairs with the consumer's [C2] (acquire) that reads the PAD. */
  if (!atomic_compare_exchange_strong_explicit(&hdr->word, &word, pad, memory_order_seq_cst,
                                               memory_order_relaxed))
    return 0;
  if (lost)
    /* relaxed: a statistic. Not a task: the reservation was never counted ([P2]). */
    atomic_fetch_add_explicit(&ringq__sh(q)->stat_lost, 1, memory_order_relaxed);
  if (lost || n == 0) {
    cv.seen = 0;
    ringq__peers_clear_dead(q, 3u, match_cover, &cv);
  }
  return 1;
}

/* A putter that finds no room (BRn): once the record at rpos has been stuck for STUCK_NS in its
 * view, and only dead participants claim it, it wakes the consumer to resolve it (a getter asleep
 * on an empty queue would not look): an increment of `aborts` ([A4], seq_cst: the getters' [W2]
 * compares it with aborts_seen) and a notification. Reads only: the consumer decides (BR1..). */
static void
nudge_consumer(struct ringq_queue *q)
{
  struct ringq__bytes *b = bytes_of(q);
  struct cover cv;
  uint64_t pos = 0;
  uint32_t word = 0;
  int dead = 0;
  if (q->peer == 0 || !ringq__bytes_stuck(b, geom_of(q), &pos, &word) ||
      !ringq__peers_stuck_put(q, pos))
    return;
  memset(&cv, 0, sizeof cv);
  cv.pos = pos;
  if (ringq__peers_scan(q, 3u, match_cover, &cv, &dead) || !dead)
    return;
  /* [A4] seq_cst, as an abort's: the getters' [N1]. */
  atomic_fetch_add_explicit(&b->aborts, 1, memory_order_seq_cst);
  ringq__notify(q, &ringq__sh(q)->not_empty);
}

/* queue.c's closing(): a shutdown has begun (relaxed, as there). */
static int
closing(struct ringq_queue *q)
{
  return (atomic_load_explicit(&ringq__sh(q)->state, memory_order_relaxed) & STATE_CLOSING) != 0;
}

/* ---- put ------------------------------------------------------------------------------------ */

static enum ringq_status
attempt_put(struct ringq_queue *q, void *op, int64_t deadline)
{
  ptrdiff_t k = ringq__bytes_give(q, op); /* reserve, copy, [P2] = [N1], [P3] */
  (void)deadline;
  if (k == 1) {
    ringq__notify(q, &ringq__sh(q)->not_empty); /* [N2]..[N4] for the getter */
    return RINGQ_OK;
  }
  if (k == 0)
    nudge_consumer(q); /* a dead putter's record may hold the room */
  return k == 0 ? RINGQ_FULL : (enum ringq_status)k;
}

static enum ringq_status
put_until(struct ringq_queue *q, const void *buf, size_t len, int64_t deadline)
{
  struct ringq__bytes_put op;
  enum ringq_status st;
  if (q == NULL || !q->bytes || (buf == NULL && len > 0))
    return RINGQ_EINVAL;
  if (len > geom_of(q)->max_len)
    return RINGQ_EMSGSIZE;
  op.buf = buf;
  op.len = len;
  op.rec = NULL;
  put_need = ringq__bytes_rec(len);
  st = ringq__block_until(q, &op, deadline, attempt_put, &ringq__sh(q)->not_full,
                          ringq__put_may_proceed, RINGQ_FULL);
  put_need = 0;
  return st;
}

enum ringq_status
ringq_queue_put_bytes(struct ringq_queue *q, const void *buf, size_t len)
{
  return put_until(q, buf, len, RINGQ__FOREVER);
}

enum ringq_status
ringq_queue_put_bytes_nowait(struct ringq_queue *q, const void *buf, size_t len)
{
  return put_until(q, buf, len, NOWAIT);
}

enum ringq_status
ringq_queue_put_bytes_timeout(struct ringq_queue *q, const void *buf, size_t len,
                              int64_t timeout_ns)
{
  if (timeout_ns < 0)
    return RINGQ_EINVAL;
  return put_until(q, buf, len, ringq__deadline_after(timeout_ns));
}

enum ringq_status
ringq_queue_put_bytes_until(struct ringq_queue *q, const void *buf, size_t len,
                            const struct timespec *deadline)
{
  int64_t d;
  enum ringq_status st = ringq__deadline_at(deadline, &d);
  return st != RINGQ_OK ? st : put_until(q, buf, len, d);
}

/* ---- get ------------------------------------------------------------------------------------ */

static enum ringq_status
attempt_get(struct ringq_queue *q, void *op, int64_t deadline)
{
  struct ringq__bytes_get *g = op;
  ptrdiff_t k = ringq__bytes_take(q, g); /* [G1], [C1] [C2], copy, [F2] = [N1], [G2] */
  (void)deadline;
  if (k == 1) {
    if (!g->peek) /* a peek frees no room until its release */
      ringq__notify_all(q, &ringq__sh(q)->not_full); /* [N2]..[N4] for putters */
    return RINGQ_OK;
  }
  if (k == 2) { /* no message, but PADs freed */
    ringq__notify_all(q, &ringq__sh(q)->not_full);
    return RINGQ_EMPTY;
  }
  return k == 0 ? RINGQ_EMPTY : (enum ringq_status)k;
}

/* (A peek still open makes a get or another peek RINGQ_EINVAL: ringq__bytes_pop checks it in
 * the get_busy window, where an immediate shutdown's discarder cannot be writing it.) */
static enum ringq_status
take_until(struct ringq_queue *q, struct ringq__bytes_get *g, int64_t deadline)
{
  return ringq__block_until(q, g, deadline, attempt_get, &ringq__sh(q)->not_empty,
                            ringq__get_may_proceed, RINGQ_EMPTY);
}

static enum ringq_status
get_until(struct ringq_queue *q, void *buf, size_t cap, size_t *len, int64_t deadline)
{
  struct ringq__bytes_get g;
  enum ringq_status st;
  if (q == NULL || !q->bytes || len == NULL || (buf == NULL && cap > 0))
    return RINGQ_EINVAL;
  g.buf = buf;
  g.cap = cap;
  g.len = 0;
  g.view = NULL;
  g.peek = 0;
  st = take_until(q, &g, deadline);
  if (st == RINGQ_OK || st == RINGQ_EMSGSIZE)
    *len = g.len;
  return st;
}

enum ringq_status
ringq_queue_get_bytes(struct ringq_queue *q, void *buf, size_t cap, size_t *len)
{
  return get_until(q, buf, cap, len, RINGQ__FOREVER);
}

enum ringq_status
ringq_queue_get_bytes_nowait(struct ringq_queue *q, void *buf, size_t cap, size_t *len)
{
  return get_until(q, buf, cap, len, NOWAIT);
}

enum ringq_status
ringq_queue_get_bytes_timeout(struct ringq_queue *q, void *buf, size_t cap, size_t *len,
                              int64_t timeout_ns)
{
  if (timeout_ns < 0)
    return RINGQ_EINVAL;
  return get_until(q, buf, cap, len, ringq__deadline_after(timeout_ns));
}

enum ringq_status
ringq_queue_get_bytes_until(struct ringq_queue *q, void *buf, size_t cap, size_t *len,
                            const struct timespec *deadline)
{
  int64_t d;
  enum ringq_status st = ringq__deadline_at(deadline, &d);
  return st != RINGQ_OK ? st : get_until(q, buf, cap, len, d);
}

/* ---- zero copy: reserve / commit / abort ---------------------------------------------------- */

struct reservation {
  uint64_t n;
  unsigned char *data;
};

static enum ringq_status
attempt_reserve(struct ringq_queue *q, void *op, int64_t deadline)
{
  struct reservation *r = op;
  _Atomic(uint64_t) *cw = NULL;
  enum ringq_status st;
  (void)deadline;
  if (closing(q))
    return RINGQ_SHUTDOWN;
  /* A claim word for the reservation's life ("Dead putters"): none free, no room for now. */
  if (q->peer != 0 && (cw = ringq__peers_claim_any(q, 1u)) == NULL)
    return RINGQ_FULL;
  /* [BK1], [R1]..[R3], [P1]; nothing is published: no notification. */
  st = ringq__bytes_reserve(bytes_of(q), geom_of(q), r->n, ringq__bytes_claimant(q), cw, &r->data);
  if (st != RINGQ_OK && cw != NULL)
    ringq__peers_unclaim(cw);
  if (st == RINGQ_FULL)
    nudge_consumer(q); /* a dead putter's record may hold the room */
  return st;
}

enum ringq_status
ringq_queue_reserve_bytes(struct ringq_queue *q, size_t n, void **ptr, int64_t timeout_ns)
{
  struct reservation r;
  enum ringq_status st;
  if (q == NULL || !q->bytes || ptr == NULL || timeout_ns < 0)
    return RINGQ_EINVAL;
  if (n > geom_of(q)->max_len)
    return RINGQ_EMSGSIZE;
  r.n = n;
  r.data = NULL;
  put_need = ringq__bytes_rec(n);
  st = ringq__block_until(q, &r, ringq__deadline_after(timeout_ns), attempt_reserve,
                          &ringq__sh(q)->not_full, ringq__put_may_proceed, RINGQ_FULL);
  put_need = 0;
  if (st == RINGQ_OK)
    *ptr = r.data;
  return st;
}

enum ringq_status
ringq_queue_commit_bytes(struct ringq_queue *q, void *ptr, size_t len)
{
  struct ringq__bytes_put op;
  struct ringq__bhdr *hdr = NULL;
  uint64_t reserved = 0;
  ptrdiff_t k;
  if (q == NULL || !q->bytes || ringq__bytes_own(bytes_of(q), geom_of(q), ptr, &hdr, &reserved) != RINGQ_OK ||
      len > reserved)
    return RINGQ_EINVAL;
  op.buf = NULL;
  op.len = len;
  op.rec = ptr;
  k = ringq__bytes_give(q, &op); /* [P2] = [N1], [P3] */
  if (k == 1) {
    ringq__notify(q, &ringq__sh(q)->not_empty); /* [N2]..[N4] for the getter */
    return RINGQ_OK;
  }
  /* Refused (the asymmetric put path stops at CLOSING before the ring sees the commit): the
   * reservation must not stay BUSY. */
  if (k == RINGQ_SHUTDOWN && ringq__bytes_own(bytes_of(q), geom_of(q), ptr, &hdr, &reserved) == RINGQ_OK)
    ringq__bytes_pad(hdr, reserved);
  return (enum ringq_status)k;
}

enum ringq_status
ringq_queue_abort_bytes(struct ringq_queue *q, void *ptr)
{
  struct ringq__bhdr *hdr = NULL;
  uint64_t reserved = 0;
  if (q == NULL || !q->bytes || ringq__bytes_own(bytes_of(q), geom_of(q), ptr, &hdr, &reserved) != RINGQ_OK)
    return RINGQ_EINVAL;
  ringq__bytes_pad(hdr, reserved); /* [P3] release: the getter skips it */
  if (q->peer != 0) {
    _Atomic(uint64_t) *cw = own_word(q, hdr, reserved);
    if (cw != NULL)
      ringq__peers_unclaim(cw); /* [BK2]'s clear, release: after the PAD */
  }
  /* [A4] seq_cst; the blocking layer's [N1] for a getter that frees PADs (its [W2] compares
   * aborts with aborts_seen); release for [A5]: the PAD is written. */
  atomic_fetch_add_explicit(&bytes_of(q)->aborts, 1, memory_order_seq_cst);
  ringq__notify(q, &ringq__sh(q)->not_empty); /* [N2]..[N4]: its room is freed by the getter */
  return RINGQ_OK;
}

/* ---- zero copy: peek / release -------------------------------------------------------------- */

enum ringq_status
ringq_queue_peek_bytes(struct ringq_queue *q, const void **ptr, size_t *len, int64_t timeout_ns)
{
  struct ringq__bytes_get g;
  enum ringq_status st;
  if (q == NULL || !q->bytes || ptr == NULL || len == NULL || timeout_ns < 0)
    return RINGQ_EINVAL;
  g.buf = NULL;
  g.cap = 0;
  g.len = 0;
  g.view = NULL;
  g.peek = 1;
  st = take_until(q, &g, ringq__deadline_after(timeout_ns));
  if (st == RINGQ_OK) {
    *ptr = g.view;
    *len = g.len;
  }
  return st;
}

enum ringq_status
ringq_queue_release_bytes(struct ringq_queue *q)
{
  struct ringq__bytes *b;
  uint64_t end, pos;
  if (q == NULL || !q->bytes || q->bytes_peek_end == 0)
    return RINGQ_EINVAL;
  b = bytes_of(q);
  end = q->bytes_peek_end & ~(uint64_t)1;
  q->bytes_peek_end = 0;
  /* relaxed: rpos moves only by this getter, or by a discarder that waits out our get_busy.
   * rpos is in the mapping: if another process moved it since the peek, `end` is no longer a
   * record boundary within a ring past rpos, and the release frees nothing. */
  pos = atomic_load_explicit(&b->rpos, memory_order_relaxed);
  if ((end & 7) != 0 || end - pos < RINGQ__BYTES_HDR || end - pos > geom_of(q)->size) {
    /* [G2] release, as below: the get is over (failed). */
    atomic_store_explicit(&ringq__sh(q)->get_busy, 0, memory_order_release);
    return RINGQ_ECORRUPT;
  }
  /* [F2]: release in the asymmetric variant, else seq_cst ([N1] for NOT_FULL). */
  ringq__bytes_consume(b, geom_of(q), end,
                       ringq__uses_asym(q) ? memory_order_release : memory_order_seq_cst);
  /* [G2] release; pairs with shutdown's [G3]: the get that the peek began is complete. */
  atomic_store_explicit(&ringq__sh(q)->get_busy, 0, memory_order_release);
  ringq__notify_all(q, &ringq__sh(q)->not_full); /* [N2]..[N4] for putters */
  return RINGQ_OK;
}

/* ---- sizes ---------------------------------------------------------------------------------- */

size_t
ringq_queue_bytes_used(struct ringq_queue *q)
{
  if (q == NULL || !q->bytes)
    return 0;
  return ringq__bytes_used(bytes_of(q), geom_of(q));
}

size_t
ringq_queue_bytes_max(const struct ringq_queue *q)
{
  if (q == NULL || !q->bytes)
    return 0;
  return (size_t)geom_of(q)->max_len;
}
