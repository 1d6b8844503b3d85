/* SPDX-License-Identifier: MIT */
/* bench/adapter.h: the interface every benchmarked queue implements (see README.md, "Adding a
 * queue"). An adapter is a struct bench_queue: how to make and free one queue, and the worker
 * loops of bench/loops.h instantiated with the queue's own push and pop. */
#ifndef BENCH_ADAPTER_H
#define BENCH_ADAPTER_H

#include "harness.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which workload groups a queue takes part in. */
#define BENCH_ROLE_SPSC 0x01u      /* single-producer single-consumer ring workloads */
#define BENCH_ROLE_MPMC 0x02u      /* multi-producer multi-consumer workloads (1P1C included) */
#define BENCH_ROLE_BLOCKING 0x04u  /* blocking-queue workloads (put/get that sleep) */
#define BENCH_ROLE_PINGPONG 0x08u  /* spinning ping-pong latency */
#define BENCH_ROLE_BASELINE 0x10u  /* the baseline of the groups it is in */
#define BENCH_ROLE_REFERENCE 0x20u /* not a queue: a hardware reference (cache line) */
#define BENCH_ROLE_PROCESS 0x40u   /* between processes (fork): the queue lives in shared memory
                                      or the kernel; its .blocking and/or .single loops run */
#define BENCH_ROLE_BYTES 0x80u     /* byte messages (BENCH_MSG_LOOPS in .single), two threads */

/* Element sizes a queue supports (bit set = supported). */
#define BENCH_ESIZE_8 0x1u
#define BENCH_ESIZE_64 0x2u
#define BENCH_ESIZE_512 0x4u
#define BENCH_ESIZE_ALL 0x7u
/* Message sizes of the byte-message workloads. */
#define BENCH_ESIZE_16 0x8u
#define BENCH_ESIZE_256 0x10u
#define BENCH_ESIZE_4K 0x20u
#define BENCH_ESIZE_64K 0x40u
#define BENCH_ESIZE_MSGS 0x78u

/* Worker loops for one way of using the queue (NULL: not supported). */
struct bench_loops {
  bench_worker_fn producer, consumer; /* throughput */
  bench_worker_fn ping, pong;         /* ping-pong latency */
};

struct bench_queue_params {
  size_t capacity;  /* items (byte messages: messages of esize bytes the queue must hold) */
  size_t esize;     /* bytes per item (byte messages: the largest message, the workload's size) */
  unsigned producers, consumers;
};

struct bench_queue {
  const char *name;    /* shown in tables: "ringq spsc", "DPDK rte_ring SP/SC", ... */
  const char *peer;    /* family for the targets: "ringq", "baseline", "ck", "dpdk", ... */
  unsigned roles;      /* BENCH_ROLE_* */
  unsigned esizes;     /* BENCH_ESIZE_* */
  int unbounded;       /* grows instead of refusing, so putters never block (no slow consumer) */
  const char *note;    /* one line printed under the table when the queue appears, or NULL */
  int processes;       /* byte-message workloads: run between two processes (fork), not two
                          threads; create makes the queue in shared memory before the fork */

  /* Make a queue for p; 0 on success, else fill why (e.g. "element size not supported"). */
  int (*create)(void **q, const struct bench_queue_params *p, char *why, size_t why_len);
  void (*destroy)(void *q);
  /* Blocking queues: make every blocked put/get return (the watchdog calls it on a stall). */
  void (*wake)(void *q);
  /* System calls made on the queue's behalf so far (ringq: futex waits, futex wakes and membarrier
   * calls), or NULL if unknown. */
  uint64_t (*syscalls)(void *q);

  struct bench_loops single;   /* try-push / try-pop, spinning */
  struct bench_loops burst;    /* bursts of run->burst */
  struct bench_loops zc;       /* zero-copy bursts (reserve/commit, peek/release) */
  struct bench_loops blocking; /* put / get that sleep; ping/pong with run->gap_ns */
  bench_worker_fn solo;        /* one thread, put then get: nobody waits */
};

/* Every file in bench/adapters/ ends with BENCH_ADAPTER(stem, &queue, ...): the NULL-terminated
 * list of the queues it defines, named after the file (adapters/ck_ring.c: BENCH_ADAPTER(ck_ring,
 * &bench_q_ck_spsc, &bench_q_ck_mpmc)). The ringq_bench_adapter() line in bench/CMakeLists.txt
 * that compiles the file also puts that list into the run, in the order of those lines. */
#ifdef __cplusplus
#define BENCH_ADAPTER(stem, ...)                                                                \
  extern "C" const struct bench_queue *const bench_adapter_##stem[] = {__VA_ARGS__, NULL}
#else
#define BENCH_ADAPTER(stem, ...)                                                                \
  const struct bench_queue *const bench_adapter_##stem[] = {__VA_ARGS__, NULL}
#endif

/* The queues compiled in, NULL-terminated, and the "skipped: ..." lines for the optional peers
 * that are not (also NULL-terminated). */
const struct bench_queue *const *bench_queues(void);
const char *const *bench_skipped_peers(void);

#ifdef __cplusplus
}
#endif

#endif /* BENCH_ADAPTER_H */
