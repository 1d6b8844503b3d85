/* SPDX-License-Identifier: MIT */
/* ringq/mpmc.h: a bounded multi-producer multi-consumer ring after Dmitry Vyukov's design.
 *
 * Self-contained: copy this one file into a project and it compiles as C11 (<stdatomic.h>) or as
 * C++17 (<atomic>). Do not include it inside an extern "C" block when compiling as C++.
 *
 * Model. As spsc.h: caller memory (ringq_mpmc_memsize + ringq_mpmc_init, or ringq_mpmc_create /
 * ringq_mpmc_destroy), no pointers inside, elements copied by value, capacity exact for every
 * N >= 1. Any number of threads may push and pop at once.
 *
 * Algorithm. Each slot carries a sequence word that says whose turn it is. Producers claim a
 * ticket by compare-exchange on tail, write the element, and publish it by advancing the slot's
 * sequence; consumers claim by compare-exchange on head, read, and hand the slot to the producer
 * one lap later. A burst claims several consecutive tickets with one compare-exchange.
 * The storage is a power of two (at least 2) slots. When the capacity asked for is smaller (for
 * instance 1: a one-slot Vyukov ring would take two items), producers also refuse a ticket that
 * would put more than capacity items between head and tail; they read head through a shared copy
 * (head_cache) so that this costs a read of the consumers' line only when the copy says "full".
 *
 * Progress (read this). Claiming is lock-free: some thread always completes a claim. Completion is
 * not: a producer preempted between its claim and its publication holds back the consumer of that
 * one slot, which sees "empty" until the producer runs again (and every later item stays behind it,
 * since items leave in ticket order); a consumer preempted between claim and release likewise holds
 * back the producer that reuses its slot one lap later. With more threads than CPUs this shows up
 * as pauses. The ring never makes it worse: no operation waits for another thread, each returns
 * RINGQ_EMPTY or RINGQ_FULL instead, and the caller decides whether to retry.
 *
 * Memory ordering (labels are repeated at each atomic operation below):
 *   [MP0] producer relaxed loads of head_cache / head for the capacity bound: a stale head only
 *         makes the bound stricter; slot reuse itself is guarded by [MP2].
 *   [MP1] producer relaxed load of tail: a stale value only makes the claim [MP3] fail.
 *   [MP2] producer acquire load of the slot sequence; pairs with [MC4]: the consumer of the
 *         previous lap has finished reading the slot.
 *   [MP3] producer claim, compare-exchange on tail: relaxed in the bare ring (the slot sequence
 *         carries the data); seq_cst from the blocking layer, see src/queue.c.
 *   [MP4] producer release store of the slot sequence (ticket + 1); pairs with [MC2]: publishes
 *         the element written before it.
 *   [MC1] consumer relaxed load of head: a stale value only makes the claim [MC3] fail.
 *   [MC2] consumer acquire load of the slot sequence; pairs with [MP4].
 *   [MC3] consumer claim, compare-exchange on head: relaxed (seq_cst from the blocking layer).
 *   [MC4] consumer release store of the slot sequence (ticket + one lap); pairs with [MP2].
 *   [MC5] consumer acquire load of tail when a slot is not ready, only to tell "closed and
 *         drained" (RINGQ_SHUTDOWN) from "empty"; pairs with [X1].
 *   [X1]  close: seq_cst fetch-or of RINGQ__CLOSED into tail; a claim [MP3] can no longer
 *         succeed, so the tickets below the closed tail are all there will ever be.
 *   [S1]  size: acquire load of head, then of tail. Head is moved by relaxed claims, so the tail
 *         load may legally return less than the head just read: the difference is clamped to
 *         [0, capacity], which is all size promises under concurrency.
 */
#ifndef RINGQ_MPMC_H
#define RINGQ_MPMC_H

/* ringq:common-begin
 * This block is identical in spsc.h and mpmc.h so that each header stands alone; the test
 * "headers_share_one_common_block" fails the build's tests if the copies ever differ. It holds
 * the options that change layout, the one status table, and the C11/C++17 atomics shim. */
#ifndef RINGQ__COMMON_DEFINED
#define RINGQ__COMMON_DEFINED

/* RINGQ_CACHE_LINE: distance in bytes that keeps producer and consumer fields apart (false
 * sharing). 128 on x86-64 and AArch64 (adjacent-line prefetch, 128-byte lines on Apple cores),
 * 64 elsewhere. It changes struct layout: every translation unit, and every process that maps
 * the same ring, must agree on it. */
#ifndef RINGQ_CACHE_LINE
#if defined(__x86_64__) || defined(_M_X64) || defined(__aarch64__)
#define RINGQ_CACHE_LINE 128
#else
#define RINGQ_CACHE_LINE 64
#endif
#endif
#if RINGQ_CACHE_LINE < 64 || (RINGQ_CACHE_LINE & (RINGQ_CACHE_LINE - 1)) != 0
#error "RINGQ_CACHE_LINE must be a power of two and at least 64"
#endif

/* Largest capacity and element size a ring accepts (RINGQ_ERANGE beyond). */
#define RINGQ_MAX_CAPACITY ((size_t)1 << 31)
#define RINGQ_MAX_ELEM_SIZE ((size_t)1 << 24)

#ifdef __cplusplus
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#define RINGQ__ATOMIC(T) std::atomic<T>
#define RINGQ__MO(order) std::memory_order_##order
#define RINGQ__MO_TYPE std::memory_order
#define RINGQ__LOAD(p, mo) std::atomic_load_explicit((p), (mo))
#define RINGQ__STORE(p, v, mo) std::atomic_store_explicit((p), (v), (mo))
#define RINGQ__CAS(p, expp, v, mo_ok, mo_fail)                                                   \
  std::atomic_compare_exchange_strong_explicit((p), (expp), (v), (mo_ok), (mo_fail))
#define RINGQ__FETCH_OR(p, v, mo) std::atomic_fetch_or_explicit((p), (v), (mo))
#define RINGQ__ALIGNAS(n) alignas(n)
#else
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#define RINGQ__ATOMIC(T) _Atomic(T)
#define RINGQ__MO(order) memory_order_##order
#define RINGQ__MO_TYPE memory_order
#define RINGQ__LOAD(p, mo) atomic_load_explicit((p), (mo))
#define RINGQ__STORE(p, v, mo) atomic_store_explicit((p), (v), (mo))
#define RINGQ__CAS(p, expp, v, mo_ok, mo_fail)                                                   \
  atomic_compare_exchange_strong_explicit((p), (expp), (v), (mo_ok), (mo_fail))
#define RINGQ__FETCH_OR(p, v, mo) atomic_fetch_or_explicit((p), (v), (mo))
#define RINGQ__ALIGNAS(n) _Alignas(n)
#endif

/* Unused results. Functions whose result says whether they did their job are marked so that a
 * call ignoring it is diagnosed, and a (void) cast says "ignored on purpose" and silences it:
 *   C++17 and later, C23 (C2x)  [[nodiscard]]
 *   clang, older C or C++       __attribute__((warn_unused_result)), which (void) silences too
 *   gcc, C11/C17 or C++ < 17    nothing: gcc's warn_unused_result ignores a (void) cast, so every
 *                               call would need a wrapper
 * To choose, define before including any ringq header (on the command line, for instance):
 *   RINGQ_NO_NODISCARD          mark nothing, with any compiler;
 *   RINGQ_NODISCARD <marker>    use <marker> instead (placed before each declaration; may be
 *                               empty); for instance gcc's stricter check, which only a wrapper
 *                               silences: -D'RINGQ_NODISCARD=__attribute__((warn_unused_result))'
 * [[nodiscard]] is gated on the language version, not on __has_c_attribute, which reports it even
 * in C11 mode, where it is an error (clang 14) or a -pedantic warning (gcc). */
#if defined(RINGQ_NO_NODISCARD)
#define RINGQ__NODISCARD
#elif defined(RINGQ_NODISCARD)
#define RINGQ__NODISCARD RINGQ_NODISCARD
#elif defined(__cplusplus) && __cplusplus >= 201703L
#define RINGQ__NODISCARD [[nodiscard]]
#elif !defined(__cplusplus) && defined(__STDC_VERSION__) && __STDC_VERSION__ > 201710L &&        \
    defined(__has_c_attribute)
#if __has_c_attribute(nodiscard)
#define RINGQ__NODISCARD [[nodiscard]]
#elif defined(__clang__)
#define RINGQ__NODISCARD __attribute__((warn_unused_result))
#else
#define RINGQ__NODISCARD
#endif
#elif defined(__clang__)
#define RINGQ__NODISCARD __attribute__((warn_unused_result))
#else
#define RINGQ__NODISCARD
#endif

/* Rings may be shared between C and C++ translation units and between processes: their atomics
 * must be plain, lock-free 8-byte words (true on every 64-bit target gcc and clang support). In
 * C++ the ring's std::atomic objects are constructed by init; a ring made by C code or another
 * process is used through std::atomic objects this translation unit did not construct, which
 * relies on the gcc/clang ABI (std::atomic<uint64_t> laid out as _Atomic uint64_t). */
#ifdef __cplusplus
static_assert(std::atomic<uint64_t>::is_always_lock_free, "ringq needs lock-free 64-bit atomics");
static_assert(sizeof(std::atomic<uint64_t>) == 8, "ringq needs 8-byte 64-bit atomics");
#else
#if ATOMIC_LLONG_LOCK_FREE != 2
#error "ringq needs lock-free 64-bit atomics"
#endif
_Static_assert(sizeof(_Atomic(uint64_t)) == 8, "ringq needs 8-byte 64-bit atomics");
#endif

/* Every status of the library, once: X(name, value, message). RINGQ_OK is 0; normal outcomes a
 * caller branches on are -1..-15; misuse and resource failures are -16 and below. */
#define RINGQ__STATUS_TABLE(X)                                                                   \
  X(OK, 0, "success")                                                                            \
  X(EMPTY, -1, "the queue is empty")                                                             \
  X(FULL, -2, "the queue is full")                                                               \
  X(TIMEDOUT, -3, "the wait timed out")                                                          \
  X(SHUTDOWN, -4, "the queue is shut down or closed")                                            \
  X(EINVAL, -16, "invalid argument (NULL, zero size, bad count or bad timeout)")                 \
  X(ERANGE, -17, "capacity or element size above the supported maximum")                         \
  X(ENOMEM, -18, "out of memory")                                                                \
  X(ETOOSMALL, -19, "memory given to init is smaller than memsize")                              \
  X(EALIGN, -20, "memory given to init is not aligned to RINGQ_CACHE_LINE")                      \
  X(ETASKDONE, -21, "task_done called more times than items were put")                           \
  X(EBUSY, -22, "threads are still blocked in the queue")                                        \
  X(ESYS, -23, "unexpected failure of a system call")                                            \
  X(ECORRUPT, -24, "shared memory holds values no valid queue can have")                         \
  X(EVERSION, -25, "the queue was made by an incompatible layout version or build")              \
  X(EPROCESS, -26, "a process-private queue used from another process")                          \
  X(EEXIST, -27, "a shared queue of that name exists already")                                   \
  X(ENOENT, -28, "no shared queue of that name")                                                 \
  X(EACCES, -29, "permission denied by the shared queue's mode")                                 \
  X(EMSGSIZE, -30, "the message is larger than the buffer, or than the queue's largest message")

enum ringq_status {
#define RINGQ__ENUM(name, value, msg) RINGQ_##name = value,
  RINGQ__STATUS_TABLE(RINGQ__ENUM)
#undef RINGQ__ENUM
};

/* A static string describing `status` (any int; unknown values get a generic text). */
static inline const char *
ringq_strerror(int status)
{
  switch (status) {
#define RINGQ__MSG(name, value, msg)                                                             \
  case value:                                                                                    \
    return "RINGQ_" #name ": " msg;
    RINGQ__STATUS_TABLE(RINGQ__MSG)
#undef RINGQ__MSG
  default:
    return "unknown ringq status";
  }
}

/* Indices are free-running 64-bit "tickets" that advance by RINGQ__STEP per item; bit 0 of the
 * producer's index word is the closed mark (RINGQ__CLOSED), so closing a ring and claiming a
 * position are decided by one atomic word. Tickets are compared by unsigned difference, so they
 * may wrap. */
#define RINGQ__STEP ((uint64_t)2)
#define RINGQ__CLOSED ((uint64_t)1)

/* Copy one element; the common small sizes compile to plain moves. Once inlined into a caller
 * whose item is, say, 8 bytes, gcc sees the never-taken 16-byte branch and warns about it
 * (-Wstringop-overflow / -overread): silenced here only, so users' -Werror builds stay clean. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#pragma GCC diagnostic ignored "-Warray-bounds"
#if __GNUC__ >= 11
#pragma GCC diagnostic ignored "-Wstringop-overread"
#endif
#endif
static inline void
ringq__copy(void *dst, const void *src, uint64_t n)
{
  switch (n) {
  case 1: memcpy(dst, src, 1); return;
  case 2: memcpy(dst, src, 2); return;
  case 4: memcpy(dst, src, 4); return;
  case 8: memcpy(dst, src, 8); return;
  case 16: memcpy(dst, src, 16); return;
  default: memcpy(dst, src, (size_t)n); return;
  }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/* Smallest power of two >= n (n >= 1, n <= 2^62). */
static inline uint64_t
ringq__pow2_at_least(uint64_t n)
{
  uint64_t p = 1;
  while (p < n)
    p <<= 1;
  return p;
}

/* size = header + slots * stride, rounded up to RINGQ_CACHE_LINE; RINGQ_OK or a misuse code. */
static inline enum ringq_status
ringq__memsize(size_t header, size_t capacity, size_t elem_size, uint64_t slots, uint64_t stride,
               size_t *bytes)
{
  if (bytes == NULL || capacity == 0 || elem_size == 0)
    return RINGQ_EINVAL;
  if (capacity > RINGQ_MAX_CAPACITY || elem_size > RINGQ_MAX_ELEM_SIZE)
    return RINGQ_ERANGE;
  {
    uint64_t total = (uint64_t)header + slots * stride; /* < 2^32 * 2^25: no overflow */
    total = (total + RINGQ_CACHE_LINE - 1) & ~(uint64_t)(RINGQ_CACHE_LINE - 1);
    if (total > (uint64_t)SIZE_MAX)
      return RINGQ_ERANGE;
    *bytes = (size_t)total;
  }
  return RINGQ_OK;
}

/* Checks shared by both rings' init: memory present, large and aligned enough. */
static inline enum ringq_status
ringq__check_mem(const void *mem, size_t mem_bytes, size_t needed)
{
  if (mem == NULL)
    return RINGQ_EINVAL;
  if (((uintptr_t)mem & (RINGQ_CACHE_LINE - 1)) != 0)
    return RINGQ_EALIGN;
  if (mem_bytes < needed)
    return RINGQ_ETOOSMALL;
  return RINGQ_OK;
}

/* Allocate `bytes` (a multiple of RINGQ_CACHE_LINE) aligned to RINGQ_CACHE_LINE. */
static inline void *
ringq__alloc(size_t bytes)
{
#ifdef __cplusplus
  return std::aligned_alloc(RINGQ_CACHE_LINE, bytes);
#else
  return aligned_alloc(RINGQ_CACHE_LINE, bytes);
#endif
}

/* The geometry of a ring (capacity, slot mask, element size, slot stride, capacity in tickets,
 * one lap of tickets, whether producers also check the capacity bound), as its user validated it.
 * The internal ring functions that end in _g take it apart from the ring, so that the blocking
 * layer can keep it in private memory when the ring lives in memory other processes write
 * (src/shm.c): a slot address then never depends on a value read from shared memory but the
 * masked ticket. The public functions build it from the ring's own fields. */
struct ringq__geom {
  uint64_t capacity;
  uint64_t mask;
  uint64_t elem_size;
  uint64_t stride;
  uint64_t full_span;
  uint64_t lap;
  uint64_t bounded;
};

#endif /* RINGQ__COMMON_DEFINED */
/* ringq:common-end */

/* The ring header; the slots follow it at sizeof(struct ringq_mpmc). A slot is `stride` bytes: a
 * 64-bit sequence word, then the element. For the slot of ticket t, the sequence means:
 *   seq == t                 free, waiting for the producer of ticket t;
 *   seq == t + 1             holds the element of ticket t, waiting for its consumer;
 *   seq == t + lap           consumed; free for the producer of ticket t + lap.
 * Tickets are free-running (RINGQ__STEP per item) and compared by signed difference. */
struct ringq_mpmc {
  uint64_t capacity;  /* items the ring holds, exactly; read-only after init */
  uint64_t mask;      /* slot count - 1 (slot count: power of two >= max(capacity, 2)) */
  uint64_t elem_size; /* bytes per item */
  uint64_t stride;    /* bytes per slot: 8 + elem_size rounded up to 8 */
  uint64_t full_span; /* capacity * RINGQ__STEP: the most tail may be ahead of head */
  uint64_t lap;       /* slot count * RINGQ__STEP: how far a slot's sequence moves per lap */
  uint64_t bounded;   /* 1 when capacity < slot count: producers also check [MP0] */

  /* Producers' line. */
  RINGQ__ALIGNAS(RINGQ_CACHE_LINE) RINGQ__ATOMIC(uint64_t) tail; /* next ticket to claim;
                                                  bit RINGQ__CLOSED: no more claims. */
  RINGQ__ATOMIC(uint64_t) head_cache; /* producers' copy of head; never ahead of head */

  /* Consumers' line. */
  RINGQ__ALIGNAS(RINGQ_CACHE_LINE) RINGQ__ATOMIC(uint64_t) head; /* next ticket to claim */
};

static inline RINGQ__ATOMIC(uint64_t) *
ringq__mpmc_seq(struct ringq_mpmc *r, uint64_t ticket)
{
  return (RINGQ__ATOMIC(uint64_t) *)((unsigned char *)r + sizeof(struct ringq_mpmc) +
                                     ((ticket / RINGQ__STEP) & r->mask) * r->stride);
}

/* The ring's geometry from its own fields (see struct ringq__geom). */
static inline struct ringq__geom
ringq__mpmc_geom(const struct ringq_mpmc *r)
{
  struct ringq__geom g;
  g.capacity = r->capacity;
  g.mask = r->mask;
  g.elem_size = r->elem_size;
  g.stride = r->stride;
  g.full_span = r->full_span;
  g.lap = r->lap;
  g.bounded = r->bounded;
  return g;
}

/* The sequence word of a ticket's slot: masked, so inside the storage whatever the ticket. */
static inline RINGQ__ATOMIC(uint64_t) *
ringq__mpmc_seq_g(const struct ringq__geom *g, struct ringq_mpmc *r, uint64_t ticket)
{
  return (RINGQ__ATOMIC(uint64_t) *)((unsigned char *)r + sizeof(struct ringq_mpmc) +
                                     ((ticket / RINGQ__STEP) & g->mask) * g->stride);
}

static inline unsigned char *
ringq__mpmc_data(RINGQ__ATOMIC(uint64_t) *seq)
{
  return (unsigned char *)seq + sizeof(uint64_t);
}

static inline uint64_t
ringq__mpmc_slots(size_t capacity)
{
  return capacity < 2 ? 2 : ringq__pow2_at_least(capacity);
}

/* Bytes of caller memory a ring of `capacity` items of `elem_size` bytes needs, in *bytes.
 * Returns RINGQ_OK, RINGQ_EINVAL (bytes NULL, capacity 0, elem_size 0) or RINGQ_ERANGE. */
RINGQ__NODISCARD static inline enum ringq_status
ringq_mpmc_memsize(size_t capacity, size_t elem_size, size_t *bytes)
{
  uint64_t stride = sizeof(uint64_t) + (((uint64_t)elem_size + 7) & ~(uint64_t)7);
  /* Round up only a capacity in range: the rounding loop would not end above 2^63. */
  uint64_t slots = capacity && capacity <= RINGQ_MAX_CAPACITY ? ringq__mpmc_slots(capacity) : 0;
  return ringq__memsize(sizeof(struct ringq_mpmc), capacity, elem_size, slots, stride, bytes);
}

/* ringq_mpmc_init with the first ticket chosen: tests start just below the wrap point. */
RINGQ__NODISCARD static inline enum ringq_status
ringq__mpmc_init_at(void *mem, size_t mem_bytes, size_t capacity, size_t elem_size,
                    uint64_t first_ticket)
{
  struct ringq_mpmc *r;
  uint64_t i, slots;
  size_t need = 0;
  enum ringq_status st = ringq_mpmc_memsize(capacity, elem_size, &need);
  if (st != RINGQ_OK)
    return st;
  st = ringq__check_mem(mem, mem_bytes, need);
  if (st != RINGQ_OK)
    return st;
  first_ticket &= ~RINGQ__CLOSED;
  slots = ringq__mpmc_slots(capacity);
#ifdef __cplusplus
  r = ::new (mem) ringq_mpmc;
#else
  r = (struct ringq_mpmc *)mem;
#endif
  r->capacity = capacity;
  r->mask = slots - 1;
  r->elem_size = elem_size;
  r->stride = sizeof(uint64_t) + (((uint64_t)elem_size + 7) & ~(uint64_t)7);
  r->full_span = (uint64_t)capacity * RINGQ__STEP;
  r->lap = slots * RINGQ__STEP;
  r->bounded = capacity < slots;
  /* Relaxed: the ring is not shared until init returns; handing it over publishes it. */
  RINGQ__STORE(&r->tail, first_ticket, RINGQ__MO(relaxed));
  RINGQ__STORE(&r->head_cache, first_ticket, RINGQ__MO(relaxed));
  RINGQ__STORE(&r->head, first_ticket, RINGQ__MO(relaxed));
  for (i = 0; i < slots; i++) {
    uint64_t ticket = first_ticket + i * RINGQ__STEP;
    RINGQ__ATOMIC(uint64_t) *seq = ringq__mpmc_seq(r, ticket);
#ifdef __cplusplus
    seq = ::new ((void *)seq) std::atomic<uint64_t>;
#endif
    RINGQ__STORE(seq, ticket, RINGQ__MO(relaxed));
  }
  return RINGQ_OK;
}

/* Make a ring in caller memory (see ringq_spsc_init; the same rules and codes). */
RINGQ__NODISCARD static inline enum ringq_status
ringq_mpmc_init(void *mem, size_t mem_bytes, size_t capacity, size_t elem_size)
{
  return ringq__mpmc_init_at(mem, mem_bytes, capacity, elem_size, 0);
}

/* Allocate and init a ring; *out is the ring, or NULL on failure. Free it with
 * ringq_mpmc_destroy. Returns RINGQ_OK, RINGQ_EINVAL, RINGQ_ERANGE or RINGQ_ENOMEM. */
RINGQ__NODISCARD static inline enum ringq_status
ringq_mpmc_create(size_t capacity, size_t elem_size, struct ringq_mpmc **out)
{
  size_t bytes = 0;
  void *mem;
  enum ringq_status st;
  if (out == NULL)
    return RINGQ_EINVAL;
  *out = NULL;
  st = ringq_mpmc_memsize(capacity, elem_size, &bytes);
  if (st != RINGQ_OK)
    return st;
  mem = ringq__alloc(bytes);
  if (mem == NULL)
    return RINGQ_ENOMEM;
  st = ringq_mpmc_init(mem, bytes, capacity, elem_size);
  if (st != RINGQ_OK) {
    free(mem);
    return st;
  }
  *out = (struct ringq_mpmc *)mem;
  return RINGQ_OK;
}

/* Free a ring made by ringq_mpmc_create (NULL is ignored). No thread may be using it. */
static inline void
ringq_mpmc_destroy(struct ringq_mpmc *r)
{
  free(r);
}

/* Room in tickets for a producer at ticket t when head is h: unsigned throughout (t - h is
 * compared with full_span before it is subtracted from it, so nothing overflows whatever h is).
 * A head past t means t is stale (the claim will fail and reload it): room for everything. */
static inline uint64_t
ringq__mpmc_room(const struct ringq__geom *g, uint64_t t, uint64_t h)
{
  uint64_t used = t - h;
  if (used > ((uint64_t)1 << 63))
    return g->full_span; /* h ahead of t: stale t */
  return used >= g->full_span ? 0 : g->full_span - used;
}

/* Items (at most `want`) that may be claimed from ticket t without breaking the capacity bound of
 * a ring whose capacity is below its slot count. */
static inline uint64_t
ringq__mpmc_bound_g(const struct ringq__geom *g, struct ringq_mpmc *r, uint64_t t, uint64_t want)
{
  /* [MP0] relaxed: any value head had is no larger than head now, so the bound only tightens. */
  uint64_t h = RINGQ__LOAD(&r->head_cache, RINGQ__MO(relaxed));
  uint64_t room = ringq__mpmc_room(g, t, h);
  if (room < want * RINGQ__STEP) {
    /* [MP0] relaxed, as above; the copy is shared by all producers and may go back a little,
     * which is harmless for the same reason. */
    h = RINGQ__LOAD(&r->head, RINGQ__MO(relaxed));
    RINGQ__STORE(&r->head_cache, h, RINGQ__MO(relaxed));
    room = ringq__mpmc_room(g, t, h);
  }
  return room / RINGQ__STEP < want ? room / RINGQ__STEP : want;
}

/* The ring operations with the geometry given apart (struct ringq__geom); r and item non-NULL.
 * Every slot address is a masked ticket; a catch-up that finds the index where it was, after a
 * slot said another thread had claimed it, is a state no valid ring has: RINGQ_ECORRUPT (the
 * loop would otherwise spin for ever on what a peer process wrote). */
static inline enum ringq_status
ringq__mpmc_push_g(const struct ringq__geom *g, struct ringq_mpmc *r, const void *item,
                   RINGQ__MO_TYPE claim_mo)
{
  RINGQ__ATOMIC(uint64_t) *seq;
  uint64_t t;
  /* [MP1] relaxed: a stale tail only makes the claim below fail. */
  t = RINGQ__LOAD(&r->tail, RINGQ__MO(relaxed));
  for (;;) {
    int64_t diff;
    if (t & RINGQ__CLOSED)
      return RINGQ_SHUTDOWN;
    if (g->bounded && ringq__mpmc_bound_g(g, r, t, 1) == 0)
      return RINGQ_FULL;
    seq = ringq__mpmc_seq_g(g, r, t);
    /* [MP2] acquire; pairs with [MC4]: the previous lap's consumer is done with the slot. */
    diff = (int64_t)(RINGQ__LOAD(seq, RINGQ__MO(acquire)) - t);
    if (diff == 0) {
      /* [MP3] claim ticket t; on failure t is reloaded (with the closed mark, if set). */
      if (RINGQ__CAS(&r->tail, &t, t + RINGQ__STEP, claim_mo, RINGQ__MO(relaxed)))
        break;
    } else if (diff < 0) {
      return RINGQ_FULL; /* the slot still holds the element of ticket t - lap */
    } else {
      uint64_t was = t;
      /* [MP1] relaxed: another producer claimed t; catch up. (Its claim happens-before the
       * acquire load above that saw its publication or a later one, so tail moved on.) */
      t = RINGQ__LOAD(&r->tail, RINGQ__MO(relaxed));
      if (t == was)
        return RINGQ_ECORRUPT;
    }
  }
  ringq__copy(ringq__mpmc_data(seq), item, g->elem_size);
  /* [MP4] release; pairs with [MC2]: publishes the element to the consumer of ticket t. */
  RINGQ__STORE(seq, t + 1, RINGQ__MO(release));
  return RINGQ_OK;
}

static inline enum ringq_status
ringq__mpmc_push(struct ringq_mpmc *r, const void *item, RINGQ__MO_TYPE claim_mo)
{
  struct ringq__geom g;
  if (r == NULL || item == NULL)
    return RINGQ_EINVAL;
  g = ringq__mpmc_geom(r);
  return ringq__mpmc_push_g(&g, r, item, claim_mo);
}

/* RINGQ_SHUTDOWN when the ring is closed and every ticket below the closed tail was claimed by a
 * consumer (h is the consumer's view of head), RINGQ_EMPTY otherwise. */
static inline enum ringq_status
ringq__mpmc_empty_status(struct ringq_mpmc *r, uint64_t h)
{
  /* [MC5] acquire; pairs with [X1]. */
  uint64_t t = RINGQ__LOAD(&r->tail, RINGQ__MO(acquire));
  return ((t & RINGQ__CLOSED) && (t & ~RINGQ__CLOSED) == h) ? RINGQ_SHUTDOWN : RINGQ_EMPTY;
}

/* Claim the oldest published ticket for reading into *ticket; the element stays in its slot until
 * ringq__mpmc_end_read. RINGQ_OK, RINGQ_EMPTY or RINGQ_SHUTDOWN (closed and drained). */
static inline enum ringq_status
ringq__mpmc_begin_read_g(const struct ringq__geom *g, struct ringq_mpmc *r, uint64_t *ticket,
                         RINGQ__MO_TYPE claim_mo)
{
  /* [MC1] relaxed: a stale head only makes the claim below fail. */
  uint64_t h = RINGQ__LOAD(&r->head, RINGQ__MO(relaxed));
  for (;;) {
    /* [MC2] acquire; pairs with [MP4]: the element of ticket h is fully written. */
    int64_t diff =
        (int64_t)(RINGQ__LOAD(ringq__mpmc_seq_g(g, r, h), RINGQ__MO(acquire)) - (h + 1));
    if (diff == 0) {
      /* [MC3] claim ticket h; on failure h is reloaded. */
      if (RINGQ__CAS(&r->head, &h, h + RINGQ__STEP, claim_mo, RINGQ__MO(relaxed))) {
        *ticket = h;
        return RINGQ_OK;
      }
    } else if (diff < 0) {
      return ringq__mpmc_empty_status(r, h); /* ticket h not published (yet) */
    } else {
      uint64_t was = h;
      /* [MC1] relaxed: another consumer claimed h; catch up (as in push: head moved on). */
      h = RINGQ__LOAD(&r->head, RINGQ__MO(relaxed));
      if (h == was)
        return RINGQ_ECORRUPT;
    }
  }
}

static inline enum ringq_status
ringq__mpmc_begin_read(struct ringq_mpmc *r, uint64_t *ticket, RINGQ__MO_TYPE claim_mo)
{
  struct ringq__geom g = ringq__mpmc_geom(r);
  return ringq__mpmc_begin_read_g(&g, r, ticket, claim_mo);
}

/* Hand the slot of a ticket claimed by ringq__mpmc_begin_read to the producer one lap later. */
static inline void
ringq__mpmc_end_read_g(const struct ringq__geom *g, struct ringq_mpmc *r, uint64_t ticket)
{
  /* [MC4] release; pairs with [MP2]: the slot is free for the producer one lap later. */
  RINGQ__STORE(ringq__mpmc_seq_g(g, r, ticket), ticket + g->lap, RINGQ__MO(release));
}

static inline void
ringq__mpmc_end_read(struct ringq_mpmc *r, uint64_t ticket)
{
  struct ringq__geom g = ringq__mpmc_geom(r);
  ringq__mpmc_end_read_g(&g, r, ticket);
}

/* Pop into item; with item NULL the element is discarded. */
static inline enum ringq_status
ringq__mpmc_pop_g(const struct ringq__geom *g, struct ringq_mpmc *r, void *item,
                  RINGQ__MO_TYPE claim_mo)
{
  uint64_t h = 0;
  enum ringq_status st = ringq__mpmc_begin_read_g(g, r, &h, claim_mo);
  if (st != RINGQ_OK)
    return st;
  if (item != NULL)
    ringq__copy(item, ringq__mpmc_data(ringq__mpmc_seq_g(g, r, h)), g->elem_size);
  ringq__mpmc_end_read_g(g, r, h);
  return RINGQ_OK;
}

static inline enum ringq_status
ringq__mpmc_pop(struct ringq_mpmc *r, void *item, RINGQ__MO_TYPE claim_mo)
{
  struct ringq__geom g;
  if (r == NULL)
    return RINGQ_EINVAL;
  g = ringq__mpmc_geom(r);
  return ringq__mpmc_pop_g(&g, r, item, claim_mo);
}

/* Push one item. Any thread; lock-free claim (see Progress above).
 * Returns RINGQ_OK, RINGQ_FULL, RINGQ_SHUTDOWN (closed) or RINGQ_EINVAL (r or item NULL). */
RINGQ__NODISCARD static inline enum ringq_status
ringq_mpmc_try_push(struct ringq_mpmc *r, const void *item)
{
  return ringq__mpmc_push(r, item, RINGQ__MO(relaxed));
}

/* Pop the oldest published item. Any thread. Returns RINGQ_OK, RINGQ_EMPTY (also while the
 * producer of the next item has claimed but not yet published it), RINGQ_SHUTDOWN (closed and
 * drained) or RINGQ_EINVAL (r or item NULL). */
RINGQ__NODISCARD static inline enum ringq_status
ringq_mpmc_try_pop(struct ringq_mpmc *r, void *item)
{
  if (item == NULL)
    return RINGQ_EINVAL;
  return ringq__mpmc_pop(r, item, RINGQ__MO(relaxed));
}

/* Bursts with the geometry given apart; r and items non-NULL, 0 < n <= g->capacity. */
static inline ptrdiff_t
ringq__mpmc_push_burst_g(const struct ringq__geom *g, struct ringq_mpmc *r, const void *items,
                         size_t n, RINGQ__MO_TYPE claim_mo)
{
  uint64_t t, k, i;
  /* [MP1] relaxed: a stale tail only makes the claim below fail. */
  t = RINGQ__LOAD(&r->tail, RINGQ__MO(relaxed));
  for (;;) {
    uint64_t seq0 = 0, want = n;
    if (t & RINGQ__CLOSED)
      return RINGQ_SHUTDOWN;
    if (g->bounded && (want = ringq__mpmc_bound_g(g, r, t, n)) == 0)
      return 0;
    for (k = 0; k < want; k++) {
      uint64_t ticket = t + k * RINGQ__STEP;
      /* [MP2] acquire; pairs with [MC4]. */
      uint64_t s = RINGQ__LOAD(ringq__mpmc_seq_g(g, r, ticket), RINGQ__MO(acquire));
      if (k == 0)
        seq0 = s;
      if (s != ticket)
        break;
    }
    if (k > 0) {
      /* [MP3] claim tickets t .. t + k - 1 at once. A slot seen free for its ticket stays so
       * until that ticket's producer writes it, and the claim succeeds only if no one did. */
      if (RINGQ__CAS(&r->tail, &t, t + k * RINGQ__STEP, claim_mo, RINGQ__MO(relaxed)))
        break;
    } else if ((int64_t)(seq0 - t) < 0) {
      return 0; /* full */
    } else {
      uint64_t was = t;
      /* [MP1] relaxed: another producer claimed t; catch up (tail moved on, as in push). */
      t = RINGQ__LOAD(&r->tail, RINGQ__MO(relaxed));
      if (t == was)
        return RINGQ_ECORRUPT;
    }
  }
  for (i = 0; i < k; i++) {
    uint64_t ticket = t + i * RINGQ__STEP;
    RINGQ__ATOMIC(uint64_t) *seq = ringq__mpmc_seq_g(g, r, ticket);
    ringq__copy(ringq__mpmc_data(seq), (const unsigned char *)items + i * g->elem_size,
                g->elem_size);
    /* [MP4] release; pairs with [MC2]. */
    RINGQ__STORE(seq, ticket + 1, RINGQ__MO(release));
  }
  return (ptrdiff_t)k;
}

static inline ptrdiff_t
ringq__mpmc_push_burst(struct ringq_mpmc *r, const void *items, size_t n, RINGQ__MO_TYPE claim_mo)
{
  struct ringq__geom g;
  if (r == NULL || items == NULL || n == 0 || n > r->capacity)
    return RINGQ_EINVAL;
  g = ringq__mpmc_geom(r);
  return ringq__mpmc_push_burst_g(&g, r, items, n, claim_mo);
}

static inline ptrdiff_t
ringq__mpmc_pop_burst_g(const struct ringq__geom *g, struct ringq_mpmc *r, void *items, size_t n,
                        RINGQ__MO_TYPE claim_mo)
{
  uint64_t h, k, i;
  /* [MC1] relaxed: a stale head only makes the claim below fail. */
  h = RINGQ__LOAD(&r->head, RINGQ__MO(relaxed));
  for (;;) {
    uint64_t seq0 = 0;
    for (k = 0; k < n; k++) {
      uint64_t ticket = h + k * RINGQ__STEP;
      /* [MC2] acquire; pairs with [MP4]. */
      uint64_t s = RINGQ__LOAD(ringq__mpmc_seq_g(g, r, ticket), RINGQ__MO(acquire));
      if (k == 0)
        seq0 = s;
      if (s != ticket + 1)
        break;
    }
    if (k > 0) {
      /* [MC3] claim tickets h .. h + k - 1 at once (published slots stay so until claimed). */
      if (RINGQ__CAS(&r->head, &h, h + k * RINGQ__STEP, claim_mo, RINGQ__MO(relaxed)))
        break;
    } else if ((int64_t)(seq0 - (h + 1)) < 0) {
      return ringq__mpmc_empty_status(r, h) == RINGQ_SHUTDOWN ? (ptrdiff_t)RINGQ_SHUTDOWN : 0;
    } else {
      uint64_t was = h;
      /* [MC1] relaxed: another consumer claimed h; catch up (head moved on, as in pop). */
      h = RINGQ__LOAD(&r->head, RINGQ__MO(relaxed));
      if (h == was)
        return RINGQ_ECORRUPT;
    }
  }
  for (i = 0; i < k; i++) {
    uint64_t ticket = h + i * RINGQ__STEP;
    RINGQ__ATOMIC(uint64_t) *seq = ringq__mpmc_seq_g(g, r, ticket);
    ringq__copy((unsigned char *)items + i * g->elem_size, ringq__mpmc_data(seq), g->elem_size);
    /* [MC4] release; pairs with [MP2]. */
    RINGQ__STORE(seq, ticket + g->lap, RINGQ__MO(release));
  }
  return (ptrdiff_t)k;
}

static inline ptrdiff_t
ringq__mpmc_pop_burst(struct ringq_mpmc *r, void *items, size_t n, RINGQ__MO_TYPE claim_mo)
{
  struct ringq__geom g;
  if (r == NULL || items == NULL || n == 0 || n > r->capacity)
    return RINGQ_EINVAL;
  g = ringq__mpmc_geom(r);
  return ringq__mpmc_pop_burst_g(&g, r, items, n, claim_mo);
}

/* Push up to n consecutive items from `items` with one claim; they leave in order. Any thread.
 * Returns the number pushed (0 when full), RINGQ_SHUTDOWN or RINGQ_EINVAL (r or items NULL,
 * n == 0, n > capacity). */
RINGQ__NODISCARD static inline ptrdiff_t
ringq_mpmc_push_burst(struct ringq_mpmc *r, const void *items, size_t n)
{
  return ringq__mpmc_push_burst(r, items, n, RINGQ__MO(relaxed));
}

/* Pop up to n consecutive items into `items` with one claim, oldest first. Any thread.
 * Returns the number popped (0 when empty), RINGQ_SHUTDOWN (closed and drained) or
 * RINGQ_EINVAL (r or items NULL, n == 0, n > capacity). */
RINGQ__NODISCARD static inline ptrdiff_t
ringq_mpmc_pop_burst(struct ringq_mpmc *r, void *items, size_t n)
{
  return ringq__mpmc_pop_burst(r, items, n, RINGQ__MO(relaxed));
}

/* Close the ring: later pushes return RINGQ_SHUTDOWN; pops return RINGQ_SHUTDOWN once every item
 * pushed before the close has been popped. Any thread; idempotent.
 * Returns RINGQ_OK or RINGQ_EINVAL (r NULL). */
RINGQ__NODISCARD static inline enum ringq_status
ringq_mpmc_close(struct ringq_mpmc *r)
{
  if (r == NULL)
    return RINGQ_EINVAL;
  /* [X1] seq_cst fetch-or; a claim [MP3] that has not happened yet now fails. */
  (void)RINGQ__FETCH_OR(&r->tail, RINGQ__CLOSED, RINGQ__MO(seq_cst));
  return RINGQ_OK;
}

/* Items in the ring (claimed by a producer and not yet by a consumer); any thread. Exact when
 * quiet; under concurrency a value between 0 and capacity (0 when r is NULL). */
static inline size_t
ringq__mpmc_size_g(const struct ringq__geom *g, struct ringq_mpmc *r)
{
  uint64_t h, t;
  int64_t n;
  /* [S1] acquire loads, head first; the clamp below keeps the result in [0, capacity]. */
  h = RINGQ__LOAD(&r->head, RINGQ__MO(acquire));
  t = RINGQ__LOAD(&r->tail, RINGQ__MO(acquire)) & ~RINGQ__CLOSED;
  n = (int64_t)(t - h) / (int64_t)RINGQ__STEP;
  if (n < 0)
    n = 0;
  return (size_t)((uint64_t)n > g->capacity ? g->capacity : (uint64_t)n);
}

static inline size_t
ringq_mpmc_size(struct ringq_mpmc *r)
{
  struct ringq__geom g;
  if (r == NULL)
    return 0;
  g = ringq__mpmc_geom(r);
  return ringq__mpmc_size_g(&g, r);
}

/* Capacity given at init (0 when r is NULL). */
static inline size_t
ringq_mpmc_capacity(const struct ringq_mpmc *r)
{
  return r == NULL ? 0 : (size_t)r->capacity;
}

/* ringq_mpmc_size(r) == 0; any thread. */
static inline int
ringq_mpmc_empty(struct ringq_mpmc *r)
{
  return ringq_mpmc_size(r) == 0;
}

/* ringq_mpmc_size(r) == capacity; any thread (0 when r is NULL). */
static inline int
ringq_mpmc_full(struct ringq_mpmc *r)
{
  return r != NULL && ringq_mpmc_size(r) == r->capacity;
}

#endif /* RINGQ_MPMC_H */
