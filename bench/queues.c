/* SPDX-License-Identifier: MIT */
/* bench/queues.c: the list of queues compiled into this ringq-bench, and the optional peers that
 * were not (their Debian package was missing when CMake ran). Adding a queue: one extern line and
 * one entry below (see README.md). */
#include "adapter.h"
#include "bench_config.h"

#include <stddef.h>

extern const struct bench_queue bench_q_baseline_try, bench_q_baseline_blocking;
extern const struct bench_queue bench_q_cacheline, bench_q_futex;
extern const struct bench_queue bench_q_ringq_spsc, bench_q_ringq_mpmc;
extern const struct bench_queue bench_q_ringq_queue_spsc, bench_q_ringq_queue_mpmc;
extern const struct bench_queue bench_q_urcu;
#if BENCH_HAVE_CK
extern const struct bench_queue bench_q_ck_spsc, bench_q_ck_mpmc;
#endif
#if BENCH_HAVE_DPDK
extern const struct bench_queue bench_q_dpdk_spsc, bench_q_dpdk_mpmc;
#endif
#if BENCH_HAVE_BOOST
extern const struct bench_queue bench_q_boost_spsc;
#endif
#if BENCH_HAVE_MOODYCAMEL
extern const struct bench_queue bench_q_moodycamel_rwq, bench_q_moodycamel_brwq,
    bench_q_moodycamel_circ;
#endif

static const struct bench_queue *const queues[] = {
    &bench_q_baseline_try,
    &bench_q_baseline_blocking,
    &bench_q_cacheline,
    &bench_q_futex,
    &bench_q_ringq_spsc,
    &bench_q_ringq_mpmc,
    &bench_q_ringq_queue_spsc,
    &bench_q_ringq_queue_mpmc,
    &bench_q_urcu,
#if BENCH_HAVE_CK
    &bench_q_ck_spsc,
    &bench_q_ck_mpmc,
#endif
#if BENCH_HAVE_DPDK
    &bench_q_dpdk_spsc,
    &bench_q_dpdk_mpmc,
#endif
#if BENCH_HAVE_BOOST
    &bench_q_boost_spsc,
#endif
#if BENCH_HAVE_MOODYCAMEL
    &bench_q_moodycamel_rwq,
    &bench_q_moodycamel_brwq,
    &bench_q_moodycamel_circ,
#endif
    NULL,
};

static const char *const skipped[] = {
#if !BENCH_HAVE_CK
    "skipped: ck_ring (package libck-dev not installed)",
#endif
#if !BENCH_HAVE_DPDK
    "skipped: DPDK rte_ring (package libdpdk-dev not installed)",
#endif
#if !BENCH_HAVE_BOOST
    "skipped: Boost.Lockfree spsc_queue (package libboost-dev not installed)",
#endif
#if !BENCH_HAVE_MOODYCAMEL
    "skipped: moodycamel ReaderWriterQueue (package libreaderwriterqueue-dev not installed)",
#endif
    NULL,
};

const struct bench_queue *const *
bench_queues(void)
{
  return queues;
}

const char *const *
bench_skipped_peers(void)
{
  return skipped;
}
