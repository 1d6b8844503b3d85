/* SPDX-License-Identifier: MIT */
/* src/queue.c: Python's queue.Queue contract (put/get with timeouts, task_done/join, shutdown) on
 * the SPSC and MPMC rings, with a futex wait protocol that makes no system call while nobody waits.
 *
 * The wait protocol
 * =================
 * Three conditions can be waited for: NOT_EMPTY (getters), NOT_FULL (putters) and ALL_DONE
 * (joiners). Each has one 64-bit word (struct ringq__waitq, ringq/queue.h): the epoch (low 32
 * bits, the futex word), S = sleepers announced and not yet left, T = tokens (wakes issued and
 * not yet consumed, T <= S), and the POLLER bit of event-loop pollers (poll.c).
 *
 *   Waiter                                        Notifier, after making k units of the
 *   [W1] s = word: S + 1            (seq_cst         condition true (k = 1 for a put or a get,
 *        e = epoch of s              CAS)            the count for put_many / get_many)
 *   [W2] re-check the condition     (seq_cst      [N1] the change itself          (seq_cst RMW
 *        loads); if it holds: do not sleep             or seq_cst store)
 *   else futex_wait(epoch, e, deadline)           [N2] s = word                   (seq_cst load)
 *   [W3] leave: S - 1, and T - 1 if T > 0           S <= T and no POLLER: done. No system
 *        (seq_cst CAS); if it took a token and           call, no RMW.
 *        ends without an operation of this kind,  [N3] m = min(k, S - T); CAS word: epoch + 1
 *        pass the wake on: re-check, and if the        (when m > 0), T + m, POLLER cleared
 *        condition holds, notify (k = 1)          [N4] futex_wake(epoch, m); the poller's
 *   then retry the operation from the start.           eventfd if POLLER was set
 * Shutdown and ALL_DONE wake everyone: [N3] with k = S - T, [N4] futex_wake(all).
 *
 * Why no wake-up is lost: the announcement. Both sides write their own word and then read the
 * other's (the store-buffering, or Dekker, pattern). [W1], [W2], [N1] and [N2] are all seq_cst,
 * so they lie in one total order S consistent with each thread's program order: if [N2] comes
 * before [W1], then [N1] < [N2] < [W1] < [W2] and the re-check [W2] reads the state written by
 * [N1] (or a later one): the waiter does not sleep. Otherwise [N2] counts the waiter in S.
 *
 * Waking one waiter, not all. A bump used to wake every sleeper of the epoch: 16 idle getters
 * cost 16 futex waits per item. Now a notifier wakes one sleeper per unit made available, and a
 * count of wakes in flight (T) stops it from waking a second sleeper for what a first one is on
 * its way to take. Classify the S counted sleepers of a word at any moment as
 *   Q  queued in the kernel on the epoch word. A thread leaves Q when a wake through this word
 *      dequeues it, or when it dequeues itself (timeout, signal, a futex_waitv woken through
 *      another word); either way it becomes a runner;
 *   P  announced in the current epoch, between [W1] and the kernel's compare of the futex word:
 *      it may still go to sleep;
 *   R  runners: everyone else. A runner reaches [W3] without any wake through this word: its
 *      futex wait returned, or will return at once because the epoch moved on since it announced.
 * Invariant (I): T <= |R|. It holds at the start (T = 0). [N3] moves the epoch on, so every P
 * sleeper becomes a runner (the kernel compares the futex word before it queues a thread), and
 * [N4] wakes min(m, |Q|) threads of Q (each one it wakes it dequeues: no wake lands on a thread
 * outside Q). The new T = T + m is at most |R| + min(m, |Q|): if m <= |Q| by (I), else because
 * m <= S - T = |R| + |Q| after the P move. A leaver [W3] lowers R by one and T by one if T > 0.
 * Announcing, P sleepers queueing, and Q threads dequeueing themselves never lower |R| - T.
 * So when [N2] finds S <= T, (I) gives |R| = S: every counted sleeper is a runner, none sleeps
 * or may still sleep. Each runner's [W3] is a seq_cst RMW later in the word's modification order
 * than the value [N2] read, so it comes after [N2] in S, and whatever the runner does next reads
 * the state [N1] wrote: a retry of its operation, or its next [W2]. Sleepers announced after
 * [N2] re-check after [N1] as above. No wake is needed.
 * When [N2] finds S > T, the notifier issues m = min(k, S - T) wakes. If k > S - T, every
 * counted sleeper is then covered (T = S, all runners by (I)) and the k - m units left are seen
 * by the runners' retries and by later announcers' re-checks. Otherwise m runners are owed to
 * these k units, and each of them must look at the condition after leaving. A runner that
 * consumes a token at [W3] is such a runner (which runner consumes which token does not matter:
 * the count is what (I) tracks); a leaver that finds T = 0 owes nothing (its wake, if any, was
 * consumed in its place by a runner that owes the look). A runner that owes a look retries its
 * operation (block_until's loop): either it completes one (it used the wake), or it announces
 * again and its [W2] finds the condition false (the units went to other threads: the debt is
 * paid), or it ends without completing one: deadline passed, wait-any leaving for another
 * queue, cancellation in the futex wait, a system error. Then it passes the wake on: it re-checks
 * the condition and, if it holds, notifies (k = 1). That notify sees the waiter gone (it left
 * at [W3], before) and wakes a sleeper of Q if any is left uncovered. Without the pass-on, a
 * get_any that leaves Q for another queue, a wait_any that only reports, or a getter cancelled
 * after its wake, would leave a sleeper of Q asleep beside the item (tests/model/wake1.pml's
 * seeded bugs). block_until retries its operation after every wait before it looks at the
 * deadline, so a timed waiter that consumed a wake has always looked (the model verifies
 * without that pass-on); it is kept there as a guard for the MPMC claim/publish window that
 * the model abstracts.
 * Why [W3] is seq_cst: the ordering argument needs the runner's later loads to follow [N2] in S.
 * In the asymmetric variant [N1] may still sit in the notifier's store buffer at [N2], so a
 * runner's retry can miss it; but in the S <= T case there is no sleeper to be lost (Q and P are
 * empty), and later announcers run the heavy barrier before [W2]. In the S > T case [N3] is a
 * locked RMW after [N1] (a release sequence the leavers' seq_cst [W3] reads from), so the woken
 * runners see [N1].
 * Cost: one futex wake per unit while sleepers are uncovered, and about one futex wait per item
 * for a pool of idle getters on a trickle (the woken getter goes back to sleep); the sleepers
 * not woken stay in the kernel across epochs (the kernel compared the word when they slept).
 * A runner announced in an epoch that moved on without a wake for it returns from its futex
 * wait at once and leaves (a spurious turn of its loop, no lost wake).
 * Limits: at most SLEEPERS_MAX (32767) sleepers per condition; an announcer that would pass it
 * does not announce and naps OVERFLOW_NAP_NS between re-checks instead (a latency, not a lost
 * wake-up). Tokens never exceed sleepers, so they fit in 15 bits.
 *
 * The asymmetric variant (private SPSC queues, when the kernel has membarrier). A seq_cst
 * publication costs a locked instruction, which stalls for a whole cache-line transfer whenever the
 * other side is reading the line: an order of magnitude on an SPSC stream. So private SPSC queues
 * move the cost to the side that is about to sleep: the put and get publish with the ring's plain
 * release store, [N2] becomes a compiler barrier plus a relaxed load, and the waiter calls
 * ringq__heavy_barrier() (membarrier) between [W1] and [W2]. membarrier makes every running thread
 * of the process execute a full barrier, so the same two cases hold: either the notifier's store
 * [N1] is visible to the re-check [W2], or the notifier's load [N2] comes after its barrier and
 * sees the announcement [W1]. Process-shared queues (other processes are not covered by a private
 * membarrier) and MPMC queues (whose claim is a locked compare-exchange anyway) use the seq_cst
 * protocol above.
 *
 * What [N1] and [W2] are, per condition:
 *   NOT_EMPTY  [N1] a put's publication in the ring: for SPSC the seq_cst compare-exchange of tail
 *              ([P3q] in spsc.h); for MPMC the seq_cst claim of the ticket ([MP3] in mpmc.h),
 *              which precedes the element's publication [MP4]; the put reads `waiters` [N2] only
 *              after [MP4]. [W2] reads head and tail (seq_cst): tail ahead of head means an item
 *              exists or is being published, so the getter does not sleep; if the item is claimed
 *              but not yet published, the getter backs off (yields, then naps) and retries.
 *   NOT_FULL   [N1] a get's release of room: for SPSC the seq_cst store of head ([C3]); for MPMC the
 *              seq_cst claim [MC3], which precedes the slot's release [MC4] (a putter that sees the
 *              room before the slot is released backs off and retries). [W2] reads head and tail.
 *   ALL_DONE   [N1] task_done's, and each discard's, seq_cst compare-exchange of `done`; [W2]
 *              reads done and tail.
 *   Shutdown   [N1] seq_cst fetch-or of `state` (CLOSING, and DISCARD if immediate), the SPSC
 *              handshakes below, the ring's closed mark, for an immediate shutdown the discarding
 *              of what is left (by the one discarder), then the final bits (SHUTDOWN, IMMEDIATE);
 *              then [N2]..[N4] for each condition. Every [W2] reads the mark or the state, so a
 *              thread that starts to wait after a shutdown never sleeps: shutdown is sticky.
 *
 * Why a put that races with shutdown is never lost. The closed mark lives in the ring's tail word,
 * and getters report SHUTDOWN only once the ring is closed *and* head has reached the closed tail,
 * i.e. after taking every item that landed before the mark. In the seq_cst protocol a put's
 * publication (SPSC) or claim (MPMC) is a compare-exchange of that same word, so a put either
 * lands before the mark or fails, returns RINGQ_SHUTDOWN, and nothing was accepted. In the
 * asymmetric variant the SPSC put publishes with a plain store, which must never overwrite the
 * mark; instead the put raises put_busy, checks `state` for CLOSING, pushes, and lowers put_busy
 * [A1]..[A2], while shutdown sets CLOSING, calls ringq__heavy_barrier(), waits for put_busy to be
 * low, and only then sets the mark [A3]..[A4]. By the membarrier argument a put either sees
 * CLOSING (and accepts nothing) or is seen busy, and then its push completes before the mark is
 * set. Every other put checks CLOSING (relaxed) before it tries the ring, and is_shutdown() reads
 * CLOSING: a put that starts after is_shutdown() said true fails, as in Python.
 *
 * Who discards, and in what order. The immediate shutdown whose fetch-or set DISCARD is the one
 * discarder; a concurrent immediate shutdown waits for its IMMEDIATE bit. The discarder takes the
 * items below the closed tail one by one, oldest first, hands each to the user's callback in place
 * and counts it (count_discard). An SPSC get raises get_busy around its check of DISCARD and its
 * pop [G1]..[G2]; the discarder sets DISCARD and waits for get_busy to be low [G3] before it
 * becomes the ring's consumer, so no item goes both to a getter and to the callback. An MPMC get
 * under way may still claim an item after DISCARD: it returns it, and the discarder never sees it
 * (claims on head are exclusive). The discarder waits for a putter that claimed a slot and has not
 * written it. Both handshakes wait for a thread in the middle of a few instructions; in a
 * process-shared queue that thread may be a peer process killed right there: the busy words hold
 * the participant's tag, so shutdown goes on at once when src/peers.c finds its owner dead (and
 * after SHARED_PEER_WAIT_NS at most for a live peer that does not finish), and a claimed slot
 * whose putter died becomes a hole (src/peers.c).
 *
 * A timed operation never claims a ring slot before it waits: a put claims only a slot that is
 * free, and then finishes without waiting, so a timeout can never strand a claimed slot.
 *
 * Cost while nobody waits. MPMC: the ring's own claim (a locked compare-exchange in any case),
 * made seq_cst, plus one plain load of the waitq word [N2] on a line only waiters write; a get
 * also loads `state` from that line. Private SPSC (asymmetric variant): the ring's plain release
 * store, two plain stores of put_busy / get_busy on the caller's own line, the loads of `state`
 * and of the waitq word; no locked instruction at all. Process-shared SPSC (symmetric variant):
 * the put publishes with a locked compare-exchange, the get with two seq_cst stores (get_busy and
 * head). No system call in any variant.
 *
 * Epochs are 32 bits: a waiter stalled between [W1] and its futex wait while the epoch goes round
 * 2^32 times could sleep on a recurred value; each sleep is capped (MAX_SLEEP_NS) so that this
 * would delay it, never strand it.
 *
 * Task accounting, as Python's unfinished_tasks. Every accepted put is an unfinished task; instead
 * of counting puts with an extra RMW, the ring's own tail counts them (an MPMC claim always ends in
 * an accepted item). `done` counts task_done calls and discarded items in the same ticket units,
 * and never passes tail: unfinished = (tail - done) / RINGQ__STEP >= 0. task_done compare-
 * exchanges done only while done < tail (a tail it read; tail only grows), else it is refused with
 * RINGQ_ETASKDONE ("called more times than there were items placed in the queue"); it may come
 * before the get, as in Python. Each discard adds one, clamped at tail (count_discard): Python
 * subtracts the discarded items from unfinished_tasks and clamps at zero. Since every change to
 * done is a compare-exchange against a tail value and tail only grows, done <= tail always, so a
 * task_done racing a discard can never push done past the target, and join's test is >= anyway.
 *
 * Results a sequential queue would give (MPMC; see queue.h). The bare ring reports EMPTY when the
 * slot at head is claimed but not yet written, even if later slots hold items of puts that have
 * returned; a sequential queue never would. So when the ring says EMPTY at ticket h, mpmc_get looks
 * at the later tickets up to tail ([L1], [L2]): if one was published (or already taken), a put that
 * may have completed has its item behind h, and the get waits (backoff) for h's claimant, claiming
 * nothing, then tries again; if none was, every item present belongs to a put still under way and
 * EMPTY is a result some sequential order gives. Why it sees every completed put: a put that
 * returned before this get began has its claim ([MP3], a seq_cst RMW, hence release) and its
 * publication ([MP4], release) happen-before the get's acquire loads of tail [L1] and of the slot
 * [L2], so the get reads a tail past that ticket and a sequence past "free". The put side is the
 * mirror: when the slot a put needs (ticket t, last used by ticket p = t - lap) still holds p's item
 * being copied out by a claimed getter, mpmc_put looks at the tickets in (p, head) ([L3], [L4]); if
 * one was released by its getter, a completed get freed room and the put waits for p's getter;
 * otherwise FULL is right (every claimed-but-unreleased get may be ordered after the put). The
 * capacity bound of rings whose capacity is below their slot count counts claimed gets, which
 * only ever errs towards room. Neither wait ever claims a slot first, and producers never wait for
 * earlier producers (only a getter waits for a putter and a putter for a getter).
 * Results that count a claim still being copied must also agree with each other. A put that
 * reports FULL counts every claimed put as in the queue; a task_done for a ticket no getter has
 * claimed, and a join that times out, count claimed puts as accepted; a get that reports EMPTY
 * counts every claimed get as done. Each such result raises a mark (puts_seen, gets_seen: a
 * seq_cst max, on the slow paths only), and the other side honours it: a get does not report
 * EMPTY while puts_seen is past its head (it waits for that claimant instead), a put does not
 * report FULL while gets_seen is past the ticket whose slot it needs. A result that raised a mark
 * happens-before any call that starts after it, whose acquire load then sees the mark.
 * The waits are bounded by the caller's deadline (wait_for_peer); a nowait call waits for the peer
 * to be scheduled. A timed call whose deadline passes while a peer is stalled reports the miss:
 * the only case where a result can differ from a sequential queue's, and only while a peer is
 * stopped in the middle of its copy for longer than the caller is willing to wait.
 *
 * Unbounded queues (capacity 0 at create; src/unbounded.h, with its own ordering table). The
 * queue keeps the rings' ticket words (tail with the closed mark, head), so everything above reads
 * them unchanged through head_word / tail_word, and the small helpers spsc_push / spsc_pop and
 * the branches in ring_put / ring_get / discard_one pick the implementation. [N1] for NOT_EMPTY
 * is the SPSC publication [US3] (the seq_cst compare-exchange, or the asymmetric variant's release
 * store under the same put_busy handshake) or the MPMC claim [UP4] (seq_cst); so a put racing a
 * shutdown lands before the mark or fails, as for the rings. NOT_FULL is never waited for:
 * put_may_proceed is true and a get does not notify it. A put that needs a segment it cannot
 * allocate returns RINGQ_ENOMEM before it claims a ticket, so tail (the task count) is unchanged
 * and nothing was accepted. An MPMC get claims the oldest ticket below tail and waits, in the
 * unbounded queue, for that ticket's putter to finish its copy: it never reports EMPTY while a
 * claimed item remains, and it waits only for a thread in the middle of a copy (the queue never
 * dereferences a segment before it holds a claim in it, which is how it can free segments
 * safely). Discards read in place (begin_read / end_read), like the rings' peek / release.
 *
 * A refused membarrier. The asymmetric variant is chosen only when a real PRIVATE_EXPEDITED call
 * succeeds at registration. If a seccomp filter refuses it later, heavy_barrier() degrades the
 * queue for good: asym is cleared (seq_cst), so puts and gets that start afterwards use the
 * symmetric protocol, and every later sleep is capped at DEGRADED_SLEEP_NS, because a put or get
 * that read asym before the switch may still finish with the plain protocol and miss a waiter: it
 * then costs at most that much latency, never a lost wake-up. Shutdown, degraded, lets store
 * buffers drain (a nap) before it trusts put_busy / get_busy, and sets the closed mark again if a
 * plain store of such a put erased it (the put's item is in; nothing is lost). This fallback rests
 * on store buffers draining within DEGRADED_SLEEP_NS (true of x86-TSO in practice, not a proof for
 * weaker models); the normal protocols do not depend on it.
 *
 * Cancellation. The futex wait is a cancellation point (wait_linux.c enables asynchronous
 * cancellation around the bare system call only). wait_step pushes take_back_cancelled as a
 * cleanup handler between [W1] and the sleep, so a waiter cancelled there takes back its
 * announcement [W3] and its `blocked` count, and passes on a wake it consumed. backoff's nap is a cancellation point too, but no announcement or slot is held
 * there. shutdown and fini disable cancellation: a half-done shutdown would strand its waiters.
 */
/* This file defines the out-of-line twins of ringq/queue.h's inline fast path. */
#define RINGQ_NO_INLINE 1

#include "bytes.h"
#include "peers.h"
#include "queue_internal.h"
#include "unbounded.h"
#include "wait.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A deadline meaning "try once, do not wait". */
#define NOWAIT INT64_MIN

/* How many failed attempts a blocking operation spins through before it sleeps, and about how
 * long they take at most: a timed operation whose deadline is nearer does not spin. */
#define SPIN_ATTEMPTS 256
#define SPIN_BUDGET_NS 50000

/* When the condition holds but the attempt keeps failing (an MPMC slot claimed and not yet
 * published, or not yet released, by a preempted thread), yield this many rounds, then nap. */
#define YIELD_ROUNDS 16
#define NAP_NS 50000

/* How many times in a row an MPMC put that found its slot free retries at once before it backs
 * off (a valid ring gets the slot, or sees tail move on, long before). */
#define AT_ONCE_TRIES 64

/* How many rounds of backoff a nowait call of a process-shared queue waits for a peer in the middle
 * of its copy before it reports FULL or EMPTY (about 0.1 s): a peer process may be stopped, dead
 * or hostile, and a nowait call must return within a bound whatever it does. */
#ifndef PEER_NOWAIT_ROUNDS /* the fuzz targets (tests/fuzz) shorten both bounds: same paths, faster */
#define PEER_NOWAIT_ROUNDS (YIELD_ROUNDS + 2000)
#endif

/* How long shutdown waits, in a process-shared queue, for a peer process to finish a step (a get
 * under way, a claimed slot's copy, another process's discarding) before it goes on without it:
 * that peer may be stopped, dead or hostile, and shutdown must return whatever it does. */
#ifndef SHARED_PEER_WAIT_NS
#define SHARED_PEER_WAIT_NS 1000000000LL
#endif

/* The longest single futex sleep. A waiter re-checks at least this often, so that a stall long
 * enough for its 32-bit epoch to come round again (2^32 bumps) delays it instead of losing a
 * wake-up. */
#define MAX_SLEEP_NS 5000000000LL

/* After membarrier was refused at run time (see "A refused membarrier" above), the longest single
 * sleep, and how long shutdown lets store buffers drain before it trusts a busy word. */
#define DEGRADED_SLEEP_NS 1000000LL

/* How long a waiter that cannot announce itself (SLEEPERS_MAX sleepers already) naps between two
 * re-checks. */
#define OVERFLOW_NAP_NS 1000000LL

/* notify's k for shutdown and ALL_DONE: wake every sleeper. */
#define WAKE_ALL UINT32_MAX

/* ---- the ring underneath ------------------------------------------------------------------ */

/* The handle and the shared words. Every call takes the ring's geometry from the handle
 * (q->geom, q->kind, q->token, the offsets), never from shared memory: see
 * docs/design/handle-and-layout.md and src/shm.c. */
static inline struct ringq__shared *
sh(const struct ringq_queue *q)
{
  return ringq__sh(q);
}

static inline struct ringq_spsc *
spsc_of(struct ringq_queue *q)
{
  return (struct ringq_spsc *)((uintptr_t)q + (uintptr_t)q->ring_offset);
}

static inline struct ringq_mpmc *
mpmc_of(struct ringq_queue *q)
{
  return (struct ringq_mpmc *)((uintptr_t)q + (uintptr_t)q->ring_offset);
}

static inline struct ringq__unbounded *
unbounded_of(struct ringq_queue *q)
{
  return (struct ringq__unbounded *)((uintptr_t)q + (uintptr_t)q->ring_offset);
}

static inline struct ringq__bytes *
bytes_of(struct ringq_queue *q)
{
  return (struct ringq__bytes *)((unsigned char *)q + q->ring_offset);
}

/* The unbounded queue keeps the rings' ticket words (head, tail with the closed mark), so task
 * accounting and the [W2] re-checks read them the same way; so does a byte queue (its tail counts
 * committed messages, its head consumed ones; src/bytes.h). */
static inline _Atomic(uint64_t) *
head_word(struct ringq_queue *q)
{
  if (q->bytes)
    return &bytes_of(q)->head;
  if (q->unbounded)
    return &unbounded_of(q)->head;
  return q->kind == RINGQ_QUEUE_SPSC ? &spsc_of(q)->head : &mpmc_of(q)->head;
}

static inline _Atomic(uint64_t) *
tail_word(struct ringq_queue *q)
{
  if (q->bytes)
    return &bytes_of(q)->tail;
  if (q->unbounded)
    return &unbounded_of(q)->tail;
  return q->kind == RINGQ_QUEUE_SPSC ? &spsc_of(q)->tail : &mpmc_of(q)->tail;
}

/* Up to n items into an unbounded queue (there is always room; SPSC: one publication, MPMC: one
 * claim per item): the count pushed, or RINGQ_SHUTDOWN / RINGQ_ENOMEM when none was. */
static ptrdiff_t
unbounded_give(struct ringq_queue *q, const void *items, size_t n, int closable)
{
  struct ringq__unbounded *u = unbounded_of(q);
  const unsigned char *from = (const unsigned char *)items;
  size_t i;
  if (q->kind == RINGQ_QUEUE_SPSC) /* one publication for the whole burst */
    return ringq__unbounded_spsc_push_n(u, items, n, closable); /* [N1] = [US3] */
  for (i = 0; i < n; i++, from += u->elem_size) {
    enum ringq_status st = ringq__unbounded_mpmc_push(u, from, memory_order_seq_cst); /* [UP4] */
    if (st != RINGQ_OK)
      return i > 0 ? (ptrdiff_t)i : (ptrdiff_t)st;
  }
  return (ptrdiff_t)n;
}

/* Up to n items out of an unbounded queue: the count (0: empty) or RINGQ_SHUTDOWN. head_mo: the
 * SPSC head store [UT3] (one for the burst); an MPMC get claims each item with seq_cst and waits
 * for a claimed putter's copy. */
static ptrdiff_t
unbounded_take(struct ringq_queue *q, void *items, size_t n, memory_order head_mo)
{
  struct ringq__unbounded *u = unbounded_of(q);
  unsigned char *to = (unsigned char *)items;
  size_t i;
  if (q->kind == RINGQ_QUEUE_SPSC) /* one store of head for the whole burst */
    return ringq__unbounded_spsc_pop_n(u, items, n, head_mo);
  for (i = 0; i < n; i++, to += u->elem_size) {
    enum ringq_status st = ringq__unbounded_mpmc_pop(u, to, memory_order_seq_cst);
    if (st != RINGQ_OK)
      return i > 0 ? (ptrdiff_t)i : st == RINGQ_EMPTY ? 0 : (ptrdiff_t)st;
  }
  return (ptrdiff_t)n;
}

static inline uint64_t
full_span(struct ringq_queue *q)
{
  return q->geom.full_span;
}

static inline int
is_shared(const struct ringq_queue *q)
{
  return (q->flags & RINGQ_QUEUE_PROCESS_SHARED) != 0;
}

/* A process-private queue used by another process than the one that made it: the child of a
 * fork() that inherited a copy (whose puts and gets no other process would ever see), or a
 * process that found it in memory shared without RINGQ_QUEUE_PROCESS_SHARED (whose futex waits
 * and wakes would never reach the others). Those calls return RINGQ_EPROCESS instead of stalling.
 * No system call: ringq__self is this process's pid, taken once and in every fork child
 * (src/shm.c); a load and two compares on a line the call reads anyway. */
static inline int
foreign(const struct ringq_queue *q)
{
  /* relaxed: only this process writes ringq__self (first queue, fork child handler). One
   * compare for a private queue in its own process; owner 0 (shared) is never foreign. */
  uint32_t self = atomic_load_explicit(&ringq__self, memory_order_relaxed);
  return __builtin_expect(q->owner != self, 0) && q->owner != 0;
}

/* A single push as a count: 1 pushed, 0 full, or a negative status (an unbounded queue's too). */
static inline ptrdiff_t
spsc_push_n(struct ringq_queue *q, const void *items, size_t n, int closable)
{
  struct ringq_spsc *r = spsc_of(q);
  enum ringq_status st;
  if (q->bytes) /* one put or commit (n is 1): [N1] = [P2] of src/bytes.h */
    return ringq__bytes_push_q(q, items, closable);
  if (q->unbounded)
    return unbounded_give(q, items, n, closable);
  if (n != 1)
    return ringq__spsc_push_burst_g(&q->geom, r, items, n, closable);
  st = ringq__spsc_push_g(&q->geom, r, items, closable);
  return st == RINGQ_OK ? 1 : st == RINGQ_FULL ? 0 : (ptrdiff_t)st;
}

/* The asymmetric SPSC put of n items (1: a single put; more: a burst, one publication): the count
 * pushed (0: full) or RINGQ_SHUTDOWN. See "Why a put that races with shutdown is never lost". */
static inline ptrdiff_t
spsc_give_asym(struct ringq_queue *q, const void *items, size_t n)
{
  ptrdiff_t k = RINGQ_SHUTDOWN;
  struct ringq__shared *s = sh(q); /* once: the offset is read-only */
  /* [A1] relaxed store, compiler barrier, relaxed load: with shutdown's heavy barrier [A3], a
   * store-buffering pair (this store vs shutdown's busy load; shutdown's state store vs this
   * load). */
  atomic_store_explicit(&s->put_busy, 1, memory_order_relaxed);
  atomic_signal_fence(memory_order_seq_cst);
  if (!(atomic_load_explicit(&s->state, memory_order_relaxed) & STATE_CLOSING))
    k = spsc_push_n(q, items, n, 0); /* [N1] = [P3] / [US3], release */
  /* [A2] release; pairs with [A4]: the push is complete before shutdown sets the mark. */
  atomic_store_explicit(&s->put_busy, 0, memory_order_release);
  return k;
}

static inline enum ringq_status
ring_put_asym(struct ringq_queue *q, const void *item)
{
  ptrdiff_t k = spsc_give_asym(q, item, 1);
  return k == 1 ? RINGQ_OK : k == 0 ? RINGQ_FULL : (enum ringq_status)k;
}

static inline int
uses_asym(struct ringq_queue *q)
{
  /* acquire (a plain load on x86 and a load-acquire on AArch64); pairs with degrade's store: the
   * flag only ever goes from 1 to 0, and a reader of 0 sees `degraded` set. */
  return atomic_load_explicit(&q->asym, memory_order_acquire) != 0;
}

/* A shutdown has begun. relaxed: a put that starts after is_shutdown() returned true is ordered
 * after the fetch-or that set CLOSING, so it reads it (coherence); a put racing with shutdown may
 * miss it and then lands before the closed mark or fails on it. */
static inline int
closing(struct ringq_queue *q)
{
  return (atomic_load_explicit(&sh(q)->state, memory_order_relaxed) & STATE_CLOSING) != 0;
}

static void backoff(int *rounds, int64_t deadline);

/* Some ticket in (h, t) was published or already taken: a put that completed has an item behind
 * the slot of ticket h. Loads at most one lap of slots. */
static int
mpmc_item_behind(const struct ringq__geom *g, struct ringq_mpmc *r, uint64_t h)
{
  /* [L1] acquire; pairs with the claims [MP3] (seq_cst RMWs, so release): every ticket below t
   * was claimed, and its slot's sequence is at least the ticket (see mpmc.h). */
  uint64_t t = atomic_load_explicit(&r->tail, memory_order_acquire) & ~RINGQ__CLOSED;
  uint64_t u, n;
  for (u = h + RINGQ__STEP, n = 0; (int64_t)(t - u) > 0 && n <= g->mask; u += RINGQ__STEP, n++)
    /* [L2] acquire; pairs with [MP4]: a put that returned before this get began is seen. */
    if (atomic_load_explicit(ringq__mpmc_seq_g(g, r, u), memory_order_acquire) != u)
      return 1;
  return 0;
}

/* Some ticket in (p, h) was released by its getter, where p = t - lap is the ticket whose slot the
 * put of ticket t needs: a get that completed has freed room. Loads at most one lap of slots. */
static int
mpmc_room_behind(const struct ringq__geom *g, struct ringq_mpmc *r, uint64_t t)
{
  uint64_t p = t - g->lap, v, n;
  /* [L3] acquire; pairs with the getters' claims [MC3] (seq_cst RMWs). */
  uint64_t h = atomic_load_explicit(&r->head, memory_order_acquire);
  for (v = p + RINGQ__STEP, n = 0; (int64_t)(h - v) > 0 && n <= g->mask; v += RINGQ__STEP, n++)
    /* [L4] acquire; pairs with [MC4]: a get that returned before this put began is seen. */
    if ((int64_t)(atomic_load_explicit(ringq__mpmc_seq_g(g, r, v), memory_order_acquire) -
                  (v + g->lap)) >= 0)
      return 1;
  return 0;
}

/* Raise a "seen" mark (puts_seen / gets_seen) to at least ticket v. seq_cst RMW; read by the
 * other side's acquire load in peer_pending: a result that counted a claim still under way is
 * ordered before any call that starts after it (see "Results a sequential queue would give"). */
static void
raise_seen(_Atomic(uint64_t) *seen, uint64_t v)
{
  /* relaxed: the compare-exchange validates it. */
  uint64_t cur = atomic_load_explicit(seen, memory_order_relaxed);
  while ((int64_t)(v - cur) > 0 &&
         !atomic_compare_exchange_weak_explicit(seen, &cur, v, memory_order_seq_cst,
                                                memory_order_relaxed)) {
  }
}

/* An earlier result counted the claim of ticket x as done (puts_seen: a put's claim counted as an
 * item in the queue; gets_seen: a get's claim counted as an item got). */
static int
seen_past(_Atomic(uint64_t) *seen, uint64_t x)
{
  /* acquire; pairs with raise_seen's RMW. */
  return (int64_t)(atomic_load_explicit(seen, memory_order_acquire) - x) > 0;
}

/* One round of waiting for a peer mid-copy: 1 to retry, 0 when the caller's deadline has passed
 * (a nowait call waits for the peer to be scheduled; see queue.h). */
static int
wait_for_peer(struct ringq_queue *q, int *rounds, int64_t deadline)
{
  if (deadline != NOWAIT && ringq__now_ns() >= deadline)
    return 0;
  /* A process-shared queue's peer may be stopped, dead or hostile: a nowait call waits for it
   * at most PEER_NOWAIT_ROUNDS rounds (about PEER_NOWAIT_ROUNDS * NAP_NS), then reports. */
  if (deadline == NOWAIT && is_shared(q) && *rounds >= PEER_NOWAIT_ROUNDS)
    return 0;
  backoff(rounds, deadline == NOWAIT ? RINGQ__FOREVER : deadline);
  return 1;
}

/* One MPMC put / get on the ring: the mpmc.h fast path, or, for a queue with a participant table
 * (made or attached by src/shm.c), the same ring operation with its claim recorded (peers.c). */
static inline enum ringq_status
mpmc_push1(struct ringq_queue *q, const void *item)
{
  if (__builtin_expect(q->peer == 0, 1))
    return ringq__mpmc_push_g(&q->geom, mpmc_of(q), item, memory_order_seq_cst); /* [MP3] */
  return ringq__peers_put1(q, item); /* [K1], [MP3] seq_cst, [MP4], [K2] */
}

static inline enum ringq_status
mpmc_pop1(struct ringq_queue *q, void *item)
{
  if (__builtin_expect(q->peer == 0, 1))
    return ringq__mpmc_pop_g(&q->geom, mpmc_of(q), item, memory_order_seq_cst); /* [MC3] */
  return ringq__peers_get1(q, item); /* [K1], [MC3] seq_cst, [MC4], [K2] */
}

/* The MPMC put, linearizable as a sequential queue sees it (see "Results a sequential queue would
 * give" above): FULL only when no completed get has freed room; when one has but the slot this put
 * needs is still being read by an earlier getter, wait for that getter, without claiming. */
static enum ringq_status
mpmc_put_full(struct ringq_queue *q, const void *item, int64_t deadline)
{
  struct ringq_mpmc *r = mpmc_of(q);
  const struct ringq__geom *g = &q->geom;
  int rounds = 0, at_once = 0;
  for (;;) {
    uint64_t t;
    enum ringq_status st = mpmc_push1(q, item); /* [MP3] */
    if (st != RINGQ_FULL)
      return st;
    /* relaxed: the slot load below decides; a stale tail only repeats the try. */
    t = atomic_load_explicit(&r->tail, memory_order_relaxed);
    if (t & RINGQ__CLOSED)
      return RINGQ_SHUTDOWN;
    /* [L3] acquire, as below: capacity items claimed and not yet claimed by getters. Signed: head
     * may have passed this t meanwhile. */
    if (g->bounded && (int64_t)(t - atomic_load_explicit(&r->head, memory_order_acquire)) >=
                          (int64_t)g->full_span)
      break;
    /* [MP2] acquire; pairs with [MC4]: the slot became free meanwhile; try again at once. Not
     * for ever: a mapping whose head is past its tail (written by a faulty peer) keeps the slot
     * free while the bound says full, and the nowait put spun without end (found by
     * tests/fuzz/fuzz_attach); after AT_ONCE_TRIES the retries go through wait_for_peer's bound. */
    if (atomic_load_explicit(ringq__mpmc_seq_g(g, r, t), memory_order_acquire) == t &&
        ++at_once <= AT_ONCE_TRIES)
      continue;
    /* The slot's getter may be a dead process (peers.c): released for it, try again. */
    if (q->peer != 0 && ringq__peers_unstick_put(q, t))
      continue;
    if (!mpmc_room_behind(g, r, t) && !seen_past(&sh(q)->gets_seen, t - g->lap))
      break;
    if (!wait_for_peer(q, &rounds, deadline))
      break;
  }
  raise_seen(&sh(q)->puts_seen,
             atomic_load_explicit(&r->tail, memory_order_relaxed) & ~RINGQ__CLOSED);
  return RINGQ_FULL;
}

/* The MPMC get, likewise: EMPTY only when no completed put's item remains; when one sits behind a
 * slot whose putter is still copying, wait for that putter, without claiming. */
static enum ringq_status
mpmc_get_empty(struct ringq_queue *q, void *item, int64_t deadline)
{
  struct ringq_mpmc *r = mpmc_of(q);
  const struct ringq__geom *g = &q->geom;
  int rounds = 0;
  uint64_t h;
  for (;;) {
    enum ringq_status st = mpmc_pop1(q, item); /* [MC3] */
    if (st != RINGQ_EMPTY)
      return st;
    /* acquire; pairs with shutdown's fetch-or: after an immediate shutdown began, take nothing. */
    if (atomic_load_explicit(&sh(q)->state, memory_order_acquire) & STATE_DISCARD)
      return RINGQ_SHUTDOWN;
    /* relaxed: the slot load below decides; a stale head only repeats the try. */
    h = atomic_load_explicit(&r->head, memory_order_relaxed);
    /* [MC2] acquire; pairs with [MP4]: published meanwhile; try again at once. (Any other value
     * than h + 1 is h, in flight; an earlier lap's getter still copying out, when tail == h; or
     * taken, when head moved on: mpmc_item_behind decides.) */
    if (atomic_load_explicit(ringq__mpmc_seq_g(g, r, h), memory_order_acquire) == h + 1)
      continue;
    /* The slot's putter may be a dead process (peers.c): a hole now, try again. */
    if (q->peer != 0 && ringq__peers_unstick_get(q, h))
      continue;
    if (!mpmc_item_behind(g, r, h) && !seen_past(&sh(q)->puts_seen, h))
      break;
    if (!wait_for_peer(q, &rounds, deadline))
      break;
  }
  raise_seen(&sh(q)->gets_seen, h);
  return RINGQ_EMPTY;
}

/* The fast paths: one try on the ring inline; the out-of-line functions above only when the ring
 * says FULL or EMPTY (they try again first). */
static inline enum ringq_status
mpmc_put(struct ringq_queue *q, const void *item, int64_t deadline)
{
  enum ringq_status st = mpmc_push1(q, item);
  return st != RINGQ_FULL ? st : mpmc_put_full(q, item, deadline);
}

static inline enum ringq_status
mpmc_get(struct ringq_queue *q, void *item, int64_t deadline)
{
  enum ringq_status st = mpmc_pop1(q, item);
  return st != RINGQ_EMPTY ? st : mpmc_get_empty(q, item, deadline);
}

/* One try on the ring: RINGQ_OK, RINGQ_FULL or RINGQ_SHUTDOWN (closed: nothing accepted). The
 * publication is [N1] for NOT_EMPTY: seq_cst ([P3q] / [MP3]), or [P3] in the asymmetric variant. */
static inline enum ringq_status
ring_put(struct ringq_queue *q, const void *item, int64_t deadline)
{
  enum ringq_status st;
  if (q->kind == RINGQ_QUEUE_SPSC && uses_asym(q))
    return ring_put_asym(q, item);
  if (closing(q))
    return RINGQ_SHUTDOWN;
  if (q->unbounded) { /* [N1] = [US3] / [UP4]; never FULL, never waits for room */
    ptrdiff_t k = unbounded_give(q, item, 1, 1);
    st = k == 1 ? RINGQ_OK : (enum ringq_status)k; /* RINGQ_SHUTDOWN or RINGQ_ENOMEM */
  } else
    st = q->kind == RINGQ_QUEUE_SPSC ? ringq__spsc_push_g(&q->geom, spsc_of(q), item, 1)
                                     : mpmc_put(q, item, deadline); /* [P3q] / [MP3] */
  if (st == RINGQ_SHUTDOWN)
    /* acquire; pairs with shutdown's seq_cst fetch-or of the mark, which follows its CLOSING: the
     * mark was read relaxed, and whoever learns of this failure must find is_shutdown() true. */
    (void)atomic_load_explicit(tail_word(q), memory_order_acquire);
  return st;
}

/* What a busy word holds while this handle's step is under way: its participant tag (peers.c:
 * shutdown can tell that the step's process died), or 1 for a queue without a table. */
static inline uint32_t
busy_tag(const struct ringq_queue *q)
{
  return q->peer != 0 ? q->peer : 1u;
}

/* The SPSC get of up to n items (1: a single get; more: a burst, one release of room): the count
 * taken (0: empty) or RINGQ_SHUTDOWN. Like the asymmetric put, it raises get_busy around its check
 * of the state and its pop, so that an immediate shutdown can wait it out and then become the
 * ring's consumer. */
static inline ptrdiff_t
spsc_take(struct ringq_queue *q, void *items, size_t n)
{
  ptrdiff_t k = RINGQ_SHUTDOWN;
  uint32_t state;
  int asym = uses_asym(q);
  struct ringq__shared *s = sh(q); /* once: the offset is read-only */
  if (asym) {
    /* [G1] relaxed store, compiler barrier, relaxed load: a store-buffering pair with shutdown's
     * state RMW, heavy barrier [A3] and get_busy load [G3]. */
    atomic_store_explicit(&s->get_busy, busy_tag(q), memory_order_relaxed);
    atomic_signal_fence(memory_order_seq_cst);
    state = atomic_load_explicit(&s->state, memory_order_relaxed);
  } else {
    /* [G1] seq_cst store and load: the same pair, in the total order S. */
    atomic_store_explicit(&s->get_busy, busy_tag(q), memory_order_seq_cst);
    state = atomic_load_explicit(&s->state, memory_order_seq_cst);
  }
  RINGQ__HOOK(RINGQ__HOOK_GET_BUSY);
  if (!(state & STATE_DISCARD)) {
    memory_order mo = asym ? memory_order_release : memory_order_seq_cst; /* [C3] / [UT3] / [F2] */
    if (q->bytes) {
      struct ringq__bytes_get *g = items;
      k = ringq__bytes_pop(bytes_of(q), &q->bgeom, g, &q->bytes_peek_end, mo);
      /* A record of a dead putter holds the consumer (src/bytes.c, "Dead putters"): resolved
       * here, inside the get_busy window (the discarder waits it out), then look again. */
      if (k == 0 && q->peer != 0 && ringq__bytes_unstick(q))
        k = ringq__bytes_pop(bytes_of(q), &q->bgeom, g, &q->bytes_peek_end, mo);
      if ((k == 1 && g->peek) || k == RINGQ_EINVAL)
        return k; /* a peek is a get under way until its release lowers get_busy ([G2]);
                     EINVAL: a peek is open, and its get_busy must stay raised */
    } else if (q->unbounded) {
      k = unbounded_take(q, items, n, mo);
    } else if (n != 1) {
      k = ringq__spsc_pop_burst_g(&q->geom, spsc_of(q), items, n, mo);
    } else {
      enum ringq_status st = ringq__spsc_pop_g(&q->geom, spsc_of(q), items, mo);
      k = st == RINGQ_OK ? 1 : st == RINGQ_EMPTY ? 0 : (ptrdiff_t)st;
    }
  }
  /* [G2] release; pairs with [G3]: the pop is complete, head is final for it. */
  atomic_store_explicit(&s->get_busy, 0, memory_order_release);
  return k;
}

static inline enum ringq_status
ring_get_spsc(struct ringq_queue *q, void *item)
{
  ptrdiff_t k = spsc_take(q, item, 1);
  return k == 1 ? RINGQ_OK : k == 0 ? RINGQ_EMPTY : (enum ringq_status)k;
}

/* One try on the ring: RINGQ_OK, RINGQ_EMPTY or RINGQ_SHUTDOWN (closed and drained, or discarded).
 * The release of room is [N1] for NOT_FULL: seq_cst ([C3] / [MC3]), or [C3] release in the
 * asymmetric variant. */
static inline enum ringq_status
ring_get(struct ringq_queue *q, void *item, int64_t deadline)
{
  if (q->kind == RINGQ_QUEUE_SPSC)
    return ring_get_spsc(q, item);
  /* acquire; pairs with shutdown's fetch-or: after an immediate shutdown began, take nothing. */
  if (atomic_load_explicit(&sh(q)->state, memory_order_acquire) & STATE_DISCARD)
    return RINGQ_SHUTDOWN;
  if (q->unbounded) /* linearizable by itself: it waits for the claimed slot's putter */
    return ringq__unbounded_mpmc_pop(unbounded_of(q), item, memory_order_seq_cst);
  return mpmc_get(q, item, deadline);
}

/* One round of waiting for a thread in the middle of a short step (an MPMC slot claimed and not
 * yet published or released, an SPSC put or get under way): yield for the first rounds, then
 * nap, never past the deadline. */
static void
backoff(int *rounds, int64_t deadline)
{
  int64_t left;
  if (++*rounds <= YIELD_ROUNDS) {
    ringq__yield();
    return;
  }
  left = deadline == RINGQ__FOREVER ? NAP_NS : deadline - ringq__now_ns();
  if (left > 0)
    ringq__nap(left < NAP_NS ? left : NAP_NS);
}

/* ---- notification ------------------------------------------------------------------------- */

/* The futex word: the epoch half of w->word. */
static inline _Atomic(uint32_t) *
epoch_word(struct ringq__waitq *w)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  return (_Atomic(uint32_t) *)((unsigned char *)&w->word + 4);
#else
  return (_Atomic(uint32_t) *)&w->word;
#endif
}

/* No counted sleeper lacks a wake in flight, and no poller waits: [N2]'s fast exit. */
static inline int
covered(uint64_t s)
{
  return SLEEPERS_OF(s) <= TOKENS_OF(s) && !(s & POLLER);
}

/* After [N1] made k units of w's condition true (WAKE_ALL: shutdown, ALL_DONE): wake one sleeper
 * per unit, up to the sleepers no wake is on its way to ("Waking one waiter, not all" above). */
static inline void
notify_seen(struct ringq_queue *q, struct ringq__waitq *w, uint32_t k)
{
  uint64_t s, next;
  uint32_t m;
  if (uses_asym(q)) {
    /* [N2] asymmetric: compiler barrier and relaxed load; the waiter's heavy barrier between
     * [W1] and [W2] supplies the hardware barrier (see the top of this file). */
    atomic_signal_fence(memory_order_seq_cst);
    s = atomic_load_explicit(&w->word, memory_order_relaxed);
  } else {
    /* [N2] seq_cst; pairs with [W1] in the total order S (see the top of this file). */
    s = atomic_load_explicit(&w->word, memory_order_seq_cst);
  }
  if (covered(s))
    return;
  RINGQ__HOOK(RINGQ__HOOK_BEFORE_WAKE);
  do {
    uint32_t idle = SLEEPERS_OF(s) - TOKENS_OF(s);
    m = k < idle ? k : idle;
    next = (s & ~POLLER) + (uint64_t)m * ONE_TOKEN;
    if (m > 0) /* the epoch moves on: a sleeper not yet queued in the kernel will not sleep */
      next = (next & ~(uint64_t)UINT32_MAX) | (uint32_t)(EPOCH_OF(s) + 1u);
    /* [N3] seq_cst CAS; pairs with [W1] (the count it read) and with [W3] (a leaver reads the
     * tokens, and through this release the state [N1] wrote). On failure s is reloaded: another
     * notifier may have covered every sleeper meanwhile, or the count changed. */
    if (atomic_compare_exchange_weak_explicit(&w->word, &s, next, memory_order_seq_cst,
                                              memory_order_relaxed)) {
      if (m > 0) {
        /* relaxed: a statistic. */
        atomic_fetch_add_explicit(&sh(q)->stat_wakes, 1, memory_order_relaxed);
        ringq__wake(epoch_word(w), k == WAKE_ALL ? INT32_MAX : (int)m, is_shared(q)); /* [N4] */
      }
      if (s & POLLER)
        ringq__poll_signal(q, w); /* [N4] for a poller (poll.c) */
      return;
    }
  } while (!covered(s));
}

static inline void
notify_n(struct ringq_queue *q, struct ringq__waitq *w, uint32_t k)
{
  RINGQ__HOOK(RINGQ__HOOK_AFTER_PUBLISH);
  notify_seen(q, w, k);
}

static inline void
notify(struct ringq_queue *q, struct ringq__waitq *w)
{
  notify_n(q, w, 1);
}

/* The inline fast path's wakes (ringq/queue.h): its own [N2] saw a waiter; the hook ran there. */
void
ringq__wake_getters(struct ringq_queue *q)
{
  notify_seen(q, &sh(q)->not_empty, 1);
}

void
ringq__wake_putters(struct ringq_queue *q)
{
  notify_seen(q, &sh(q)->not_full, 1);
}

#ifdef RINGQ_TEST_HOOKS
_Atomic(uint64_t) ringq__test_twin_calls;

void
ringq__inline_hook_after_publish(void)
{
  RINGQ__HOOK(RINGQ__HOOK_AFTER_PUBLISH);
}

void
ringq__inline_hook_get_busy(void)
{
  RINGQ__HOOK(RINGQ__HOOK_GET_BUSY);
}
#endif

/* ---- the conditions, re-checked at [W2] with seq_cst loads -------------------------------- */

typedef int (*condition_fn)(struct ringq_queue *q);

/* A get may succeed, or must report SHUTDOWN. */
static int
get_may_proceed(struct ringq_queue *q)
{
  uint64_t h, t;
  /* [W2] seq_cst; pairs with shutdown's [N1] on state. */
  if (atomic_load_explicit(&sh(q)->state, memory_order_seq_cst) & STATE_DISCARD)
    return 1;
  /* [W2] seq_cst; pairs with the puts' [N1] on tail. */
  h = atomic_load_explicit(head_word(q), memory_order_seq_cst);
  t = atomic_load_explicit(tail_word(q), memory_order_seq_cst);
  /* A byte queue's getter also frees PADs left by aborted reservations (src/bytes.h). */
  return (t & RINGQ__CLOSED) || t != h || (q->bytes && ringq__bytes_pad_ready(bytes_of(q)));
}

/* A put may succeed, or must report SHUTDOWN. */
static int
put_may_proceed(struct ringq_queue *q)
{
  uint64_t h, t;
  if (q->unbounded)
    return 1; /* there is always room (a put may fail with RINGQ_ENOMEM, but never waits) */
  if (q->bytes)
    return ringq__bytes_put_may_proceed(q); /* room for this putter's record (src/bytes.c) */
  /* [W2] seq_cst; pairs with the gets' [N1] on head and shutdown's [N1] on tail. */
  h = atomic_load_explicit(head_word(q), memory_order_seq_cst);
  t = atomic_load_explicit(tail_word(q), memory_order_seq_cst);
  return (t & RINGQ__CLOSED) || t - h < full_span(q);
}

/* Every accepted put is matched by a task_done or a discard. done never passes tail, so the test
 * is >=, not ==: even an overshoot could not keep join waiting. */
static int
all_tasks_done(struct ringq_queue *q)
{
  /* [W2] seq_cst; pairs with task_done's and the discards' [N1]. */
  uint64_t done = atomic_load_explicit(&sh(q)->done, memory_order_seq_cst);
  /* [W2] seq_cst; pairs with the puts' [N1] on tail. */
  uint64_t target = atomic_load_explicit(tail_word(q), memory_order_seq_cst) & ~RINGQ__CLOSED;
  return (int64_t)(target - done) <= 0;
}

/* ---- waiting ------------------------------------------------------------------------------ */

enum { STEP_READY = 1 }; /* wait_step: the condition held at [W2]; nothing slept */

/* membarrier was refused after this queue relied on it: from now on the queue runs the symmetric
 * protocol, and its sleeps are capped (see "A refused membarrier" at the top of this file). */
static void
degrade(struct ringq_queue *q)
{
  /* seq_cst, and before asym: whoever reads asym == 0 (acquire, uses_asym) also reads degraded
   * == 1, so a shutdown never sees the symmetric protocol without the degraded precautions. */
  atomic_store_explicit(&q->degraded, 1, memory_order_seq_cst);
  /* seq_cst: puts and gets that start later see 0 and publish with seq_cst operations. */
  atomic_store_explicit(&q->asym, 0, memory_order_seq_cst);
}

/* The asymmetric variant's heavy barrier; on refusal, degrade. */
static void
heavy_barrier(struct ringq_queue *q)
{
  if (ringq__heavy_barrier() != 0)
    degrade(q);
  /* relaxed: a statistic. */
  atomic_fetch_add_explicit(&sh(q)->stat_barriers, 1, memory_order_relaxed);
}

/* The count of threads inside wait_step that ringq_queue_fini reads: per participant in a queue
 * with a table (fini sums the live ones, so a dead waiter's count is ignored; peers.c). */
static inline _Atomic(uint32_t) *
blocked_word(struct ringq_queue *q)
{
  if (q->peer != 0)
    return &ringq__peers_of(q)->entry[q->peer - 1].blocked;
  return &sh(q)->blocked;
}

/* What a waiter must undo when it leaves wait_step, normally or cancelled in its futex wait. */
struct announcement {
  struct ringq_queue *q;
  struct ringq__waitq *w;
  condition_fn ready;
  uint32_t epoch;
  int rc; /* announced_wait's result (kept in memory: the cleanup machinery uses setjmp) */
};

/* [W1]: count the caller as a sleeper of w, reading the epoch atomically with it. 0 when w
 * already counts SLEEPERS_MAX sleepers: nothing was announced. */
static int
announce(struct ringq__waitq *w, uint32_t *epoch)
{
  /* relaxed: the compare-exchange validates it. */
  uint64_t s = atomic_load_explicit(&w->word, memory_order_relaxed);
  do {
    if (SLEEPERS_OF(s) >= SLEEPERS_MAX)
      return 0;
    /* [W1] seq_cst; pairs with [N2] in the total order S. */
  } while (!atomic_compare_exchange_weak_explicit(&w->word, &s, s + ONE_SLEEPER,
                                                  memory_order_seq_cst, memory_order_relaxed));
  *epoch = EPOCH_OF(s);
  return 1;
}

/* [W3]: leave w, consuming a token if any is pending. 1 if it consumed one (the caller owes a
 * look at the condition, and a pass-on if it ends without an operation of this kind). */
static int
leave(struct ringq__waitq *w)
{
  /* relaxed: the compare-exchange validates it. */
  uint64_t s = atomic_load_explicit(&w->word, memory_order_relaxed);
  /* [W3] seq_cst; pairs with [N2] (a notifier that counted this sleeper comes before it in S)
   * and with [N3] (reads the tokens it issued, and the state [N1] wrote before it). */
  while (!atomic_compare_exchange_weak_explicit(
      &w->word, &s, s - ONE_SLEEPER - (TOKENS_OF(s) != 0 ? ONE_TOKEN : 0), memory_order_seq_cst,
      memory_order_relaxed)) {
  }
  return TOKENS_OF(s) != 0;
}

/* The pass-on: a waiter that consumed a wake and ends without an operation of w's kind hands it
 * to the next sleeper if the condition holds. */
static void
pass_on(struct ringq_queue *q, struct ringq__waitq *w, condition_fn ready)
{
  if (ready(q))
    notify_n(q, w, 1);
}

/* [W3] and the `blocked` count for a waiter cancelled in its futex wait (a cleanup handler), with
 * the pass-on of a wake it consumed: it ends without an operation. */
static void
take_back_cancelled(void *arg)
{
  struct announcement *a = arg;
  int owed = leave(a->w);
  /* release; pairs with ringq_queue_fini's acquire: this thread is done with the queue's words. */
  atomic_fetch_sub_explicit(blocked_word(a->q), 1, memory_order_release);
  if (owed)
    pass_on(a->q, a->w, a->ready);
}

/* [W2] and the sleep, for a thread announced in epoch e. Returns STEP_READY, 0 (woken or spurious:
 * retry), RINGQ_TIMEDOUT or RINGQ_ESYS. */
static int
announced_wait(struct ringq_queue *q, struct ringq__waitq *w, condition_fn ready, int64_t deadline,
               uint32_t e)
{
  int rc;
  int64_t cap_ns = MAX_SLEEP_NS, cap;
  RINGQ__HOOK(RINGQ__HOOK_AFTER_ANNOUNCE);
  if (uses_asym(q))
    heavy_barrier(q); /* the asymmetric variant's half of [N2]'s missing barrier */
  if (ready(q))
    return STEP_READY;
  /* relaxed: read at every sleep; a waiter whose barrier was just refused stored 1 itself. */
  if (atomic_load_explicit(&q->degraded, memory_order_relaxed))
    cap_ns = DEGRADED_SLEEP_NS;
  RINGQ__HOOK(RINGQ__HOOK_BEFORE_SLEEP);
  /* relaxed: a statistic. */
  atomic_fetch_add_explicit(&sh(q)->stat_waits, 1, memory_order_relaxed);
  cap = ringq__now_ns() + cap_ns;
  rc = ringq__wait(epoch_word(w), e, deadline < cap ? deadline : cap, is_shared(q));
  if (rc == RINGQ_TIMEDOUT && deadline > cap) {
    rc = 0; /* only the cap passed: re-check */
#ifdef RINGQ_TEST_HOOKS
    /* relaxed: a statistic read after the threads are joined. */
    if (cap_ns == MAX_SLEEP_NS)
      atomic_fetch_add_explicit(&ringq__test_capped_sleeps, 1, memory_order_relaxed);
#endif
  }
  return rc;
}

/* [W1]..[W3] once: sleep on w until notified or the deadline, unless `ready` holds once this
 * thread is announced. Returns what announced_wait returns. *owed: the thread consumed a wake it
 * has not used yet (set by [W3]; kept when [W2] found the condition true, since the thread goes
 * on to retry; cleared when it found it false). A cancellation point (the futex wait): the
 * cleanup handler takes the announcement back and passes a consumed wake on; see queue.h. */
static int
wait_step(struct ringq_queue *q, struct ringq__waitq *w, condition_fn ready, int64_t deadline,
          int *owed)
{
  struct announcement a;
  a.q = q;
  a.w = w;
  a.ready = ready;
  /* relaxed: only ringq_queue_fini reads it, to refuse freeing memory a thread is still in. */
  atomic_fetch_add_explicit(blocked_word(q), 1, memory_order_relaxed);
  RINGQ__HOOK(RINGQ__HOOK_BEFORE_ANNOUNCE);
  if (!announce(w, &a.epoch)) {
    /* SLEEPERS_MAX sleepers already: nap and re-check instead (see "Limits" at the top). */
    int64_t left = deadline == RINGQ__FOREVER ? OVERFLOW_NAP_NS : deadline - ringq__now_ns();
    /* release; pairs with ringq_queue_fini's acquire. */
    atomic_fetch_sub_explicit(blocked_word(q), 1, memory_order_release);
    if (ready(q))
      return STEP_READY;
    if (left > 0)
      ringq__nap(left < OVERFLOW_NAP_NS ? left : OVERFLOW_NAP_NS);
    *owed = 0;
    return 0;
  }
  pthread_cleanup_push(take_back_cancelled, &a);
  a.rc = announced_wait(q, w, ready, deadline, a.epoch);
  pthread_cleanup_pop(0);
  /* [W3], and whether this thread now owes a look. */
  *owed = leave(w) || (a.rc == STEP_READY && *owed);
  /* release; pairs with ringq_queue_fini's acquire: this thread is done with the queue's words. */
  atomic_fetch_sub_explicit(blocked_word(q), 1, memory_order_release);
  return a.rc;
}

/* ---- the protocol's pieces for the capability files (queue_internal.h) ---------------------- */

int
ringq__get_may_proceed(struct ringq_queue *q)
{
  return get_may_proceed(q);
}

int
ringq__put_may_proceed(struct ringq_queue *q)
{
  return put_may_proceed(q);
}

_Atomic(uint32_t) *
ringq__epoch_word(struct ringq__waitq *w)
{
  return epoch_word(w);
}

int
ringq__is_shared(const struct ringq_queue *q)
{
  return is_shared(q);
}

int
ringq__announce(struct ringq_queue *q, struct ringq__waitq *w, uint32_t *epoch)
{
  if (!announce(w, epoch)) /* [W1] seq_cst, as in wait_step */
    return 0;
  if (uses_asym(q))
    heavy_barrier(q);
  return 1;
}

int
ringq__take_back(struct ringq_queue *q, struct ringq__waitq *w)
{
  (void)q;
  return leave(w); /* [W3] seq_cst, as in wait_step */
}

void
ringq__poll_announce(struct ringq_queue *q, struct ringq__waitq *w)
{
  /* [E2] = [W1] for a poller, seq_cst; pairs with [N2] in the total order S, as a sleeper's. */
  atomic_fetch_or_explicit(&w->word, POLLER, memory_order_seq_cst);
  if (uses_asym(q))
    heavy_barrier(q);
}

void
ringq__notify_one(struct ringq_queue *q, struct ringq__waitq *w)
{
  notify_n(q, w, 1);
}

typedef enum ringq_status (*attempt_fn)(struct ringq_queue *q, void *item, int64_t deadline);

void
ringq__notify(struct ringq_queue *q, struct ringq__waitq *w)
{
  notify(q, w);
}

void
ringq__notify_all(struct ringq_queue *q, struct ringq__waitq *w)
{
  notify_n(q, w, WAKE_ALL);
}

int
ringq__uses_asym(struct ringq_queue *q)
{
  return uses_asym(q);
}

/* One put or commit of a byte queue, as ring_put's SPSC path runs a put. */
ptrdiff_t
ringq__bytes_give(struct ringq_queue *q, const void *op)
{
  ptrdiff_t k;
  if (uses_asym(q))
    return spsc_give_asym(q, op, 1); /* [A1]..[A2], [N1] = [P2] release */
  if (closing(q))
    return RINGQ_SHUTDOWN;
  k = spsc_push_n(q, op, 1, 1); /* [N1] = [P2] seq_cst */
  if (k == RINGQ_SHUTDOWN)
    /* acquire; as in ring_put: is_shutdown() is true for whoever learns of this failure. */
    (void)atomic_load_explicit(tail_word(q), memory_order_acquire);
  return k;
}

ptrdiff_t
ringq__bytes_take(struct ringq_queue *q, void *op)
{
  return spsc_take(q, op, 1);
}

static enum ringq_status
attempt_put(struct ringq_queue *q, void *item, int64_t deadline)
{
  enum ringq_status st = ring_put(q, item, deadline);
  if (st == RINGQ_OK)
    notify(q, &sh(q)->not_empty); /* [N2]..[N4] for getters */
  return st;
}

static enum ringq_status
attempt_get(struct ringq_queue *q, void *item, int64_t deadline)
{
  enum ringq_status st = ring_get(q, item, deadline);
  if (st == RINGQ_OK && !q->unbounded) /* nobody waits for room in an unbounded queue */
    notify(q, &sh(q)->not_full); /* [N2]..[N4] for putters */
  return st;
}

/* [D3] of src/peers.c: a waiter of a queue with a table that has found a shutdown begun and not
 * complete for SHARED_PEER_WAIT_NS runs it again (its caller may have died half-way). *since:
 * when this waiter first found it so (0: not yet). One relaxed load while no shutdown has begun;
 * called between sleeps, which MAX_SLEEP_NS caps. Returns the deadline for the next sleep: the
 * caller's, or the moment to look again if that comes first. */
static int64_t
finish_stalled_shutdown(struct ringq_queue *q, int64_t *since, int64_t deadline)
{
  uint32_t s;
  int64_t now;
  if (q->peer == 0)
    return deadline;
  /* relaxed: a hint; shutdown's own operations are seq_cst. */
  s = atomic_load_explicit(&sh(q)->state, memory_order_relaxed);
  if (!(s & STATE_CLOSING) ||
      ((s & STATE_SHUTDOWN) && (!(s & STATE_DISCARD) || (s & STATE_IMMEDIATE)))) {
    *since = 0;
    return deadline;
  }
  now = ringq__now_ns();
  if (*since == 0) {
    *since = now;
  } else if (now - *since >= SHARED_PEER_WAIT_NS) {
    (void)ringq_queue_shutdown(q, (s & STATE_DISCARD) != 0);
    *since = 0;
    return deadline;
  }
  return *since + SHARED_PEER_WAIT_NS < deadline ? *since + SHARED_PEER_WAIT_NS : deadline;
}

/* The blocking loop shared by put and get: try, spin, then wait ([W1]..[W3]), until the attempt
 * succeeds, the queue is shut down, or the deadline passes (then `miss`). A wait that consumed a
 * wake is passed on if the loop ends without an operation ("Waking one waiter, not all"). */
static enum ringq_status
block_until(struct ringq_queue *q, void *item, int64_t deadline, attempt_fn attempt,
            struct ringq__waitq *w, condition_fn ready, enum ringq_status miss)
{
  int ready_rounds = 0, owed = 0;
  int64_t stalled_since = 0;
  for (;;) {
    int i, rc;
    int spins = SPIN_ATTEMPTS;
    enum ringq_status st = attempt(q, item, deadline);
    if (st != miss)
      return st;
    if (deadline == NOWAIT)
      return miss;
    if (deadline != RINGQ__FOREVER) { /* no clock read for a wait without limit */
      int64_t left = deadline - ringq__now_ns();
      if (left <= 0) {
        if (owed)
          pass_on(q, w, ready);
        return miss;
      }
      if (left < SPIN_BUDGET_NS)
        spins = 0; /* the spin would overshoot a deadline this close */
    }
    for (i = 0; i < spins; i++) {
      ringq__relax();
      st = attempt(q, item, deadline);
      if (st != miss)
        return st;
    }
    /* A sleep that ends early for finish_stalled_shutdown returns RINGQ_TIMEDOUT: the loop goes
     * on (only the caller's deadline, checked above, ends it). */
    rc = wait_step(q, w, ready, finish_stalled_shutdown(q, &stalled_since, deadline), &owed);
    if (rc == RINGQ_ESYS) {
      if (owed)
        pass_on(q, w, ready);
      return RINGQ_ESYS;
    }
    if (rc != STEP_READY)
      ready_rounds = 0;
    else /* The condition holds but the attempts missed: the other side is between claiming
          * and publishing (MPMC), or another thread took the item or room first. */
      backoff(&ready_rounds, deadline);
  }
}

enum ringq_status
ringq__block_until(struct ringq_queue *q, void *op, int64_t deadline, ringq__attempt_fn attempt,
                   struct ringq__waitq *w, int (*ready)(struct ringq_queue *q),
                   enum ringq_status miss)
{
  return block_until(q, op, deadline, attempt, w, ready, miss);
}

/* ---- deadlines ---------------------------------------------------------------------------- */

int64_t
ringq__deadline_after(int64_t timeout_ns)
{
  int64_t now;
  if (timeout_ns == 0)
    return NOWAIT;
  now = ringq__now_ns();
  if (timeout_ns >= RINGQ__FOREVER - now)
    return RINGQ__FOREVER; /* too far to represent: no limit */
  return now + timeout_ns;
}

enum ringq_status
ringq__deadline_at(const struct timespec *ts, int64_t *deadline)
{
  if (ts == NULL || ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L)
    return RINGQ_EINVAL;
  if ((int64_t)ts->tv_sec >= (RINGQ__FOREVER - ts->tv_nsec) / 1000000000)
    *deadline = RINGQ__FOREVER;
  else
    *deadline = (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
  return RINGQ_OK;
}

/* ---- put / get ---------------------------------------------------------------------------- */

/* What a token queue's ring carries: one byte, never looked at. */
static const unsigned char token_in;

static enum ringq_status
put_until(struct ringq_queue *q, const void *item, int64_t deadline)
{
  RINGQ__COUNT_TWIN_CALL();
  if (q == NULL || (item == NULL && !q->token) || q->bytes) /* bytes: ringq_queue_put_bytes */
    return RINGQ_EINVAL;
  if (foreign(q))
    return RINGQ_EPROCESS;
  if (q->token)
    item = &token_in;
  return block_until(q, (void *)(uintptr_t)item, deadline, attempt_put, &sh(q)->not_full,
                     put_may_proceed, RINGQ_FULL);
}

static enum ringq_status
get_until(struct ringq_queue *q, void *item, int64_t deadline)
{
  unsigned char token_out;
  RINGQ__COUNT_TWIN_CALL();
  if (q == NULL || (item == NULL && !q->token) || q->bytes) /* bytes: ringq_queue_get_bytes */
    return RINGQ_EINVAL;
  if (foreign(q))
    return RINGQ_EPROCESS;
  if (q->token)
    item = &token_out;
  return block_until(q, item, deadline, attempt_get, &sh(q)->not_empty, get_may_proceed,
                     RINGQ_EMPTY);
}

enum ringq_status
ringq_queue_put(struct ringq_queue *q, const void *item)
{
  return put_until(q, item, RINGQ__FOREVER);
}

enum ringq_status
ringq_queue_put_nowait(struct ringq_queue *q, const void *item)
{
  return put_until(q, item, NOWAIT);
}

enum ringq_status
ringq_queue_put_timeout(struct ringq_queue *q, const void *item, int64_t timeout_ns)
{
  if (timeout_ns < 0)
    return RINGQ_EINVAL;
  return put_until(q, item, ringq__deadline_after(timeout_ns));
}

enum ringq_status
ringq_queue_put_until(struct ringq_queue *q, const void *item, const struct timespec *deadline)
{
  int64_t d;
  enum ringq_status st = ringq__deadline_at(deadline, &d);
  return st != RINGQ_OK ? st : put_until(q, item, d);
}

enum ringq_status
ringq_queue_get(struct ringq_queue *q, void *item)
{
  return get_until(q, item, RINGQ__FOREVER);
}

enum ringq_status
ringq_queue_get_nowait(struct ringq_queue *q, void *item)
{
  return get_until(q, item, NOWAIT);
}

enum ringq_status
ringq_queue_get_timeout(struct ringq_queue *q, void *item, int64_t timeout_ns)
{
  if (timeout_ns < 0)
    return RINGQ_EINVAL;
  return get_until(q, item, ringq__deadline_after(timeout_ns));
}

enum ringq_status
ringq_queue_get_until(struct ringq_queue *q, void *item, const struct timespec *deadline)
{
  int64_t d;
  enum ringq_status st = ringq__deadline_at(deadline, &d);
  return st != RINGQ_OK ? st : get_until(q, item, d);
}

/* ---- bursts: put_many / get_many --------------------------------------------------------- */

/* Up to n items in one publication (the ring's burst; MPMC: one claim), with the single-item path's
 * sequential-queue results when the burst finds no room: the count put (0: full) or a status. */
static ptrdiff_t
ring_give(struct ringq_queue *q, const void *items, size_t n, int64_t deadline)
{
  ptrdiff_t k;
  enum ringq_status st;
  if (q->kind == RINGQ_QUEUE_SPSC && uses_asym(q))
    return spsc_give_asym(q, items, n);
  if (closing(q))
    return RINGQ_SHUTDOWN;
  if (q->kind == RINGQ_QUEUE_SPSC)
    k = spsc_push_n(q, items, n, 1); /* [N1] = [P3q] / [US3] */
  else if (q->unbounded)
    k = unbounded_give(q, items, n, 1); /* [N1] = [UP4] */
  else if ((k = q->peer != 0 ? ringq__peers_put(q, items, n)
                             : ringq__mpmc_push_burst_g(&q->geom, mpmc_of(q), items, n,
                                                        memory_order_seq_cst)) == 0)
    k = (st = mpmc_put(q, items, deadline)) == RINGQ_OK ? 1 : st == RINGQ_FULL ? 0 : st;
  if (k == RINGQ_SHUTDOWN)
    /* acquire; as in ring_put: is_shutdown() is true for whoever learns of this failure. */
    (void)atomic_load_explicit(tail_word(q), memory_order_acquire);
  return k;
}

/* Up to n items taken with one release of room: the count (0: empty) or a status. */
static ptrdiff_t
ring_take(struct ringq_queue *q, void *items, size_t n, int64_t deadline)
{
  ptrdiff_t k;
  enum ringq_status st;
  if (q->kind == RINGQ_QUEUE_SPSC)
    return spsc_take(q, items, n);
  /* acquire; pairs with shutdown's fetch-or: after an immediate shutdown began, take nothing. */
  if (atomic_load_explicit(&sh(q)->state, memory_order_acquire) & STATE_DISCARD)
    return RINGQ_SHUTDOWN;
  if (q->unbounded)
    return unbounded_take(q, items, n, memory_order_seq_cst);
  if ((k = q->peer != 0 ? ringq__peers_get(q, items, n)
                         : ringq__mpmc_pop_burst_g(&q->geom, mpmc_of(q), items, n,
                                                   memory_order_seq_cst)) == 0)
    k = (st = mpmc_get(q, items, deadline)) == RINGQ_OK ? 1 : st == RINGQ_EMPTY ? 0 : st;
  return k;
}

/* A burst under way: items [done, n) still to put, or the room for up to n items got. */
struct burst {
  unsigned char *items;
  size_t n, done, step;
};

/* What a token queue's bursts carry: nothing (and at most this many per publication). */
static const unsigned char tokens_in[256];

static size_t
elem_bytes(struct ringq_queue *q)
{
  if (q->unbounded)
    return (size_t)unbounded_of(q)->elem_size;
  return (size_t)q->geom.elem_size;
}

static enum ringq_status
attempt_put_many(struct ringq_queue *q, void *arg, int64_t deadline)
{
  struct burst *b = arg;
  while (b->done < b->n) {
    size_t left = b->n - b->done;
    const void *from = q->token ? (const void *)tokens_in : b->items + b->done * elem_bytes(q);
    ptrdiff_t k = ring_give(q, from, left < b->step ? left : b->step, deadline);
    if (k <= 0)
      return k == 0 ? RINGQ_FULL : (enum ringq_status)k;
    b->done += (size_t)k;
    notify_n(q, &sh(q)->not_empty, (uint32_t)k); /* one wake per item, one system call at most */
  }
  return RINGQ_OK;
}

static enum ringq_status
attempt_get_many(struct ringq_queue *q, void *arg, int64_t deadline)
{
  struct burst *b = arg;
  ptrdiff_t k = ring_take(q, b->items, b->n < b->step ? b->n : b->step, deadline);
  if (k <= 0)
    return k == 0 ? RINGQ_EMPTY : (enum ringq_status)k;
  b->done = (size_t)k;
  if (!q->unbounded) /* nobody waits for room in an unbounded queue */
    notify_n(q, &sh(q)->not_full, (uint32_t)k); /* one wake per slot freed, one system call at most */
  return RINGQ_OK;
}

/* The most items one publication moves: the capacity (the rings' bursts stop there), and for a
 * token queue the size of tokens_in. */
static size_t
burst_step(struct ringq_queue *q)
{
  size_t cap = q->unbounded ? SIZE_MAX : ringq_queue_capacity(q); /* unbounded: no limit */
  return q->token && cap > sizeof tokens_in ? sizeof tokens_in : cap;
}

ptrdiff_t
ringq_queue_put_many(struct ringq_queue *q, const void *items, size_t n, int64_t timeout_ns)
{
  struct burst b;
  enum ringq_status st;
  if (q == NULL || n == 0 || (items == NULL && !q->token) || timeout_ns < 0 || q->bytes)
    return RINGQ_EINVAL;
  if (foreign(q))
    return RINGQ_EPROCESS;
  b.items = (unsigned char *)(uintptr_t)items;
  b.n = n;
  b.done = 0;
  b.step = burst_step(q);
  st = block_until(q, &b, ringq__deadline_after(timeout_ns), attempt_put_many, &sh(q)->not_full,
                   put_may_proceed, RINGQ_FULL);
  return b.done > 0 ? (ptrdiff_t)b.done : (ptrdiff_t)st;
}

ptrdiff_t
ringq_queue_get_many(struct ringq_queue *q, void *items, size_t max, int64_t timeout_ns)
{
  unsigned char sink[sizeof tokens_in];
  struct burst b;
  enum ringq_status st;
  if (q == NULL || max == 0 || (items == NULL && !q->token) || timeout_ns < 0 || q->bytes)
    return RINGQ_EINVAL;
  if (foreign(q))
    return RINGQ_EPROCESS;
  b.items = q->token ? sink : (unsigned char *)items;
  b.n = max;
  b.done = 0;
  b.step = burst_step(q);
  st = block_until(q, &b, ringq__deadline_after(timeout_ns), attempt_get_many, &sh(q)->not_empty,
                   get_may_proceed, RINGQ_EMPTY);
  return st == RINGQ_OK ? (ptrdiff_t)b.done : (ptrdiff_t)st;
}

/* ---- size --------------------------------------------------------------------------------- */

size_t
ringq_queue_qsize(struct ringq_queue *q)
{
  if (q == NULL)
    return 0;
  /* acquire; pairs with shutdown's fetch-or: after an immediate shutdown the queue is empty. */
  if (atomic_load_explicit(&sh(q)->state, memory_order_acquire) & STATE_DISCARD)
    return 0;
  if (q->bytes)
    return ringq__bytes_size(bytes_of(q), &q->bgeom);
  if (q->unbounded)
    return ringq__unbounded_size(unbounded_of(q));
  return q->kind == RINGQ_QUEUE_SPSC ? ringq__spsc_size_g(&q->geom, spsc_of(q))
                                     : ringq__mpmc_size_g(&q->geom, mpmc_of(q));
}

bool
ringq_queue_empty(struct ringq_queue *q)
{
  return ringq_queue_qsize(q) == 0;
}

bool
ringq_queue_full(struct ringq_queue *q)
{
  if (q != NULL && q->bytes) /* no room for a message of the largest size */
    return !ringq__bytes_fits_now(bytes_of(q), &q->bgeom, ringq__bytes_rec(q->bgeom.max_len));
  return q != NULL && !q->unbounded && ringq_queue_qsize(q) == ringq_queue_capacity(q);
}

size_t
ringq_queue_capacity(const struct ringq_queue *q)
{
  if (q == NULL || q->unbounded)
    return 0;
  if (q->bytes)
    return (size_t)q->bgeom.size;
  return (size_t)q->geom.capacity;
}

size_t
ringq_queue_elem_size(const struct ringq_queue *q)
{
  if (q == NULL || q->token)
    return 0;
  if (q->bytes) /* a byte queue: its largest message */
    return (size_t)q->bgeom.max_len;
  return q->unbounded ? (size_t)unbounded_of((struct ringq_queue *)q)->elem_size
                      : (size_t)q->geom.elem_size;
}

/* ---- task_done / join --------------------------------------------------------------------- */

enum ringq_status
ringq_queue_task_done(struct ringq_queue *q)
{
  uint64_t d;
  if (q == NULL)
    return RINGQ_EINVAL;
  if (foreign(q))
    return RINGQ_EPROCESS;
  /* relaxed: the compare-exchange below validates it. */
  d = atomic_load_explicit(&sh(q)->done, memory_order_relaxed);
  for (;;) {
    /* relaxed: tail_seen is a value tail really had (tail only grows), kept on this line so that
     * task_done reads the producers' line only when the copy says "no task left". */
    uint64_t t = atomic_load_explicit(&sh(q)->tail_seen, memory_order_relaxed);
    if ((int64_t)(t - d) <= 0) {
      /* acquire; pairs with the puts' [N1] on tail: the number of puts accepted so far. done never
       * passes it: Python's "called more times than there were items placed in the queue". */
      t = atomic_load_explicit(tail_word(q), memory_order_acquire) & ~RINGQ__CLOSED;
      /* relaxed: a cache; a racing older value only costs another read of tail. */
      atomic_store_explicit(&sh(q)->tail_seen, t, memory_order_relaxed);
      if ((int64_t)(t - d) <= 0)
        return RINGQ_ETASKDONE;
    }
    /* [N1] seq_cst for ALL_DONE; on failure d is reloaded. */
    if (atomic_compare_exchange_weak_explicit(&sh(q)->done, &d, d + RINGQ__STEP,
                                              memory_order_seq_cst, memory_order_relaxed))
      break;
  }
  /* An MPMC task_done for a ticket no getter has claimed counts that put as accepted, even if it
   * is still copying: a get that starts later must not report EMPTY for it (see "Results a
   * sequential queue would give"). acquire; pairs with the getters' claims. */
  if (q->kind == RINGQ_QUEUE_MPMC &&
      (int64_t)(d - atomic_load_explicit(head_word(q), memory_order_acquire)) >= 0)
    raise_seen(&sh(q)->puts_seen, d + RINGQ__STEP);
  /* Only the task_done that completes the work needs to wake joiners, and only if one waits:
   * [N2] seq_cst; pairs with a joiner's [W1] (the CAS above is [N1]), so no joiner is missed; with
   * none announced, no read of tail. all_tasks_done's seq_cst loads see this CAS. */
  if (SLEEPERS_OF(atomic_load_explicit(&sh(q)->all_done.word, memory_order_seq_cst)) != 0 &&
      all_tasks_done(q))
    notify_n(q, &sh(q)->all_done, WAKE_ALL);
  return RINGQ_OK;
}

/* [D5] of src/peers.c: what a joiner knows of the progress of the tasks. */
struct join_watch {
  uint64_t done;  /* `done` as it last read it */
  int64_t since;  /* when it read that value first (0: not yet) */
  uint64_t clean; /* ringq__peers_sweep_gets's memo */
};

/* [D5] of src/peers.c: a joiner of an MPMC queue with a table that has found `done` unchanged for
 * SHARED_PEER_WAIT_NS has the lap below head swept for claims of dead getters (their items are
 * lost: counted done, which may complete the work). Nothing for any other queue; else one relaxed
 * load and a clock read per wake of the joiner. Returns the deadline for the next sleep: the
 * caller's, or the moment to look again if that comes first: a join without a deadline sees a
 * dead getter's claim within about 2 * SHARED_PEER_WAIT_NS of the later of the last task done and
 * the death. */
static int64_t
sweep_stalled_join(struct ringq_queue *q, struct join_watch *jw, int64_t deadline)
{
  uint64_t d;
  int64_t now, next;
  if (q->peer == 0 || q->kind != RINGQ_QUEUE_MPMC || q->bytes || q->unbounded)
    return deadline;
  /* relaxed: a hint of progress; whether a claim is resolved is the sweep's decision. */
  d = atomic_load_explicit(&sh(q)->done, memory_order_relaxed);
  now = ringq__now_ns();
  if (jw->since == 0 || d != jw->done) {
    jw->done = d;
    jw->since = now;
  } else if (now - jw->since >= SHARED_PEER_WAIT_NS) {
    ringq__peers_sweep_gets(q, &jw->clean);
    jw->since = now;
  }
  next = jw->since + SHARED_PEER_WAIT_NS;
  return next < deadline ? next : deadline;
}

static enum ringq_status
join_until(struct ringq_queue *q, int64_t deadline)
{
  int owed = 0; /* joiners are woken all at once: nothing to pass on */
  int64_t stalled_since = 0;
  struct join_watch watch = {0, 0, 0};
  if (q == NULL)
    return RINGQ_EINVAL;
  if (foreign(q))
    return RINGQ_EPROCESS;
  for (;;) {
    int rc;
    if (all_tasks_done(q))
      return RINGQ_OK;
    if (deadline == NOWAIT || ringq__now_ns() >= deadline) {
      /* The unfinished tasks counted may include MPMC puts still copying: a get that starts
       * later must not report EMPTY for them. relaxed: the ticket value is all raise_seen needs. */
      if (q->kind == RINGQ_QUEUE_MPMC)
        raise_seen(&sh(q)->puts_seen,
                   atomic_load_explicit(tail_word(q), memory_order_relaxed) & ~RINGQ__CLOSED);
      return RINGQ_TIMEDOUT;
    }
    /* A sleep that ends early for finish_stalled_shutdown or sweep_stalled_join returns
     * RINGQ_TIMEDOUT: the loop goes on (only the caller's deadline, checked above, ends it). */
    rc = wait_step(q, &sh(q)->all_done, all_tasks_done,
                   sweep_stalled_join(q, &watch,
                                      finish_stalled_shutdown(q, &stalled_since, deadline)),
                   &owed);
    if (rc == RINGQ_ESYS)
      return RINGQ_ESYS;
  }
}

enum ringq_status
ringq_queue_join(struct ringq_queue *q)
{
  return join_until(q, RINGQ__FOREVER);
}

enum ringq_status
ringq_queue_join_timeout(struct ringq_queue *q, int64_t timeout_ns)
{
  if (timeout_ns < 0)
    return RINGQ_EINVAL;
  return join_until(q, ringq__deadline_after(timeout_ns));
}

enum ringq_status
ringq_queue_join_until(struct ringq_queue *q, const struct timespec *deadline)
{
  int64_t d;
  enum ringq_status st = ringq__deadline_at(deadline, &d);
  return st != RINGQ_OK ? st : join_until(q, d);
}

/* ---- shutdown ----------------------------------------------------------------------------- */

/* Count one discarded item as done, clamped at tail: Python subtracts the discarded items from
 * unfinished_tasks and clamps at zero (task_done calls made before the get may already have
 * counted them). [N1] seq_cst for ALL_DONE. */
static void
count_discard(struct ringq_queue *q)
{
  /* relaxed: the compare-exchange validates it. */
  uint64_t d = atomic_load_explicit(&sh(q)->done, memory_order_relaxed);
  /* acquire; pairs with the puts' [N1]: tail is closed and final here. */
  uint64_t t = atomic_load_explicit(tail_word(q), memory_order_acquire) & ~RINGQ__CLOSED;
  while ((int64_t)(t - d) > 0 &&
         !atomic_compare_exchange_weak_explicit(&sh(q)->done, &d, d + RINGQ__STEP,
                                                memory_order_seq_cst, memory_order_relaxed)) {
  }
}

void
ringq__count_lost(struct ringq_queue *q, uint64_t n, struct ringq__waitq *w)
{
  uint64_t i;
  /* relaxed: a statistic. */
  atomic_fetch_add_explicit(&sh(q)->stat_lost, n, memory_order_relaxed);
  for (i = 0; i < n; i++)
    count_discard(q); /* [N1] for ALL_DONE: nobody will call task_done for a lost item */
  /* [N2] seq_cst; pairs with a joiner's [W1], as in task_done. */
  if (n > 0 &&
      SLEEPERS_OF(atomic_load_explicit(&sh(q)->all_done.word, memory_order_seq_cst)) != 0 &&
      all_tasks_done(q))
    notify_n(q, &sh(q)->all_done, WAKE_ALL);
  if (w != NULL)
    notify(q, w); /* [N2]..[N4]: a hole for the getters, or a freed slot for the putters */
}

/* Hand one item to the discard callback (none: drop it), in place. */
static void
hand_over(struct ringq_queue *q, const void *item)
{
  if (q->discard != NULL)
    q->discard(q->token ? NULL : (void *)(uintptr_t)item, q->discard_ctx);
}

/* discard_one for an unbounded queue: the item is handed over in its segment's slot. */
static enum ringq_status
discard_one_unbounded(struct ringq_queue *q)
{
  struct ringq__unbounded *u = unbounded_of(q);
  enum ringq_status st;
  if (q->kind == RINGQ_QUEUE_SPSC) {
    void *view = NULL;
    st = ringq__unbounded_spsc_begin_read(u, &view);
    if (st != RINGQ_OK)
      return st;
    hand_over(q, view);
    ringq__unbounded_spsc_end_read(u, memory_order_release);
  } else {
    struct ringq__uread rd;
    st = ringq__unbounded_mpmc_begin_read(u, &rd, memory_order_seq_cst); /* [UC5] */
    if (st != RINGQ_OK)
      return st;
    hand_over(q, ringq__unbounded_mpmc_item(u, &rd));
    ringq__unbounded_mpmc_end_read(u, &rd);
  }
  return RINGQ_OK;
}

/* discard_one for a byte queue: the message is handed over in place as a struct ringq_queue_msg,
 * then consumed (a peek left open is discarded with it). A corrupt ring ends the discarding. */
static enum ringq_status
discard_one_bytes(struct ringq_queue *q)
{
  struct ringq__bytes *b = bytes_of(q);
  struct ringq_queue_msg msg;
  const unsigned char *rec = NULL;
  uint64_t len = 0, end = 0;
  int st = ringq__bytes_next(b, &q->bgeom, &rec, &len, &end);
  if (st == RINGQ__BYTES_SKIP) { /* PADs only: free them, look again */
    ringq__bytes_free(b, &q->bgeom, end, 0, memory_order_seq_cst);
    st = ringq__bytes_next(b, &q->bgeom, &rec, &len, &end);
  }
  if (st != RINGQ_OK)
    return st == RINGQ_ECORRUPT ? RINGQ_SHUTDOWN
                                : st == RINGQ__BYTES_SKIP ? RINGQ_EMPTY : (enum ringq_status)st;
  msg.data = rec;
  msg.len = (size_t)len;
  hand_over(q, &msg);
  q->bytes_peek_end = 0; /* fini with a peek left open (a discarder waits for its release) */
  ringq__bytes_consume(b, &q->bgeom, end, memory_order_seq_cst); /* [F2] */
  return RINGQ_OK;
}

/* Take the oldest item out of the ring for good, handing it over: RINGQ_OK, RINGQ_EMPTY (the next
 * one is claimed but not yet written, or nothing is left) or RINGQ_SHUTDOWN (closed and drained).
 * SPSC: only the one consumer (the discarder after [G3], or fini) may call it. */
static enum ringq_status
discard_one(struct ringq_queue *q)
{
  if (q->bytes)
    return discard_one_bytes(q);
  if (q->unbounded)
    return discard_one_unbounded(q);
  if (q->kind == RINGQ_QUEUE_SPSC) {
    const void *view = NULL;
    ptrdiff_t n = ringq__spsc_peek_g(&q->geom, spsc_of(q), 1, &view);
    if (n != 1)
      return n == RINGQ_SHUTDOWN || n == RINGQ_ECORRUPT ? (enum ringq_status)n : RINGQ_EMPTY;
    hand_over(q, view);
    return ringq_spsc_release(spsc_of(q), 1);
  } else if (q->peer != 0) {
    /* A shared queue has no discard callback: take the item with its claim recorded (a dead
     * discarder's claim is resolved like a getter's), consuming holes. [N1] = [MC3]. */
    ptrdiff_t k = ringq__peers_get(q, NULL, 1);
    return k == 1 ? RINGQ_OK : k == 0 ? RINGQ_EMPTY : (enum ringq_status)k;
  } else {
    struct ringq_mpmc *r = mpmc_of(q);
    uint64_t h = 0;
    /* [N1] = [MC3] */
    enum ringq_status st = ringq__mpmc_begin_read_g(&q->geom, r, &h, memory_order_seq_cst);
    if (st != RINGQ_OK)
      return st;
    hand_over(q, ringq__mpmc_data(ringq__mpmc_seq_g(&q->geom, r, h)));
    ringq__mpmc_end_read_g(&q->geom, r, h);
    return RINGQ_OK;
  }
}

/* The discarder's work: every item below the closed tail, in order, handed over exactly once and
 * counted. A producer that claimed an MPMC slot and has not written it yet is waited for. */
/* The end of a wait for a peer's short step: none in a private queue, SHARED_PEER_WAIT_NS from now
 * in a process-shared one (see there). */
static int64_t
peer_deadline(struct ringq_queue *q)
{
  return is_shared(q) ? ringq__now_ns() + SHARED_PEER_WAIT_NS : RINGQ__FOREVER;
}

static void
discard_all(struct ringq_queue *q)
{
  enum ringq_status st;
  int rounds = 0;
  int64_t deadline = peer_deadline(q);
  while ((st = discard_one(q)) != RINGQ_SHUTDOWN && st != RINGQ_ECORRUPT) {
    if (st == RINGQ_OK) {
      count_discard(q);
      RINGQ__HOOK(RINGQ__HOOK_DISCARDED);
      rounds = 0;
      deadline = peer_deadline(q);
    } else {
      /* A claimed slot whose putter died becomes a hole (peers.c): go on at once. */
      if (q->peer != 0 && q->kind == RINGQ_QUEUE_MPMC && !q->unbounded && !q->bytes &&
          ringq__peers_unstick_get(q, atomic_load_explicit(head_word(q), memory_order_acquire)))
        continue;
      /* A byte record whose putter died becomes a PAD (bytes.c): the discarder is the consumer. */
      if (q->peer != 0 && q->bytes && ringq__bytes_unstick(q))
        continue;
      /* Shared queue: a claimed slot nobody wrote for that long stays behind (its items too). */
      if (deadline != RINGQ__FOREVER && ringq__now_ns() >= deadline)
        return;
      backoff(&rounds, deadline);
    }
  }
}

/* Wait until the busy word is low: [A4] / [G3]. A process-shared queue waits SHARED_PEER_WAIT_NS
 * at most (a peer that never lowers it is stopped, dead or hostile). */
static void
await_idle(struct ringq_queue *q, _Atomic(uint32_t) *busy)
{
  int rounds = 0;
  int64_t deadline = peer_deadline(q);
  /* seq_cst: the other half of [G1]'s store-buffering pair in the symmetric variant; acquire
   * would do for [A4]. Pairs with [A2] / [G2] (release): the step is complete. */
  uint32_t v;
  while ((v = atomic_load_explicit(busy, memory_order_seq_cst)) != 0) {
    if (deadline != RINGQ__FOREVER && ringq__now_ns() >= deadline)
      return;
    /* The word holds the tag of the participant whose step it is (peers.c): a dead one's step
     * will never finish. Asked only once the yields are over (a system call). */
    if (rounds >= YIELD_ROUNDS && ringq__peers_tag_dead(q, v))
      return;
    backoff(&rounds, deadline);
  }
}

enum ringq_status
ringq_queue_shutdown(struct ringq_queue *q, bool immediate)
{
  struct ringq__waitq *all[3];
  int i, cancel_state, discarder;
  uint32_t old;
  if (q == NULL)
    return RINGQ_EINVAL;
  if (foreign(q))
    return RINGQ_EPROCESS;
  /* Not a cancellation point: a shutdown stopped half-way would leave the queue half shut. */
  pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
  /* A queue with a participant table: the discarder is whoever holds the role, so that a dead
   * one's work can be taken over ([D1] in src/peers.c; before DISCARD is set). */
  discarder = immediate && q->peer != 0 && ringq__peers_take_discard(q);
  /* [N1] seq_cst; pairs with every [W2] that reads state, and with [A1] / [G1]. */
  old = atomic_fetch_or_explicit(&sh(q)->state, STATE_CLOSING | (immediate ? STATE_DISCARD : 0u),
                                 memory_order_seq_cst);
  RINGQ__HOOK(RINGQ__HOOK_SHUTDOWN_BEGUN);
  if (q->peer == 0)
    discarder = immediate && !(old & STATE_DISCARD);
  if (q->kind == RINGQ_QUEUE_SPSC) {
    /* [A3] every put and get now either sees the state set above or is seen busy below. */
    if (uses_asym(q))
      heavy_barrier(q);
    /* relaxed: set once, by a waiter or by heavy_barrier just above. */
    if (atomic_load_explicit(&q->degraded, memory_order_relaxed))
      ringq__nap(DEGRADED_SLEEP_NS); /* let a racing step's stores drain; see the top */
    /* [A4]: a put that started before is complete before the mark is set, so its plain store of
     * tail cannot erase the mark. (Only the asymmetric put raises put_busy.) */
    await_idle(q, &sh(q)->put_busy);
    /* [G3]: the discarder becomes the ring's one consumer only once no get is under way. */
    if (discarder)
      await_idle(q, &sh(q)->get_busy);
  }
  /* [N1] seq_cst ([X1] in mpmc.h): no put can publish (SPSC) or claim (MPMC) after this. */
  atomic_fetch_or_explicit(tail_word(q), RINGQ__CLOSED, memory_order_seq_cst);
  /* relaxed, as above. A degraded SPSC put may have read CLOSING too late and its plain store
   * erased the mark: its item is in, so set the mark again once the put is over. */
  while (q->kind == RINGQ_QUEUE_SPSC &&
         atomic_load_explicit(&q->degraded, memory_order_relaxed) &&
         !(atomic_load_explicit(tail_word(q), memory_order_seq_cst) & RINGQ__CLOSED)) {
    await_idle(q, &sh(q)->put_busy);
    atomic_fetch_or_explicit(tail_word(q), RINGQ__CLOSED, memory_order_seq_cst);
    ringq__nap(DEGRADED_SLEEP_NS);
  }
  if (discarder) {
    /* Getters stopped at DISCARD (an MPMC get under way may still take an item: it returns it,
     * and it counts as got). Afterwards head equals the closed tail, for good. */
    discard_all(q);
  } else if (immediate) {
    /* Another thread is the discarder: return once it is done, as Python's would. */
    int rounds = 0;
    int64_t deadline = peer_deadline(q); /* shared: the discarder may be another, dead, process */
    /* acquire; pairs with the discarder's fetch-or of IMMEDIATE. */
    while (!(atomic_load_explicit(&sh(q)->state, memory_order_acquire) & STATE_IMMEDIATE) &&
           (deadline == RINGQ__FOREVER || ringq__now_ns() < deadline))
      backoff(&rounds, deadline);
    /* [D3]: the discarder may have died meanwhile: take its role over and finish its work. */
    if (!(atomic_load_explicit(&sh(q)->state, memory_order_acquire) & STATE_IMMEDIATE) &&
        q->peer != 0 && ringq__peers_take_discard(q)) {
      discarder = 1;
      if (q->kind == RINGQ_QUEUE_SPSC)
        await_idle(q, &sh(q)->get_busy); /* [G3], as above */
      discard_all(q);
    }
  }
  /* [N1] seq_cst: the shutdown is complete. */
  atomic_fetch_or_explicit(&sh(q)->state, STATE_SHUTDOWN | (discarder ? STATE_IMMEDIATE : 0u),
                           memory_order_seq_cst);
  all[0] = &sh(q)->not_empty;
  all[1] = &sh(q)->not_full;
  all[2] = &sh(q)->all_done;
  for (i = 0; i < 3; i++)
    notify_n(q, all[i], WAKE_ALL); /* [N2]..[N4] */
  pthread_setcancelstate(cancel_state, NULL);
  return RINGQ_OK;
}

bool
ringq_queue_is_shutdown(struct ringq_queue *q)
{
  /* acquire; pairs with shutdown's first fetch-or: set before any put can fail with SHUTDOWN. */
  return q != NULL && (atomic_load_explicit(&sh(q)->state, memory_order_acquire) & STATE_CLOSING);
}

enum ringq_status
ringq_queue_set_discard(struct ringq_queue *q, ringq_discard_fn fn, void *ctx)
{
  if (q == NULL || is_shared(q))
    return RINGQ_EINVAL;
  q->discard = fn;
  q->discard_ctx = ctx;
  return RINGQ_OK;
}

/* ---- life cycle --------------------------------------------------------------------------- */

static enum ringq_status
ring_memsize(enum ringq_queue_kind kind, size_t capacity, size_t elem_size, size_t *bytes)
{
  if (kind == RINGQ_QUEUE_SPSC)
    return ringq_spsc_memsize(capacity, elem_size, bytes);
  if (kind == RINGQ_QUEUE_MPMC)
    return ringq_mpmc_memsize(capacity, elem_size, bytes);
  return RINGQ_EINVAL;
}

enum ringq_status
ringq_queue_memsize(enum ringq_queue_kind kind, size_t capacity, size_t elem_size, size_t *bytes)
{
  size_t ring = 0;
  enum ringq_status st;
  if (bytes == NULL)
    return RINGQ_EINVAL;
  if (kind == RINGQ_QUEUE_BYTES_SPSC || kind == RINGQ_QUEUE_BYTES_MPSC) {
    st = ringq__bytes_memsize(capacity, elem_size, &ring); /* elem_size: the largest message */
    if (st == RINGQ_OK)
      *bytes = sizeof(struct ringq_queue) + ring;
    return st;
  }
  /* A token queue (elem_size 0) keeps one byte per slot. */
  st = ring_memsize(kind, capacity, elem_size ? elem_size : 1, &ring);
  if (st != RINGQ_OK)
    return st;
  *bytes = sizeof(struct ringq_queue) + ring;
  return RINGQ_OK;
}

enum ringq_status
ringq_queue_init(void *mem, size_t mem_bytes, enum ringq_queue_kind kind, size_t capacity,
                 size_t elem_size, unsigned flags)
{
  struct ringq_queue *q;
  void *ring_mem;
  size_t need = 0;
  enum ringq_status st;
  if ((flags & ~RINGQ_QUEUE_PROCESS_SHARED) != 0)
    return RINGQ_EINVAL;
  st = ringq_queue_memsize(kind, capacity, elem_size, &need);
  if (st != RINGQ_OK)
    return st;
  st = ringq__check_mem(mem, mem_bytes, need);
  if (st != RINGQ_OK)
    return st;
  q = (struct ringq_queue *)mem;
  if (kind == RINGQ_QUEUE_BYTES_SPSC || kind == RINGQ_QUEUE_BYTES_MPSC) {
    st = ringq__bytes_handle(q, kind, capacity, elem_size, flags); /* checked by memsize */
    if (st != RINGQ_OK)
      return st;
    q->shared_offset = offsetof(struct ringq_queue, own);
    ringq__init_shared(&q->own);
    q->ring_offset = sizeof(struct ringq_queue);
    ringq__bytes_init(bytes_of(q), &q->bgeom);
    return RINGQ_OK;
  }
  ringq__init_handle(q, kind, flags, elem_size, 0);
  q->shared_offset = offsetof(struct ringq_queue, own);
  ringq__init_shared(&q->own);
  q->ring_offset = sizeof(struct ringq_queue);
  st = ringq__geom_for(kind, capacity, elem_size, &q->geom);
  if (st != RINGQ_OK)
    return st;
  if (q->token)
    elem_size = 1;
  ring_mem = (unsigned char *)mem + q->ring_offset;
  st = kind == RINGQ_QUEUE_SPSC
           ? ringq_spsc_init(ring_mem, mem_bytes - q->ring_offset, capacity, elem_size)
           : ringq_mpmc_init(ring_mem, mem_bytes - q->ring_offset, capacity, elem_size);
  /* The inline fast path (ringq/queue.h) serves bounded rings of items; a token queue's puts and
   * gets pass NULL items, which the twins handle. */
  if (st == RINGQ_OK && !q->token)
    q->fast = RINGQ__FAST(kind);
  return st;
}

enum ringq_status
ringq__geom_for(enum ringq_queue_kind kind, size_t capacity, size_t elem_size,
                struct ringq__geom *g)
{
  size_t bytes = 0;
  uint64_t slots;
  enum ringq_status st = ringq_queue_memsize(kind, capacity, elem_size, &bytes);
  if (st != RINGQ_OK)
    return st;
  if (elem_size == 0)
    elem_size = 1; /* a token queue's ring carries one byte per item */
  /* As ringq_spsc_init / ringq_mpmc_init compute them (memsize checked the ranges). */
  slots = kind == RINGQ_QUEUE_SPSC ? ringq__pow2_at_least(capacity) : ringq__mpmc_slots(capacity);
  g->capacity = capacity;
  g->mask = slots - 1;
  g->elem_size = elem_size;
  g->stride = kind == RINGQ_QUEUE_SPSC ? (uint64_t)elem_size
                                       : sizeof(uint64_t) + (((uint64_t)elem_size + 7) & ~7ull);
  g->full_span = (uint64_t)capacity * RINGQ__STEP;
  g->lap = slots * RINGQ__STEP;
  g->bounded = kind == RINGQ_QUEUE_MPMC && capacity < slots;
  return RINGQ_OK;
}

/* An unbounded queue (capacity 0): the queue and its struct ringq__unbounded in one allocation,
 * the segments allocated by the latter as the backlog grows. */
static enum ringq_status
create_unbounded(enum ringq_queue_kind kind, size_t elem_size, struct ringq_queue **out)
{
  size_t bytes = sizeof(struct ringq_queue) + sizeof(struct ringq__unbounded);
  struct ringq_queue *q;
  enum ringq_status st;
  if (kind != RINGQ_QUEUE_SPSC && kind != RINGQ_QUEUE_MPMC)
    return RINGQ_EINVAL;
  if (elem_size > RINGQ_MAX_ELEM_SIZE)
    return RINGQ_ERANGE;
  bytes = (bytes + RINGQ_CACHE_LINE - 1) & ~(size_t)(RINGQ_CACHE_LINE - 1);
  q = (struct ringq_queue *)aligned_alloc(RINGQ_CACHE_LINE, bytes);
  if (q == NULL)
    return RINGQ_ENOMEM;
  ringq__init_handle(q, kind, 0, elem_size, 1);
  q->shared_offset = offsetof(struct ringq_queue, own);
  ringq__init_shared(&q->own);
  q->ring_offset = sizeof(struct ringq_queue);
  memset(&q->geom, 0, sizeof q->geom);
  /* A token queue needs no byte per item here: elem_size 0 is copied as nothing. */
  st = ringq__unbounded_init(unbounded_of(q),
                             kind == RINGQ_QUEUE_SPSC ? RINGQ__UNBOUNDED_SPSC
                                                      : RINGQ__UNBOUNDED_MPMC,
                             elem_size);
  if (st != RINGQ_OK) {
    free(q);
    return st;
  }
  *out = q;
  return RINGQ_OK;
}

/* The handle's fields but the offsets and the geometry (the callers set those). */
void
ringq__init_handle(struct ringq_queue *q, enum ringq_queue_kind kind, unsigned flags,
                   size_t elem_size, int unbounded)
{
  int shared = (flags & RINGQ_QUEUE_PROCESS_SHARED) != 0;
  q->kind = (uint32_t)kind;
  q->flags = flags;
  q->token = elem_size == 0;
  q->unbounded = (uint32_t)unbounded;
  q->bytes = 0;
  q->owner = shared ? 0 : ringq__self_init();
  q->fast = 0; /* ringq_queue_init sets it once the ring is made */
  q->mapped = 0;
  q->discard = NULL;
  q->discard_ctx = NULL;
  q->map_base = NULL;
  q->map_bytes = 0;
  q->map_fd = -1;
  q->peer = 0; /* src/shm.c registers a mapped handle in the participant table */
  q->peer_pid = 0;
  q->peers_offset = 0;
  q->lock_base = 0;
  atomic_init(&q->stuck_get, 0);
  atomic_init(&q->stuck_put, 0);
  atomic_init(&q->stuck_get_since, 0);
  atomic_init(&q->stuck_put_since, 0);
  atomic_init(&q->swept_closed, 0);
  atomic_init(&q->bytes_aborts_view, 0);
  q->bytes_peek_end = 0;
  atomic_init(&q->asym, kind == RINGQ_QUEUE_SPSC && !shared && ringq__heavy_barrier_available());
  atomic_init(&q->degraded, 0);
  atomic_init(&q->poll_fd[POLL_READABLE], -1);
  atomic_init(&q->poll_fd[POLL_WRITABLE], -1);
}

/* The shared words of a new queue. Relaxed: the queue is not shared until init returns; handing
 * it over publishes it (src/shm.c publishes with its ready word). */
void
ringq__init_shared(struct ringq__shared *s)
{
  atomic_init(&s->not_empty.word, 0);
  atomic_init(&s->not_full.word, 0);
  atomic_init(&s->all_done.word, 0);
  atomic_init(&s->blocked, 0);
  atomic_init(&s->put_busy, 0);
  atomic_init(&s->get_busy, 0);
  atomic_init(&s->state, 0);
  atomic_init(&s->done, 0); /* the rings start at ticket 0 */
  atomic_init(&s->puts_seen, 0);
  atomic_init(&s->tail_seen, 0);
  atomic_init(&s->gets_seen, 0);
  atomic_init(&s->stat_waits, 0);
  atomic_init(&s->stat_wakes, 0);
  atomic_init(&s->stat_barriers, 0);
  atomic_init(&s->stat_lost, 0);
}

enum ringq_status
ringq_queue_create(enum ringq_queue_kind kind, size_t capacity, size_t elem_size,
                   struct ringq_queue **out)
{
  size_t bytes = 0;
  void *mem;
  enum ringq_status st;
  if (out == NULL)
    return RINGQ_EINVAL;
  *out = NULL;
  if (capacity == 0)
    return create_unbounded(kind, elem_size, out);
  st = ringq_queue_memsize(kind, capacity, elem_size, &bytes);
  if (st != RINGQ_OK)
    return st;
  bytes = (bytes + RINGQ_CACHE_LINE - 1) & ~(size_t)(RINGQ_CACHE_LINE - 1);
  mem = aligned_alloc(RINGQ_CACHE_LINE, bytes);
  if (mem == NULL)
    return RINGQ_ENOMEM;
  st = ringq_queue_init(mem, bytes, kind, capacity, elem_size, 0);
  if (st != RINGQ_OK) {
    free(mem);
    return st;
  }
  *out = (struct ringq_queue *)mem;
  return RINGQ_OK;
}

enum ringq_status
ringq_queue_fini(struct ringq_queue *q)
{
  int cancel_state;
  if (q == NULL)
    return RINGQ_EINVAL;
  /* A fork child's copy of a private queue (or a private queue another process shares by
   * mistake): nothing to wait for and nothing of it to touch; destroy only frees the copy. */
  if (foreign(q))
    return RINGQ_OK;
  /* acquire; pairs with take_back's release: a thread that left is done with the queue. */
  if ((q->peer != 0 ? ringq__peers_blocked(q)
                    : atomic_load_explicit(&sh(q)->blocked, memory_order_acquire)) != 0)
    return RINGQ_EBUSY;
  /* Not a cancellation point (close() would be one): a half-finished fini would leak. */
  pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
  /* Nothing is dropped on the floor: the items left go to the discard callback. No other thread
   * uses the queue now (the caller's promise), so this thread may act as its consumer. */
  if (q->discard != NULL)
    while (discard_one(q) == RINGQ_OK)
      count_discard(q);
  ringq__poll_close(q);
  pthread_setcancelstate(cancel_state, NULL);
  return RINGQ_OK;
}

enum ringq_status
ringq_queue_destroy(struct ringq_queue *q)
{
  enum ringq_status st;
  if (q != NULL && q->mapped) /* made or attached by src/shm.c: unmap this process's view */
    return ringq_queue_close(q);
  st = ringq_queue_fini(q);
  if (st != RINGQ_OK)
    return st;
  if (q->unbounded) /* fini leaves a queue usable; its segments go with it (items left dropped) */
    ringq__unbounded_fini(unbounded_of(q));
  free(q);
  return st;
}

/* The bytes the queue holds: a bounded queue its fixed size, an unbounded one also its segments. */
static uint64_t
held_bytes(struct ringq_queue *q)
{
  size_t bytes = 0;
  if (q->unbounded)
    return sizeof *q + ringq__unbounded_bytes(unbounded_of(q));
  if (q->mapped)
    return q->map_bytes;
  if (q->bytes)
    return sizeof *q + sizeof(struct ringq__bytes) + q->bgeom.size;
  if (ringq_queue_memsize((enum ringq_queue_kind)q->kind, ringq_queue_capacity(q),
                          q->token ? 0 : (size_t)q->geom.elem_size, &bytes) != RINGQ_OK)
    return 0;
  return bytes;
}

void
ringq_queue_stats(struct ringq_queue *q, struct ringq_queue_stats *out)
{
  if (out == NULL)
    return;
  out->waits = 0;
  out->wakes = 0;
  out->barriers = 0;
  out->bytes = 0;
  out->lost = 0;
  if (q == NULL)
    return;
  /* relaxed: statistics. */
  out->waits = atomic_load_explicit(&sh(q)->stat_waits, memory_order_relaxed);
  out->wakes = atomic_load_explicit(&sh(q)->stat_wakes, memory_order_relaxed);
  out->barriers = atomic_load_explicit(&sh(q)->stat_barriers, memory_order_relaxed);
  out->bytes = held_bytes(q);
  out->lost = atomic_load_explicit(&sh(q)->stat_lost, memory_order_relaxed);
}
