/* SPDX-License-Identifier: MIT */
/* tests/model/wait.pml: Spin model of the futex wait protocol of src/queue.c (SPSC queue, both
 * directions, optional shutdown) under x86-TSO, with explicit store buffers.
 *
 * What is modelled. One putter thread puts NITEMS items with the blocking put, one getter thread
 * gets with the blocking get, into an abstract ring of CAP items (tail/head tickets advancing by
 * STEP = 2, bit 0 of tail the closed mark, as in spsc.h). An optional third thread shuts the queue
 * down (SHUT=1: shutdown(false), SHUT=2: shutdown(true)) at any point. ASYM=0 models the symmetric
 * (seq_cst) protocol, ASYM=1 the asymmetric (membarrier) protocol of private SPSC queues.
 *
 * Memory model: x86-TSO. Every plain store (C11 relaxed or release store) of the putter and of the
 * getter goes into that thread's FIFO store buffer (chan sb[]); a drainer process per thread
 * writes the oldest entry to memory at any time. A thread's loads see its own newest buffered
 * value first (store forwarding; only tail has two writers, see ptail/pend_tail), else memory. A
 * locked instruction (every RMW, and a seq_cst store, which compilers emit as xchg or mov+mfence)
 * first drains the thread's own buffer, then acts on memory atomically. A C11 seq_cst load is a
 * plain load on x86 (mov): its ordering comes from the locked store before it. membarrier
 * (ringq__heavy_barrier) drains every thread's buffer. A futex system call drains the caller's
 * buffer (the kernel takes a lock) and compares-and-sleeps atomically w.r.t. futex_wake.
 *
 * What stays uncovered: ARM/POWER reorderings beyond TSO (load-load, load-store, store-store
 * reordering, non-multi-copy-atomic stores): there the argument rests on C11 seq_cst semantics
 * (the total order S in src/queue.c), not on this model. Also abstracted: the MPMC ring's claim /
 * publish split (see tasks.pml for MPMC), spinning before sleeping (more attempts only), timeouts
 * and MAX_SLEEP_NS caps, signals and spurious futex returns (each only adds a re-check), epoch
 * wrap-around (epochs are bytes here; 2^32 bumps in the real code), store buffers deeper than 3.
 *
 * Model step -> labelled step in src/queue.c:
 *   attempt_put / attempt_get    ring_put / ring_get_spsc; [N1] is the tail publication ([P3q]
 *                                CAS, or [P3] plain store when ASYM) / the head store ([C3],
 *                                seq_cst or release when ASYM)
 *   put_busy / get_busy stores   [A1]/[A2] (asym put), [G1]/[G2] (get)
 *   wait_step: W1                [W1] fetch_add of the waitq word, reads the epoch e
 *              membarrier        the heavy barrier between [W1] and [W2] (ASYM only)
 *              W2                [W2] put_may_proceed / get_may_proceed
 *              futex_wait        ringq__wait(epoch, e): sleeps only if the epoch is still e
 *              W3                [W3] leave CAS: sleepers - 1, tokens - 1 if any
 *   notify:    N2                [N2] load of the waitq word (plain on x86 in both variants)
 *              N3                [N3] CAS (epoch + 1, tokens + (sleepers - tokens)): with
 *                                one waiter per condition, wake one is wake all (wake1.pml
 *                                models several waiters)
 *              N4                [N4] futex_wake(all)
 *   shutdown:  S1                [N1] fetch_or state CLOSING (| DISCARD)
 *              A3                [A3] heavy barrier (ASYM)
 *              A4 / G3           wait until put_busy (ASYM) / get_busy (immediate) are low
 *              MARK              fetch_or tail CLOSED ([X1])
 *              S2                fetch_or state SHUTDOWN (| IMMEDIATE), then notify each condition
 *
 * Properties checked (pan, safety mode, exhaustive):
 *   - no lost wake-up, assertion form: monitor() asserts at every state that no thread sleeps on a
 *     condition that holds in memory while no notifier of that condition is pending (between its
 *     [N1] and the end of its notify);
 *   - no deadlock / no lost wake-up, end-state form: every valid end state has both threads
 *     finished (a thread asleep for ever is an invalid end state);
 *   - final(): the waiter counts are back to 0 (fini would not be busy, notifiers pay nothing);
 *     every item accepted was got (SHUT 0, 1) or is still in the ring, discarded (SHUT 2); the
 *     closed mark is set after a shutdown (a plain tail store did not erase it).
 *
 * Seeded bugs (each must produce a counterexample):
 *   BUG_NO_RECHECK    skip [W2]: sleep right after announcing;
 *   BUG_NO_TAKEBACK   skip [W3]: a waiter leaves its announcement (and the token) behind;
 *   BUG_NO_N_FENCE    symmetric variant whose [N1] is a plain store with no fence before [N2]
 *                     (on x86 the seq_cst [N2] load is a plain mov; the fence lives in [N1]);
 *   BUG_NO_MEMBARRIER asymmetric variant without the waiter's heavy barrier;
 *   BUG_NO_BUSY_WAIT  asymmetric shutdown that does not wait for put_busy ([A4]): the put's plain
 *                     tail store erases the closed mark.
 */

#ifndef CAP
#define CAP 1
#endif
#ifndef NITEMS
#define NITEMS 2
#endif
#ifndef SHUT
#define SHUT 0
#endif
#ifndef ASYM
#define ASYM 0
#endif

#define STEP 2
#define CLOSED 1
#define CLOSING 1
#define DISCARD 2
#define SHUTDOWN 4
#define IMMEDIATE 8

#define NE 0 /* NOT_EMPTY: the getter waits here */
#define NF 1 /* NOT_FULL: the putter waits here */

#define ST_OK 0
#define ST_FULL 1
#define ST_EMPTY 2
#define ST_SHUT 3

#define PUTTER 0
#define GETTER 1
#define SHUTTER 2

#define V_TAIL 0
#define V_HEAD 1
#define V_PBUSY 2
#define V_GBUSY 3

#if SHUT
#define NWORKERS 3
#else
#define NWORKERS 2
#endif

/* Plain stores go through the buffer unless the variant makes them locked. */
#if ASYM || defined(BUG_NO_N_FENCE)
#define PLAIN_PUBLISH 1
#else
#define PLAIN_PUBLISH 0
#endif
#if ASYM && !defined(BUG_NO_MEMBARRIER)
#define HEAVY_BARRIER 1
#else
#define HEAVY_BARRIER 0
#endif

/* ---- shared memory ---- */
byte tail;             /* ticket word: items * STEP | CLOSED */
byte head;
byte state;            /* CLOSING | DISCARD | SHUTDOWN | IMMEDIATE */
bit put_busy;
bit get_busy;
byte epoch[2];         /* waitq word, low half: the futex word */
byte nwait[2];         /* waitq word: sleepers (announced, not yet left) */
byte ntok[2];          /* waitq word: tokens (wakes issued, not yet consumed) */

/* ---- store buffers of the putter (0) and the getter (1) ---- */
chan sb[2] = [3] of { byte, byte };
byte pend_tail;        /* tail stores in the putter's buffer (for store forwarding) */
byte ptail;            /* the putter's newest tail store */

/* ---- futex and ghost state ---- */
bit asleep[2];         /* thread asleep in futex_wait (putter on NF, getter on NE) */
byte pending[2];       /* notifiers between their [N1] and the end of their notify */
byte accepted;         /* puts that returned OK */
byte got;              /* gets that returned OK */
byte finished;         /* worker threads that returned */

inline write_mem(v, x) {
  if
  :: v == V_TAIL -> tail = x; pend_tail--
  :: v == V_HEAD -> head = x
  :: v == V_PBUSY -> put_busy = x
  :: v == V_GBUSY -> get_busy = x
  fi
}

/* Drain thread t's whole buffer (inside an atomic block: a locked instruction or a barrier). */
inline flush(t) {
  do
  :: sb[t]?bv, bx -> write_mem(bv, bx)
  :: empty(sb[t]) -> break
  od;
  bv = 0; bx = 0
}

inline membarrier() {
  flush(PUTTER);
  flush(GETTER)
}

/* Thread 0 or 1: a plain store into its buffer. */
inline plain_store(t, v, x) {
  sb[t]!v, x
}

/* The putter's view of tail (store forwarding). */
inline load_tail_putter(r) {
  if
  :: pend_tail > 0 -> r = ptail
  :: else -> r = tail
  fi
}

inline wake(w) {
  atomic {
    if
    :: w == NE -> asleep[GETTER] = 0
    :: w == NF -> asleep[PUTTER] = 0
    fi
  }
}

/* notify(): [N2]..[N4] by thread `me`, then this notifier is no longer pending. */
inline notify(me, w) {
  sep = epoch[w]; snw = nwait[w]; stk = ntok[w];             /* N2: one plain load of the word */
  if
  :: snw <= stk -> skip
  :: else ->
     do
     :: atomic {                                              /* N3: locked CAS */
          if
          :: me != SHUTTER -> flush(me)
          :: else -> skip
          fi;
          if
          :: epoch[w] == sep && nwait[w] == snw && ntok[w] == stk ->
             epoch[w] = epoch[w] + 1; ntok[w] = snw; won = 1
          :: else -> sep = epoch[w]; snw = nwait[w]; stk = ntok[w]
          fi
        };
        if
        :: won || snw <= stk -> break
        :: else -> skip
        fi
     od;
     if
     :: won -> wake(w)                                        /* N4 */
     :: else -> skip
     fi
  fi;
  pending[w]--;
  sep = 0; snw = 0; stk = 0; won = 0
}

/* The conditions of [W2]: evaluated by their own waiter only. */
inline put_may_proceed(r) {
  load_tail_putter(t);
  r = ((t & CLOSED) || (t & 254) - head < CAP * STEP)
}
inline get_may_proceed(r) {
  if
  :: state & DISCARD -> r = 1
  :: else -> t = tail; r = ((t & CLOSED) || (t & 254) != head)
  fi
}

/* [W1]..[W3] once. */
inline wait_step(me, w) {
  atomic { flush(me); e = epoch[w]; nwait[w] = nwait[w] + 1 };          /* W1: locked RMW */
#if HEAVY_BARRIER
  atomic { membarrier() };
#endif
#ifdef BUG_NO_RECHECK
  ready = 0;
#else
  if                                                                    /* W2 */
  :: w == NF -> put_may_proceed(ready)
  :: w == NE -> get_may_proceed(ready)
  fi;
#endif
  if
  :: !ready ->
     atomic {                                                           /* futex_wait(epoch, e) */
       flush(me);
       if
       :: epoch[w] == e -> asleep[me] = 1
       :: else -> skip
       fi
     };
     (asleep[me] == 0)                                                  /* asleep until woken */
  :: else -> skip
  fi;
#ifndef BUG_NO_TAKEBACK
  atomic {                                                              /* W3: leave CAS */
    flush(me);
    nwait[w] = nwait[w] - 1;
    if
    :: ntok[w] > 0 -> ntok[w] = ntok[w] - 1
    :: else -> skip
    fi
  };
#endif
  e = 0; ready = 0; t = 0
}

proctype putter() {
  byte i, t, h, e, sep, snw, stk, st;
  bit ready, won;
  byte bv, bx;
  i = 0;
  do
  :: i == NITEMS -> break
  :: else ->
     do
     :: /* one attempt: ring_put (+ notify on success) */
#if ASYM
        plain_store(PUTTER, V_PBUSY, 1);                                /* A1 */
        if
        :: state & CLOSING -> st = ST_SHUT
        :: else ->
#endif
           load_tail_putter(t);
           h = head;
           if
           :: t & CLOSED -> st = ST_SHUT
           :: else ->
              if
              :: (t - h) >= CAP * STEP -> st = ST_FULL
              :: else ->
#if PLAIN_PUBLISH
                 atomic { plain_store(PUTTER, V_TAIL, t + STEP); pend_tail++; ptail = t + STEP;
                          pending[NE]++ };                              /* N1 = [P3] */
                 st = ST_OK
#else
                 atomic {                                               /* N1 = [P3q] CAS */
                   flush(PUTTER);
                   if
                   :: tail == t -> tail = t + STEP; st = ST_OK; pending[NE]++
                   :: else -> st = ST_SHUT
                   fi
                 }
#endif
              fi
           fi;
#if ASYM
        fi;
        plain_store(PUTTER, V_PBUSY, 0);                                /* A2 */
#endif
        t = 0; h = 0;
        if
        :: st == ST_OK -> notify(PUTTER, NE); break
        :: st == ST_SHUT -> break
        :: st == ST_FULL -> wait_step(PUTTER, NF)
        fi
     od;
     if
     :: st == ST_OK -> accepted++; i++
     :: else -> break
     fi
  od;
  finished++
}

proctype getter() {
  byte i, t, h, e, s, sep, snw, stk, st;
  bit ready, won;
  byte bv, bx;
  byte myhead = 0;
  i = 0;
  do
  :: SHUT == 0 && i == NITEMS -> break
  :: else ->
     do
     :: /* one attempt: ring_get_spsc (+ notify on success) */
        st = ST_SHUT;
#if ASYM
        plain_store(GETTER, V_GBUSY, 1);                                /* G1 */
#else
        atomic { flush(GETTER); get_busy = 1 };                         /* G1 seq_cst store */
#endif
        s = state;
        if
        :: s & DISCARD -> skip
        :: else ->
           t = tail;
           if
           :: (t & 254) == myhead ->
              if
              :: t & CLOSED -> st = ST_SHUT
              :: else -> st = ST_EMPTY
              fi
           :: else ->
              myhead = myhead + STEP;
#if PLAIN_PUBLISH
              atomic { plain_store(GETTER, V_HEAD, myhead); pending[NF]++ };  /* N1 = [C3] release */
#else
              atomic { flush(GETTER); head = myhead; pending[NF]++ };         /* N1 = [C3] seq_cst */
#endif
              st = ST_OK
           fi
        fi;
        plain_store(GETTER, V_GBUSY, 0);                                /* G2 release */
        s = 0; t = 0;
        if
        :: st == ST_OK -> notify(GETTER, NF); break
        :: st == ST_SHUT -> break
        :: st == ST_EMPTY -> wait_step(GETTER, NE)
        fi
     od;
     if
     :: st == ST_OK -> got++; i++
     :: else -> break
     fi
  od;
  finished++
}

proctype drainer(byte me) {
  byte bv, bx;
end:
  do
  :: atomic { sb[me]?bv, bx -> write_mem(bv, bx); bv = 0; bx = 0 }
  od
}

#if SHUT
proctype shutter() {
  byte t, sep, snw, stk;
  bit won;
  byte bv, bx;
  atomic {                                                              /* S1 */
    pending[NE]++; pending[NF]++;
    state = state | CLOSING | (SHUT == 2 -> DISCARD : 0)
  };
#if HEAVY_BARRIER
  atomic { membarrier() };                                              /* A3 */
#endif
#if ASYM && !defined(BUG_NO_BUSY_WAIT)
  (put_busy == 0);                                                      /* A4 */
#endif
  if
  :: SHUT == 2 -> (get_busy == 0)                                       /* G3 */
  :: else -> skip
  fi;
  atomic { tail = tail | CLOSED };                                      /* MARK [X1] */
  atomic { state = state | SHUTDOWN | (SHUT == 2 -> IMMEDIATE : 0) };   /* S2 */
  notify(SHUTTER, NE);
  notify(SHUTTER, NF);
  finished++
}
#endif

/* No thread asleep on a condition that holds, unless a notifier of it is still pending. */
#define GET_COND ((state & DISCARD) || (tail & CLOSED) || (tail & 254) != head)
#define PUT_COND ((tail & CLOSED) || (tail & 254) - head < CAP * STEP)
#ifndef NO_MONITOR /* -DNO_MONITOR: leave only the end-state and final() checks */
active proctype monitor() {
end:
  atomic {
    ((asleep[GETTER] && GET_COND && pending[NE] == 0) ||
     (asleep[PUTTER] && PUT_COND && pending[NF] == 0)) ->
    assert(false)
  }
}
#endif

active proctype final() {
  byte bv, bx;
  atomic {
    finished == NWORKERS ->
    membarrier();
    assert(nwait[NE] == 0 && nwait[NF] == 0 && ntok[NE] == 0 && ntok[NF] == 0);
    assert(accepted * STEP == (tail & 254));
#if SHUT == 0
    assert(accepted == NITEMS && got == NITEMS);
#elif SHUT == 1
    assert(got == accepted && (tail & CLOSED));
#else
    assert(got * STEP == head && (tail & CLOSED));
#endif
  }
}

init {
  atomic {
    run drainer(PUTTER);
    run drainer(GETTER);
    run putter();
    run getter();
#if SHUT
    run shutter();
#endif
  }
}
