/* SPDX-License-Identifier: MIT */
/* src/version.c: the library's version, as CMake's project() states it (the build passes it in),
 * and the fingerprint of the memory layout processes sharing a queue must agree on. */
#include "bytes.h"
#include "peers.h"
#include "queue_internal.h"

#include <stddef.h>

#if !defined(RINGQ_VERSION_NUMBER) || !defined(RINGQ_VERSION_STRING)
#error "build src/version.c through ringq's CMakeLists.txt (it defines the version macros)"
#endif

unsigned
ringq_version(void)
{
  return RINGQ_VERSION_NUMBER;
}

const char *
ringq_version_string(void)
{
  return RINGQ_VERSION_STRING;
}

unsigned
ringq_layout_version(void)
{
  return RINGQ_LAYOUT_VERSION;
}

/* FNV-1a, 64 bits, over one number at a time. */
static uint64_t
mix(uint64_t h, uint64_t v)
{
  int i;
  for (i = 0; i < 8; i++) {
    h ^= (v >> (8 * i)) & 0xffu;
    h *= 0x100000001b3ull;
  }
  return h;
}

uint64_t
ringq_layout_hash(void)
{
  /* Everything another process reads from a shared queue: the encoding of tickets, the cache line
   * that spaces the fields, and the size and place of every field of the queue and of both rings.
   * A compile-time list: the value is the same on every call and in every process that runs a
   * library built the same way. */
  static const uint64_t layout[] = {
      RINGQ_LAYOUT_VERSION,
      RINGQ_CACHE_LINE,
      RINGQ__STEP,
      RINGQ__CLOSED,
      sizeof(struct ringq__waitq),
      sizeof(struct ringq__shared),
      offsetof(struct ringq__shared, not_empty),
      offsetof(struct ringq__shared, not_full),
      offsetof(struct ringq__shared, all_done),
      offsetof(struct ringq__shared, state),
      offsetof(struct ringq__shared, done),
      offsetof(struct ringq__shared, blocked),
      offsetof(struct ringq__shared, discarder),
      offsetof(struct ringq__shared, puts_seen),
      offsetof(struct ringq__shared, gets_seen),
      offsetof(struct ringq__shared, tail_seen),
      offsetof(struct ringq__shared, put_busy),
      offsetof(struct ringq__shared, get_busy),
      offsetof(struct ringq__shared, stat_lost),
      RINGQ__PEERS,
      RINGQ__LANES,
      sizeof(struct ringq__peer),
      offsetof(struct ringq__peer, put),
      offsetof(struct ringq__peer, get),
      offsetof(struct ringq__peer, blocked),
      sizeof(struct ringq__peers),
      offsetof(struct ringq__shm_header, peers_offset),
      sizeof(struct ringq__shm_header),
      offsetof(struct ringq__shm_header, kind),
      offsetof(struct ringq__shm_header, capacity),
      offsetof(struct ringq__shm_header, total_bytes),
      offsetof(struct ringq__shm_header, ready),
      sizeof(struct ringq_queue),
      offsetof(struct ringq_queue, kind),
      offsetof(struct ringq_queue, flags),
      offsetof(struct ringq_queue, ring_offset),
      offsetof(struct ringq_queue, shared_offset),
      offsetof(struct ringq_queue, geom),
      offsetof(struct ringq_queue, owner),
      offsetof(struct ringq_queue, fast),
      offsetof(struct ringq_queue, asym),
      offsetof(struct ringq_queue, own),
      sizeof(struct ringq_spsc),
      offsetof(struct ringq_spsc, mask),
      offsetof(struct ringq_spsc, elem_size),
      offsetof(struct ringq_spsc, tail),
      offsetof(struct ringq_spsc, head),
      sizeof(struct ringq_mpmc),
      offsetof(struct ringq_mpmc, mask),
      offsetof(struct ringq_mpmc, stride),
      offsetof(struct ringq_mpmc, lap),
      offsetof(struct ringq_mpmc, tail),
      offsetof(struct ringq_mpmc, head),
      sizeof(struct ringq__bytes),
      offsetof(struct ringq__bytes, tail),
      offsetof(struct ringq__bytes, wpos),
      offsetof(struct ringq__bytes, aborts),
      offsetof(struct ringq__bytes, head),
      offsetof(struct ringq__bytes, rpos),
      offsetof(struct ringq__bytes, aborts_seen),
      sizeof(struct ringq__bhdr),
      RINGQ__BYTES_BUSY,
      RINGQ__BYTES_COMMITTED,
      RINGQ__BYTES_PAD,
      RINGQ__BYTES_MIN,
  };
  uint64_t h = 0xcbf29ce484222325ull;
  size_t i;
  for (i = 0; i < sizeof layout / sizeof layout[0]; i++)
    h = mix(h, layout[i]);
  return h;
}
