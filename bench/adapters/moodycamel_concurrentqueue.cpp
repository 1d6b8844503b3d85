// SPDX-License-Identifier: MIT
// bench/adapters/moodycamel_concurrentqueue.cpp: adapter for Cameron Desrochers' ConcurrentQueue
// (libconcurrentqueue-dev), the MPMC peer: single items and bursts, items copied by value, one
// instantiation per item size.
//
// Producers call try_enqueue (try_enqueue_bulk for bursts) as implicit producers; each consumer
// holds a ConsumerToken for try_dequeue (try_dequeue_bulk). ConcurrentQueue is unbounded when it
// may allocate; the try_ calls never allocate (but for each producer's one-time record), so the
// queue is made with blocks preallocated for `capacity` items per producer (its constructor's own
// sizing) and a push fails when they are all in use: memory stays bounded, as for the other
// queues. It holds at least `capacity` items, up to about that many per producer.
//
// Not used: explicit ProducerTokens with try_enqueue. In bounded use (never allocating) their
// pushes failed here with an empty queue, so that 2P2C runs stalled (libconcurrentqueue-dev
// 1.0.3); with allocation allowed they are unbounded.
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 reports a write "into a region of size 0" in an atomic load that the library's bulk
// enqueue inlines here (a known false positive of -Wstringop-overflow through deep inlining).
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif
#include <concurrentqueue/concurrentqueue.h>

#include <cstdio>
#include <memory>
#include <new>

#include "adapter.h"
#include "loops.h"

namespace {

template <size_t N> struct Item {
  uint64_t w[N / 8];
};
template <size_t N> using CQ = moodycamel::ConcurrentQueue<Item<N>>;

struct Q {
  size_t esize;
  void *impl;
};

template <size_t N> CQ<N> *
cq(void *q)
{
  return static_cast<CQ<N> *>(static_cast<Q *>(q)->impl);
}

// This consumer thread's token. A worker thread uses one queue and ends before the queue is
// destroyed, so its token (made on its first call) is destroyed first, at thread exit.
struct Token {
  void *q = nullptr;
  std::unique_ptr<moodycamel::ConsumerToken> c;
};
thread_local Token token;

template <size_t N> moodycamel::ConsumerToken &
ctok(void *q)
{
  if (token.q != q) {
    token.c.reset(new moodycamel::ConsumerToken(*cq<N>(q)));
    token.q = q;
  }
  return *token.c;
}

int
cq_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  Q *m = new (std::nothrow) Q{p->esize, nullptr};
  if (m == nullptr) {
    std::snprintf(why, why_len, "out of memory");
    return -1;
  }
  try {
    switch (p->esize) {
    case 8: m->impl = new CQ<8>(p->capacity, 0, p->producers); break;
    case 64: m->impl = new CQ<64>(p->capacity, 0, p->producers); break;
    case 512: m->impl = new CQ<512>(p->capacity, 0, p->producers); break;
    default:
      delete m;
      std::snprintf(why, why_len, "element size %zu not instantiated", p->esize);
      return -1;
    }
  } catch (...) {
    delete m;
    std::snprintf(why, why_len, "out of memory");
    return -1;
  }
  *q = m;
  return 0;
}

void
cq_destroy(void *q)
{
  switch (static_cast<Q *>(q)->esize) {
  case 8: delete cq<8>(q); break;
  case 64: delete cq<64>(q); break;
  default: delete cq<512>(q); break;
  }
  delete static_cast<Q *>(q);
}

#define CQ_DISPATCH(q, expr_of_N)                                                               \
  switch (static_cast<Q *>(q)->esize) {                                                         \
  case 8: { constexpr size_t N = 8; return expr_of_N; }                                          \
  case 64: { constexpr size_t N = 64; return expr_of_N; }                                        \
  default: { constexpr size_t N = 512; return expr_of_N; }                                       \
  }

BENCH_OP int
cq_push(void *q, const void *item)
{
  CQ_DISPATCH(q, cq<N>(q)->try_enqueue(*static_cast<const Item<N> *>(item)))
}

BENCH_OP int
cq_pop(void *q, void *item)
{
  CQ_DISPATCH(q, cq<N>(q)->try_dequeue(ctok<N>(q), *static_cast<Item<N> *>(item)))
}

// All or nothing (try_enqueue_bulk): n items or none.
BENCH_OP size_t
cq_push_burst(void *q, const void *items, size_t n)
{
  CQ_DISPATCH(q, cq<N>(q)->try_enqueue_bulk(static_cast<const Item<N> *>(items), n)
                     ? n
                     : 0)
}

BENCH_OP size_t
cq_pop_burst(void *q, void *items, size_t max)
{
  CQ_DISPATCH(q, cq<N>(q)->try_dequeue_bulk(ctok<N>(q), static_cast<Item<N> *>(items), max))
}

BENCH_SINGLE_LOOPS(cq, cq_push, cq_pop)
BENCH_BURST_LOOPS(cq, cq_push_burst, cq_pop_burst)

struct bench_queue
make_cq()
{
  struct bench_queue b = {};
  b.name = "moodycamel ConcurrentQueue";
  b.peer = "moodycamel";
  b.roles = BENCH_ROLE_MPMC;
  b.esizes = BENCH_ESIZE_ALL;
  b.note = "moodycamel ConcurrentQueue: try_enqueue (implicit producers) / try_dequeue with a "
           "consumer token (bulk forms for bursts) on blocks preallocated for the capacity per "
           "producer, so it never allocates and refuses when they are in use";
  b.create = cq_create;
  b.destroy = cq_destroy;
  b.single = {cq_producer, cq_consumer, nullptr, nullptr};
  b.burst = {cq_producer_burst, cq_consumer_burst, nullptr, nullptr};
  return b;
}

} // namespace

extern "C" const struct bench_queue bench_q_moodycamel_cq = make_cq();

BENCH_ADAPTER(moodycamel_concurrentqueue, &bench_q_moodycamel_cq);
