/* SPDX-License-Identifier: MIT */
/* tests/model/wait_any.pml: Spin model of wait-any over two queues (src/poll.c: get_any with one
 * futex_waitv on both epochs, or its eventfd-poll fallback) under x86-TSO, with store buffers.
 *
 * What is modelled. Queue 0 and queue 1, NOT_EMPTY direction (the READABLE event). One putter per
 * queue makes NITEMS puts (the rings never fill; NOT_FULL is wait.pml's business), each followed
 * by notify(NOT_EMPTY) of its own queue: two notifiers on different queues. One consumer calls
 * ringq_queue_get_any on its array {q0, q1} until it has every item; when get_any reports
 * RINGQ_SHUTDOWN for a queue, the consumer drops that queue from its array and goes on waiting on
 * the other (what a caller does). SHUT=1: a third thread shuts queue 1 down (shutdown(false))
 * at any point, so the consumer may be waiting on both when queue 1 closes, and on queue 0 alone
 * afterwards. FALLBACK=0 models the futex_waitv path, FALLBACK=1 the eventfd fallback
 * (RINGQ_TEST_NO_FUTEX_WAITV, or a kernel without futex_waitv). ASYM0 / ASYM1 = 1 give queue 0 /
 * queue 1 the asymmetric (membarrier) protocol of private SPSC queues (plain tail store, heavy
 * barrier after each [W1]); 0 the seq_cst protocol (MPMC or process-shared: a locked [N1]). The
 * queue that is shut down is symmetric (wait.pml checks the asymmetric put_busy handshake).
 *
 * Memory model: x86-TSO as in wait.pml. Each putter's plain tail stores (ASYM only) go through its
 * FIFO store buffer (chan sb[i]), drained by a drainer process at any time; a locked instruction
 * ([P3q] CAS, the [N3] CAS) or a system call first drains it; membarrier drains every buffer. The
 * consumer's stores that matter are locked ([W1] fetch_add, [W3] CAS) or system calls (eventfd
 * read/write, futex_waitv). Its plain stores are written directly: head (read by nobody this
 * model checks: NOT_FULL is not waited for) and poll_word (see poll.pml: a stale value only costs
 * one more announcement). futex_waitv compares every word with its expected epoch and sleeps on
 * all of them atomically w.r.t. futex_wake (the kernel queues the waiter on each futex before it
 * compares that futex's word); a wake of any of them ends the sleep.
 *
 * What stays uncovered: ARM/POWER reorderings beyond TSO (see wait.pml's header; there the
 * argument is the C11 one at the top of src/poll.c and src/queue.c); more than one consumer;
 * the WRITABLE direction; timeouts (each only adds an exit) and spurious returns (each only adds a
 * re-check); futex_waitv refused with ENOSYS after announcing (the announcements are taken back,
 * then the fallback runs: the sequence of the two modelled paths); the fallback for
 * process-shared queues (sleep_first: a futex wait on the first queue in slices of
 * FALLBACK_SLICE_NS, a timed poll that re-checks every queue each slice, so it can be late by a
 * slice but not lose a wake-up); more than 128 queues; epoch wrap-around; store buffers deeper
 * than 3.
 *
 * Model step -> labelled step in the source (src/poll.c unless said; queue.c for [N*], [W*]):
 *   R       wait_any_until's first_ready at its loop top: a load of each live queue's tail word
 *   TAKE    get_any's ringq_queue_get_nowait(qs[i]) (ring_get_spsc: OK, or SHUTDOWN when closed
 *           and drained; then the caller drops the queue); its [N1] for NOT_FULL is not modelled
 *   futex_waitv path, announced_any(sleep_waitv):
 *     W1    for each queue in array order: blocked++ and ringq__announce, the [W1] seq_cst
 *           fetch_add (locked) that reads the epoch e[i]; ASYM: then heavy_barrier (membarrier)
 *     W2    first_ready(qs, n) after every announcement: a load of each queue's tail word
 *     WAITV sleep_waitv: futex_waitv on every announced epoch (sleeps only if all still hold)
 *     W3    take_back_all: for each queue announced, ringq__take_back (CAS: unless the epoch
 *           moved) and blocked--
 *   fallback path, sleep_fallback:
 *     GETFD get_fd: install the eventfd (CAS of poll_fd) and arm it with prepare_one
 *     E1-E4 prepare_one: [E1] read the eventfd (clear), [E2] load the waitq word and poll_word,
 *           [W1] via ringq__announce unless already announced in the current epoch (ASYM: +
 *           heavy barrier), poll_word = e | ANNOUNCED, [E3] = [W2] of that queue, [E4] write the
 *           eventfd when it holds, and then `goto out` (re-check at once, queues after it are not
 *           prepared)
 *     POLL  poll(2) on every queue's eventfd: blocks until one is non-zero
 *   putter: N1  [N1] tail publication: [P3q] CAS, fails on the closed mark (symmetric), or [P3]
 *               plain store (ASYM); before it, the put's relaxed check of CLOSING
 *           N2  [N2] load of the waitq word (one plain mov on x86 in both variants)
 *           N3  [N3] CAS (epoch + 1, no waiters), retried while waiters remain
 *           N4  [N4] futex_wake(all): wakes the consumer if it sleeps on this queue's epoch
 *           N5  ringq__poll_signal ([N5] in poll.c): write the eventfd if it is installed
 *   shutdown of queue 1: S1 fetch_or state CLOSING; MARK fetch_or tail CLOSED ([X1]); then
 *           notify(NOT_EMPTY) as above (S2's SHUTDOWN bit is not read on the get path)
 *
 * Properties checked (pan, safety mode, exhaustive):
 *   - no lost wake-up, assertion form: monitor() asserts at every state that the consumer is not
 *     asleep in futex_waitv, nor in poll with every polled eventfd zero, while a queue of its
 *     array has an item or is closed (in memory) and no notifier of that queue is pending
 *     (between its N1, or S1, and the end of its notify);
 *   - every announcement taken back, as an invariant: monitor() asserts at every state that a
 *     queue's waiter count is at most the number of waiters between their W1 and W3 on it
 *     (`blocked`), plus, in the fallback, the one announcement a poller leaves for the next bump
 *     to consume (made in the current epoch: poll.c never takes it back);
 *   - no deadlock / no lost wake-up, end-state form: every valid end state has every thread
 *     finished (the consumer asleep for ever is an invalid end state);
 *   - final(): blocked is 0 and no announcement is left (the fallback: at most the poller's own,
 *     in the current epoch); every accepted item was got, queue 1 ends closed after a shutdown.
 *
 * Seeded bugs (each must produce a counterexample):
 *   BUG_RECHECK_FIRST_ONLY  [W2] re-checks only the first queue of the array (the second queue's
 *                           item, published before its announcement, is never seen);
 *   BUG_TAKEBACK_WOKEN_ONLY [W3] takes back only the queue that ended the wait (the one whose
 *                           wake, changed epoch or re-check ended it); the other queues keep a
 *                           stale announcement (blocked-- still runs for all);
 *   BUG_SLEEP_FIRST_ONLY    one futex wait on the first queue's epoch instead of futex_waitv on
 *                           all: a notifier of the second queue bumps an epoch nobody sleeps on;
 *   BUG_NO_MEMBARRIER       ASYM without the heavy barrier after [W1] (ringq__announce's);
 *   BUG_POLL_FIRST_ONLY     FALLBACK=1, poll(2) on the first queue's eventfd only;
 *   BUG_SHUTDOWN_NO_NOTIFY  SHUT=1, shutdown sets the mark but notifies nobody (shows that the
 *                           model does reach a consumer asleep on both queues when one closes).
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
#if SHUT && ASYM1
#error "the queue shut down (queue 1) is symmetric here: wait.pml checks the asymmetric handshake"
#endif

#define NQ 2
#define SHUTTER 2
#define ASYM_OF(i) ((i) == 0 -> ASYM0 : ASYM1)
#define NPROC (3 + SHUT)

/* ---- shared memory, per queue ---- */
byte tail[NQ];         /* items published (in memory) */
bit closed[NQ];        /* the closed mark: bit 0 of the tail word */
byte head[NQ];         /* items got: the consumer's own index */
byte epoch[NQ];        /* NOT_EMPTY waitq word, low half: the futex word */
byte nwait[NQ];        /* NOT_EMPTY waitq word, high half: waiters announced in this epoch */
byte blocked[NQ];      /* q->blocked: threads between W1 and W3 (read by fini) */
bit closing;           /* queue 1's state CLOSING */
bit fd_made[NQ];       /* poll_fd[READABLE] installed (fallback) */
bit evfd[NQ];           /* the eventfd counter, zero or not */
byte mark[NQ];         /* poll_word[READABLE]: the epoch of the poller's last announcement ... */
bit marked[NQ];        /* ... | ANNOUNCED */

/* ---- the putters' store buffers (tail stores, ASYM only) ---- */
chan sb[NQ] = [3] of { byte };

/* ---- ghost state ---- */
bit live[NQ];          /* queues in the consumer's array */
bit asleep;            /* the consumer sleeps in futex_waitv ... */
bit sleepon[NQ];       /* ... on these queues' epochs */
bit polling;           /* the consumer blocks in poll(2) ... */
bit pollon[NQ];        /* ... on these queues' eventfds */
byte pending[NQ];      /* notifiers between their N1 (or S1) and the end of their notify */
byte accepted[NQ];     /* puts that returned OK */
bit pmade[NQ];         /* the poller announced (fallback) ... */
byte pep[NQ];          /* ... in this epoch */
byte wokeby;           /* the queue whose wake, epoch change or readiness ended a wait */
byte finished;

/* The ghost wokeby is kept only where a seeded bug reads it (fewer states otherwise). */
#ifdef BUG_TAKEBACK_WOKEN_ONLY
#define WOKEBY(v) wokeby = (v)
#else
#define WOKEBY(v) skip
#endif

#define COND(i) (closed[i] || tail[i] != head[i])
#define LOST(i) (live[i] && COND(i) && pending[i] == 0)
#define POLLER_LEFT(i) ((pmade[i] && pep[i] == epoch[i]) -> 1 : 0)
#define EXTRA(i) (nwait[i] > blocked[i] + POLLER_LEFT(i))

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

/* notify(NOT_EMPTY) of queue nq by thread nt after its N1: N2..N5, then no longer pending. */
inline notify(nt, nq) {
  atomic { sep = epoch[nq]; snw = nwait[nq] };                /* N2: one plain load of the word */
  if
  :: snw == 0 -> skip
  :: else ->
     do
     :: atomic {                                              /* N3: locked CAS */
          if
          :: nt != SHUTTER -> flush(nt)
          :: else -> skip
          fi;
          if
          :: epoch[nq] == sep && nwait[nq] == snw ->
             epoch[nq] = epoch[nq] + 1; nwait[nq] = 0; won = 1
          :: else -> sep = epoch[nq]; snw = nwait[nq]
          fi
        };
        if
        :: won || snw == 0 -> break
        :: else -> skip
        fi
     od;
     if
     :: won ->
        atomic {                                              /* N4: futex_wake(all) */
          if
          :: asleep && sleepon[nq] -> asleep = 0; WOKEBY(nq)
          :: else -> skip
          fi
        };
        atomic {                                              /* N5: write(eventfd) */
          if
          :: fd_made[nq] -> evfd[nq] = 1
          :: else -> skip
          fi
        }
     :: else -> skip
     fi
  fi;
  pending[nq]--;
  sep = 0; snw = 0; won = 0
}

proctype putter(byte me) {
  byte n, pt, sep, snw, bx;
  bit won, ok;
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
     :: ok -> notify(me, me); accepted[me]++; n++; ok = 0
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
  byte sep, snw, bx;
  bit won;
  atomic { closing = 1; pending[1]++ };                       /* S1 */
  atomic { closed[1] = 1 };                                   /* MARK [X1] */
#ifdef BUG_SHUTDOWN_NO_NOTIFY
  pending[1]--;
#else
  notify(SHUTTER, 1);                                         /* S2, N2..N5 */
#endif
  finished++
}
#endif

/* first_ready: the first live queue, in array order, whose tail word says ready; NQ if none. */
inline first_ready(k) {
  k = NQ;
  if
  :: live[0] && COND(0) -> k = 0
  :: else -> skip
  fi;
  if
  :: k == NQ && live[1] && COND(1) -> k = 1
  :: else -> skip
  fi
}

/* ---- the futex_waitv path: announced_any(sleep_waitv) ---- */

inline announce(i) {
  atomic { blocked[i]++; e[i] = epoch[i]; nwait[i] = nwait[i] + 1 };   /* W1: locked fetch_add */
#ifndef BUG_NO_MEMBARRIER
  if
  :: ASYM_OF(i) -> atomic { membarrier() }                    /* heavy_barrier */
  :: else -> skip
  fi
#endif
}

inline take_back(i) {
  atomic {                                                    /* W3: CAS unless the epoch moved */
#ifdef BUG_TAKEBACK_WOKEN_ONLY
    if
    :: epoch[i] == e[i] && i == wokeby -> nwait[i] = nwait[i] - 1
    :: else -> skip
    fi;
#else
    if
    :: epoch[i] == e[i] -> nwait[i] = nwait[i] - 1
    :: else -> skip
    fi;
#endif
    blocked[i]--
  }
}

inline waitv_round() {
  if
  :: live[0] -> announce(0)
  :: else -> skip
  fi;
  if
  :: live[1] -> announce(1)
  :: else -> skip
  fi;
#ifdef BUG_RECHECK_FIRST_ONLY
  if                                                          /* W2 of the first queue only */
  :: live[0] && COND(0) -> k = 0
  :: else -> k = NQ
  fi;
#else
  first_ready(k);                                             /* W2 */
#endif
  if
  :: k == NQ ->
     atomic {                                                 /* WAITV */
#ifdef BUG_SLEEP_FIRST_ONLY
       if
       :: epoch[0] == e[0] -> sleepon[0] = 1; asleep = 1
       :: else -> WOKEBY(0)
       fi
#else
       if
       :: (!live[0] || epoch[0] == e[0]) && (!live[1] || epoch[1] == e[1]) ->
          sleepon[0] = live[0]; sleepon[1] = live[1]; asleep = 1
       :: else -> WOKEBY((live[0] && epoch[0] != e[0]) -> 0 : 1)   /* EAGAIN */
       fi
#endif
     };
     (asleep == 0);                                           /* asleep until a wake */
     atomic { sleepon[0] = 0; sleepon[1] = 0 }
  :: else -> WOKEBY(k)
  fi;
  if
  :: live[0] -> take_back(0)
  :: else -> skip
  fi;
  if
  :: live[1] -> take_back(1)
  :: else -> skip
  fi;
  atomic { e[0] = 0; e[1] = 0; k = 0; WOKEBY(0) }
}

/* ---- the fallback: sleep_fallback ---- */

/* prepare_one(qs[i]): E1..E4; r = the event holds. */
inline prepare(i) {
  atomic { evfd[i] = 0 };                                      /* E1: read(eventfd) */
  atomic { s_e = epoch[i]; s_n = nwait[i] };                  /* E2: load of the waitq word */
  if
  :: marked[i] && mark[i] == s_e && s_n != 0 -> skip          /* already announced this epoch */
  :: else ->
     atomic { x = epoch[i]; nwait[i] = nwait[i] + 1; pep[i] = x; pmade[i] = 1 };  /* W1 */
#ifndef BUG_NO_MEMBARRIER
     if
     :: ASYM_OF(i) -> atomic { membarrier() }                 /* heavy_barrier */
     :: else -> skip
     fi;
#endif
     atomic { mark[i] = x; marked[i] = 1 }                    /* poll_word = e | ANNOUNCED */
  fi;
  r = COND(i);                                                /* E3 = [W2] */
  if
  :: r -> evfd[i] = 1                                          /* E4: write(eventfd) */
  :: else -> skip
  fi;
  atomic { s_e = 0; s_n = 0; x = 0 }
}

inline get_fd_prepare(i) {
  if
  :: !fd_made[i] -> fd_made[i] = 1; prepare(i)                /* GETFD: install, arm */
  :: else -> skip
  fi;
  prepare(i)
}

inline fallback_round() {
  r = 0;
  if
  :: live[0] -> get_fd_prepare(0)
  :: else -> skip
  fi;
  if
  :: !r && live[1] -> get_fd_prepare(1)
  :: else -> skip
  fi;
  if
  :: !r ->
     atomic {
       pollon[0] = live[0];
#ifdef BUG_POLL_FIRST_ONLY
       pollon[1] = 0;
#else
       pollon[1] = live[1];
#endif
       polling = 1
     };
     ((pollon[0] && evfd[0]) || (pollon[1] && evfd[1]));        /* POLL */
     atomic { polling = 0; pollon[0] = 0; pollon[1] = 0 }
  :: else -> skip
  fi;
  r = 0
}

proctype consumer() {
  byte k, x, s_e, s_n, bx;
  byte e[NQ];
  bit r;
loop:
  if
  :: head[0] == NITEMS && (SHUT -> !live[1] : head[1] == NITEMS) -> goto done
  :: else -> skip
  fi;
again:                                                        /* wait_any_until */
  first_ready(k);                                             /* R */
  if
  :: k < NQ -> goto take
  :: else -> skip
  fi;
#if FALLBACK
  fallback_round();
#else
  waitv_round();
#endif
  goto again;
take:                                                         /* TAKE: get_nowait(qs[k]) */
  atomic {
    if
    :: tail[k] != head[k] -> head[k]++
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
  finished++
}

#ifndef NO_MONITOR /* -DNO_MONITOR: leave only the end-state and final() checks */
active proctype monitor() {
end:
  atomic {
    ((asleep && (LOST(0) || LOST(1))) ||
     (polling && !(pollon[0] && evfd[0]) && !(pollon[1] && evfd[1]) && (LOST(0) || LOST(1))) ||
     EXTRA(0) || EXTRA(1)) ->
    assert(false)
  }
}
#endif

active proctype final() {
  byte bx;
  atomic {
    finished == NPROC ->
    membarrier();
    assert(blocked[0] == 0 && blocked[1] == 0);
    assert(!EXTRA(0) && !EXTRA(1));
#if !FALLBACK
    assert(nwait[0] == 0 && nwait[1] == 0);
#endif
    assert(accepted[0] == NITEMS && tail[0] == NITEMS && head[0] == NITEMS);
#if SHUT
    assert(closed[1] && tail[1] == accepted[1] && head[1] == accepted[1]);
#else
    assert(accepted[1] == NITEMS && tail[1] == NITEMS && head[1] == NITEMS);
#endif
  }
}

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
#if SHUT
    run shutter();
#endif
  }
}
