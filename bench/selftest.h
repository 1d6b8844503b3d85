/* SPDX-License-Identifier: MIT */
/* bench/selftest.h: --selftest, which proves that the item checks and the watchdog work: a queue
 * that loses, duplicates, reorders or corrupts items must make its case FAIL, one that stops
 * delivering must end in a stall, and the same queue without faults must pass. */
#ifndef BENCH_SELFTEST_H
#define BENCH_SELFTEST_H

#include "workloads.h"

enum bench_fault {
  BENCH_FAULT_NONE,
  BENCH_FAULT_DROP,      /* an item vanishes */
  BENCH_FAULT_DUPLICATE, /* an item is handed out twice */
  BENCH_FAULT_SWAP,      /* two items change places */
  BENCH_FAULT_CORRUPT,   /* one byte of an item changes */
  BENCH_FAULT_HOLD,      /* after 100 items nothing comes out any more: must end in a stall */
  BENCH_FAULT_DIE        /* the 100th pop kills its own process (process workloads only): FAIL */
};

/* The fault the next queue made by bench_q_faulty's create will inject. */
extern enum bench_fault bench_fault_mode;
extern const struct bench_queue bench_q_faulty;
extern const struct bench_queue bench_q_faulty_msgs; /* the same, carrying byte messages */

/* Runs the self-test, printing one line per run; returns 0 when every fault was caught and no
 * fault-free run failed. */
int bench_selftest(const struct bench_config *cfg);

#endif /* BENCH_SELFTEST_H */
