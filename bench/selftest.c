/* SPDX-License-Identifier: MIT */
/* bench/selftest.c: --selftest: the faulty queue (adapters/selftest_faulty.c) in the throughput,
 * blocking and ping-pong workloads, between threads and between processes, and carrying byte
 * messages, once per fault and once without; each faulty run must FAIL (or, for a queue that
 * stops delivering, stall), each clean run must pass. */
#include "selftest.h"

#include <stdio.h>
#include <string.h>

static const char *const fault_names[] = {"none",    "drop", "duplicate", "swap",
                                          "corrupt", "hold", "die"};

static const char *const keys[] = {"spsc-1024-single-8B", "spsc-1024-burst32-8B",
                                   "spsc-1024-single-64B", "mpmc-2p2c-single-8B",
                                   "mpmc-1p1c-burst32-8B", "blocking-2p2c-busy-8B",
                                   "pingpong-8B", "proc-1p1c-8B", "proc-pingpong-8B",
                                   "bytes-256B"};

int
bench_selftest(const struct bench_config *given)
{
  struct bench_config cfg_copy = *given, *cfg = &cfg_copy;
  size_t nw;
  const struct bench_workload *wls = bench_workloads(&nw);
  int bad = 0;
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
    const struct bench_workload *wl = NULL;
    for (size_t i = 0; i < nw; i++)
      if (strcmp(wls[i].key, keys[k]) == 0)
        wl = &wls[i];
    if (wl == NULL)
      continue;
    for (int fault = BENCH_FAULT_NONE; fault <= BENCH_FAULT_DIE; fault++) {
      struct bench_case c;
      struct bench_sample s;
      int ok;
      /* One item in flight: nothing to drop or swap it with. */
      if (wl->kind == BENCH_PINGPONG && (fault == BENCH_FAULT_DROP || fault == BENCH_FAULT_SWAP))
        continue;
      /* Only a worker process may die: a thread would take the whole run with it. */
      if (fault == BENCH_FAULT_DIE && wl->role != BENCH_ROLE_PROCESS)
        continue;
      bench_fault_mode = (enum bench_fault)fault;
      /* A queue that stops delivering must be caught by the watchdog, quickly. Every other run
       * must end by itself (a clean run) or by its item check (a fault): give it time enough
       * that a loaded machine, where a round trip can wait for a time slice, never turns it
       * into a stall. */
      cfg->stall_s = fault == BENCH_FAULT_HOLD ? 0.5 : 10.0;
      /* The faults come at every 100th item: on a loaded machine a window of 0.1 s can close
       * before the first, so a run that moved too few items to reach them runs again, longer. */
      for (double duration = 0.1;; duration *= 4) {
        bench_case_init(&c, wl, wl->role == BENCH_ROLE_BYTES ? &bench_q_faulty_msgs
                                                             : &bench_q_faulty,
                        wl->blocking ? BENCH_MODE_BLOCKING
                        : wl->burst > 1 ? BENCH_MODE_BURST
                                        : BENCH_MODE_SINGLE,
                        "", cfg);
        c.processes = wl->role == BENCH_ROLE_PROCESS; /* forked workers, shared memory */
        bench_case_run(&c, cfg, duration, &s);
        if (s.status != BENCH_OK || s.items >= 1000 || duration > 6)
          break;
      }
      ok = fault == BENCH_FAULT_NONE   ? s.status == BENCH_OK
           /* Stalls, or FAILs when the producer's window closed with everything pushed and the
            * consumer found the queue "empty" with items held back (a loaded machine). */
           : fault == BENCH_FAULT_HOLD ? s.status == BENCH_STALL || s.status == BENCH_FAIL
           /* A worker process that dies: its death, never a number or a hang. */
           : fault == BENCH_FAULT_DIE ? s.status == BENCH_FAIL && strstr(c.why, "died") != NULL
                                       : s.status == BENCH_FAIL;
      bad |= !ok;
      printf("%-4s %-22s %-9s fault %-9s -> %s%s%s\n", ok ? "ok" : "BAD", wl->key,
             c.processes ? "processes" : "threads", fault_names[fault],
             s.status == BENCH_OK     ? "no failure"
             : s.status == BENCH_FAIL ? "FAIL"
             : s.status == BENCH_STALL ? "stall"
                                       : "error",
             s.status == BENCH_OK ? "" : ": ", s.status == BENCH_OK ? "" : c.why);
    }
  }
  bench_fault_mode = BENCH_FAULT_NONE;
  printf("selftest: %s\n", bad ? "BAD (a fault went unnoticed, or a clean run failed)"
                               : "every injected fault was caught; clean runs passed");
  return bad;
}
