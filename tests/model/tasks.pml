/* SPDX-License-Identifier: MIT */
/* tests/model/tasks.pml: Spin model of task_done / join accounting racing with shutdown on an
 * MPMC queue (src/queue.c), with join sleeping through the futex wait protocol on ALL_DONE.
 *
 * What is modelled. A putter puts NITEMS items without waiting (put_nowait) into an MPMC ring of
 * CAP items; a getter gets without waiting until the queue reports SHUTDOWN, calls task_done for
 * every item it got and, once, nondeterministically, one task_done too many (a misuse that the
 * queue must refuse or absorb without corrupting its count); a joiner calls join (blocking); a
 * shutter calls shutdown(SHUT == 2) at any point.
 *
 * Memory model: sequentially consistent interleavings. That is exact for x86-TSO here because
 * every store this model contains is a locked instruction on x86 (the ring's claims are CAS,
 * done is changed by CAS or fetch_add, state and the mark by fetch_or, the waitq word by RMWs) or
 * a seq_cst store; a locked instruction drains the store buffer, so no buffered store exists for
 * TSO to reorder. wait.pml models the buffers where they exist (the SPSC asymmetric variant).
 * Uncovered: ARM/POWER beyond TSO; the MPMC ring's claim / publish split (a claim and its
 * publication are one step here: a getter that sees a claimed, unpublished slot only backs off
 * and retries); the not-empty / not-full waits (checked in wait.pml; gets and puts here do not
 * wait); timeouts.
 *
 * Two accountings:
 *   TODAY (-DTODAY_ACCOUNTING): src/queue.c as of this model. `done` counts task_done calls;
 *     task_done is refused unless done < head (items got); join waits for done == tail, or
 *     done == head once IMMEDIATE is set; an immediate shutdown pops each item left (head moves
 *     past it) and only then adds it to done. The race: a task_done between the pop and the add
 *     passes done < head, done ends above head and join's equality never holds.
 *   FIX (default, issue 8, Python's rule): `done` counts task_done calls plus discarded items and
 *     never exceeds tail (accepted puts). task_done: d = done; t = tail without the mark; d >= t:
 *     refuse; CAS done d -> d + 1. Immediate shutdown: for each item popped after the mark, a CAS
 *     loop done = min(done + 1, tail). join completes when done >= tail.
 *
 * Model step -> labelled step in src/queue.c:
 *   put              ring_put -> ringq__mpmc_push seq_cst claim [MP3] (+ publication [MP4])
 *   get              ring_get: load state (DISCARD), ringq__mpmc_pop claim [MC3]
 *   task_done        ringq_queue_task_done: its CAS of done is [N1] for ALL_DONE, then
 *                    all_tasks_done() and notify ([N2]..[N4]) when it completed the work
 *   join             join_until: all_tasks_done(), wait_step [W1] [W2] futex_wait [W3]
 *   shutdown S1      [N1] fetch_or state CLOSING | DISCARD
 *            MARK    fetch_or tail CLOSED ([X1] in mpmc.h)
 *            DISCARD the immediate shutdown's pop loop and its count of each item in done
 *            S2      fetch_or state SHUTDOWN | IMMEDIATE, then notify ALL_DONE
 *
 * Properties (pan, safety mode, exhaustive):
 *   - accounting never below zero: monitor() asserts unfinished >= 0 at every state
 *     (FIX: done <= tail; TODAY: done <= head, its own documented invariant);
 *   - join never stuck: a joiner asleep for ever is an invalid end state; monitor() also asserts
 *     that the joiner never sleeps while all tasks are done and no notifier is pending;
 *   - nothing accepted is lost: final() asserts accepted == got + discarded;
 *   - the waiter count of ALL_DONE is back to 0 at the end.
 */

#ifndef CAP
#define CAP 2
#endif
#ifndef NITEMS
#define NITEMS 2
#endif
#ifndef SHUT
#define SHUT 2
#endif

#define STEP 2
#define CLOSED 1
#define CLOSING 1
#define DISCARD 2
#define SHUTDOWN 4
#define IMMEDIATE 8

#define ST_OK 0
#define ST_FULL 1
#define ST_EMPTY 2
#define ST_SHUT 3
#define ST_ETASKDONE 4

byte tail;        /* ticket word: items * STEP | CLOSED */
byte head;
byte state;
byte done;        /* in tickets (STEP per task) */
byte epoch;       /* ALL_DONE waitq word */
byte nwait;
bit asleep;       /* the joiner sleeps in futex_wait */
byte pending;     /* ALL_DONE notifiers between their [N1] and the end of their notify */
byte accepted;
byte got;
byte discarded;
byte finished;

#ifdef TODAY_ACCOUNTING
/* done == target; the three seq_cst loads happen one after the other. */
inline all_tasks_done(r) {
  d = done;
  if
  :: state & IMMEDIATE -> r = (d == head)
  :: else -> r = (d == (tail & 254))
  fi;
  d = 0
}
#define DONE_COND (done == ((state & IMMEDIATE) -> head : (tail & 254)))
#define NOT_NEGATIVE (done <= head)
#else
inline all_tasks_done(r) {
  d = done;
  r = (d >= (tail & 254));
  d = 0
}
#define DONE_COND (done >= (tail & 254))
#define NOT_NEGATIVE (done <= (tail & 254))
#endif

inline notify_all_done() {
  sep = epoch; snw = nwait;                                  /* N2 */
  if
  :: snw == 0 -> skip
  :: else ->
     do
     :: atomic {                                             /* N3 */
          if
          :: epoch == sep && nwait == snw -> epoch = epoch + 1; nwait = 0; won = 1
          :: else -> sep = epoch; snw = nwait
          fi
        };
        if
        :: won || snw == 0 -> break
        :: else -> skip
        fi
     od;
     if
     :: won -> asleep = 0                                    /* N4 */
     :: else -> skip
     fi
  fi;
  pending--;
  sep = 0; snw = 0; won = 0
}

inline task_done(st) {
  st = ST_EMPTY; /* not decided yet */
  d = done;
  do
  :: 
#ifdef TODAY_ACCOUNTING
     h = head;
     if
     :: h <= d -> st = ST_ETASKDONE; break
     :: else -> skip
     fi;
#else
     h = tail & 254;
     if
     :: d >= h -> st = ST_ETASKDONE; break
     :: else -> skip
     fi;
#endif
     atomic {                                                /* N1: CAS done d -> d + STEP */
       if
       :: done == d -> done = d + STEP; st = ST_OK; pending++
       :: else -> d = done
       fi
     };
     if
     :: st == ST_OK -> break
     :: else -> skip
     fi
  od;
  h = 0;
  if
  :: st == ST_OK ->
     all_tasks_done(r);
     if
     :: r -> notify_all_done()
     :: else -> pending--
     fi
  :: else -> skip
  fi;
  d = 0; r = 0
}

proctype putter() {
  byte i = 0;
  do
  :: i == NITEMS -> break
  :: else ->
     atomic {                                                /* claim + publish */
       if
       :: tail & CLOSED -> skip
       :: (tail & 254) - head >= CAP * STEP -> skip
       :: else -> tail = tail + STEP; accepted++
       fi
     };
     i++
  od;
  finished++
}

proctype getter() {
  byte st, d, h, sep, snw;
  bit r, won, extra;
  do
  :: /* get_nowait */
     if
     :: state & DISCARD -> st = ST_SHUT
     :: else ->
        atomic {                                             /* claim [MC3] */
          if
          :: head != (tail & 254) -> head = head + STEP; got++; st = ST_OK
          :: head == (tail & 254) && (tail & CLOSED) -> st = ST_SHUT
          :: else -> st = ST_EMPTY
          fi
        }
     fi;
     if
     :: st == ST_SHUT -> break
     :: st == ST_EMPTY -> skip
     :: st == ST_OK ->
        task_done(st);
        /* one task_done per item got is refused only after a task_done too many took its place */
        assert(st == ST_OK || extra);
        if
        :: !extra -> extra = 1; task_done(st)  /* one too many: refused or absorbed */
        :: true -> skip
        fi
     fi;
     st = 0
  od;
  finished++
}

proctype joiner() {
  byte d, e;
  bit r, ready;
  do
  :: all_tasks_done(r);
     if
     :: r -> break
     :: else -> skip
     fi;
     atomic { e = epoch; nwait = nwait + 1 };                /* W1 */
     all_tasks_done(ready);                                  /* W2 */
     if
     :: !ready ->
        atomic {                                             /* futex_wait(epoch, e) */
          if
          :: epoch == e -> asleep = 1
          :: else -> skip
          fi
        };
        (asleep == 0)
     :: else -> skip
     fi;
     atomic {                                                /* W3 */
       if
       :: epoch == e -> nwait = nwait - 1
       :: else -> skip
       fi
     };
     e = 0; ready = 0
  od;
  finished++
}

proctype shutter() {
  byte d, t, sep, snw;
  bit won;
  atomic {                                                   /* S1 */
    pending++;
    state = state | CLOSING | ((SHUT == 2) -> DISCARD : 0)
  };
  atomic { tail = tail | CLOSED };                           /* MARK */
  if
  :: SHUT == 2 ->
     do                                                      /* DISCARD */
     :: atomic {
          if
          :: head != (tail & 254) -> head = head + STEP; discarded++; t = 1
          :: else -> t = 0
          fi
        };
        if
        :: t == 0 -> break
        :: else -> skip
        fi;
#ifdef TODAY_ACCOUNTING
        atomic { done = done + STEP };                       /* fetch_add after the pop */
#else
        do                                                   /* CAS loop: min(done + 1, tail) */
        :: d = done; t = tail & 254;
           atomic {
             if
             :: done == d -> done = ((d + STEP < t) -> d + STEP : t); t = 1
             :: else -> t = 0
             fi
           };
           if
           :: t == 1 -> break
           :: else -> skip
           fi
        od;
        d = 0;
#endif
        t = 0
     od
  :: else -> skip
  fi;
  atomic { state = state | SHUTDOWN | ((SHUT == 2) -> IMMEDIATE : 0) };  /* S2 */
  notify_all_done();
  finished++
}

#ifndef NO_MONITOR /* -DNO_MONITOR: leave only the end-state and final() checks */
active proctype monitor() {
end:
  atomic {
    (!(NOT_NEGATIVE) || (asleep && DONE_COND && pending == 0)) -> assert(false)
  }
}
#endif

active proctype final() {
  atomic {
    finished == 4 ->
    assert(nwait == 0);
    assert(accepted == got + discarded);
    assert(accepted * STEP == (tail & 254))
  }
}

init {
  atomic {
    run putter();
    run getter();
    run joiner();
    run shutter()
  }
}
