/* SPDX-License-Identifier: MIT */
/* tests/model/wait_any.pml: Spin model of wait-any over two queues (src/poll.c: get_any and
 * wait_any with one futex_waitv on both epochs, or the eventfd-poll fallback with the POLLER bit)
 * on today's waitq word (epoch | sleepers S | tokens T | POLLER: wake one waiter, with pass-on;
 * src/queue_internal.h, src/queue.c "Waking one waiter, not all"), under x86-TSO with store
 * buffers.
 *
 * What is modelled. Queue 0 and queue 1, NOT_EMPTY direction (the READABLE event). One putter per
 * queue makes NITEMS puts (the rings never fill; NOT_FULL is wait.pml's business), each followed
 * by notify_one(NOT_EMPTY) of its own queue. The consumer C calls ringq_queue_get_any on {q0, q1} ({q1, q0} with B, see A0)
 * until every item is got (REPORT=1: ringq_queue_wait_any, which only reports, then the caller's
 * get_nowait on the queue reported); a queue get_any reports RINGQ_SHUTDOWN for is dropped from
 * its array. BLOCKER=1: a blocking getter B on queue 0 (ringq_queue_get, block_until, for ever),
 * so that a wake of queue 0 has two sleepers to choose from and a token the consumer consumed in
 * queue 0 while it takes from queue 1 must be passed on to B. TIMEOUT=1: get_any's deadline may
 * pass at any turn of its loop (the caller calls it again: the owed wakes are passed on first).
 * ONESHOT=1 (with B): C makes one get_any and leaves; B must get the rest of queue 0 (the
 * end-state form of the pass-on checks: an item left beside B asleep for ever is found without
 * the monitor's ghost counts).
 * SHUT=1: a third thread shuts queue 1 down (shutdown(false): notify with WAKE_ALL). FALLBACK=1:
 * the eventfd fallback (no futex_waitv) instead of futex_waitv. ASYM0 / ASYM1 = 1: that queue
 * uses the asymmetric (membarrier) protocol of private SPSC queues (plain tail store, heavy
 * barrier after each [W1]); 0 the seq_cst protocol (MPMC or process-shared: a locked [N1]). B
 * needs queue 0 symmetric (an SPSC queue has one getter); the queue shut down is symmetric.
 *
 * The waitq word of each queue: epoch[i], S[i], T[i], poller[i], changed only by whole-word
 * atomic steps, as the 64-bit word is. The kernel: one FIFO queue of threads per futex word
 * (kq[]); futex_wait / futex_waitv compare the epochs and queue the caller in one step;
 * futex_wake(m) dequeues up to m threads from the front and wakes them (a futex_waitv thread
 * woken through one word stays queued on the other until it runs, so a wake through that word
 * may land on it: the kernel counts it as woken, wake1.pml's rule); a self-ended wait (the
 * consumer's deadline, here only once everything is got) dequeues the thread itself.
 *
 * Memory model: x86-TSO as in wait.pml. Each putter's plain tail stores (ASYM only) go through
 * its FIFO store buffer (chan sb[i]), drained by a drainer process at any time; a locked
 * instruction ([P3q] CAS, the [N3] CAS) first drains it; membarrier drains every buffer. [N2] is a
 * plain load in both variants. The waiters' stores that matter are locked ([W1], [W3], the
 * poller's [E2] RMW) or system calls (eventfd read/write, futex calls).
 *
 * What stays uncovered: ARM/POWER reorderings beyond TSO (see wait.pml's header; there the
 * argument is the C11 one at the top of src/queue.c and src/poll.c); more than two queues, or
 * than one wait-any thread; the WRITABLE direction; spurious futex returns (each only adds a
 * re-check); the SLEEPERS_MAX refusal (a nap instead of the sleep: a re-check loop); futex_waitv
 * refused with ENOSYS after announcing (the sequence of the two modelled paths); the fallback of
 * process-shared queues (sleep_first: a futex wait on the first queue in slices of
 * FALLBACK_SLICE_NS that re-checks all each slice: late by a slice, never lost); epoch
 * wrap-around; store buffers deeper than 3; the MPMC claim/publish split (an attempt takes an item
 * atomically; wake1.pml says why the timed path's pass-on is kept for it).
 *
 * Model step -> labelled step in the source (src/poll.c unless said; queue.c for [N*], [W*]):
 *   R       wait_any_until's loop top: first_ready (a load of each live queue's tail word);
 *           found: pass_on_all(owed, keep = that queue for get_any, none for wait_any)
 *   TO      TIMEOUT=1: the deadline passed at the loop top: pass_on_all(owed, none), return
 *   TAKE    get_any's ringq_queue_get_nowait(qs[i]): OK; EMPTY (B was first: wait again); or
 *           SHUTDOWN when closed and drained (the caller drops the queue)
 *   futex_waitv path, announced_any(sleep_waitv):
 *     W1    per queue, array order: ringq__announce: S + 1, read the epoch (seq_cst RMW); ASYM:
 *           then heavy_barrier (membarrier)
 *     W2    first_ready after the announcements; nothing ready: owed[] = 0 (the debt is paid)
 *     WAITV sleep_waitv: futex_waitv on every announced epoch (sleeps only if all still hold)
 *     W3    take_back_all: ringq__take_back per queue: S - 1, T - 1 if T > 0 (then owed[i] = 1)
 *   fallback path, sleep_fallback (private queues):
 *     E1-E4 prepare_one per queue, array order: [E1] read the eventfd (clear); [E2] unless
 *           POLLER is set: set it (locked RMW; ASYM: + heavy barrier); [E3] = [W2]; [E4] write
 *           the eventfd when it holds, and stop preparing (`goto out`: re-check at once)
 *     POLL  poll(2) on every queue's eventfd: blocks until one is non-zero
 *   blocker B (queue.c block_until / announced_wait): attempt; [W1]; [W2] get_may_proceed;
 *           futex_wait on the epoch; [W3] leave (owed if it consumed a token); retry
 *   putter: N1  [N1] tail publication: [P3q] CAS, fails on the closed mark (symmetric), or [P3]
 *               plain store (ASYM); before it, the put's relaxed check of CLOSING
 *           N2  [N2] load of the waitq word: S <= T and no POLLER: done (covered)
 *           N3  [N3] CAS: T + m (m = min(k, S - T)), epoch + 1 if m > 0, POLLER cleared
 *           N4  [N4] futex_wake(m) (WAKE_ALL: every thread queued)
 *           N5  ringq__poll_signal: write the eventfd if the CAS cleared POLLER
 *   shutdown of queue 1: S1 fetch_or state CLOSING; MARK fetch_or tail CLOSED ([X1]); then
 *           notify with k = WAKE_ALL
 *   pass-on (ringq__notify_one): if the queue's condition holds, notify with k = 1
 *
 * Properties checked (pan, safety mode, exhaustive):
 *   - no lost wake-up, assertion form: monitor() asserts at every state that no thread is asleep
 *     in the kernel on queue i (queued there and not woken) while queue i is in its array, its
 *     condition holds (item or closed, in memory), and nobody is on the way to it: no notifier
 *     pending on i (between its N1, S1 or pass-on decision and the end of its notify), no token
 *     in flight (T[i] = 0) and no thread owing a look at i (consumed a token and not yet used it,
 *     found the condition false, or passed it on). Fallback: not polling with every polled
 *     eventfd zero while a live queue's condition holds and no notifier of it is pending;
 *   - the word's counts, as invariants at every state: S[i] equals the waiters between their W1
 *     and W3 on queue i, and T[i] <= S[i];
 *   - no deadlock / no lost wake-up, end-state form: every valid end state has the putters, the
 *     shutter and C finished (B may sleep for ever: its sleep is an end label, and monitor() has
 *     checked that no item is beside it);
 *   - final(): every accepted item was got (by C or B), queue 1 ends closed after a shutdown, no
 *     token is left and S counts B alone (if it sleeps).
 *
 * Seeded bugs (each must produce a counterexample):
 *   BUG_RECHECK_FIRST_ONLY  [W2] re-checks only the first queue of the array;
 *   BUG_TAKEBACK_WOKEN_ONLY [W3] takes back only the queue that ended the wait; the other keeps a
 *                           stale sleeper in S;
 *   BUG_SLEEP_FIRST_ONLY    one futex wait on the first queue's epoch instead of futex_waitv;
 *   BUG_NO_MEMBARRIER       ASYM without the heavy barrier after [W1];
 *   BUG_POLL_FIRST_ONLY     FALLBACK=1, poll(2) on the first queue's eventfd only;
 *   BUG_SHUTDOWN_NO_NOTIFY  SHUT=1, shutdown sets the mark but notifies nobody;
 *   BUG_NO_PASS_ON_ANY      (BLOCKER=1) get_any / wait_any does not pass on the token it
 *                           consumed in a queue it does not take from (on the found path, and
 *                           on the timeout path with TIMEOUT=1);
 *   BUG_NOTIFY_NO_TOKEN     (BLOCKER=1) [N3] moves the epoch but adds no token: the woken thread
 *                           owes nothing, so a wait-any woken in queue 0 that takes from queue 1
 *                           leaves B asleep beside queue 0's item;
 *   BUG_LEAVE_KEEPS_TOKEN   [W3] does not consume a token: T stays up, later notifiers skip.
 */

#ifndef NITEMS
#define NITEMS 2
#endif
#ifndef SHUT
#define SHUT 0
#endif
#ifndef FALLBACK
#define FALLBACK 0
#endif
#ifndef ASYM0
#define ASYM0 0
#endif
#ifndef ASYM1
#define ASYM1 0
#endif
#ifndef BLOCKER
#define BLOCKER 0
#endif
#ifndef REPORT
#define REPORT 0
#endif
#ifndef TIMEOUT
#define TIMEOUT 0
#endif
#ifndef ONESHOT
#define ONESHOT 0
#endif
#if ONESHOT && !BLOCKER
#error "ONESHOT: C takes one item and leaves the rest of queue 0 to B"
#endif
#if SHUT && ASYM1
#error "the queue shut down (queue 1) is symmetric here: wait.pml checks the asymmetric put_busy handshake"
#endif
#if BLOCKER && ASYM0
#error "B gets from queue 0: an SPSC queue (ASYM0) has one getter"
#endif

#define NQ 2
#define SHUTTER 2
/* C's array, in order: {q1, q0} with B (so that C, woken in queue 0, finds queue 1 ready first
 * and leaves queue 0 for it), else {q0, q1}. "The first queue" of the seeded bugs is A0. */
#if BLOCKER
#define A0 1
#define A1 0
#else
#define A0 0
#define A1 1
#endif
#define TC 0 /* thread ids for the kernel's queues and asleep[] */
#define TB 1
#define ASYM_OF(i) ((i) == 0 -> ASYM0 : ASYM1)
#define NPROC (3 + SHUT)   /* putters, C, the shutter: the threads that finish */
#define WAKE_ALL 255

/* ---- shared memory, per queue ---- */
byte tail[NQ];         /* items published (in memory) */
bit closed[NQ];        /* the closed mark: bit 0 of the tail word */
byte head[NQ];         /* items got (C and B; an attempt is one atomic step) */
byte epoch[NQ];        /* NOT_EMPTY waitq word: the epoch (the futex word) ... */
byte S[NQ];            /* ... sleepers announced and not yet left ... */
byte T[NQ];            /* ... tokens: wakes issued and not yet consumed ... */
bit poller[NQ];        /* ... and the POLLER bit */
bit closing;           /* queue 1's state CLOSING */
bit fd_made[NQ];       /* poll_fd[READABLE] installed (fallback) */
bit evfd[NQ];          /* the eventfd counter, zero or not */
chan kq[NQ] = [2] of { byte }; /* the kernel's sleepers per futex word, FIFO */

/* ---- the putters' store buffers (tail stores, ASYM only) ---- */
chan sb[NQ] = [3] of { byte };

/* ---- ghost state ---- */
bit live[NQ];          /* queues in C's array */
bit asleep[2];         /* C / B sleeps in the kernel (queued, not woken) */
bit qd[4];             /* qd[2 * t + i]: thread t is queued in kq[i] */
bit polling;           /* C blocks in poll(2) ... */
bit pollon[NQ];        /* ... on these queues' eventfds */
byte pending[NQ];      /* notifiers between their N1 / S1 / pass-on decision and their end */
byte inS[NQ];          /* waiters between their W1 and W3 */
byte owe[NQ];          /* threads that consumed a token of queue i and owe a look */
byte accepted[NQ];     /* puts that returned OK */
byte wokeby;           /* the queue whose wake, epoch change or readiness ended a wait */
byte finished;

#ifdef BUG_TAKEBACK_WOKEN_ONLY
#define WOKEBY(v) wokeby = (v)
#else
#define WOKEBY(v) skip
#endif

#define COND(i) (closed[i] || tail[i] != head[i])
#define ASLEEP_ON(t, i) (asleep[t] && qd[2 * (t) + (i)])
#define NOBODY_COMING(i) (pending[i] == 0 && T[i] == 0 && owe[i] == 0)
/* C asleep beside a live queue's item: lost unless it sleeps on that queue's word and someone
 * is coming (a wait that does not cover the queue cannot be ended by it). */
#define LOST_C(i) (live[i] && COND(i) && asleep[TC] && (!qd[2 * TC + (i)] || NOBODY_COMING(i)))
#define LOST_B (COND(0) && ASLEEP_ON(TB, 0) && NOBODY_COMING(0))
#define LOST_P(i) (live[i] && COND(i) && pending[i] == 0)

inline flush(i) {
  do
  :: sb[i]?bx -> tail[i] = bx
  :: empty(sb[i]) -> break
  od;
  bx = 0
}

inline membarrier() {
  flush(0);
  flush(1)
}

/* futex_wake(w, n): dequeue up to n threads from the front of kq[w] and wake them. */
inline futex_wake(w, n) {
  atomic {
    do
    :: n > 0 && nempty(kq[w]) -> kq[w]?wk; asleep[wk] = 0; qd[2 * wk + w] = 0; WOKEBY(w); n--
    :: n == 0 || empty(kq[w]) -> break
    od;
    wk = 0; n = 0
  }
}

/* notify_n(nq, k) by thread nt (a putter, the shutter, or a pass-on by C or B: nt = SHUTTER,
 * nothing to drain) after its N1 or decision, counted in pending[nq]: N2..N5, then done. */
inline notify(nt, nq, k) {
  atomic { sS = S[nq]; sT = T[nq]; se = epoch[nq]; sp = poller[nq] };      /* N2: plain load */
  do
  :: sS <= sT && !sp -> break                                             /* covered */
  :: else ->
     atomic {                                                              /* N3: locked CAS */
       if
       :: nt < SHUTTER -> flush(nt)
       :: else -> skip
       fi;
       if
       :: S[nq] == sS && T[nq] == sT && epoch[nq] == se && poller[nq] == sp ->
          m = (k < sS - sT -> k : sS - sT);
#ifndef BUG_NOTIFY_NO_TOKEN
          T[nq] = T[nq] + m;
#endif
          if
          :: m > 0 -> epoch[nq] = epoch[nq] + 1
          :: else -> skip
          fi;
          poller[nq] = 0;
          won = 1
       :: else -> sS = S[nq]; sT = T[nq]; se = epoch[nq]; sp = poller[nq]
       fi
     };
     if
     :: won -> break
     :: else -> skip
     fi
  od;
  if
  :: won ->
     if
     :: m > 0 -> m = (k == WAKE_ALL -> 2 : m); futex_wake(nq, m)           /* N4 */
     :: else -> skip
     fi;
     atomic {                                                              /* N5 */
       if
       :: sp && fd_made[nq] -> evfd[nq] = 1
       :: else -> skip
       fi
     }
  :: else -> skip
  fi;
  pending[nq]--;
  sS = 0; sT = 0; se = 0; sp = 0; won = 0; m = 0
}

/* W3, for thread t on queue i: S - 1, and T - 1 if a token is there (o = 1: owes a look). */
inline leave(t, i, o) {
  atomic {
    S[i] = S[i] - 1; inS[i]--;
#ifndef BUG_LEAVE_KEEPS_TOKEN
    if
    :: T[i] > 0 -> T[i] = T[i] - 1; o = 1; owe[i]++
    :: else -> o = 0
    fi
#else
    o = 0
#endif
  }
}

/* Pass a consumed wake of queue i on (ringq__notify_one if the condition holds); the debt ends. */
inline pass_on(i) {
  atomic {
    owe[i]--;
    if
#ifndef BUG_NO_PASS_ON_ANY
    :: COND(i) -> pending[i]++; po = 1
#endif
    :: else -> po = 0
    fi
  };
  if
  :: po -> notify(SHUTTER, i, 1); po = 0
  :: else -> skip
  fi
}

proctype putter(byte me) {
  byte n, pt, sS, sT, se, m, wk, bx;
  bit won, ok, sp;
  do
  :: n == NITEMS -> break
  :: else ->
#if SHUT
     if
     :: me == 1 && closing -> break                           /* the put's CLOSING check */
     :: else -> skip
     fi;
#endif
     if
     :: ASYM_OF(me) ->
        atomic { sb[me]!pt + 1; pt++; pending[me]++ }; ok = 1 /* N1 = [P3] plain store */
     :: else ->
        atomic {                                              /* N1 = [P3q] CAS */
          flush(me);
          if
          :: !closed[me] -> tail[me]++; pending[me]++; ok = 1
          :: else -> ok = 0
          fi
        }
     fi;
     if
     :: ok -> notify(me, me, 1); accepted[me]++; n++; ok = 0
     :: else -> break
     fi
  od;
  finished++
}

proctype drainer(byte me) {
  byte bx;
end:
  do
  :: atomic { sb[me]?bx -> tail[me] = bx; bx = 0 }
  od
}

#if SHUT
proctype shutter() {
  byte sS, sT, se, m, wk, bx;
  bit won, sp;
  atomic { closing = 1; pending[1]++ };                       /* S1 */
  atomic { closed[1] = 1 };                                   /* MARK [X1] */
#ifdef BUG_SHUTDOWN_NO_NOTIFY
  pending[1]--;
#else
  notify(SHUTTER, 1, WAKE_ALL);                               /* S2, N2..N5 */
#endif
  finished++
}
#endif

#if BLOCKER
/* ringq_queue_get on queue 0, for ever (block_until: attempt, [W1], [W2], wait, [W3], retry). */
proctype blocker() {
  byte e, sS, sT, se, m, wk, bx;
  bit won, ok, o, owed, ready, sp, po;
  do
  :: atomic {                                                 /* attempt */
       if
       :: tail[0] != head[0] -> head[0]++; ok = 1
       :: else -> ok = 0
       fi;
       if
       :: owed -> owe[0]--; owed = 0                          /* the look: used or paid */
       :: else -> skip
       fi
     };
     if
     :: ok -> ok = 0
     :: else ->
        atomic { S[0] = S[0] + 1; inS[0]++; e = epoch[0] };   /* W1 */
        ready = COND(0);                                      /* W2 */
        if
        :: !ready ->
           atomic {                                           /* futex_wait */
             if
             :: epoch[0] == e -> kq[0]!TB; qd[2 * TB + 0] = 1; asleep[TB] = 1
             :: else -> skip
             fi
           };
end_sleep:
           (asleep[TB] == 0)
        :: else -> skip
        fi;
        leave(TB, 0, o);                                      /* W3 */
        owed = o
     fi
  od
}
#endif

/* first_ready: the first live queue, in array order, whose tail word says ready; NQ if none. */
inline first_ready(k) {
  k = NQ;
  if
  :: live[A0] && COND(A0) -> k = A0
  :: else -> skip
  fi;
  if
  :: k == NQ && live[A1] && COND(A1) -> k = A1
  :: else -> skip
  fi
}

/* pass_on_all(owed, keep): every consumed wake not used is passed on. */
inline pass_on_all(keep) {
  if
  :: owed0 && keep != 0 -> pass_on(0); owed0 = 0
  :: else -> skip
  fi;
  if
  :: owed1 && keep != 1 -> pass_on(1); owed1 = 0
  :: else -> skip
  fi                                         /* (the order of the two does not matter here) */
}

/* The debts C holds end (paid: nothing ready at [W2], or the queue it takes from looked at). */
inline drop_owed(i) {
  atomic {
    if
    :: i == 0 && owed0 -> owe[0]--; owed0 = 0
    :: i == 1 && owed1 -> owe[1]--; owed1 = 0
    :: else -> skip
    fi
  }
}

/* ---- the futex_waitv path: announced_any(sleep_waitv) ---- */

inline announce(i) {
  atomic { S[i] = S[i] + 1; inS[i]++; e[i] = epoch[i] };      /* W1: locked RMW */
#ifndef BUG_NO_MEMBARRIER
  if
  :: ASYM_OF(i) -> atomic { membarrier() }                    /* heavy_barrier */
  :: else -> skip
  fi
#endif
}

inline take_back(i) {
#ifdef BUG_TAKEBACK_WOKEN_ONLY
  if
  :: i == wokeby -> leave(TC, i, o)
  :: else -> atomic { inS[i]--; o = 0 }         /* the sleeper stays counted in S */
  fi;
#else
  leave(TC, i, o);                                            /* W3 */
#endif
  if
  :: o && i == 0 -> if :: owed0 -> owe[0]-- :: else -> skip fi; owed0 = 1
  :: o && i == 1 -> if :: owed1 -> owe[1]-- :: else -> skip fi; owed1 = 1
  :: else -> skip
  fi
}

inline waitv_round() {
  if
  :: live[A0] -> announce(A0)
  :: else -> skip
  fi;
  if
  :: live[A1] -> announce(A1)
  :: else -> skip
  fi;
#ifdef BUG_RECHECK_FIRST_ONLY
  if                                                          /* W2 of the first queue only */
  :: live[A0] && COND(A0) -> k = A0
  :: else -> k = NQ
  fi;
#else
  first_ready(k);                                             /* W2 */
#endif
  if
  :: k == NQ ->
     drop_owed(0); drop_owed(1);                              /* nothing ready: debts paid */
     atomic {                                                 /* WAITV */
#ifdef BUG_SLEEP_FIRST_ONLY
       if
       :: !live[A0] || epoch[A0] == e[A0] ->
          if :: live[A0] -> kq[A0]!TC; qd[2 * TC + A0] = 1 :: else -> skip fi;
          asleep[TC] = live[A0]
       :: else -> WOKEBY(A0)
       fi
#else
       if
       :: (!live[0] || epoch[0] == e[0]) && (!live[1] || epoch[1] == e[1]) ->
          if :: live[A0] -> kq[A0]!TC; qd[2 * TC + A0] = 1 :: else -> skip fi;
          if :: live[A1] -> kq[A1]!TC; qd[2 * TC + A1] = 1 :: else -> skip fi;
          asleep[TC] = 1
       :: else -> WOKEBY((live[0] && epoch[0] != e[0]) -> 0 : 1)   /* EAGAIN */
       fi
#endif
     };
     if
     :: asleep[TC] == 0 -> skip                                /* woken (or never slept) */
     :: atomic {                                               /* the deadline, once all is got */
          asleep[TC] && head[0] == NITEMS && head[1] == accepted[1] && (SHUT -> closed[1] : 1) ->
          asleep[TC] = 0
        }
     fi;
     atomic {                               /* unqueue from the words still queued on */
       if :: qd[2 * TC + 0] -> kq[0]??eval(TC); qd[2 * TC + 0] = 0 :: else -> skip fi;
       if :: qd[2 * TC + 1] -> kq[1]??eval(TC); qd[2 * TC + 1] = 0 :: else -> skip fi
     }
  :: else -> WOKEBY(k)
  fi;
  if
  :: live[A0] -> take_back(A0)
  :: else -> skip
  fi;
  if
  :: live[A1] -> take_back(A1)
  :: else -> skip
  fi;
  atomic { e[0] = 0; e[1] = 0; k = 0; o = 0; WOKEBY(0) }
}

/* ---- the fallback: sleep_fallback ---- */

/* prepare_one(qs[i]): E1..E4; r = the event holds. */
inline prepare(i) {
  atomic { evfd[i] = 0 };                                      /* E1: read(eventfd) */
  if
  :: poller[i] -> skip                                         /* E2: already announced */
  :: else ->
     atomic { poller[i] = 1 };                                 /* E2: locked RMW */
#ifndef BUG_NO_MEMBARRIER
     if
     :: ASYM_OF(i) -> atomic { membarrier() }                 /* heavy_barrier */
     :: else -> skip
     fi
#else
     skip
#endif
  fi;
  r = COND(i);                                                /* E3 = [W2] */
  if
  :: r -> evfd[i] = 1                                          /* E4: write(eventfd) */
  :: else -> skip
  fi
}

inline get_fd_prepare(i) {
  if
  :: !fd_made[i] -> fd_made[i] = 1; prepare(i)                /* install, arm */
  :: else -> skip
  fi;
  prepare(i)                                                  /* sleep_fallback's own */
}

inline fallback_round() {
  r = 0;
  if
  :: live[A0] -> get_fd_prepare(A0)
  :: else -> skip
  fi;
  if
  :: !r && live[A1] -> get_fd_prepare(A1)
  :: else -> skip
  fi;
  if
  :: !r ->
     atomic {
       pollon[A0] = live[A0];
#ifdef BUG_POLL_FIRST_ONLY
       pollon[A1] = 0;
#else
       pollon[A1] = live[A1];
#endif
       polling = 1
     };
     if
     :: (pollon[0] && evfd[0]) || (pollon[1] && evfd[1]) -> skip  /* POLL */
     :: head[0] == NITEMS && head[1] == accepted[1] && (SHUT -> closed[1] : 1) -> skip
     fi;
     atomic { polling = 0; pollon[0] = 0; pollon[1] = 0 }
  :: else -> skip
  fi;
  r = 0
}

proctype consumer() {
  byte k, x, sS, sT, se, m, wk, bx;
  byte e[NQ];
  bit r, o, owed0, owed1, won, sp, po;
loop:
  if
  :: head[0] == NITEMS && (SHUT -> !live[1] : head[1] == NITEMS) -> goto done
  :: else -> skip
  fi;
again:                                                        /* wait_any_until */
  first_ready(k);                                             /* R */
  if
  :: k < NQ ->
#if REPORT
     pass_on_all(NQ);                                         /* wait_any: reports, keeps none */
#else
     pass_on_all(k);                                          /* get_any keeps the taken one's */
#endif
     goto take
  :: else -> skip
  fi;
#if TIMEOUT
  if
  :: true -> pass_on_all(NQ); goto loop                       /* TO: the caller calls again */
  :: true -> skip
  fi;
#endif
#if FALLBACK
  fallback_round();
#else
  waitv_round();
#endif
  goto again;
take:                                                         /* TAKE: get_nowait(qs[k]) */
  atomic {
    drop_owed(k);                              /* the look at the kept queue: used, or paid */
    if
    :: tail[k] != head[k] -> head[k]++;
       if :: ONESHOT -> goto done :: else -> skip fi
    :: else ->
       if
       :: closed[k] -> live[k] = 0                            /* SHUTDOWN: drop the queue */
       :: else -> skip                                        /* EMPTY: wait again */
       fi
    fi;
    k = 0
  };
  goto loop;
done:
  assert(!owed0 && !owed1);
  finished++
}

#ifndef NO_MONITOR /* -DNO_MONITOR: leave only the end-state and final() checks */
active proctype monitor() {
end:
  atomic {
    (LOST_C(0) || LOST_C(1) || (BLOCKER && LOST_B) ||
     (polling && !(pollon[0] && evfd[0]) && !(pollon[1] && evfd[1]) && (LOST_P(0) || LOST_P(1))) ||
     S[0] != inS[0] || S[1] != inS[1] || T[0] > S[0] || T[1] > S[1]) ->
    assert(false)
  }
}
#endif

#if ONESHOT
/* C took one item and left: when nothing can move any more, B has taken every other item of
 * queue 0 (an item left there lies beside B asleep for ever). */
active proctype quiescent() {
end:
  atomic { timeout -> assert(finished == NPROC && head[0] == tail[0] && tail[0] == NITEMS) }
}
#else
active proctype final() {
  byte bx;
  atomic {
    finished == NPROC ->
    membarrier();
    assert(accepted[0] == NITEMS && tail[0] == NITEMS && head[0] == NITEMS);
#if SHUT
    assert(closed[1] && tail[1] == accepted[1] && head[1] == accepted[1]);
#else
    assert(accepted[1] == NITEMS && tail[1] == NITEMS && head[1] == NITEMS);
#endif
    assert(S[1] == 0 && T[1] == 0 && owe[1] == 0);
    assert(S[0] == inS[0] && (BLOCKER -> S[0] <= 1 : S[0] == 0 && T[0] == 0 && owe[0] == 0))
  }
}
#endif

init {
  atomic {
    live[0] = 1;
    live[1] = 1;
#if ASYM0
    run drainer(0);
#endif
#if ASYM1
    run drainer(1);
#endif
    run putter(0);
    run putter(1);
    run consumer();
#if BLOCKER
    run blocker();
#endif
#if SHUT
    run shutter();
#endif
  }
}
