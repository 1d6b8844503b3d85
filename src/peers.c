/* SPDX-License-Identifier: MIT */
/* src/peers.c: survival of dead peers in queues made or attached by src/shm.c: a participant
 * table in the mapping, liveness by open-file-description locks, claims recorded around the MPMC
 * ring's claim-to-publish windows, and the skipping of claims whose process died.
 *
 * What can die, and what it leaves behind
 * =======================================
 * A process killed (SIGKILL) at any instruction while it uses a shared queue can leave:
 *   (a) an MPMC put claimed (tail moved past ticket t) and not published: every getter stops at t,
 *       and one lap later every putter too: the queue is wedged for good;
 *   (b) an MPMC get claimed (head moved past t) and not released: the putter of t + lap waits
 *       for ever, and so does everything behind it; once no putter comes (the queue is closed,
 *       or the producers are done), join waits for ever ([D4], [D5]);
 *   (c) an SPSC get_busy word raised: an immediate shutdown waits for it ([G3] in queue.c);
 *   (d) waiter counts: `blocked` (ringq_queue_fini says EBUSY) and the sleepers of a waitq word.
 *   (e) a byte queue's reservation (src/bytes.c) never committed: the getter stops at it.
 *   (f) a shutdown begun (CLOSING) and not finished: no closed mark, no final bits, no wake-up of
 *       the waiters, and for an immediate one the items not yet discarded (join waits for them).
 * This file removes (a), (b) and (c) and makes (d) harmless; (f) is below ("Dead shutdown
 * callers"); (e) is src/bytes.c's ("Dead
 * putters"), with this file's table, liveness, scans and claim words (ringq__peers_scan,
 * ringq__peers_claim_any ...). It does nothing for queues made with
 * ringq_queue_init in memory the caller shares (there is no table there): dead-peer survival
 * needs the shm API.
 *
 * The table (struct ringq__peers, src/peers.h) sits in the mapping between the shared words and
 * the ring. Each handle (one attach) owns one of RINGQ__PEERS entries for as long as it is open.
 *
 * Liveness without pids
 * ---------------------
 * Entry i is owned by whoever holds an OFD write lock (fcntl F_OFD_SETLK) on byte lock_base + i of
 * the queue's file, lock_base being the mapping's size (a lock past the end of a file is allowed
 * and changes nothing in it). The kernel drops the lock when the last descriptor of that open
 * file description closes, i.e. when the owner closes the queue or dies, however it dies. A
 * survivor asks with F_OFD_GETLK: a conflicting lock means a live owner. No pid is involved, so
 * pid reuse and pid namespaces cannot fool it. A process's own entry is never asked about (its
 * own lock never conflicts with itself): it is live.
 *   Caveat: the lock belongs to the open file description, not the process. A fork() child that
 * keeps using its parent's handle shares the parent's entry (a lane is taken by a CAS, so that is
 * safe), and that entry stays live while either of them lives. A descriptor received over
 * SCM_RIGHTS is the sender's description: ringq_queue_attach_fd therefore reopens it through
 * /proc/self/fd/N (a new description) before registering, and falls back to a dup (a shared
 * entry, as for a fork) only where /proc is missing. A child that must be told apart from its
 * parent opens the queue again (by name, or attach_fd).
 *
 * Claims
 * ------
 * An entry has RINGQ__LANES claim words per direction. Words 0 .. OWN_LANES - 1 belong to the
 * owner process's thread slots (a thread takes a slot once, and gives it back when it exits), so
 * a claim is a plain store; a thread without a slot takes one of the other words by a CAS from 0
 * for one operation. Then:
 *   put  [K1] stores claim(t, k) in the word (relaxed) before each attempt of the tail CAS [MP3]
 *             for tickets t .. t + k - 1 (the word is rewritten when the CAS fails and t moves);
 *        [MP3] CAS tail, seq_cst; copy; [MP4] publish each slot (release);
 *        [K2] store 0 in the word, release.
 *   get  the same around [MC3] (CAS head) and [MC4] (each slot handed to the next lap). A get
 *        that finds a hole at head (below) claims it the same way and releases it at once.
 * claim(t, k) keeps t's bits 1..47 and k (at most 0x7fff: longer bursts are split); a word claims
 * ticket x when (x - t) mod 2^48 < k * STEP. (A dead word's stale claim could alias a ticket 2^47
 * tickets later; that only matters when that ticket is also stuck with no live claimant, which
 * the argument below shows means its winner is dead anyway.)
 *
 * Deciding that a claim is orphaned (resolve_put, for a stuck ticket x of a getter)
 *   R1 x's slot holds seq == x (not published) and tail > x (loaded seq_cst, so acquire): someone
 *      won x;
 *   R2 scan every entry's put words (seq_cst loads, so acquire): a word of a live entry claims
 *      x -> wait;
 *      no word claims x -> wait (nothing to attribute the slot to);
 *   R3 else (only words of dead entries claim x): load seq(x) again; still x -> CAS it from x
 *      to x + HOLE; the one CAS that succeeds counts the item lost.
 * Why a live claimant is never mistaken for a dead one. Let W be the thread whose CAS [MP3] won x.
 * [K1] (W stores claim x) is sequenced before [MP3], a seq_cst read-modify-write and so a release;
 * R1's acquire load of tail read the value [MP3] wrote or a later one, and every later value of
 * tail is written by a read-modify-write (claims, the close's fetch-or), which continue [MP3]'s
 * release sequence. So [MP3] synchronizes with R1, [K1] happens before R1 and before R2, and by
 * write-read coherence R2 reads W's word as claim x or a later value of it. W writes the word
 * again only at [K2], after [MP4] published x, or later. If R2 read claim x and W is live,
 * R2 waits: a thread that is merely preempted, stopped or slow holds its process's lock and so is
 * live. If R2 read a later value, that value was stored with release after [MP4] and R2's load is
 * seq_cst (so acquire): R3's second load of seq(x) sees x + 1 (or later), the CAS fails and
 * nothing happens. So the CAS of R3 succeeds only if W is dead: its copy will never happen, and
 * no live thread will ever store seq(x) = x + 1 over the hole. Other words that claim x belong to
 * threads whose CAS failed (tail had passed x): a live one rewrites its word at its next attempt
 * (R2 just waits for it); a dead one changes nothing. A thread cannot win x without a word: every
 * participant registers before its first operation (attach fails when the table is full).
 * resolve_get (a putter stuck on ticket t, whose slot still holds ticket x = t - lap) is the
 * mirror: head > x, seq(x) == x + 1 (or x + HOLE: a hole claimed by a getter) and only dead get
 * words claim x -> CAS seq(x) to x + lap (the slot is free for t); when it was x + 1, the CAS
 * winner counts the item lost (the dead getter may have copied it, but nobody alive has it).
 * Several survivors may resolve the same ticket: the CAS on the slot's sequence lets exactly one
 * act and count.
 *
 * Holes. HOLE = 3: for the slot of ticket x the values x (free), x + 1 (full) and x + lap (next
 * lap) are the only others, and lap >= 4 (two slots at least), so x + 3 is unambiguous. A getter
 * at head h that reads seq(h) == h + HOLE claims h (K1, CAS head) and stores seq(h) = h + lap
 * (release, pairs with the next putter's [MP2]) without copying: the hole is consumed, and counts
 * as nothing got (it was counted lost, and as done for join, when it was made). A hole is only
 * consumed below tail (else the ring is corrupt), and a call consumes at most one lap of them.
 *
 * Takeover. A new attach locks the first entry whose byte is free. Its old owner is dead (or it
 * was never used); before the entry is reused, each of its nonzero words is resolved as above for
 * every ticket it claims (the new owner's lock makes the entry look dead to itself: the same
 * code). A word claiming tickets nobody won (tail not past them), or tickets already published,
 * released or resolved, is simply cleared. If a claim cannot be resolved yet (a live claimant of
 * the same ticket still moving on), the entry is unlocked and another is tried. Then `blocked`
 * is cleared: the dead owner's waiters are gone.
 *
 * Waiter counts (d). `blocked` is per entry; ringq_queue_fini sums the live entries' counts, so a
 * dead waiter never makes it say EBUSY. A dead thread counted as a sleeper of a waitq word stays
 * counted: the next notifier issues one wake for it (one futex system call for nobody), after
 * which the sleeper holds that token for good and [N2] finds the word covered again, so it costs
 * nothing more and hangs nothing (queue.c's invariant T <= |R| holds with the dead thread as a
 * runner that never leaves). At most 32767 such sleepers per condition (SLEEPERS_MAX).
 *
 * Dead shutdown callers (f)
 * -------------------------
 * Every step of ringq_queue_shutdown but one is idempotent: fetch-ors of bits that are only ever
 * set (state, the closed mark), waits for busy words (bounded, and dead-aware), wakes. So anyone
 * may run it again, beside a live caller or after a dead one, and the queue ends as one complete
 * shutdown leaves it. The one exception is the discarding of an immediate shutdown: the
 * discarder is the ring's consumer (SPSC, byte queues: there must be one at a time), so it is a
 * role, held in the shared word `discarder`:
 *   [D1] an immediate shutdown of a queue with a table takes the role before it sets DISCARD:
 *        a CAS (seq_cst) of the word from 0, or from the tag of an entry found dead, to its own
 *        tag. One word, one modification order: at most one participant holds the role at any
 *        instant, and a dead holder runs no more instructions (its lock is gone because it is
 *        dead, or it closed the queue after it finished), so the new holder never discards
 *        beside it. A participant that finds its own tag there does not take it (another thread
 *        of its own process holds it: live), nor does one that finds a value that is no tag.
 *   [D2] a takeover of a dead entry's lock (attach) frees the role if that entry held it (CAS
 *        from its tag to 0): the new owner of the tag must not inherit a role it never took.
 *   [D3] who runs it again: a waiter of a process-shared queue (a blocked put, get or join; each
 *        sleep is capped by MAX_SLEEP_NS) that has found the state begun and not complete
 *        (CLOSING without SHUTDOWN, or DISCARD without IMMEDIATE) for SHARED_PEER_WAIT_NS, and
 *        an immediate shutdown that waited that long for the discarder's IMMEDIATE: each calls
 *        shutdown again (immediate when DISCARD is set), which takes the role only if its holder
 *        is dead.
 *   [D4] a claim no putter will ever need: a getter killed between its claim [MC3] and its
 *        release [MC4] is resolved by the putter of x + lap (resolve_get, above), but once the
 *        queue is closed no putter comes, and a get or discard that found the ring drained
 *        returned SHUTDOWN with the item neither delivered nor counted (join one task short for
 *        good). So ringq__peers_get, when it finds the queue closed and drained at head h
 *        (ringq__mpmc_empty_status: [MC5], an acquire load of tail that pairs with the close's
 *        seq_cst fetch-or [X1], reads tail closed and equal to h), sweeps the slots of tickets
 *        h - lap .. h - STEP (sweep_closed): an acquire load of each slot's sequence (pairs with
 *        [MC4] and with a resolver's CAS) skips what was released; a slot reading x + 1 or
 *        x + HOLE goes to resolve_get(x), unchanged, so the argument above holds as it is: [R1]'s
 *        seq_cst load of head (head > x: x was claimed) synchronizes with the claimant's [MC3],
 *        [R2]'s seq_cst scan then sees its [K1] or its [K2], a live claimant (even a stopped
 *        one) is waited for, and only a claim held by dead entries alone is released by [R3]'s
 *        seq_cst CAS of the sequence, whose one winner counts the item lost (ringq__count_lost:
 *        stat_lost, and done by a seq_cst CAS clamped at tail, [N1] for ALL_DONE, then [N2] for
 *        the joiners). Why that lap is enough: tail == h, and for any x < h - lap the ticket
 *        x + lap < tail was claimed by a putter whose [MP2] (acquire) read the slot released by
 *        x's getter or a resolver. Why it ends: tail is closed and final and head == tail, so no
 *        claim can be made in that lap any more; each slot is released at most once (a CAS from
 *        x + 1 or x + HOLE to x + lap, by its getter or one resolver). Concurrent sweepers, a
 *        dead getter's takeover (resolve_word) and the claimant's own [MC4] meet on that CAS:
 *        exactly one acts. A slot found busy (a live getter) is looked at again by the next get
 *        or discard; once a sweep finds none busy, the handle remembers the closed tail
 *        (swept_closed, relaxed: a heuristic of this handle) and later calls skip the sweep.
 *        Cost: the slot count of loads, on a get or discard of a closed, drained queue only.
 *        The discarder's last discard_one always ends this way (unless it gave up on a live
 *        putter after SHARED_PEER_WAIT_NS), so an immediate shutdown leaves no claim behind; a
 *        plain one relies on a get after the drain, or on a joiner ([D5]).
 *   [D5] the same claim with no shutdown at all: the producers are done, no putter will ever
 *        need the lap below head, and a joiner waits for a task nobody can do. The item was lost
 *        inside the claim, which is ringq's own accounting (a getter that dies after its get and
 *        before its task_done is the caller's: join waits for it, as Python's would). So
 *        join_until (queue.c), for an MPMC queue with a table, once `done` has not moved for
 *        SHARED_PEER_WAIT_NS (its sleeps end then to look again), calls ringq__peers_sweep_gets:
 *        the loop of [D4] (sweep_lap) over tickets h - lap .. h - STEP, h the current head.
 *        Ordering: h is an acquire load of head; head is written only by the getters' [MC3]
 *        (seq_cst CASes after its initialization: one release sequence), so the load
 *        synchronizes with the [MC3] of every getter that claimed a ticket x < h, and that
 *        getter's [MC2], which read seq(x) == x + 1 (or x + HOLE) before its [MC3], happens
 *        before the sweep's acquire load of seq(x): by read-read coherence that load reads
 *        x + 1 / x + HOLE or a later value, so a claim still open is never missed. A later
 *        value is skipped: before shutdown a slot released by a live getter moves on (x + lap,
 *        then the next lap's x + lap + 1, x + 2 lap ...), and x + 1 and x + HOLE name ticket x
 *        alone (a slot's sequence only grows; no value comes back). What is done with an open
 *        claim is resolve_get's decision, unchanged ([R1]..[R3] above): a live claimant, even a
 *        stopped one, is waited for (its lock), and only a claim held by dead entries alone is
 *        released, by the seq_cst CAS whose one winner counts the item lost and done. A putter
 *        of x + lap resolving x, a takeover, a closed-queue sweep, another joiner, and the
 *        claimant's own [MC4] all meet on that CAS: exactly one acts. Why that lap is enough:
 *        for x < h - lap, ticket x + lap < h was claimed by a getter whose [MC2] read it
 *        published or a hole, made from seq == x + lap: x's slot was released. Cost: nothing
 *        while tasks complete (ALL_DONE wakes the joiner; a sleep ended by the
 *        SHARED_PEER_WAIT_NS bound costs a relaxed load of done); while done stalls, one sweep
 *        per SHARED_PEER_WAIT_NS (the slot count of loads, a table scan only for a slot claimed
 *        and not released), and none at all while head stays where a sweep found no claim open
 *        (the caller's *clean: a new claim moves head). Bounded: one lap, one resolve_get each.
 * What a dead discarder can leave: SPSC and byte queues: an item viewed and not released (the
 * next holder discards it and counts it: it was not counted), or released and not counted (join
 * then waits for one task too many, as it does when a getter dies before its task_done); MPMC:
 * its claim, resolved as any getter's (a dead getter's claim is counted lost, and done). A
 * closed mark that a dead SPSC shutdown left unset is set by the next run after the put_busy
 * handshake [A4]: a process-shared queue runs the symmetric protocol, whose [G1]-style
 * store-buffering pair holds for any shutdown caller whose seq_cst load saw CLOSING, the first or
 * a later one.
 *
 * Costs. Nothing for private queues (the table pointer is 0 and the mpmc.h fast path runs). A
 * shared MPMC put or get: two plain stores (the claim, then 0 with release) on a line only its own
 * process writes, and a thread-local read; a thread without a slot adds a CAS on that line
 * (bench: "--process", and bench/RESULTS.md). Scans and fcntl calls happen only when a
 * ticket stayed stuck for STUCK_NS, and on attach.
 *
 * Trust. Every word of the table is writable by any participant. A claim's count is validated
 * (at most 0x7fff, at most one lap); scans are bounded by RINGQ__PEERS * RINGQ__LANES; a hostile
 * value can make a survivor wait (bounded by its deadline) or skip a slot a hostile peer claimed,
 * never read or write outside the mapping. A hostile peer could also keep every claim word of an
 * entry busy: a thread that finds no free word for LANE_WAIT_NS returns RINGQ_ECORRUPT.
 */
#define _GNU_SOURCE /* F_OFD_SETLK, F_OFD_GETLK */
#include "peers.h"
#include "wait.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#define HOLE RINGQ__HOLE
#define CLAIM_TICKET_MASK RINGQ__CLAIM_TICKET_MASK
#define CLAIM_MAX ((uint64_t)0x7fff)
/* How long a ticket stays stuck in a handle's view before the table is scanned for it. */
#define STUCK_NS 5000000LL
/* How long a thread waits for a free claim word of its own entry before ECORRUPT. */
#define LANE_WAIT_NS 2000000000LL
/* How long an attach looks for a free entry. */
#define REGISTER_WAIT_NS 2000000000LL
#define REGISTER_NAP_NS 1000000LL

enum { PUT = RINGQ__PEER_PUT, GET = RINGQ__PEER_GET };
enum resolve { R_DONE, R_BUSY, R_RESOLVED };

static inline struct ringq_mpmc *
ring(const struct ringq_queue *q)
{
  return (struct ringq_mpmc *)((uintptr_t)q + (uintptr_t)q->ring_offset);
}

#define lanes ringq__peer_lanes
#define claim_of ringq__claim_of

/* Claim word c claims ticket x (validated: a count outside 1..CLAIM_MAX claims nothing). */
static inline int
claims(uint64_t c, uint64_t x)
{
  uint64_t k = (c >> 48) & CLAIM_MAX;
  if (!(c & 1u) || k == 0)
    return 0;
  return ((x - (c & ~(uint64_t)1)) & CLAIM_TICKET_MASK) < k * RINGQ__STEP;
}

/* ---- liveness ----------------------------------------------------------------------------- */

static int
lock_byte(const struct ringq_queue *q, uint32_t i, short type, int cmd)
{
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = (off_t)(q->lock_base + i);
  fl.l_len = 1;
  fl.l_pid = 0; /* required by the OFD commands */
  if (fcntl(q->map_fd, cmd, &fl) != 0)
    return -1;
  return fl.l_type;
}

/* The owner of entry i holds its lock. Our own entry is live; on a failed query, say live (a live
 * owner must never be taken for dead). */
static int
alive(const struct ringq_queue *q, uint32_t i)
{
  int t;
  if (i + 1 == q->peer)
    return 1;
  t = lock_byte(q, i, F_WRLCK, F_OFD_GETLK);
  return t != F_UNLCK;
}

int
ringq__peers_tag_dead(struct ringq_queue *q, uint32_t tag)
{
  if (q->peer == 0 || tag == 0 || tag > RINGQ__PEERS || tag == q->peer)
    return 0;
  return !alive(q, tag - 1);
}

int
ringq__peers_take_discard(struct ringq_queue *q)
{
  _Atomic(uint32_t) *w = &ringq__sh(q)->discarder;
  int tries;
  /* relaxed: the CAS below validates it. */
  uint32_t cur = atomic_load_explicit(w, memory_order_relaxed);
  /* Bounded: a hostile peer may keep changing the word. */
  for (tries = 0; tries < 4; tries++) {
    if (q->peer == 0 || cur == q->peer)
      return 0; /* no table, or held in this process */
    if (cur != 0 && !ringq__peers_tag_dead(q, cur))
      return 0; /* a live holder, or not a tag */
    /* [D1] seq_cst; pairs with the other participants' [D1] and with [D2]. */
    if (atomic_compare_exchange_strong_explicit(w, &cur, q->peer, memory_order_seq_cst,
                                                memory_order_relaxed))
      return 1;
  }
  return 0;
}

uint32_t
ringq__peers_blocked(struct ringq_queue *q)
{
  uint32_t i, sum = 0;
  for (i = 0; i < RINGQ__PEERS; i++) {
    /* acquire; pairs with wait_step's release decrement: a thread that left is done. */
    uint32_t b = atomic_load_explicit(&ringq__peers_of(q)->entry[i].blocked, memory_order_acquire);
    if (b != 0 && alive(q, i))
      sum += b;
  }
  return sum;
}

/* ---- resolving a stuck ticket -------------------------------------------------------------- */

/* Scan the claim words of the directions in dirs (bit PUT, bit GET) of every entry: 1 if a word
 * that `match` accepts belongs to a live entry (at once), else 0; *dead: a dead entry's word
 * matched. R2 of the MPMC resolvers and BR2 of the byte queues' (src/bytes.c). Bounded:
 * RINGQ__PEERS * 2 * RINGQ__LANES loads, and one fcntl per entry with a match. */
int
ringq__peers_scan(struct ringq_queue *q, unsigned dirs, ringq__claim_match match, void *ctx,
                  int *dead)
{
  uint32_t i, l;
  int dir;
  *dead = 0;
  for (i = 0; i < RINGQ__PEERS; i++) {
    int claimed = 0;
    for (dir = PUT; dir <= GET; dir++) {
      _Atomic(uint64_t) *w = lanes(&ringq__peers_of(q)->entry[i], dir);
      if (!(dirs & (1u << dir)))
        continue;
      for (l = 0; l < RINGQ__LANES; l++)
        /* [R2] / BR2 seq_cst; after [R1] / BR1 in the total order: sees a live winner's [K1],
         * or its [K2]. */
        if (match(atomic_load_explicit(&w[l], memory_order_seq_cst), ctx))
          claimed = 1;
    }
    if (!claimed)
      continue;
    if (alive(q, i))
      return 1;
    *dead = 1;
  }
  return 0;
}

/* Clear the words of dead entries (directions dirs) that `match` accepts, once what they claim
 * is resolved (CAS: a word rewritten by a new owner since is left alone). */
void
ringq__peers_clear_dead(struct ringq_queue *q, unsigned dirs, ringq__claim_match match, void *ctx)
{
  uint32_t i, l;
  int dir;
  for (i = 0; i < RINGQ__PEERS; i++)
    for (dir = PUT; dir <= GET; dir++) {
      _Atomic(uint64_t) *w = lanes(&ringq__peers_of(q)->entry[i], dir);
      if (!(dirs & (1u << dir)))
        continue;
      for (l = 0; l < RINGQ__LANES; l++) {
        /* relaxed: the CAS below validates it. */
        uint64_t c = atomic_load_explicit(&w[l], memory_order_relaxed);
        if (match(c, ctx) && !alive(q, i))
          /* relaxed: the word only names something that needs nothing more. */
          atomic_compare_exchange_strong_explicit(&w[l], &c, 0, memory_order_relaxed,
                                                  memory_order_relaxed);
      }
    }
}

static int
match_ticket(uint64_t c, void *ctx)
{
  return claims(c, *(const uint64_t *)ctx);
}

/* R2: 1 if a live entry's word of direction dir claims x, else 0; *dead: a dead entry's word
 * does. */
static int
live_claim(struct ringq_queue *q, int dir, uint64_t x, int *dead)
{
  return ringq__peers_scan(q, 1u << dir, match_ticket, &x, dead);
}

/* A getter's view: ticket x is won by a putter and not published. */
static enum resolve
resolve_put(struct ringq_queue *q, uint64_t x)
{
  struct ringq_mpmc *r = ring(q);
  _Atomic(uint64_t) *seq = ringq__mpmc_seq_g(&q->geom, r, x);
  uint64_t s;
  int dead;
  /* [R1] seq_cst; pairs with the winner's [MP3] (see the top). */
  uint64_t t = atomic_load_explicit(&r->tail, memory_order_seq_cst) & ~RINGQ__CLOSED;
  if ((int64_t)(t - x) <= 0)
    return R_DONE; /* nobody won x: nothing to resolve */
  /* acquire; pairs with [MP4]. */
  if (atomic_load_explicit(seq, memory_order_acquire) != x)
    return R_DONE; /* published, or already a hole, or consumed */
  if (live_claim(q, PUT, x, &dead) || !dead)
    return R_BUSY;
  /* [R3] acquire, as above: a winner that cleared its word published first. */
  s = atomic_load_explicit(seq, memory_order_acquire);
  if (s != x)
    return R_DONE;
  /* [R3] seq_cst CAS: exactly one resolver makes the hole. Pairs with the getters' [MC2]
   * (acquire) that read it. */
  if (!atomic_compare_exchange_strong_explicit(seq, &s, x + HOLE, memory_order_seq_cst,
                                               memory_order_relaxed))
    return R_DONE;
  ringq__count_lost(q, 1, &ringq__sh(q)->not_empty);
  return R_RESOLVED;
}

/* A putter's view: ticket x's slot is claimed by a getter (head past x) and not released. */
static enum resolve
resolve_get(struct ringq_queue *q, uint64_t x)
{
  struct ringq_mpmc *r = ring(q);
  _Atomic(uint64_t) *seq = ringq__mpmc_seq_g(&q->geom, r, x);
  uint64_t s;
  int dead;
  /* [R1] seq_cst; pairs with the winner's [MC3]. */
  uint64_t h = atomic_load_explicit(&r->head, memory_order_seq_cst);
  if ((int64_t)(h - x) <= 0)
    return R_DONE;
  /* acquire; pairs with [MC4]. */
  s = atomic_load_explicit(seq, memory_order_acquire);
  if (s != x + 1 && s != x + HOLE)
    return R_DONE; /* released */
  if (live_claim(q, GET, x, &dead) || !dead)
    return R_BUSY;
  /* [R3] acquire, as above. */
  s = atomic_load_explicit(seq, memory_order_acquire);
  if (s != x + 1 && s != x + HOLE)
    return R_DONE;
  /* [R3] seq_cst CAS; pairs with the putter of x + lap's [MP2] (acquire). */
  if (!atomic_compare_exchange_strong_explicit(seq, &s, x + q->geom.lap, memory_order_seq_cst,
                                               memory_order_relaxed))
    return R_DONE;
  /* A hole was counted when it was made; an item claimed by the dead getter is lost now. */
  ringq__count_lost(q, s == x + 1 ? 1 : 0, &ringq__sh(q)->not_full);
  return R_RESOLVED;
}

/* A word claiming x alone (a burst's word still claims its other tickets). */
static int
match_ticket_alone(uint64_t c, void *ctx)
{
  return claims(c, *(const uint64_t *)ctx) && ((c >> 48) & CLAIM_MAX) == 1;
}

/* Clear dead words of direction dir that claim x, once x is resolved. */
static void
clear_dead_words(struct ringq_queue *q, int dir, uint64_t x)
{
  ringq__peers_clear_dead(q, 1u << dir, match_ticket_alone, &x);
}

/* Whether this handle has seen ticket x stuck for STUCK_NS (and start the clock if not). */
static int
stuck_long(_Atomic(uint64_t) *ticket, _Atomic(int64_t) *since, uint64_t x)
{
  int64_t now = ringq__now_ns();
  /* relaxed: a heuristic of this process; the decision is resolve_*'s. */
  if (atomic_load_explicit(ticket, memory_order_relaxed) != x + 1) {
    atomic_store_explicit(since, now, memory_order_relaxed);
    atomic_store_explicit(ticket, x + 1, memory_order_relaxed); /* + 1: 0 means none */
    return 0;
  }
  return now - atomic_load_explicit(since, memory_order_relaxed) >= STUCK_NS;
}

int
ringq__peers_stuck(struct ringq_queue *q, uint64_t x)
{
  return q->peer != 0 && stuck_long(&q->stuck_get, &q->stuck_get_since, x);
}

int
ringq__peers_stuck_put(struct ringq_queue *q, uint64_t x)
{
  return q->peer != 0 && stuck_long(&q->stuck_put, &q->stuck_put_since, x);
}

int
ringq__peers_unstick_get(struct ringq_queue *q, uint64_t h)
{
  if (q->peer == 0 || !stuck_long(&q->stuck_get, &q->stuck_get_since, h))
    return 0;
  if (resolve_put(q, h) != R_RESOLVED)
    return 0;
  clear_dead_words(q, PUT, h);
  return 1;
}

int
ringq__peers_unstick_put(struct ringq_queue *q, uint64_t t)
{
  uint64_t x = t - q->geom.lap;
  if (q->peer == 0 || !stuck_long(&q->stuck_put, &q->stuck_put_since, x))
    return 0;
  if (resolve_get(q, x) != R_RESOLVED)
    return 0;
  clear_dead_words(q, GET, x);
  return 1;
}

/* [D4] / [D5]: resolve the claims of dead getters in the lap below head h (tickets h - lap ..
 * h - STEP), counting their items lost (resolve_get, as a putter's view would). 1 when a claim is
 * still open (a live getter, or a word not seen yet): a later sweep must look again. Bounded: one
 * slot load per slot of the ring, and resolve_get (a table scan) only for a slot claimed and not
 * released. */
static int
sweep_lap(struct ringq_queue *q, uint64_t h)
{
  const struct ringq__geom *g = &q->geom;
  struct ringq_mpmc *r = ring(q);
  uint64_t j, slots = g->mask + 1;
  int open_claims = 0;
  for (j = 1; j <= slots; j++) {
    uint64_t x = h - j * RINGQ__STEP;
    /* [D4] / [D5] acquire; pairs with [MC4] and a resolver's CAS: a slot released (x + lap, or
     * a later lap's value), or never claimed in this lap (an even value), needs nothing. Only
     * x + 1 and x + HOLE, odd values naming ticket x itself, mean claimed by a getter and not
     * released. */
    uint64_t s = atomic_load_explicit(ringq__mpmc_seq_g(g, r, x), memory_order_acquire);
    if (s != x + 1 && s != x + HOLE)
      continue;
    switch (resolve_get(q, x)) { /* [R1] seq_cst head > x, [R2] scan, [R3] seq_cst CAS */
    case R_RESOLVED:
      clear_dead_words(q, GET, x);
      break;
    case R_BUSY: /* a live getter still copying (it releases the slot), or a word not yet seen */
      open_claims = 1;
      break;
    case R_DONE:
      break;
    }
  }
  return open_claims;
}

/* [D4]: a get or discard found the queue closed and drained at head h (tail == h, closed): no
 * putter will ever need the lap below h again. */
static void
sweep_closed(struct ringq_queue *q, uint64_t h)
{
  /* relaxed: a heuristic of this handle (see queue_internal.h); a closed tail never moves. */
  if (atomic_load_explicit(&q->swept_closed, memory_order_relaxed) == h + 1)
    return;
  if (!sweep_lap(q, h))
    /* relaxed: as above. */
    atomic_store_explicit(&q->swept_closed, h + 1, memory_order_relaxed);
}

void
ringq__peers_sweep_gets(struct ringq_queue *q, uint64_t *clean)
{
  uint64_t h;
  if (q->peer == 0 || q->kind != RINGQ_QUEUE_MPMC || q->bytes || q->unbounded)
    return; /* no claim words to sweep: a private queue, SPSC, bytes, unbounded */
  /* [D5] acquire; pairs with the [MC3] CASes (one release sequence) of the getters that claimed
   * every ticket below h: their [MC2] reads of the slots happen before the sweep's loads. */
  h = atomic_load_explicit(&ring(q)->head, memory_order_acquire);
  if (*clean == h + 1)
    return; /* swept at this head with no claim open, and no claim made since */
  *clean = sweep_lap(q, h) ? 0 : h + 1;
}

/* ---- claim words ---------------------------------------------------------------------------- */

/* Thread slots of this process: slot i (i < OWN_LANES) owns claim word i of every entry this
 * process registered, so its claims need no read-modify-write; a thread without a slot (more than
 * OWN_LANES at once, or a fork child using its parent's handle, which shares the parent's entry)
 * takes one of the words OWN_LANES .. RINGQ__LANES - 1 by CAS for each operation. */
#define OWN_LANES RINGQ__OWN_LANES
#define NO_SLOT (OWN_LANES + 1u)

static _Atomic(uint32_t) slots_used; /* bit i: slot i is some live thread's */
static pthread_once_t slot_once = PTHREAD_ONCE_INIT;
static pthread_key_t slot_key;
static int slot_key_ok;
RINGQ__SLOT_TLS uint32_t ringq__peer_slot; /* 0: not chosen yet; i + 1: slot i; NO_SLOT: none */
#define my_slot ringq__peer_slot
static RINGQ__SLOT_TLS uint32_t lane_hint;

static void
slot_release(void *arg)
{
  uint32_t i = (uint32_t)(uintptr_t)arg - 1u;
  /* release; pairs with thread_slot's CAS: this thread's claims are over. */
  atomic_fetch_and_explicit(&slots_used, ~(1u << i), memory_order_release);
}

static void
slot_after_fork(void)
{
  /* relaxed: the child has one thread, this one; its slot is the only one in use. */
  atomic_store_explicit(&slots_used,
                        my_slot >= 1u && my_slot <= OWN_LANES ? 1u << (my_slot - 1u) : 0u,
                        memory_order_relaxed);
}

static void
slot_setup(void)
{
  slot_key_ok = pthread_key_create(&slot_key, slot_release) == 0;
  (void)pthread_atfork(NULL, NULL, slot_after_fork);
}

static uint32_t
thread_slot(void)
{
  if (__builtin_expect(my_slot == 0, 0)) {
    uint32_t used, i;
    (void)pthread_once(&slot_once, slot_setup);
    my_slot = NO_SLOT;
    /* relaxed: the CAS validates it. */
    used = atomic_load_explicit(&slots_used, memory_order_relaxed);
    while (slot_key_ok) {
      for (i = 0; i < OWN_LANES && (used & (1u << i)); i++) {
      }
      if (i == OWN_LANES)
        break;
      /* acquire; pairs with slot_release: the slot's previous thread is done with it. */
      if (atomic_compare_exchange_weak_explicit(&slots_used, &used, used | (1u << i),
                                                memory_order_acquire, memory_order_relaxed)) {
        if (pthread_setspecific(slot_key, (void *)(uintptr_t)(i + 1u)) != 0) {
          slot_release((void *)(uintptr_t)(i + 1u));
          break;
        }
        my_slot = i + 1u;
        break;
      }
    }
  }
  return my_slot;
}

/* Take a claim word of this handle's entry for direction dir and store c in it ([K1]'s first
 * store). NULL when no shared word came free within LANE_WAIT_NS (a hostile peer). */
static _Atomic(uint64_t) *
lane_take(struct ringq_queue *q, int dir, uint64_t c)
{
  _Atomic(uint64_t) *w = lanes(&ringq__peers_of(q)->entry[q->peer - 1], dir);
  int64_t deadline = 0;
  uint32_t n, slot = thread_slot();
  /* relaxed: only this process writes ringq__self (src/shm.c). */
  if (slot != NO_SLOT && q->peer_pid == atomic_load_explicit(&ringq__self, memory_order_relaxed)) {
    /* [K1] relaxed: the word is this thread's; the ring CAS that follows (seq_cst, so release)
     * orders it before any resolver that reads the index that CAS wrote (see the top). */
    atomic_store_explicit(&w[slot - 1u], c, memory_order_relaxed);
    return &w[slot - 1u];
  }
  for (n = 0;; n++) {
    uint32_t l = OWN_LANES + (lane_hint + n) % (RINGQ__LANES - OWN_LANES);
    uint64_t zero = 0;
    /* [K1] relaxed CAS: as above, the ring CAS that follows publishes it. */
    if (atomic_compare_exchange_strong_explicit(&w[l], &zero, c, memory_order_relaxed,
                                                memory_order_relaxed)) {
      lane_hint = l;
      return &w[l];
    }
    if (n % (RINGQ__LANES - OWN_LANES) == RINGQ__LANES - OWN_LANES - 1) {
      int64_t now = ringq__now_ns();
      if (deadline == 0)
        deadline = now + LANE_WAIT_NS;
      else if (now >= deadline)
        return NULL;
      ringq__yield();
    }
  }
}

/* [K2] release; pairs with R2's seq_cst load: a resolver that reads 0 sees the publication. */
static inline void
lane_drop(_Atomic(uint64_t) *w)
{
  atomic_store_explicit(w, 0, memory_order_release);
}

/* A byte queue's claim ([BK1] of src/bytes.c): any free word of this handle's entry, put words
 * first, then get words (a byte queue's getter records no claims), taken by a relaxed CAS from 0
 * (the claim [R3] that follows is seq_cst: it publishes it). NULL: all 2 * RINGQ__LANES taken. */
_Atomic(uint64_t) *
ringq__peers_claim_any(struct ringq_queue *q, uint64_t c)
{
  struct ringq__peer *p = &ringq__peers_of(q)->entry[q->peer - 1];
  uint32_t l;
  int dir;
  for (dir = PUT; dir <= GET; dir++)
    for (l = 0; l < RINGQ__LANES; l++) {
      uint64_t zero = 0;
      /* [BK1] relaxed CAS: published by the release of [R3]. */
      if (atomic_compare_exchange_strong_explicit(&lanes(p, dir)[l], &zero, c,
                                                  memory_order_relaxed, memory_order_relaxed))
        return &lanes(p, dir)[l];
    }
  return NULL;
}

/* The word of this handle's entry that `match` accepts (the first), or NULL. */
_Atomic(uint64_t) *
ringq__peers_find_own(struct ringq_queue *q, ringq__claim_match match, void *ctx)
{
  struct ringq__peer *p = &ringq__peers_of(q)->entry[q->peer - 1];
  uint32_t l;
  int dir;
  for (dir = PUT; dir <= GET; dir++)
    for (l = 0; l < RINGQ__LANES; l++)
      /* relaxed: this entry's words that match are this process's (or its fork family's). */
      if (match(atomic_load_explicit(&lanes(p, dir)[l], memory_order_relaxed), ctx))
        return &lanes(p, dir)[l];
  return NULL;
}

void
ringq__peers_unclaim(_Atomic(uint64_t) *w)
{
  lane_drop(w); /* [K2] / [BK2]'s clear, release */
}

/* ---- the ring operations ------------------------------------------------------------------ */

ptrdiff_t
ringq__peers_put(struct ringq_queue *q, const void *items, size_t n)
{
  const struct ringq__geom *g = &q->geom;
  struct ringq_mpmc *r = ring(q);
  _Atomic(uint64_t) *w = NULL, *own = ringq__peers_own(q, PUT);
  uint64_t t, k = 0, i;
  if (n > CLAIM_MAX)
    n = CLAIM_MAX;
  /* [MP1] relaxed: a stale tail only makes the claim fail. */
  t = atomic_load_explicit(&r->tail, memory_order_relaxed);
  for (;;) {
    uint64_t seq0 = 0, want = n;
    if (t & RINGQ__CLOSED) {
      if (w != NULL)
        lane_drop(w);
      return RINGQ_SHUTDOWN;
    }
    if (g->bounded && (want = ringq__mpmc_bound_g(g, r, t, n)) == 0)
      break;
    for (k = 0; k < want; k++) {
      uint64_t ticket = t + k * RINGQ__STEP;
      /* [MP2] acquire; pairs with [MC4] and the resolvers' release of a slot. */
      uint64_t s = atomic_load_explicit(ringq__mpmc_seq_g(g, r, ticket), memory_order_acquire);
      if (k == 0)
        seq0 = s;
      if (s != ticket)
        break;
    }
    if (k > 0) {
      if (w == NULL && (w = own) == NULL) {
        if ((w = lane_take(q, PUT, claim_of(t, k))) == NULL)
          return RINGQ_ECORRUPT;
      } else {
        /* [K1] relaxed: published by the release of the CAS below (see the top). */
        atomic_store_explicit(w, claim_of(t, k), memory_order_relaxed);
      }
      /* [MP3] seq_cst; on failure t is reloaded. */
      if (atomic_compare_exchange_strong_explicit(&r->tail, &t, t + k * RINGQ__STEP,
                                                  memory_order_seq_cst, memory_order_relaxed))
        break;
    } else if ((int64_t)(seq0 - t) < 0) {
      break; /* full */
    } else {
      uint64_t was = t;
      /* [MP1] relaxed: another producer claimed t; catch up. */
      t = atomic_load_explicit(&r->tail, memory_order_relaxed);
      if (t == was) {
        if (w != NULL)
          lane_drop(w);
        return RINGQ_ECORRUPT;
      }
    }
    k = 0;
  }
  if (k == 0) {
    if (w != NULL)
      lane_drop(w);
    return 0;
  }
  RINGQ__HOOK(RINGQ__HOOK_PEER_PUT_CLAIMED);
  for (i = 0; i < k; i++) {
    uint64_t ticket = t + i * RINGQ__STEP;
    _Atomic(uint64_t) *seq = ringq__mpmc_seq_g(g, r, ticket);
    ringq__copy(ringq__mpmc_data(seq), (const unsigned char *)items + i * g->elem_size,
                g->elem_size);
    /* [MP4] release; pairs with [MC2]. */
    atomic_store_explicit(seq, ticket + 1, memory_order_release);
  }
  lane_drop(w); /* [K2] */
  return (ptrdiff_t)k;
}

ptrdiff_t
ringq__peers_get(struct ringq_queue *q, void *items, size_t n)
{
  const struct ringq__geom *g = &q->geom;
  struct ringq_mpmc *r = ring(q);
  _Atomic(uint64_t) *w = NULL, *own = ringq__peers_own(q, GET);
  uint64_t h, k = 0, i, holes = 0;
  ptrdiff_t res;
  if (n > CLAIM_MAX)
    n = CLAIM_MAX;
  /* [MC1] relaxed: a stale head only makes the claim fail. */
  h = atomic_load_explicit(&r->head, memory_order_relaxed);
  for (;;) {
    uint64_t seq0 = 0;
    for (k = 0; k < n; k++) {
      uint64_t ticket = h + k * RINGQ__STEP;
      /* [MC2] acquire; pairs with [MP4] (and with R3's CAS for a hole). */
      uint64_t s = atomic_load_explicit(ringq__mpmc_seq_g(g, r, ticket), memory_order_acquire);
      if (k == 0)
        seq0 = s;
      if (s != ticket + 1)
        break;
    }
    if (k == 0 && seq0 == h + HOLE) {
      /* A hole: consume it below tail, at most one lap of them per call. acquire; pairs with
       * the claim [MP3] of the dead putter (tail past h). */
      uint64_t t = atomic_load_explicit(&r->tail, memory_order_acquire) & ~RINGQ__CLOSED;
      if ((int64_t)(t - h) <= 0 || holes > g->mask) {
        res = holes > g->mask ? 0 : RINGQ_ECORRUPT;
        goto out;
      }
      k = 1;
    }
    if (k > 0) {
      if (w == NULL && (w = own) == NULL) {
        if ((w = lane_take(q, GET, claim_of(h, k))) == NULL)
          return RINGQ_ECORRUPT;
      } else {
        /* [K1] relaxed, as for a put. */
        atomic_store_explicit(w, claim_of(h, k), memory_order_relaxed);
      }
      /* [MC3] seq_cst; on failure h is reloaded. */
      if (atomic_compare_exchange_strong_explicit(&r->head, &h, h + k * RINGQ__STEP,
                                                  memory_order_seq_cst, memory_order_relaxed)) {
        if (seq0 != h + HOLE)
          break;
        /* [MC4] release; pairs with [MP2]: the hole's slot is free for the next lap. */
        atomic_store_explicit(ringq__mpmc_seq_g(g, r, h), h + g->lap, memory_order_release);
        holes++;
        h += RINGQ__STEP;
      }
    } else if ((int64_t)(seq0 - (h + 1)) < 0) {
      res = ringq__mpmc_empty_status(r, h) == RINGQ_SHUTDOWN ? (ptrdiff_t)RINGQ_SHUTDOWN : 0;
      goto out;
    } else {
      uint64_t was = h;
      /* [MC1] relaxed: another consumer claimed h; catch up. */
      h = atomic_load_explicit(&r->head, memory_order_relaxed);
      if (h == was) {
        res = RINGQ_ECORRUPT;
        goto out;
      }
    }
    k = 0;
  }
  RINGQ__HOOK(RINGQ__HOOK_PEER_GET_CLAIMED);
  for (i = 0; i < k; i++) {
    uint64_t ticket = h + i * RINGQ__STEP;
    _Atomic(uint64_t) *seq = ringq__mpmc_seq_g(g, r, ticket);
    if (items != NULL)
      ringq__copy((unsigned char *)items + i * g->elem_size, ringq__mpmc_data(seq),
                  g->elem_size);
    /* [MC4] release; pairs with [MP2]. */
    atomic_store_explicit(seq, ticket + g->lap, memory_order_release);
  }
  res = (ptrdiff_t)k;
out:
  if (w != NULL)
    lane_drop(w); /* [K2] */
  if (holes > 0)
    ringq__notify(q, &ringq__sh(q)->not_full); /* room freed by the holes */
  if (res == RINGQ_SHUTDOWN)
    sweep_closed(q, h); /* [D4]: closed and drained at h (ringq__mpmc_empty_status, [MC5]) */
  return res;
}

/* ---- registration --------------------------------------------------------------------------- */

/* Resolve every ticket claimed by word c of a dead entry: R_DONE when nothing is left to do. */
static enum resolve
resolve_word(struct ringq_queue *q, int dir, uint64_t c)
{
  uint64_t k = (c >> 48) & CLAIM_MAX, j;
  struct ringq_mpmc *r = ring(q);
  uint64_t cur, x0;
  if (q->bytes) /* a byte queue's claim (src/bytes.c): kept until the consumer passed it */
    return ringq__bytes_claim_pending(q, c) ? R_BUSY : R_DONE;
  if (!(c & 1u) || k == 0 || k > q->geom.mask + 1)
    return R_DONE; /* no claim, or not one a valid ring could make */
  /* Rebuild the full ticket from its low 48 bits, near the index it was claimed from. relaxed:
   * only the ticket's high bits are taken from it. */
  cur = atomic_load_explicit(dir == PUT ? &r->tail : &r->head, memory_order_relaxed) &
        ~RINGQ__CLOSED;
  x0 = cur - ((cur - (c & ~(uint64_t)1)) & CLAIM_TICKET_MASK);
  for (j = 0; j < k; j++) {
    uint64_t x = x0 + j * RINGQ__STEP;
    if ((dir == PUT ? resolve_put(q, x) : resolve_get(q, x)) == R_BUSY)
      return R_BUSY;
  }
  return R_DONE;
}

/* Entry i is locked by this handle: clear what its dead owner left, or refuse (1: usable). */
static int
take_over(struct ringq_queue *q, uint32_t i)
{
  struct ringq__peer *p = &ringq__peers_of(q)->entry[i];
  uint32_t l;
  int dir;
  for (dir = PUT; dir <= GET; dir++)
    for (l = 0; l < RINGQ__LANES; l++) {
      /* acquire; pairs with the dead owner's stores (it is dead: the value is final). */
      uint64_t c = atomic_load_explicit(&lanes(p, dir)[l], memory_order_acquire);
      if (c == 0)
        continue;
      if (resolve_word(q, dir, c) == R_BUSY)
        return 0;
      /* relaxed: this entry is ours (locked); nobody else stores a nonzero value into it. */
      atomic_store_explicit(&lanes(p, dir)[l], 0, memory_order_relaxed);
    }
  /* release; pairs with ringq__peers_blocked's acquire. */
  atomic_store_explicit(&p->blocked, 0, memory_order_release);
  {
    /* [D2] seq_cst; pairs with [D1]'s CAS: the dead owner's role is free again. */
    uint32_t tag = i + 1;
    (void)atomic_compare_exchange_strong_explicit(&ringq__sh(q)->discarder, &tag, 0,
                                                  memory_order_seq_cst, memory_order_relaxed);
  }
  /* relaxed: informational. */
  atomic_store_explicit(&p->pid, (uint32_t)getpid(), memory_order_relaxed);
  return 1;
}

enum ringq_status
ringq__peers_register(struct ringq_queue *q)
{
  int64_t deadline = ringq__now_ns() + REGISTER_WAIT_NS;
  for (;;) {
    uint32_t i;
    for (i = 0; i < RINGQ__PEERS; i++) {
      q->peer_pid = ringq__self_init(); /* the process whose thread slots own claim words */
      if (lock_byte(q, i, F_WRLCK, F_OFD_SETLK) < 0) {
        if (errno == EAGAIN || errno == EACCES)
          continue; /* a live owner */
        return errno == ENOLCK ? RINGQ_ENOMEM : RINGQ_ESYS;
      }
      q->peer = 0; /* resolving as a stranger: the entry looks dead, as it is */
      if (take_over(q, i)) {
        q->peer = i + 1;
        return RINGQ_OK;
      }
      (void)lock_byte(q, i, F_UNLCK, F_OFD_SETLK);
    }
    if (ringq__now_ns() >= deadline)
      return RINGQ_ENOMEM;
    ringq__nap(REGISTER_NAP_NS);
  }
}

void
ringq__peers_leave(struct ringq_queue *q)
{
  if (q->peer == 0)
    return;
  /* relaxed: informational; the lock (dropped with the descriptor) is what counts. */
  atomic_store_explicit(&ringq__peers_of(q)->entry[q->peer - 1].pid, 0, memory_order_relaxed);
}
