/* SPDX-License-Identifier: MIT */
/* tests/model/wake1.pml: Spin model of waking one waiter, not all, with pass-on (src/queue.c,
 * "Waking one waiter, not all"; src/poll.c, wait-any), on an MPMC queue's NOT_EMPTY condition.
 *
 * What is modelled. A putter puts NITEMS items into queue Q, one notify (k = 1) each. Around it:
 *   B      BLOCKERS blocking getters (ringq_queue_get, no timeout), looping for ever;
 *   TIMED  a getter with a timeout: the kernel may end its sleep at any moment, and its deadline
 *          may pass after any failed attempt (then block_until returns EMPTY);
 *   CANCEL a blocking getter cancelled at any moment of its futex wait, before or after a wake
 *          (take_back_cancelled);
 *   ANY=1  a get_any on [Q2, Q] (Q2 first), with a timeout, and a second putter that puts one
 *          item into Q2; ANY=2 the same thread as a wait_any that only reports (takes nothing).
 * The waitq word of each queue: epoch, S (sleepers), T (tokens), as in queue_internal.h (the
 * POLLER bit is poll.pml's business). The kernel: one FIFO queue of threads per futex word
 * (kq[]); futex_wait compares the epoch and queues the caller in one step; futex_wake(m)
 * dequeues up to m threads from the front and wakes them; a timeout, a cancellation, or (for
 * futex_waitv) the unqueueing after a wake through the other word, dequeues a thread itself.
 * A futex_waitv thread woken through one word stays queued on the other until it runs, so a wake
 * through that word may land on it (the kernel counts it as woken).
 *
 * Memory model: sequential consistency, each labelled step one atomic action. On x86 every
 * shared write of this protocol on an MPMC queue is a locked instruction ([N1] the claim, [W1],
 * [W3], [N3] compare-exchanges), and a locked instruction drains the store buffer, so TSO adds no
 * behaviour; the store-buffer variants (the asymmetric SPSC protocol) are wait.pml's. Abstracted:
 * the MPMC claim/publish split (an attempt takes an item atomically), spinning, MAX_SLEEP_NS caps
 * (which would only turn a lost wake-up into a 5 s delay: the model has none, so a lost wake-up
 * is a thread asleep for ever), epoch wrap-around, shutdown and ALL_DONE (they wake everyone).
 *
 * Model step -> labelled step in src/queue.c / src/poll.c:
 *   attempt       ring_get (one try), the retry of block_until after every wait
 *   W1            announce(): S + 1, read the epoch (seq_cst CAS)
 *   W2            get_may_proceed (first_ready for wait-any)
 *   futex_wait    ringq__wait / futex_waitv: sleeps only if every epoch is still as announced
 *   W3            leave(): S - 1, T - 1 if T > 0; owed = a token was consumed
 *   pass-on       pass_on() / pass_on_all(): if the condition holds, notify (k = 1)
 *   N1            the put's claim (items + 1)
 *   N2            notify_n's load of the word: S <= T: done
 *   N3            CAS: T + m, epoch + 1, m = min(k, S - T)
 *   N4            futex_wake(m)
 *
 * Properties (pan, safety mode, exhaustive):
 *   - no lost wake-up: when nothing can move any more (Spin's `timeout`: every thread asleep for
 *     ever or finished), no item is left in Q (a blocking getter is always alive, so an item
 *     left is an item beside a sleeper that no wake will reach);
 *   - T <= S in every state, and S, T back to the blocking getters' count at the end;
 *   - every item got once (got + left = put).
 *
 * Seeded bugs (each must produce a counterexample, except the first, see below):
 *   BUG_NO_PASS_ON_TIMEOUT  a timed getter whose deadline passed does not pass its wake on. The
 *                           model VERIFIES with it: block_until retries the operation after every
 *                           wait before it looks at the deadline, so a timed getter that consumed
 *                           a wake always looks; the pass-on on that path is kept as a cheap
 *                           guard (the MPMC claim/publish split is abstracted here);
 *   BUG_NO_PASS_ON_ANY      get_any / wait_any does not pass on the wake of a queue it leaves;
 *   BUG_NO_PASS_ON_CANCEL   a cancelled waiter does not pass its wake on;
 *   BUG_NO_BUMP             [N3] does not move the epoch: a sleeper between [W1] and its futex
 *                           wait sleeps through the wake meant for it;
 *   BUG_LEAVE_KEEPS_TOKEN   [W3] does not consume a token: T stays up and later notifiers skip.
 */

#ifndef NITEMS
#define NITEMS 2
#endif
#ifndef BLOCKERS
#define BLOCKERS 1
#endif
#ifndef TIMED
#define TIMED 0
#endif
#ifndef CANCEL
#define CANCEL 0
#endif
#ifndef ANY
#define ANY 0
#endif

#define NT 6 /* thread ids: putters 0, 1; then getters */
#define PID_PUT 0
#define PID_PUT2 1
#define PID_B 2    /* 2 .. 2 + BLOCKERS - 1 */
#define PID_TIMED 4
#define PID_CANCEL 5
#define PID_ANY 3  /* BLOCKERS <= 1 when ANY */

#define Q 0
#define Q2 1

byte items[2];       /* items in each queue */
byte epoch[2];       /* the futex words */
byte S[2];           /* sleepers */
byte T[2];           /* tokens */
chan kq[2] = [NT] of { byte }; /* the kernel's queue of sleepers per futex word, FIFO */
bit asleep[NT];      /* queued and not woken yet */
byte put;            /* items put into Q */
byte got;            /* items got from Q */
byte finished;       /* transient threads and putters done */

/* Threads that finish: the putters, the timed getter, the cancelled one, the wait-any. */
#if ANY
#define TRANSIENTS (3 + TIMED + CANCEL)
#else
#define TRANSIENTS (1 + TIMED + CANCEL)
#endif

/* futex_wake(w, m): wake up to m threads from the front of w's queue. */
inline futex_wake(w, m) {
  atomic {
    do
    :: m > 0 && nempty(kq[w]) -> kq[w]?wk; asleep[wk] = 0; m--
    :: m == 0 -> break
    :: empty(kq[w]) -> break
    od;
    wk = 0; m = 0
  }
}

/* notify_n(w, 1): [N2]..[N4]. */
inline notify(w) {
  atomic { sS = S[w]; sT = T[w]; se = epoch[w] };                   /* N2 */
  if
  :: sS <= sT -> skip
  :: else ->
     do
     :: atomic {                                                       /* N3 */
          if
          :: S[w] == sS && T[w] == sT && epoch[w] == se ->
             m = 1;
             T[w] = T[w] + m;
#ifndef BUG_NO_BUMP
             epoch[w] = epoch[w] + 1;
#endif
             won = 1
          :: else -> sS = S[w]; sT = T[w]; se = epoch[w]
          fi
        };
        if
        :: won || sS <= sT -> break
        :: else -> skip
        fi
     od;
     if
     :: won -> futex_wake(w, m)                                        /* N4 */
     :: else -> skip
     fi
  fi;
  sS = 0; sT = 0; se = 0; won = 0; m = 0
}

inline announce(w, e) {
  atomic { S[w] = S[w] + 1; e = epoch[w] }                             /* W1 */
}

/* W3: owed = a token was consumed. */
inline leave(w, o) {
  atomic {
    S[w] = S[w] - 1;
#ifndef BUG_LEAVE_KEEPS_TOKEN
    if
    :: T[w] > 0 -> T[w] = T[w] - 1; o = 1
    :: else -> o = 0
    fi
#else
    o = 0
#endif
  }
}

inline attempt(w, ok) {
  atomic {
    if
    :: items[w] > 0 -> items[w] = items[w] - 1; ok = 1; if :: w == Q -> got++ :: else -> skip fi
    :: else -> ok = 0
    fi
  }
}

inline pass_on(w) {
  if
  :: items[w] > 0 -> notify(w)
  :: else -> skip
  fi
}

proctype putter(byte me; byte w; byte n) {
  byte i, sS, sT, se, m, wk;
  bit won;
  for (i : 1 .. n) {
    atomic { items[w] = items[w] + 1; if :: w == Q -> put++ :: else -> skip fi };  /* N1 */
    notify(w)
  }
  finished++
}

/* A blocking getter, for ever (cancellable: ends when cancelled in its futex wait). */
proctype blocker(byte me; bit cancellable) {
  byte e, sS, sT, se, m, wk;
  bit won, ok, owed, ready;
  do
  :: attempt(Q, ok);
     if
     :: ok -> owed = 0
     :: else ->
        announce(Q, e);
        ready = (items[Q] > 0);                                        /* W2 */
        if
        :: ready -> leave(Q, ready); owed = owed || ready              /* kept while ready */
        :: else ->
           atomic { if :: epoch[Q] == e -> kq[Q]!me; asleep[me] = 1 :: else -> skip fi };
end_sleep:
           do
           :: asleep[me] == 0 ->
              if
              :: cancellable -> goto cancelled   /* a cancel that lands after the wake */
              :: true -> break
              fi
           :: atomic { cancellable && asleep[me] -> kq[Q]??eval(me); asleep[me] = 0 };
              goto cancelled
           od;
           leave(Q, owed)
        fi
     fi
  od;
cancelled:
  leave(Q, owed);
#ifndef BUG_NO_PASS_ON_CANCEL
  if :: owed -> pass_on(Q) :: else -> skip fi;
#endif
  finished++
}

/* One get with a timeout (block_until with a deadline). */
proctype timed(byte me) {
  byte e, sS, sT, se, m, wk;
  bit won, ok, owed, ready, o;
  do
  :: attempt(Q, ok);
     if
     :: ok -> break
     :: else ->
        if
        :: true -> /* the deadline passed */
#ifndef BUG_NO_PASS_ON_TIMEOUT
           if :: owed -> pass_on(Q) :: else -> skip fi;
#endif
           break
        :: true ->
           announce(Q, e);
           ready = (items[Q] > 0);                                     /* W2 */
           if
           :: !ready ->
              owed = 0;
              atomic { if :: epoch[Q] == e -> kq[Q]!me; asleep[me] = 1 :: else -> skip fi };
              if
              :: asleep[me] == 0 -> skip                               /* woken */
              :: atomic { asleep[me] -> kq[Q]??eval(me); asleep[me] = 0 }  /* the timeout */
              fi
           :: else -> skip
           fi;
           leave(Q, o);
           owed = owed || o
        fi
     fi
  od;
  finished++
}

/* get_any (ANY == 1) or wait_any (ANY == 2) on [Q2, Q], with a timeout. */
proctype any(byte me) {
  byte e0, e1, sS, sT, se, m, wk, which;
  bit won, ok, o, owed0, owed1;
  do
  :: /* the loop's top: first_ready in array order */
     if
     :: items[Q2] > 0 -> which = Q2
     :: else -> if :: items[Q] > 0 -> which = Q :: else -> which = 2 fi
     fi;
     if
     :: which != 2 ->
#ifndef BUG_NO_PASS_ON_ANY
        if :: owed0 && (which != Q || ANY == 2) -> pass_on(Q) :: else -> skip fi;
        if :: owed1 && (which != Q2 || ANY == 2) -> pass_on(Q2) :: else -> skip fi;
#endif
        owed0 = 0; owed1 = 0;
        if
        :: ANY == 2 -> break                       /* wait_any: reports, takes nothing */
        :: else ->
           attempt(which, ok);                     /* get_nowait */
           if :: ok -> break :: else -> skip fi    /* another getter was first: wait again */
        fi
     :: else ->
        if
        :: true -> /* the deadline passed */
#ifndef BUG_NO_PASS_ON_ANY
           if :: owed0 -> pass_on(Q) :: else -> skip fi;
           if :: owed1 -> pass_on(Q2) :: else -> skip fi;
#endif
           break
        :: true ->
           announce(Q2, e1);
           announce(Q, e0);
           if
           :: items[Q2] == 0 && items[Q] == 0 ->                      /* W2: nothing ready */
              owed0 = 0; owed1 = 0;
              atomic {                                                 /* futex_waitv */
                if
                :: epoch[Q2] == e1 && epoch[Q] == e0 -> kq[Q2]!me; kq[Q]!me; asleep[me] = 1
                :: else -> skip
                fi
              };
              if
              :: asleep[me] == 0 -> skip                                /* woken */
              :: atomic { asleep[me] -> asleep[me] = 0 }                /* the timeout */
              fi;
              atomic {                             /* unqueue from the words still queued on */
                if :: kq[Q]??[eval(me)] -> kq[Q]??eval(me) :: else -> skip fi;
                if :: kq[Q2]??[eval(me)] -> kq[Q2]??eval(me) :: else -> skip fi
              }
           :: else -> skip
           fi;
           leave(Q2, o); owed1 = owed1 || o;
           leave(Q, o); owed0 = owed0 || o
        fi
     fi
  od;
  finished++
}

active proctype invariant() {
end:
  atomic { !(T[Q] <= S[Q] && T[Q2] <= S[Q2]) -> assert(false) }
}

/* When nothing can move any more, no item of Q is left beside the sleeping blocking getters. */
active proctype quiescent() {
end:
  atomic {
    timeout ->
    assert(finished == TRANSIENTS);
    assert(items[Q] == 0);
    assert(got == put && put == NITEMS);
    assert(S[Q] == BLOCKERS && T[Q] == 0)
  }
}

init {
  atomic {
    run putter(PID_PUT, Q, NITEMS);
#if ANY
    run putter(PID_PUT2, Q2, 1);
    run any(PID_ANY);
#endif
    run blocker(PID_B, 0);
#if BLOCKERS > 1
    run blocker(PID_B + 1, 0);
#endif
#if TIMED
    run timed(PID_TIMED);
#endif
#if CANCEL
    run blocker(PID_CANCEL, 1);
#endif
  }
}
