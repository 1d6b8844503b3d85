/* SPDX-License-Identifier: MIT */
/* tests/model/poll.pml: Spin model of the event-loop descriptor protocol of src/poll.c (readiness
 * of NOT_EMPTY through an eventfd) under x86-TSO, with explicit store buffers as in wait.pml.
 *
 * What is modelled. One putter makes NITEMS puts (put_nowait: the ring never fills, NOT_FULL is
 * wait.pml's business), each followed by notify(NOT_EMPTY). One event-loop getter (the poller)
 * makes the descriptor (ringq_queue_fd: install, then armed once with [E1]..[E4]) and then loops:
 * drain with get_nowait until EMPTY, ringq_queue_poll_prepare; if it reports ready, drain again
 * (or wait anyway: the descriptor is then readable), else wait for the descriptor. The eventfd is
 * a counter efd; the loop's poll/epoll is a blocking wait for efd != 0 (the loop never reads the
 * eventfd itself, prepare's [E1] does). The poller stops once it got NITEMS items. ASYM=0 models
 * the symmetric (seq_cst) protocol, ASYM=1 the asymmetric (membarrier) protocol of private SPSC
 * queues. WAIT_FIRST=1: the loop waits on the descriptor before its first drain/prepare.
 * MAKER=1: a third thread calls ringq_queue_fd concurrently (queue.h: "any thread"), so either
 * thread may install the descriptor and run the arming prepare, concurrently with the loop's own
 * prepares (they share the POLLER bit and the eventfd).
 *
 * Memory model: x86-TSO as in wait.pml. The putter's plain stores (tail, ASYM only) go through its
 * FIFO store buffer, drained by a drainer process at any time; a locked instruction (the [P3q] CAS,
 * the [N3] CAS) or a system call (the eventfd write [N5]) first drains it. The poller's (and the
 * maker's) stores that matter are locked: the announcement [W1] (fetch_or of POLLER), the install
 * (CAS). Their plain stores are not buffered here: head and get_busy are read by nobody this
 * model checks (head only by NOT_FULL).
 * [E1], [E4], [N5] (read/write of the eventfd) are system calls: each drains the caller's buffer
 * and acts on efd atomically. membarrier drains every buffer.
 *
 * What stays uncovered: ARM/POWER reorderings beyond TSO (see wait.pml's header; there the
 * argument is src/poll.c's C11 one), several pollers of one queue (POLLER is one bit per direction),
 * the WRITABLE direction, shutdown during the loop, wait-any (futex_waitv and its eventfd
 * fallback), epoch wrap-around, eventfd counter saturation (EAGAIN), store buffers deeper than 3.
 *
 * Model step -> labelled step in src/poll.c / src/queue.c:
 *   INSTALL      get_fd's compare-exchange of poll_fd (acq_rel); N5 writes only once it is seen
 *   ARM          get_fd's prepare_one by the thread whose install won: [E1]..[E4]
 *   prepare: E1  [E1] read(eventfd): efd = 0
 *            E2  [E2] relaxed load of the waitq word; skip when POLLER is set, else [W1] for a
 *                poller via ringq__poll_announce (locked fetch_or; ASYM: + heavy barrier)
 *            E3  [E3] = [W2] get_may_proceed: tail != head (loads from memory)
 *            E4  [E4] write(eventfd) when E3 held
 *   WAIT         the loop's poll/epoll on the descriptor: blocks until efd != 0
 *   DRAIN        get_nowait until EMPTY (ring_get_spsc; its [N1] for NOT_FULL is not modelled)
 *   putter: N1   [N1] tail publication: [P3q] CAS (symmetric) / [P3] plain store (ASYM)
 *           N2   [N2] load of the waitq word (seq_cst = plain mov on x86, or relaxed when ASYM)
 *           N3   [N3] CAS clearing POLLER (no sleepers here: no token, no epoch move), retried
 *                while the bit is set
 *           N4   [N4] futex_wake: nobody sleeps on the futex here, a no-op
 *           N5   ringq__poll_signal (the "[N4] for a poller" call in queue.c's notify, [N5] in
 *                poll.c's comment): write(eventfd) if the descriptor is installed
 *
 * Properties checked (pan, safety mode, exhaustive):
 *   - no lost readiness, assertion form: monitor() asserts at every state that the poller is not
 *     waiting on a zero eventfd while an item is in the ring (in memory), no notifier is
 *     pending (between its N1 and the end of its notify) and the descriptor's maker is not
 *     between its install and the end of its arming (MAKER: its E4 may still come);
 *   - no lost readiness, end-state form: every valid end state has every thread finished (the
 *     poller waiting for ever on a zero eventfd with items left is an invalid end state);
 *   - final(): every item put was got.
 *
 * Seeded bugs (each must produce a counterexample):
 *   BUG_RECHECK_FIRST     [E3] before [E2]: re-check, then announce;
 *   BUG_CLEAR_LATE        [E1] after [E3]: clear the eventfd after the re-check;
 *   BUG_SKIP_ANY_EPOCH    [E2] skips whenever the poller announced once (its own note, as the
 *                         epoch mark of the older protocol might), without reading POLLER;
 *   BUG_NO_MEMBARRIER     ASYM=1 without the heavy barrier after [W1] (ringq__announce's): the
 *                         putter's plain tail store hides in its buffer from [E3] while its [N2]
 *                         misses the announcement (the store-buffer case: x86 shows it);
 *   BUG_NO_ARM            the descriptor is not armed when made (with WAIT_FIRST=1: the hang of
 *                         examples/event_loop.c that the arming fixed).
 */

#ifndef NITEMS
#define NITEMS 3
#endif
#ifndef ASYM
#define ASYM 0
#endif
#ifndef WAIT_FIRST
#define WAIT_FIRST 0
#endif
#ifndef MAKER
#define MAKER 0
#endif

/* ---- shared memory ---- */
byte tail;             /* items published (the ring never fills here) */
bit pbit;              /* NOT_EMPTY waitq word: POLLER (no sleepers and tokens in this model) */
bit fd_made;           /* poll_fd[READABLE] installed */
bit marked;            /* ghost: the poller set POLLER once (BUG_SKIP_ANY_EPOCH's note) */
byte efd;              /* the eventfd counter */

/* ---- the putter's store buffer (tail stores only) ---- */
chan sb = [3] of { byte };

/* ---- ghost state ---- */
byte got;              /* items the poller got (its head) */
byte pending;          /* notifiers between their N1 and the end of their notify */
bit waiting;           /* the poller is in WAIT */
bit arming;            /* between the winning INSTALL and the end of its ARM */
byte finished;

inline flush_putter() {
  do
  :: sb?bx -> tail = bx
  :: empty(sb) -> break
  od;
  bx = 0
}

/* notify(NOT_EMPTY) after N1: N2..N5, then this notifier is no longer pending. */
inline notify() {
  atomic { snw = pbit };                                      /* N2: one plain load of the word */
  if
  :: snw == 0 -> skip
  :: else ->
     do
     :: atomic {                                              /* N3: locked CAS */
          flush_putter();
          if
          :: pbit == snw -> pbit = 0; won = 1
          :: else -> snw = pbit
          fi
        };
        if
        :: won || snw == 0 -> break
        :: else -> skip
        fi
     od;
     if
     :: won ->                                                /* N4: no futex sleeper */
        atomic {                                              /* N5: write(eventfd) */
          flush_putter();
          if
          :: fd_made -> efd++
          :: else -> skip
          fi
        }
     :: else -> skip
     fi
  fi;
  pending--;
  snw = 0; won = 0
}

proctype putter() {
  byte i, ptail, snw, bx;
  bit won;
  do
  :: i == NITEMS -> break
  :: else ->
#if ASYM
     atomic { sb!ptail + 1; ptail++; pending++ };             /* N1 = [P3] plain store */
#else
     atomic { flush_putter(); tail = tail + 1; ptail = tail; pending++ };  /* N1 = [P3q] CAS */
#endif
     notify();
     i++
  od;
  finished++
}

proctype drainer() {
  byte bx;
end:
  do
  :: atomic { sb?bx -> tail = bx; bx = 0 }
  od
}

/* [E2]: announce unless POLLER is set already. */
inline announce_unless_current() {
  atomic { s_n = pbit };                                      /* E2: relaxed load of the word */
  if
#ifdef BUG_SKIP_ANY_EPOCH
  :: marked -> skip
#else
  :: s_n -> skip
#endif
  :: else ->
     atomic { pbit = 1; marked = 1 };                         /* W1: locked fetch_or */
#if ASYM && !defined(BUG_NO_MEMBARRIER)
     atomic { flush_putter() };                               /* heavy barrier (membarrier) */
#endif
     skip
  fi;
  s_n = 0
}

inline recheck(r) {
  r = (tail != got)                                           /* E3 = [W2] */
}

/* ringq_queue_poll_prepare / prepare_one: [E1]..[E4]; r = the event holds. */
inline prepare(r) {
#if defined(BUG_CLEAR_LATE)
  announce_unless_current();
  recheck(r);
  atomic { efd = 0 };                                         /* E1, too late */
#elif defined(BUG_RECHECK_FIRST)
  atomic { efd = 0 };                                         /* E1 */
  recheck(r);
  announce_unless_current();
#else
  atomic { efd = 0 };                                         /* E1 */
  announce_unless_current();                                  /* E2 */
  recheck(r);                                                 /* E3 */
#endif
  if
  :: r -> atomic { efd++ }                                    /* E4 */
  :: else -> skip
  fi
}

/* ringq_queue_fd's get_fd: INSTALL, and ARM by the thread whose install won. */
inline get_fd() {
  atomic {                                                    /* INSTALL: CAS of poll_fd */
    if
    :: !fd_made -> fd_made = 1; mine = 1; arming = 1
    :: else -> skip
    fi
  };
#ifndef BUG_NO_ARM
  if
  :: mine -> prepare(ready)                                   /* ARM */
  :: else -> skip
  fi;
#endif
  if
  :: mine -> arming = 0
  :: else -> skip
  fi;
  mine = 0; ready = 0
}

#if MAKER
/* Another thread calls ringq_queue_fd ("any thread") while the loop runs. */
proctype maker() {
  byte s_n, bx;
  bit ready, mine;
  get_fd();
  finished++
}
#endif

proctype poller() {
  byte s_n, bx;
  bit ready, mine;
  get_fd();
#if WAIT_FIRST
  goto wait;
#endif
drain:
  do                                                          /* DRAIN: get_nowait until EMPTY */
  :: got == NITEMS -> goto done
  :: tail != got -> got++
  :: else -> break
  od;
  prepare(ready);
  if
  :: ready -> goto drain
  :: ready -> goto wait                                       /* a loop that waits anyway */
  :: else -> goto wait
  fi;
wait:
  waiting = 1;
  (efd != 0);                                                 /* WAIT: poll on the descriptor */
  waiting = 0;
  goto drain;
done:
  finished++
}

#ifndef NO_MONITOR /* -DNO_MONITOR: leave only the end-state and final() checks */
active proctype monitor() {
end:
  atomic {
    (waiting && efd == 0 && tail != got && pending == 0 && !arming) ->
    assert(false)
  }
}
#endif

active proctype final() {
  atomic {
    finished == 2 + MAKER ->
    assert(got == NITEMS && tail == NITEMS && empty(sb))
  }
}

init {
  atomic {
    run drainer();
    run putter();
    run poller();
#if MAKER
    run maker()
#endif
  }
}
