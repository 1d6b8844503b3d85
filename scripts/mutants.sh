#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Mutation testing: apply seeded bugs to a scratch copy of the sources one at a time, build, run the
# tests that should notice, and report which mutants the suite kills.
# Usage: scripts/mutants.sh [mutant-id...]   (default: all; ids are listed below)
#        scripts/mutants.sh --check            (only check that every pattern applies: seconds)
#        scripts/mutants.sh --list             (ids, kinds and descriptions)
#        scripts/mutants.sh --quick            (the subset listed in `quick` below)
# Environment: MUTANTS_DIR (scratch, default /tmp/ringq-mutants), MUTANTS_JOBS (build jobs, 2),
# MUTANTS_SANITIZE=thread (build with ThreadSanitizer and run only the plain stress executables,
# since Criterion cannot run under TSan: the way to kill an ordering mutant that x86 hides).
#
# Each mutant is a literal substitution that must match exactly once in its file; one that does
# not (the source moved on) is reported STALE and counts neither as killed nor as survived. A
# mutant is KILLED when a test fails or times out, SURVIVED when every selected test passes.
# The fast tests (unit, misuse) run first; the stress tests only if the fast ones all pass.
# Not part of scripts/test.sh: all 38 took 18 min 15 s on 2 CPUs shared with other jobs (34
# killed; header mutants rebuild everything, 1-3 min each); notify_adds_no_token, killed by a
# stress test in one run and not in that one, is now killed by queue_wait_steps_test (6 s), so 35
# of 38; the three survivors are explained at their definitions.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scratch=${MUTANTS_DIR:-/tmp/ringq-mutants}
jobs=${MUTANTS_JOBS:-2}

# Test selections (ctest -R regexes).
ring_fast='^(spsc_test|mpmc_test|rings_misuse_test|queue_test|queue_misuse_test)$'
ring_slow='^(spsc_stress_.*|mpmc_stress_.*|queue_stress_spsc|queue_stress_2x2)$'
queue_fast='^(queue_test|queue_syscalls_test|queue_wait_steps_test|queue_inline_test|queue_misuse_test|queue_contract_test|example_queue_tour)$'
queue_slow='^(queue_pingpong_.*|queue_stress_.*|queue_faketime_.*|queue_wake_one_.*)$'
poll_fast='^(eventloop_waitany|eventloop_waitany_fallback|queue_misuse_test)$'
poll_slow='^(eventloop_epoll|eventloop_throttle|eventloop_hunt)$'
unb_fast='^(unbounded_queue_test|queue_unbounded_test|queue_contract_unbounded_test|unbounded_alloc|unbounded_growth)$'
unb_slow='^(unbounded_stress_.*|queue_stress_unb_.*|queue_batch_stress_unb_.*)$'
peers_fast='^process_peers_(putdead|stopped|getdead|joindead|spscdead|blockeddead|reuse|bytesdead|bytesstopped|shutdowndead)$'
peers_slow='^process_peers_(storm|bytesstorm|stormshutdown)$'
shm_fast='^(process_refuse)$'
shm_slow='^(process_fork|process_early)$'
bytes_fast='^(bytes_test_contract|bytes_test_order|bytes_corrupt)$'
bytes_slow='^(bytes_stress_.*)$'

ids=() files=() pats=() reps=() kinds=() descs=() alt_pats=() alt_reps=()
# mutant <id> <file> ring|queue|poll|unbounded|peers|shm|bytes <description> <pattern> <replacement>
mutant() {
  ids+=("$1") files+=("$2") kinds+=("$3") descs+=("$4") pats+=("$5") reps+=("$6")
  alt_pats+=("") alt_reps+=("")
}
# also <pattern> <replacement>: the same mutant in another version of the source (used when the
# first pattern matches nowhere), e.g. before and after the shared-memory split of queue.c.
also() {
  local last=$((${#ids[@]} - 1))
  alt_pats[last]=$1 alt_reps[last]=$2
}

# --- the wait protocol and the contract (src/queue.c: lines unlikely to change) ---
mutant inline_put_never_wakes include/ringq/queue.h queue "the inline put sees a sleeping getter and leaves it asleep" \
  'ringq__wake_getters(q); /* [N3], [N4] */' '(void)0; /* mutant */'
mutant inline_get_never_wakes include/ringq/queue.h queue "the inline get publishes without waking a sleeping putter" \
  'ringq__wake_putters(q); /* [N3], [N4] */' '(void)0; /* mutant */'
mutant drop_notify_put src/queue.c queue "a put does not notify getters" \
  'notify(q, &q->not_empty); /* [N2]..[N4] for getters */' '(void)0; /* mutant */'
also 'notify(q, &sh(q)->not_empty); /* [N2]..[N4] for getters */' \
  '(void)0; /* mutant */'
mutant drop_notify_get src/queue.c queue "a get does not notify putters" \
  'notify(q, &q->not_full); /* [N2]..[N4] for putters */' '(void)0; /* mutant */'
also 'notify(q, &sh(q)->not_full); /* [N2]..[N4] for putters */' \
  '(void)0; /* mutant */'
mutant skip_recheck src/queue.c queue "wait_step skips the re-check [W2]" \
  'if (ready(q))
    return STEP_READY;' 'if (0 && ready(q)) /* mutant */
    return STEP_READY;'
mutant skip_takeback src/queue.c queue "wait_step never takes its announcement back [W3]" \
  '*owed = leave(w) || (a.rc == STEP_READY && *owed);' '*owed = (a.rc == STEP_READY && *owed); /* mutant */'
mutant notify_always_wakes src/queue.c queue "notify bumps and wakes even with no waiter [N2]" \
  'if (covered(s))' 'if (0 && covered(s))'
# Survives: the pass-on matters only when the kernel wakes exactly the thread that is then
# cancelled between the wake and the return of its futex call, which no test can place (a hook
# cannot run inside the system call). tests/model/wake1.pml gives the counterexample
# (wake1_bug_no_pass_on_when_cancelled), wait_any.pml the same for wait-any.
mutant no_pass_on_cancelled src/queue.c queue "a waiter cancelled in its sleep keeps the wake it consumed" \
  'if (owed)
    pass_on(a->q, a->w, a->ready);' 'if (0 && owed) /* mutant */
    pass_on(a->q, a->w, a->ready);'
mutant no_pass_on_any src/poll.c queue "wait-any never passes on a wake it consumed in a queue it leaves" \
  'if (owed[i] && i != keep && ready_in(qs[i], dir))' 'if (0 && owed[i] && i != keep && ready_in(qs[i], dir))'
# (Not get_may_proceed's `(t & RINGQ__CLOSED) ||`: an equivalent mutant, since head is even and a
# closed tail always differs from it.)
mutant put_recheck_ignores_closed_mark src/queue.c queue "put_may_proceed ignores the closed mark" \
  'return (t & RINGQ__CLOSED) || t - h < full_span(q);' 'return t - h < full_span(q); /* mutant */'
mutant discard_not_counted_done src/queue.c queue "an immediate shutdown forgets to count discarded items done" \
  'while ((int64_t)(t - d) > 0 &&' 'while (0 && /* mutant */ (int64_t)(t - d) > 0 &&'
mutant task_done_off_by_one src/queue.c queue "task_done accepts one call too many" \
  'if ((int64_t)(t - d) <= 0)
        return RINGQ_ETASKDONE;' 'if ((int64_t)(t - d) < 0)
        return RINGQ_ETASKDONE;'
mutant join_one_early src/queue.c queue "join returns with one task left" \
  'return (int64_t)(target - done) <= 0;' 'return (int64_t)(target - done) <= (int64_t)RINGQ__STEP;'
# The lost wake-up it allows needs a store-buffer window of nanoseconds that no test can hold
# open on x86 (the Spin model shows it: model_wait_bug_asymmetric_without_membarrier); the suite
# kills it because queue_syscalls_test checks that an SPSC waiter's membarrier call is counted.
mutant no_heavy_barrier src/queue.c queue "the asymmetric waiter skips membarrier (x86 rarely shows it)" \
  'heavy_barrier(q); /* the asymmetric variant' '(void)0; /* mutant: the asymmetric variant'
# The marks that keep results consistent with each other (puts_seen / gets_seen; see "Results a
# sequential queue would give" in queue.c): queue_contract_test pauses a peer mid-copy.
mutant full_put_raises_no_mark src/queue.c queue "a put that reports FULL does not raise puts_seen" \
  'raise_seen(&q->puts_seen, atomic_load_explicit(&r->tail, memory_order_relaxed) & ~RINGQ__CLOSED);
  return RINGQ_FULL;' 'return RINGQ_FULL; /* mutant */'
also 'raise_seen(&sh(q)->puts_seen,
             atomic_load_explicit(&r->tail, memory_order_relaxed) & ~RINGQ__CLOSED);
  return RINGQ_FULL;' \
  'return RINGQ_FULL; /* mutant */'
mutant empty_get_raises_no_mark src/queue.c queue "a get that reports EMPTY does not raise gets_seen" \
  'raise_seen(&q->gets_seen, h);' '(void)h; /* mutant */'
also 'raise_seen(&sh(q)->gets_seen, h);' \
  '(void)h; /* mutant */'
mutant task_done_raises_no_mark src/queue.c queue "a task_done that counts a claimed put does not raise puts_seen" \
  'raise_seen(&q->puts_seen, d + RINGQ__STEP);' '(void)d; /* mutant */'
also 'raise_seen(&sh(q)->puts_seen, d + RINGQ__STEP);' \
  '(void)d; /* mutant */'

# --- dead peers (src/peers.c; fork-based process tests, not under TSan) ---
mutant peers_hole_not_counted src/peers.c peers "a hole made for a dead putter is not counted lost" \
  'ringq__count_lost(q, 1, &ringq__sh(q)->not_empty);' 'ringq__count_lost(q, 0, &ringq__sh(q)->not_empty); /* mutant */'
mutant peers_live_taken_for_dead src/peers.c peers "a live (stopped) claimant is taken for dead" \
  'return t != F_UNLCK;' 'return t != F_UNLCK && 0; /* mutant */'
mutant bytes_skip_not_counted src/bytes.c peers "a dead putter's byte record is skipped, not counted lost" \
  'atomic_fetch_add_explicit(&ringq__sh(q)->stat_lost, 1, memory_order_relaxed);' \
  '(void)0; /* mutant */'
mutant bytes_live_reserver_skipped src/bytes.c peers "a live (stopped) reserver's byte record is skipped" \
  'if (ringq__peers_scan(q, 3u, match_cover, &cv, &dead) != 0 || !dead)' \
  'if ((ringq__peers_scan(q, 3u, match_cover, &cv, &dead) != 0 && 0) || (!dead && 0))'
mutant peers_discard_role_kept_by_dead src/peers.c peers "a dead discarder's role is never taken over" \
  'if (cur != 0 && !ringq__peers_tag_dead(q, cur))' 'if (cur != 0) /* mutant */'
mutant shutdown_stall_not_finished src/queue.c peers "a waiter never finishes a dead caller's shutdown" \
  '(void)ringq_queue_shutdown(q, (s & STATE_DISCARD) != 0);' '(void)s; /* mutant */'
mutant peers_busy_owner_not_asked src/queue.c peers "shutdown waits out a dead SPSC getter's get_busy" \
  'if (rounds >= YIELD_ROUNDS && ringq__peers_tag_dead(q, v))' 'if (0 && rounds >= YIELD_ROUNDS && ringq__peers_tag_dead(q, v))'
mutant peers_closed_claims_not_swept src/peers.c peers "a get or discard of a closed, drained queue leaves dead getters' claims unresolved [D4]" \
  'if (res == RINGQ_SHUTDOWN)
    sweep_closed(q, h);' 'if (0 && res == RINGQ_SHUTDOWN) /* mutant */
    sweep_closed(q, h);'
mutant peers_join_not_swept src/queue.c peers "a joiner whose done stalls never sweeps dead getters' claims below head [D5]" \
  'ringq__peers_sweep_gets(q, &jw->clean);' '(void)0; /* mutant */'

# Wake one waiter (queue.c "Waking one waiter, not all"). A notifier that moves the epoch on but
# adds no token: the woken thread owes nothing, so a wait that leaves without using the wake
# (get_any taking from another queue, a cancellation, a timeout) leaves a sleeper beside the item
# (tests/model/wait_any.pml: wait_any_bug_notifier_adds_no_token). queue_wait_steps_test kills
# it: a second put while the woken getter is on its way must make no futex call.
mutant notify_adds_no_token src/queue.c queue "[N3] moves the epoch but issues no wake token" \
  'next = (s & ~POLLER) + (uint64_t)m * ONE_TOKEN;' 'next = (s & ~POLLER); /* mutant: no token */'
# Expected to survive: block_until retries its operation after every wait before it looks at
# the deadline, so a timed waiter that consumed a wake has always looked (wake1.pml verifies
# without this pass-on: wake1_timeout_without_pass_on_still_safe); it is a guard only.
mutant timed_out_no_pass_on src/queue.c queue "a waiter whose deadline passed keeps the wake it consumed" \
  'if (left <= 0) {
        if (owed)' 'if (left <= 0) {
        if (0 && owed) /* mutant */'

# --- shared memory (src/shm.c): the attach's validation ---
mutant shm_skips_ring_offset_check src/shm.c shm "validate() accepts any ring_offset in the header" \
  'c->ring_offset != l->ring_offset ||' '/* mutant: no ring_offset check */'
mutant shm_skips_truncation_check src/shm.c shm "validate() attaches a file shorter than its queue" \
  'if (l->total_bytes > file_bytes)
    return RINGQ_ECORRUPT; /* truncated */' '(void)file_bytes; /* mutant */'

# --- byte queues (src/bytes.h) ---
# The SPSC reservation forgets the pad when its record overruns the end of the ring by 8 bytes
# (the fuzz target's planted bug too: tests/fuzz, fuzz_bytes_finds_planted_bug).
mutant bytes_wrap_off_by_8 src/bytes.h bytes "SPSC reserve writes a record 8 bytes past the end of the ring" \
  '
    start = off + rec > g->size ? w + (g->size - off) : w;' '
    start = off + rec > g->size + 8 ? w + (g->size - off) : w; /* mutant */'

# --- wait-any (src/poll.c) ---
mutant waitany_no_recheck src/poll.c poll "wait-any sleeps without re-checking after announcing [W2]" \
  'if (first_ready(a->qs, a->n, a->dir) == a->n) { /* [W2] */' 'if (1) { /* mutant: no [W2] */'
mutant waitany_sleeps_on_first_only src/poll.c poll "futex_waitv on the first queue's epoch only" \
  'rc = syscall(SYS_futex_waitv, v, (unsigned)n, 0, tsp, CLOCK_MONOTONIC);' \
  'rc = syscall(SYS_futex_waitv, v, 1u, 0, tsp, CLOCK_MONOTONIC); /* mutant */'
mutant waitany_takes_back_first_only src/poll.c poll "wait-any takes back only the first queue's announcement [W3]" \
  'for (i = 0; i < a->announced; i++) {' 'for (i = 0; i < a->announced && i < 1; i++) { /* mutant */'
mutant fallback_polls_first_only src/poll.c poll "the eventfd fallback polls the first queue's descriptor only" \
  'c.n = n;' 'c.n = 1; /* mutant */'

# --- unbounded queues (src/unbounded.c) ---
mutant unbounded_reuse_keeps_marks src/unbounded.c unbounded "a recycled MPMC segment keeps its slots' written/read marks" \
  'if (u->kind != RINGQ__UNBOUNDED_MPMC)
    return;' 'return; /* mutant */'
mutant unbounded_walk_ignores_readers src/unbounded.c unbounded "the release walk recycles a segment a consumer still reads" \
  'if (!(rd & RINGQ__USLOT_READ))
      return;' '(void)rd; /* mutant */'

# --- the futex layer (src/wait_linux.c) ---
mutant eagain_is_error src/wait_linux.c queue "futex EAGAIN (word changed) reported as a failure" \
  'else if (errno == EAGAIN || errno == EINTR)' 'else if (errno == EINTR)'
mutant wake_only_one src/wait_linux.c queue "futex_wake wakes one waiter instead of all" \
  '(void)syscall(SYS_futex, word, op, count, NULL, NULL, 0);' \
  '(void)count; (void)syscall(SYS_futex, word, op, 1, NULL, NULL, 0);'
mutant deadline_nsec_wrong src/wait_linux.c queue "the deadline's nanoseconds lose a digit" \
  'ts.tv_nsec = (long)(deadline_ns % 1000000000);' 'ts.tv_nsec = (long)(deadline_ns % 100000000);'
mutant deadline_1ms_early src/wait_linux.c queue "a wait gives up 1 ms before its deadline" \
  'if (deadline_ns <= ringq__now_ns())' 'if (deadline_ns - 1000000 <= ringq__now_ns())'

# --- the rings (include/ringq/spsc.h, mpmc.h) ---
mutant spsc_capacity_plus_one include/ringq/spsc.h ring "SPSC holds one item more than its capacity" \
  'r->full_span = (uint64_t)capacity * RINGQ__STEP;' 'r->full_span = (uint64_t)(capacity + 1) * RINGQ__STEP;'
mutant mpmc_bound_plus_one include/ringq/mpmc.h ring "MPMC capacity bound lets one item too many in" \
  'int64_t room = (int64_t)r->full_span - (int64_t)(t - h);' \
  'int64_t room = (int64_t)r->full_span + RINGQ__STEP - (int64_t)(t - h);'
also 'return used >= g->full_span ? 0 : g->full_span - used;' \
  'return used >= g->full_span + RINGQ__STEP ? 0 : g->full_span + RINGQ__STEP - used;'
mutant spsc_pop_double_step include/ringq/spsc.h ring "SPSC pop advances head by two tickets" \
  'ringq__store_mo(&r->head, h + RINGQ__STEP, release_mo);' 'ringq__store_mo(&r->head, h + 2 * RINGQ__STEP, release_mo);'
mutant mpmc_push_double_step include/ringq/mpmc.h ring "MPMC push claims two tickets for one item" \
  'if (RINGQ__CAS(&r->tail, &t, t + RINGQ__STEP, claim_mo, RINGQ__MO(relaxed)))' \
  'if (RINGQ__CAS(&r->tail, &t, t + 2 * RINGQ__STEP, claim_mo, RINGQ__MO(relaxed)))'
mutant spsc_ignores_closed_mark include/ringq/spsc.h ring "SPSC consumer ignores the closed mark" \
  '*closed = (int)(t & RINGQ__CLOSED);' '*closed = 0; /* mutant */'
mutant mpmc_burst_wrong_lap include/ringq/mpmc.h ring "MPMC pop_burst hands the slot back one ticket short of a lap" \
  'RINGQ__STORE(seq, ticket + r->lap, RINGQ__MO(release));' \
  'RINGQ__STORE(seq, ticket + r->lap - RINGQ__STEP, RINGQ__MO(release));'
also 'RINGQ__STORE(seq, ticket + g->lap, RINGQ__MO(release));' \
  'RINGQ__STORE(seq, ticket + g->lap - RINGQ__STEP, RINGQ__MO(release));'
# Survives in the release build on x86, and must: it is an equivalent mutant there. gcc 12 and
# clang 14 at -O3 emit the same instructions for try_push, push_burst and commit with either order
# (an x86 store already has release semantics, and neither compiler sinks the item's copy below
# it). Only a weaker machine or ThreadSanitizer, which sees the missing happens-before, can tell:
# MUTANTS_SANITIZE=thread scripts/mutants.sh spsc_publish_relaxed.
mutant spsc_publish_relaxed include/ringq/spsc.h ring "SPSC [P3] relaxed instead of release (x86 hides it)" \
  'RINGQ__STORE(&r->tail, next, RINGQ__MO(release));' 'RINGQ__STORE(&r->tail, next, RINGQ__MO(relaxed));'
mutant spsc_close_lost include/ringq/spsc.h ring "SPSC close stores tail without the mark" \
  'RINGQ__STORE(&r->tail, t | RINGQ__CLOSED, RINGQ__MO(release));' 'RINGQ__STORE(&r->tail, t, RINGQ__MO(release));'

# Replace the one occurrence of $2 in file $1 by $3; exit 3 (printing the count) if not exactly one.
substitute() {
  perl -e '
    my ($file, $pat, $rep) = @ARGV;
    open(my $in, "<", $file) or die "$file: $!";
    local $/; my $text = <$in>; close($in);
    my $n = 0; my $at = -1; my $i = 0;
    while (($i = index($text, $pat, $i)) >= 0) { $n++; $at = $i; $i += length($pat); }
    if ($n != 1) { print "$n\n"; exit 3; }
    substr($text, $at, length($pat)) = $rep;
    open(my $out, ">", $file) or die "$file: $!";
    print $out $text; close($out);' "$@"
}

# --quick: the mutants of src/ that the fast tests kill in seconds (no header mutant, which
# rebuilds everything, and none killed only by a test's timeout): the subset CI can afford.
quick=(skip_recheck skip_takeback notify_always_wakes put_recheck_ignores_closed_mark
  discard_not_counted_done task_done_off_by_one join_one_early no_heavy_barrier
  full_put_raises_no_mark empty_get_raises_no_mark task_done_raises_no_mark
  waitany_no_recheck waitany_sleeps_on_first_only waitany_takes_back_first_only
  fallback_polls_first_only unbounded_reuse_keeps_marks unbounded_walk_ignores_readers
  wake_only_one deadline_nsec_wrong deadline_1ms_early shm_skips_ring_offset_check
  shm_skips_truncation_check bytes_wrap_off_by_8)
mode=run
case "${1:-}" in
  --check) mode=check; shift ;;
  --list) mode=list; shift ;;
  --quick) shift; set -- "${quick[@]}" ;;
esac
# Apply mutant $1 to file $2: its pattern, else its `also` pattern; prints the count if neither
# matches exactly once (and returns non-zero).
apply_mutant() {
  local n
  if n=$(substitute "$2" "${pats[$1]}" "${reps[$1]}"); then return 0; fi
  if [ -n "${alt_pats[$1]}" ] && [ "$n" = 0 ]; then
    substitute "$2" "${alt_pats[$1]}" "${alt_reps[$1]}"
    return
  fi
  echo "$n"
  return 3
}

selected=("$@")
want() {
  [ ${#selected[@]} -eq 0 ] && return 0
  local s
  for s in "${selected[@]}"; do [ "$s" = "$1" ] && return 0; done
  return 1
}

if [ "$mode" = list ]; then
  for i in "${!ids[@]}"; do printf '%-32s %-9s %s\n' "${ids[$i]}" "${kinds[$i]}" "${descs[$i]}"; done
  exit 0
fi
if [ "$mode" = check ]; then # every pattern must match exactly once in today's sources
  tmp=$(mktemp)
  trap 'rm -f "$tmp"' EXIT
  bad=0
  for i in "${!ids[@]}"; do
    want "${ids[$i]}" || continue
    cp "$root/${files[$i]}" "$tmp"
    if ! n=$(apply_mutant "$i" "$tmp"); then
      printf '%-32s STALE    (pattern found %s times in %s)\n' "${ids[$i]}" "$n" "${files[$i]}"
      bad=$((bad + 1))
    fi
  done
  echo "${#ids[@]} mutants, $bad stale"
  [ $bad -eq 0 ]
  exit
fi

echo "mutants: scratch copy in $scratch"
rm -rf "$scratch"
mkdir -p "$scratch/src" "$scratch/build"
# Everything the build reads (tests/ adds python/tests; man/ and docs/ are built or checked).
for d in CMakeLists.txt CMakePresets.json README.md cmake include src tests examples python man docs \
  scripts bench; do
  [ -e "$root/$d" ] && cp -r "$root/$d" "$scratch/src/"
done
sanitize=${MUTANTS_SANITIZE:-}
extra=()
if [ -n "$sanitize" ]; then
  extra=(-DRINGQ_SANITIZE="$sanitize" -DRINGQ_TIMEOUT_SCALE=8)
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1" RINGQ_TIMEOUT_SCALE=8
peers_fast='^process_peers_(putdead|stopped|getdead|joindead|spscdead|blockeddead|reuse)$'
peers_slow='^process_peers_storm$'
  ring_fast='^$' queue_fast='^$' unb_fast='^$' bytes_fast='^$' # Criterion tests: not under TSan
  shm_fast='^$' shm_slow='^$' # process tests: not under TSan (fork)
fi
cmake -S "$scratch/src" -B "$scratch/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DRINGQ_BUILD_BENCH=OFF "${extra[@]}" >"$scratch/configure.log" 2>&1 ||
  { cat "$scratch/configure.log"; exit 1; }

run_tests() { # <regex>: 0 when every selected test passes (an empty regex selects nothing)
  [ "$1" = '^$' ] && return 0
  (cd "$scratch/build" && ctest -R "$1" --stop-on-failure -j 1 >"$scratch/ctest.log" 2>&1)
}

echo "baseline: build and run every selected test on the unmutated copy"
if ! cmake --build "$scratch/build" -j "$jobs" >"$scratch/build.log" 2>&1; then
  tail -30 "$scratch/build.log"; echo "baseline build failed"; exit 1
fi
baseline=("$ring_fast" "$queue_fast" "$poll_fast" "$unb_fast" "$peers_fast" "$shm_fast" "$bytes_fast")
[ -n "$sanitize" ] && baseline=("$ring_slow" "$queue_slow" "$poll_slow" "$unb_slow")
for re in "${baseline[@]}"; do
  if ! run_tests "$re"; then tail -30 "$scratch/ctest.log"; echo "baseline tests fail: no verdict possible"; exit 1; fi
done

killed=0 survived=0 stale=0 broken=0
survivors=() stales=()
for i in "${!ids[@]}"; do
  id=${ids[$i]}
  want "$id" || continue
  f=${files[$i]}
  cp "$root/$f" "$scratch/src/$f"
  start=$(date +%s)
  if ! n=$(apply_mutant "$i" "$scratch/src/$f"); then
    printf '%-30s STALE    (pattern found %s times in %s)\n' "$id" "$n" "$f"
    stale=$((stale + 1)); stales+=("$id")
    continue
  fi
  case ${kinds[$i]} in
    ring) fast=$ring_fast slow=$ring_slow ;;
    poll) fast=$poll_fast slow=$poll_slow ;;
    unbounded) fast=$unb_fast slow=$unb_slow ;;
    peers) fast=$peers_fast slow=$peers_slow ;;
    shm) fast=$shm_fast slow=$shm_slow ;;
    bytes) fast=$bytes_fast slow=$bytes_slow ;;
    *) fast=$queue_fast slow=$queue_slow ;;
  esac
  verdict=SURVIVED by=""
  if ! cmake --build "$scratch/build" -j "$jobs" >"$scratch/build.log" 2>&1; then
    verdict=BROKEN by="does not compile"
  elif ! run_tests "$fast"; then
    verdict=KILLED
  elif ! run_tests "$slow"; then
    verdict=KILLED
  fi
  if [ "$verdict" = KILLED ]; then
    mkdir -p "$scratch/logs"
    cp "$scratch/ctest.log" "$scratch/logs/$id.log"
    by=$(grep -m1 -E '\*\*\*|Failed|Timeout|Exception' "$scratch/ctest.log" | sed 's/^ *//; s/  */ /g')
    by="${by:-see $scratch/logs/$id.log}"
  fi
  case $verdict in
    KILLED) killed=$((killed + 1)) ;;
    SURVIVED) survived=$((survived + 1)); survivors+=("$id: ${descs[$i]}") ;;
    BROKEN) broken=$((broken + 1)) ;;
  esac
  printf '%-30s %-8s %4ss  %s%s\n' "$id" "$verdict" "$(($(date +%s) - start))" "${descs[$i]}" \
    "${by:+  [$by]}"
  cp "$root/$f" "$scratch/src/$f" # restore
done
# Leave the scratch build matching the sources again.
cmake --build "$scratch/build" -j "$jobs" >/dev/null 2>&1 || true

judged=$((killed + survived))
echo "killed $killed, survived $survived, stale $stale, not compiling $broken"
if [ $judged -gt 0 ]; then
  echo "kill rate: $killed/$judged = $((100 * killed / judged))%"
fi
for s in "${survivors[@]}"; do echo "survivor: $s"; done
for s in "${stales[@]}"; do echo "stale: $s (update its pattern in scripts/mutants.sh)"; done
[ $survived -eq 0 ]
