/* SPDX-License-Identifier: MIT */
/* ringq/spsc.h: a bounded, wait-free single-producer single-consumer ring with cached indices.
 *
 * Self-contained: copy this one file into a project and it compiles as C11 (<stdatomic.h>) or as
 * C++17 (<atomic>). Do not include it inside an extern "C" block when compiling as C++.
 *
 * Model. The ring lives in caller memory (ringq_spsc_memsize + ringq_spsc_init, or the allocating
 * ringq_spsc_create / ringq_spsc_destroy) and holds no pointers, so it may sit in memory mapped at
 * different addresses. Elements are copied by value; their size (1 byte to RINGQ_MAX_ELEM_SIZE) is
 * fixed at init. Capacity is exact: a ring made for N items holds N, never more, for every N >= 1
 * (storage is rounded up to a power of two internally; the promise is not).
 *
 * Threads. At any moment at most one thread acts as the producer (try_push, push_burst, reserve,
 * commit, close) and one as the consumer (try_pop, pop_burst, peek, release). size, empty, full
 * and capacity may be called from any thread. Every operation is wait-free. Handing a role to
 * another thread needs a happens-before edge (a mutex, a thread join, a release/acquire pair):
 * each side keeps plain fields of its own (head_cache, tail_cache, ...).
 *
 * Cost. The producer keeps a private copy of the consumer's index (head_cache) and reads the
 * shared one only when its copy says "full"; the consumer does the same with tail_cache. The
 * producer's and the consumer's fields sit on separate RINGQ_CACHE_LINE lines, so in a steady
 * stream each side touches the other's line about once per lap, not once per item.
 *
 * Memory ordering (labels are repeated at each atomic operation below):
 *   [P1] producer relaxed load of tail: only the producer advances tail.
 *   [P2] producer acquire load of head; pairs with [C3]: the consumer has finished reading the
 *        slots it handed back, so overwriting them cannot race with that read.
 *   [P3] producer release store of tail; pairs with [C2]: publishes the slots written before it.
 *   [P4] close: release store of tail with RINGQ__CLOSED set; pairs with [C2].
 *   [C1] consumer relaxed load of head: only the consumer advances head.
 *   [C2] consumer acquire load of tail; pairs with [P3]/[P4]: the slots below tail are written.
 *   [C3] consumer release store of head; pairs with [P2]: the slots below head are free.
 *   [S1] size: acquire load of head, then of tail. Head first: tail only grows and is never below
 *        head, so the difference is never negative; it is clamped to capacity because head may
 *        move on between the two loads.
 * The blocking layer (src/queue.c) uses the same code with [P3] as a seq_cst compare-exchange
 * (it must fail when another thread closed the ring) and [C3] as a seq_cst store: see there.
 */
#ifndef RINGQ_SPSC_H
#define RINGQ_SPSC_H

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

/* A store of an order chosen at run time: seq_cst, or release for any other order. gcc and clang
 * emit a seq_cst store (a locked xchg on x86, an order of magnitude dearer on a stream) for an
 * order that is not a compile-time constant; the branch here folds away when it is one and costs
 * a predictable compare when it is not (the blocking layer's asymmetric variant picks release). */
static inline void
ringq__store_mo(RINGQ__ATOMIC(uint64_t) *p, uint64_t v, RINGQ__MO_TYPE mo)
{
  if (mo == RINGQ__MO(seq_cst))
    RINGQ__STORE(p, v, RINGQ__MO(seq_cst)); /* pairs as the caller's label says */
  else
    RINGQ__STORE(p, v, RINGQ__MO(release)); /* pairs as the caller's label says */
}

/* The ring header; the slots follow it at sizeof(struct ringq_spsc). Indices are tickets
 * (RINGQ__STEP per item, free-running, compared by unsigned difference); the item of ticket t
 * lives in slot (t / RINGQ__STEP) & mask. Items present: (tail - head) / RINGQ__STEP. */
struct ringq_spsc {
  uint64_t capacity;  /* items the ring holds, exactly; read-only after init */
  uint64_t mask;      /* slot count - 1; the slot count is the power of two >= capacity */
  uint64_t elem_size; /* bytes per item; read-only after init */
  uint64_t full_span; /* capacity * RINGQ__STEP: tail - head when the ring is full */

  /* Producer's line. */
  RINGQ__ALIGNAS(RINGQ_CACHE_LINE) RINGQ__ATOMIC(uint64_t) tail; /* next ticket to write;
                                                  bit RINGQ__CLOSED: no more pushes. */
  uint64_t head_cache;   /* producer's copy of head; never ahead of head */
  uint64_t reserved;     /* items handed out by ringq_spsc_reserve, not yet committed */
  uint64_t reserved_at;  /* tail when they were handed out: a push since cancels them */

  /* Consumer's line. */
  RINGQ__ALIGNAS(RINGQ_CACHE_LINE) RINGQ__ATOMIC(uint64_t) head; /* next ticket to read */
  uint64_t tail_cache; /* consumer's copy of tail without the mark; never ahead of tail */
  uint64_t peeked;     /* items handed out by ringq_spsc_peek, not yet released */
  uint64_t peeked_at;  /* head when they were shown: a pop since cancels them */
};

/* The ring's geometry from its own fields (see struct ringq__geom). */
static inline struct ringq__geom
ringq__spsc_geom(const struct ringq_spsc *r)
{
  struct ringq__geom g;
  g.capacity = r->capacity;
  g.mask = r->mask;
  g.elem_size = r->elem_size;
  g.stride = r->elem_size;
  g.full_span = r->full_span;
  g.lap = (r->mask + 1) * RINGQ__STEP;
  g.bounded = 0;
  return g;
}

/* The slot of a ticket: masked, so inside the ring's storage whatever the ticket. */
static inline unsigned char *
ringq__spsc_slot_g(const struct ringq__geom *g, struct ringq_spsc *r, uint64_t ticket)
{
  return (unsigned char *)r + sizeof(struct ringq_spsc) +
         ((ticket / RINGQ__STEP) & g->mask) * g->elem_size;
}

static inline unsigned char *
ringq__spsc_slot(struct ringq_spsc *r, uint64_t ticket)
{
  return (unsigned char *)r + sizeof(struct ringq_spsc) +
         ((ticket / RINGQ__STEP) & r->mask) * r->elem_size;
}

/* What the _g functions report when the other side's index is more than a full ring away: no
 * valid ring has that (a peer process wrote it; the blocking layer says RINGQ_ECORRUPT). */
#define RINGQ__SPSC_BAD UINT64_MAX

/* Bytes of caller memory a ring of `capacity` items of `elem_size` bytes needs, in *bytes.
 * Returns RINGQ_OK, RINGQ_EINVAL (bytes NULL, capacity 0, elem_size 0) or RINGQ_ERANGE (capacity
 * above RINGQ_MAX_CAPACITY or elem_size above RINGQ_MAX_ELEM_SIZE). */
RINGQ__NODISCARD static inline enum ringq_status
ringq_spsc_memsize(size_t capacity, size_t elem_size, size_t *bytes)
{
  /* Round up only a capacity in range: the rounding loop would not end above 2^63. */
  uint64_t slots =
      capacity && capacity <= RINGQ_MAX_CAPACITY ? ringq__pow2_at_least(capacity) : 0;
  return ringq__memsize(sizeof(struct ringq_spsc), capacity, elem_size, slots, elem_size, bytes);
}

/* ringq_spsc_init with the first ticket chosen: tests start just below the wrap point. */
RINGQ__NODISCARD static inline enum ringq_status
ringq__spsc_init_at(void *mem, size_t mem_bytes, size_t capacity, size_t elem_size,
                    uint64_t first_ticket)
{
  struct ringq_spsc *r;
  size_t need = 0;
  enum ringq_status st = ringq_spsc_memsize(capacity, elem_size, &need);
  if (st != RINGQ_OK)
    return st;
  st = ringq__check_mem(mem, mem_bytes, need);
  if (st != RINGQ_OK)
    return st;
  first_ticket &= ~RINGQ__CLOSED;
#ifdef __cplusplus
  r = ::new (mem) ringq_spsc;
#else
  r = (struct ringq_spsc *)mem;
#endif
  r->capacity = capacity;
  r->mask = ringq__pow2_at_least(capacity) - 1;
  r->elem_size = elem_size;
  r->full_span = (uint64_t)capacity * RINGQ__STEP;
  r->head_cache = first_ticket;
  r->reserved = 0;
  r->reserved_at = first_ticket;
  r->tail_cache = first_ticket;
  r->peeked = 0;
  r->peeked_at = first_ticket;
  /* Relaxed: the ring is not shared until init returns; handing it over publishes it. */
  RINGQ__STORE(&r->tail, first_ticket, RINGQ__MO(relaxed));
  RINGQ__STORE(&r->head, first_ticket, RINGQ__MO(relaxed));
  return RINGQ_OK;
}

/* Make a ring in caller memory `mem` of `mem_bytes` bytes (at least ringq_spsc_memsize, aligned to
 * RINGQ_CACHE_LINE); the ring is `(struct ringq_spsc *)mem`. Not thread-safe: publish the ring to
 * other threads after init returns. Returns RINGQ_OK, RINGQ_EINVAL (mem NULL, capacity 0,
 * elem_size 0), RINGQ_ERANGE, RINGQ_EALIGN or RINGQ_ETOOSMALL. */
RINGQ__NODISCARD static inline enum ringq_status
ringq_spsc_init(void *mem, size_t mem_bytes, size_t capacity, size_t elem_size)
{
  return ringq__spsc_init_at(mem, mem_bytes, capacity, elem_size, 0);
}

/* Allocate and init a ring; *out is the ring, or NULL on failure. Free it with
 * ringq_spsc_destroy. Returns RINGQ_OK, RINGQ_EINVAL (out NULL, capacity 0, elem_size 0),
 * RINGQ_ERANGE or RINGQ_ENOMEM. */
RINGQ__NODISCARD static inline enum ringq_status
ringq_spsc_create(size_t capacity, size_t elem_size, struct ringq_spsc **out)
{
  size_t bytes = 0;
  void *mem;
  enum ringq_status st;
  if (out == NULL)
    return RINGQ_EINVAL;
  *out = NULL;
  st = ringq_spsc_memsize(capacity, elem_size, &bytes);
  if (st != RINGQ_OK)
    return st;
  mem = ringq__alloc(bytes);
  if (mem == NULL)
    return RINGQ_ENOMEM;
  st = ringq_spsc_init(mem, bytes, capacity, elem_size);
  if (st != RINGQ_OK) {
    free(mem);
    return st;
  }
  *out = (struct ringq_spsc *)mem;
  return RINGQ_OK;
}

/* Free a ring made by ringq_spsc_create (NULL is ignored). No thread may be using it. */
static inline void
ringq_spsc_destroy(struct ringq_spsc *r)
{
  free(r);
}

/* Free slots from the producer's point of view, refreshing head_cache only when the cached value
 * leaves fewer than `want` items of room. Differences are unsigned and checked against full_span
 * before they count anything: a cache further than a full ring away is refreshed, a head further
 * away after the refresh is RINGQ__SPSC_BAD. */
static inline uint64_t
ringq__spsc_room_g(const struct ringq__geom *g, struct ringq_spsc *r, uint64_t t, uint64_t want)
{
  uint64_t d = t - r->head_cache;
  uint64_t room = d <= g->full_span ? (g->full_span - d) / RINGQ__STEP : 0;
  if (room < want) {
    /* [P2] acquire; pairs with [C3]: the consumer has finished reading the slots it freed. */
    r->head_cache = RINGQ__LOAD(&r->head, RINGQ__MO(acquire));
    d = t - r->head_cache;
    if (d > g->full_span)
      return RINGQ__SPSC_BAD;
    room = (g->full_span - d) / RINGQ__STEP;
  }
  return room;
}

/* Items ready from the consumer's point of view (refreshing tail_cache only when the cached value
 * shows fewer than `want`); *closed tells whether the producer closed the ring. A tail further
 * than a full ring ahead is RINGQ__SPSC_BAD, as above. */
static inline uint64_t
ringq__spsc_ready_g(const struct ringq__geom *g, struct ringq_spsc *r, uint64_t h, uint64_t want,
                    int *closed)
{
  uint64_t d = r->tail_cache - h;
  uint64_t ready = d <= g->full_span ? d / RINGQ__STEP : 0;
  *closed = 0;
  if (ready < want) {
    /* [C2] acquire; pairs with [P3]/[P4]: the slots below tail are fully written. */
    uint64_t t = RINGQ__LOAD(&r->tail, RINGQ__MO(acquire));
    *closed = (int)(t & RINGQ__CLOSED);
    r->tail_cache = t & ~RINGQ__CLOSED;
    d = r->tail_cache - h;
    if (d > g->full_span)
      return RINGQ__SPSC_BAD;
    ready = d / RINGQ__STEP;
  }
  return ready;
}

/* Publish tickets up to `next`. Plain rings store ([P3]); the blocking layer compare-exchanges
 * so that a close by another thread makes the publish fail instead of being overwritten. */
static inline enum ringq_status
ringq__spsc_publish(struct ringq_spsc *r, uint64_t t, uint64_t next, int closable)
{
  if (closable) {
    /* [P3q] seq_cst CAS; pairs with [C2] like [P3], and with src/queue.c's waiter check: fails
     * only when another thread set RINGQ__CLOSED, and then nothing is published. */
    if (!RINGQ__CAS(&r->tail, &t, next, RINGQ__MO(seq_cst), RINGQ__MO(relaxed)))
      return RINGQ_SHUTDOWN;
    return RINGQ_OK;
  }
  /* [P3] release; pairs with [C2]: publishes the slots written before it. */
  RINGQ__STORE(&r->tail, next, RINGQ__MO(release));
  return RINGQ_OK;
}

/* The ring operations with the geometry given apart (struct ringq__geom); r and item non-NULL.
 * RINGQ_ECORRUPT when an index is further than a full ring from the other one. */
static inline enum ringq_status
ringq__spsc_push_g(const struct ringq__geom *g, struct ringq_spsc *r, const void *item,
                   int closable)
{
  uint64_t t, room;
  /* [P1] relaxed: only the producer advances tail. */
  t = RINGQ__LOAD(&r->tail, RINGQ__MO(relaxed));
  if (t & RINGQ__CLOSED)
    return RINGQ_SHUTDOWN;
  if (t - r->head_cache >= g->full_span && (room = ringq__spsc_room_g(g, r, t, 1)) - 1 >=
                                               RINGQ__SPSC_BAD - 1) /* 0 or RINGQ__SPSC_BAD */
    return room == 0 ? RINGQ_FULL : RINGQ_ECORRUPT;
  ringq__copy(ringq__spsc_slot_g(g, r, t), item, g->elem_size);
  return ringq__spsc_publish(r, t, t + RINGQ__STEP, closable);
}

static inline enum ringq_status
ringq__spsc_push(struct ringq_spsc *r, const void *item, int closable)
{
  struct ringq__geom g;
  if (r == NULL || item == NULL)
    return RINGQ_EINVAL;
  g = ringq__spsc_geom(r);
  return ringq__spsc_push_g(&g, r, item, closable);
}

static inline enum ringq_status
ringq__spsc_pop_g(const struct ringq__geom *g, struct ringq_spsc *r, void *item,
                  RINGQ__MO_TYPE release_mo)
{
  uint64_t h;
  /* [C1] relaxed: only the consumer advances head. */
  h = RINGQ__LOAD(&r->head, RINGQ__MO(relaxed));
  /* The cache shows no item: refresh it (ready_g checks the distance then; a slot address is a
   * masked ticket whatever the cache says). */
  if (h == r->tail_cache) {
    int closed;
    uint64_t ready = ringq__spsc_ready_g(g, r, h, 1, &closed);
    if (ready == RINGQ__SPSC_BAD)
      return RINGQ_ECORRUPT;
    if (ready == 0)
      return closed ? RINGQ_SHUTDOWN : RINGQ_EMPTY;
  }
  ringq__copy(item, ringq__spsc_slot_g(g, r, h), g->elem_size);
  /* [C3] release (seq_cst from the blocking layer); pairs with [P2]: the slot is free. */
  ringq__store_mo(&r->head, h + RINGQ__STEP, release_mo);
  return RINGQ_OK;
}

static inline enum ringq_status
ringq__spsc_pop(struct ringq_spsc *r, void *item, RINGQ__MO_TYPE release_mo)
{
  struct ringq__geom g;
  if (r == NULL || item == NULL)
    return RINGQ_EINVAL;
  g = ringq__spsc_geom(r);
  return ringq__spsc_pop_g(&g, r, item, release_mo);
}

/* Copy `count` items between `items` and the slots from ticket `t` on, in at most two pieces
 * (before and after the end of the storage). to_ring: items -> slots; otherwise slots -> items.
 * count <= capacity <= slot count, so both pieces stay inside the storage. */
static inline void
ringq__spsc_copy_run(const struct ringq__geom *g, struct ringq_spsc *r, uint64_t t, void *items,
                     uint64_t count, int to_ring)
{
  uint64_t first_slot = (t / RINGQ__STEP) & g->mask;
  uint64_t first = g->mask + 1 - first_slot;
  size_t esz = (size_t)g->elem_size;
  unsigned char *slots = (unsigned char *)r + sizeof(struct ringq_spsc);
  unsigned char *user = (unsigned char *)items;
  if (first > count)
    first = count;
  if (to_ring) {
    memcpy(slots + first_slot * esz, user, (size_t)first * esz);
    memcpy(slots, user + first * esz, (size_t)(count - first) * esz);
  } else {
    memcpy(user, slots + first_slot * esz, (size_t)first * esz);
    memcpy(user + first * esz, slots, (size_t)(count - first) * esz);
  }
}

/* Push one item (elem_size bytes copied from `item`). Producer thread only; wait-free.
 * Returns RINGQ_OK, RINGQ_FULL (nothing copied), RINGQ_SHUTDOWN (the ring was closed) or
 * RINGQ_EINVAL (r or item NULL). */
RINGQ__NODISCARD static inline enum ringq_status
ringq_spsc_try_push(struct ringq_spsc *r, const void *item)
{
  return ringq__spsc_push(r, item, 0);
}

/* Pop the oldest item into `item` (elem_size bytes). Consumer thread only; wait-free; an item
 * popped was fully written by the push that published it.
 * Returns RINGQ_OK, RINGQ_EMPTY, RINGQ_SHUTDOWN (empty and closed: no item will ever come) or
 * RINGQ_EINVAL (r or item NULL). */
RINGQ__NODISCARD static inline enum ringq_status
ringq_spsc_try_pop(struct ringq_spsc *r, void *item)
{
  return ringq__spsc_pop(r, item, RINGQ__MO(release));
}

/* Bursts with the geometry given apart; r and items non-NULL, 0 < n <= g->capacity. */
static inline ptrdiff_t
ringq__spsc_push_burst_g(const struct ringq__geom *g, struct ringq_spsc *r, const void *items,
                         size_t n, int closable)
{
  uint64_t t, k;
  enum ringq_status st;
  /* [P1] relaxed: only the producer advances tail. */
  t = RINGQ__LOAD(&r->tail, RINGQ__MO(relaxed));
  if (t & RINGQ__CLOSED)
    return RINGQ_SHUTDOWN;
  k = ringq__spsc_room_g(g, r, t, n);
  if (k == RINGQ__SPSC_BAD)
    return RINGQ_ECORRUPT;
  if (k > n)
    k = n;
  if (k == 0)
    return 0;
  ringq__spsc_copy_run(g, r, t, (void *)(uintptr_t)items, k, 1);
  st = ringq__spsc_publish(r, t, t + k * RINGQ__STEP, closable);
  return st == RINGQ_OK ? (ptrdiff_t)k : (ptrdiff_t)st;
}

static inline ptrdiff_t
ringq__spsc_push_burst(struct ringq_spsc *r, const void *items, size_t n, int closable)
{
  struct ringq__geom g;
  if (r == NULL || items == NULL || n == 0 || n > r->capacity)
    return RINGQ_EINVAL;
  g = ringq__spsc_geom(r);
  return ringq__spsc_push_burst_g(&g, r, items, n, closable);
}

static inline ptrdiff_t
ringq__spsc_pop_burst_g(const struct ringq__geom *g, struct ringq_spsc *r, void *items, size_t n,
                        RINGQ__MO_TYPE release_mo)
{
  uint64_t h, k;
  int closed;
  /* [C1] relaxed: only the consumer advances head. */
  h = RINGQ__LOAD(&r->head, RINGQ__MO(relaxed));
  k = ringq__spsc_ready_g(g, r, h, n, &closed);
  if (k == RINGQ__SPSC_BAD)
    return RINGQ_ECORRUPT;
  if (k > n)
    k = n;
  if (k == 0)
    return closed ? (ptrdiff_t)RINGQ_SHUTDOWN : 0;
  ringq__spsc_copy_run(g, r, h, items, k, 0);
  /* [C3] release (seq_cst from the blocking layer); pairs with [P2]: the slots are free. */
  ringq__store_mo(&r->head, h + k * RINGQ__STEP, release_mo);
  return (ptrdiff_t)k;
}

static inline ptrdiff_t
ringq__spsc_pop_burst(struct ringq_spsc *r, void *items, size_t n, RINGQ__MO_TYPE release_mo)
{
  struct ringq__geom g;
  if (r == NULL || items == NULL || n == 0 || n > r->capacity)
    return RINGQ_EINVAL;
  g = ringq__spsc_geom(r);
  return ringq__spsc_pop_burst_g(&g, r, items, n, release_mo);
}

/* Push up to n items from the array `items` (n * elem_size bytes), as many as fit, in order, with
 * one publication. Producer thread only; wait-free.
 * Returns the number pushed (0 when full), RINGQ_SHUTDOWN (closed) or RINGQ_EINVAL (r or items
 * NULL, n == 0, n > capacity). */
RINGQ__NODISCARD static inline ptrdiff_t
ringq_spsc_push_burst(struct ringq_spsc *r, const void *items, size_t n)
{
  return ringq__spsc_push_burst(r, items, n, 0);
}

/* Pop up to n items into the array `items`, as many as are there, oldest first. Consumer thread
 * only; wait-free. Returns the number popped (0 when empty), RINGQ_SHUTDOWN (empty and closed)
 * or RINGQ_EINVAL (r or items NULL, n == 0, n > capacity). */
RINGQ__NODISCARD static inline ptrdiff_t
ringq_spsc_pop_burst(struct ringq_spsc *r, void *items, size_t n)
{
  return ringq__spsc_pop_burst(r, items, n, RINGQ__MO(release));
}

/* Zero-copy write, step 1: hand out up to `max` contiguous free slots at *where (elem_size bytes
 * each) for the producer to fill in place. The run stops at the end of the storage, so a ring with
 * room across its end needs two rounds. Nothing is visible to the consumer until
 * ringq_spsc_commit. A later reserve replaces an uncommitted one; a push or burst cancels it, and
 * its memory must not be written after that (it may hold the pushed item). Producer thread only.
 * Returns the number of slots handed out (0 when full), RINGQ_SHUTDOWN or RINGQ_EINVAL (r or where
 * NULL, max == 0, max > capacity). */
RINGQ__NODISCARD static inline ptrdiff_t
ringq_spsc_reserve(struct ringq_spsc *r, size_t max, void **where)
{
  uint64_t t, k, to_end;
  if (r == NULL || where == NULL || max == 0 || max > r->capacity)
    return RINGQ_EINVAL;
  *where = NULL;
  r->reserved = 0;
  /* [P1] relaxed: only the producer advances tail. */
  t = RINGQ__LOAD(&r->tail, RINGQ__MO(relaxed));
  if (t & RINGQ__CLOSED)
    return RINGQ_SHUTDOWN;
  {
    struct ringq__geom g = ringq__spsc_geom(r);
    k = ringq__spsc_room_g(&g, r, t, max);
  }
  if (k == RINGQ__SPSC_BAD)
    k = 0; /* a head no valid ring has: no room */
  to_end = r->mask + 1 - ((t / RINGQ__STEP) & r->mask);
  if (k > max)
    k = max;
  if (k > to_end)
    k = to_end;
  if (k == 0)
    return 0;
  *where = ringq__spsc_slot(r, t);
  r->reserved = k;
  r->reserved_at = t;
  return (ptrdiff_t)k;
}

/* Zero-copy write, step 2: publish the first n slots of the last reservation (n may be less than
 * reserved; 0 cancels it). Any push, burst or close since the reservation cancels it. Producer
 * thread only. Returns RINGQ_OK, RINGQ_SHUTDOWN (closed since; nothing published) or RINGQ_EINVAL
 * (r NULL, n more than reserved, or the reservation was cancelled by a push since). */
RINGQ__NODISCARD static inline enum ringq_status
ringq_spsc_commit(struct ringq_spsc *r, size_t n)
{
  uint64_t t;
  if (r == NULL)
    return RINGQ_EINVAL;
  /* [P1] relaxed: only the producer advances tail. */
  t = RINGQ__LOAD(&r->tail, RINGQ__MO(relaxed));
  if (t & RINGQ__CLOSED) {
    r->reserved = 0;
    return RINGQ_SHUTDOWN;
  }
  if (n > r->reserved || (n > 0 && t != r->reserved_at))
    return RINGQ_EINVAL; /* a rejected commit leaves the reservation as it was */
  r->reserved = 0;
  if (n == 0)
    return RINGQ_OK;
  return ringq__spsc_publish(r, t, t + n * RINGQ__STEP, 0);
}

/* Zero-copy read, step 1: show up to `max` contiguous items in place at *where, oldest first,
 * without removing them (the run stops at the end of the storage). Consumer thread only.
 * Returns the number shown (0 when empty), RINGQ_SHUTDOWN (empty and closed) or RINGQ_EINVAL
 * (r or where NULL, max == 0, max > capacity). */
RINGQ__NODISCARD static inline ptrdiff_t
ringq__spsc_peek_g(const struct ringq__geom *g, struct ringq_spsc *r, size_t max,
                   const void **where)
{
  uint64_t h, k, to_end;
  int closed;
  *where = NULL;
  r->peeked = 0;
  /* [C1] relaxed: only the consumer advances head. */
  h = RINGQ__LOAD(&r->head, RINGQ__MO(relaxed));
  k = ringq__spsc_ready_g(g, r, h, max, &closed);
  if (k == RINGQ__SPSC_BAD)
    return RINGQ_ECORRUPT;
  to_end = g->mask + 1 - ((h / RINGQ__STEP) & g->mask);
  if (k > max)
    k = max;
  if (k > to_end)
    k = to_end;
  if (k == 0)
    return closed ? (ptrdiff_t)RINGQ_SHUTDOWN : 0;
  *where = ringq__spsc_slot_g(g, r, h);
  r->peeked = k;
  r->peeked_at = h;
  return (ptrdiff_t)k;
}

RINGQ__NODISCARD static inline ptrdiff_t
ringq_spsc_peek(struct ringq_spsc *r, size_t max, const void **where)
{
  struct ringq__geom g;
  if (r == NULL || where == NULL || max == 0 || max > r->capacity)
    return RINGQ_EINVAL;
  g = ringq__spsc_geom(r);
  return ringq__spsc_peek_g(&g, r, max, where);
}

/* Zero-copy read, step 2: remove the first n items of the last peek (n may be less than shown; 0
 * keeps them all). Any pop or burst since the peek cancels it. Consumer thread only. Returns
 * RINGQ_OK or RINGQ_EINVAL (r NULL, n more than shown, or the peek was cancelled by a pop since). */
RINGQ__NODISCARD static inline enum ringq_status
ringq_spsc_release(struct ringq_spsc *r, size_t n)
{
  uint64_t h;
  if (r == NULL)
    return RINGQ_EINVAL;
  /* [C1] relaxed: only the consumer advances head. */
  h = RINGQ__LOAD(&r->head, RINGQ__MO(relaxed));
  if (n > r->peeked || (n > 0 && h != r->peeked_at))
    return RINGQ_EINVAL; /* a rejected release leaves the peek as it was */
  r->peeked = 0;
  if (n == 0)
    return RINGQ_OK;
  /* [C3] release; pairs with [P2]: the consumer is done with these slots. */
  RINGQ__STORE(&r->head, h + n * RINGQ__STEP, RINGQ__MO(release));
  return RINGQ_OK;
}

/* Close the ring: later pushes return RINGQ_SHUTDOWN, and pops return RINGQ_SHUTDOWN once the
 * items already pushed are gone. Producer thread only (it is the producer's end of stream).
 * Returns RINGQ_OK or RINGQ_EINVAL (r NULL). */
RINGQ__NODISCARD static inline enum ringq_status
ringq_spsc_close(struct ringq_spsc *r)
{
  uint64_t t;
  if (r == NULL)
    return RINGQ_EINVAL;
  /* [P1] relaxed: only the producer advances tail. */
  t = RINGQ__LOAD(&r->tail, RINGQ__MO(relaxed));
  /* [P4] release; pairs with [C2]: everything pushed before the close is visible with it. */
  RINGQ__STORE(&r->tail, t | RINGQ__CLOSED, RINGQ__MO(release));
  return RINGQ_OK;
}

/* Items in the ring; any thread. Exact when neither side is active; under concurrency a value
 * between 0 and capacity (0 when r is NULL). */
static inline size_t
ringq__spsc_size_g(const struct ringq__geom *g, struct ringq_spsc *r)
{
  uint64_t h, t, n;
  /* [S1] acquire, head before tail: tail >= head, so the difference is never negative. */
  h = RINGQ__LOAD(&r->head, RINGQ__MO(acquire));
  t = RINGQ__LOAD(&r->tail, RINGQ__MO(acquire)) & ~RINGQ__CLOSED;
  n = (t - h) / RINGQ__STEP;
  return (size_t)(n > g->capacity ? g->capacity : n);
}

static inline size_t
ringq_spsc_size(struct ringq_spsc *r)
{
  struct ringq__geom g;
  if (r == NULL)
    return 0;
  g = ringq__spsc_geom(r);
  return ringq__spsc_size_g(&g, r);
}

/* Capacity given at init (0 when r is NULL). */
static inline size_t
ringq_spsc_capacity(const struct ringq_spsc *r)
{
  return r == NULL ? 0 : (size_t)r->capacity;
}

/* ringq_spsc_size(r) == 0; any thread. */
static inline int
ringq_spsc_empty(struct ringq_spsc *r)
{
  return ringq_spsc_size(r) == 0;
}

/* ringq_spsc_size(r) == capacity; any thread (0 when r is NULL). */
static inline int
ringq_spsc_full(struct ringq_spsc *r)
{
  return r != NULL && ringq_spsc_size(r) == r->capacity;
}

#endif /* RINGQ_SPSC_H */
