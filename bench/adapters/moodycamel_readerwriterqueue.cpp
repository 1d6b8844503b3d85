// SPDX-License-Identifier: MIT
// bench/adapters/moodycamel_readerwriterqueue.cpp: adapters for Cameron Desrochers'
// ReaderWriterQueue family (libreaderwriterqueue-dev), items copied by value, one instantiation per
// item size:
//   ReaderWriterQueue                   spinning SPSC: try_enqueue (never allocates) / try_dequeue
//   BlockingReaderWriterQueue           blocking get (semaphore); its put never blocks: when full
//                                       it allocates another block, so it is unbounded
//   BlockingReaderWriterCircularBuffer  bounded, blocking on both sides
// The blocking ones have no shutdown, so the adapters wait with a timeout (20 ms) and let the
// loop look at the abort flag between waits.
#include <readerwriterqueue/readerwritercircularbuffer.h>
#include <readerwriterqueue/readerwriterqueue.h>

#include <cstdio>
#include <new>

#include "adapter.h"
#include "loops.h"

namespace {

constexpr std::int64_t kWaitUsecs = 20000;

template <size_t N> struct Item {
  uint64_t w[N / 8];
};

struct Q {
  size_t esize;
  void *impl;
};

// One adapter per queue template; the functions below dispatch on esize.
template <template <typename> class Queue> struct Family {
  template <size_t N> static Queue<Item<N>> *
  get(void *q)
  {
    return static_cast<Queue<Item<N>> *>(static_cast<Q *>(q)->impl);
  }

  static int
  create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
  {
    Q *m = new (std::nothrow) Q{p->esize, nullptr};
    if (m == nullptr) {
      std::snprintf(why, why_len, "out of memory");
      return -1;
    }
    try {
      switch (p->esize) {
      case 8: m->impl = new Queue<Item<8>>(p->capacity); break;
      case 64: m->impl = new Queue<Item<64>>(p->capacity); break;
      case 512: m->impl = new Queue<Item<512>>(p->capacity); break;
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

  static void
  destroy(void *q)
  {
    switch (static_cast<Q *>(q)->esize) {
    case 8: delete get<8>(q); break;
    case 64: delete get<64>(q); break;
    default: delete get<512>(q); break;
    }
    delete static_cast<Q *>(q);
  }
};

#define MC_DISPATCH(q, expr_of_N)                                                               \
  switch (static_cast<Q *>(q)->esize) {                                                         \
  case 8: { constexpr size_t N = 8; return expr_of_N; }                                          \
  case 64: { constexpr size_t N = 64; return expr_of_N; }                                        \
  default: { constexpr size_t N = 512; return expr_of_N; }                                       \
  }

// ---- ReaderWriterQueue: spinning ----
template <typename T> using Spinning = moodycamel::ReaderWriterQueue<T>;
using RWQ = Family<Spinning>;

BENCH_OP int
rwq_push(void *q, const void *item)
{
  MC_DISPATCH(q, RWQ::get<N>(q)->try_enqueue(*static_cast<const Item<N> *>(item)))
}

BENCH_OP int
rwq_pop(void *q, void *item)
{
  MC_DISPATCH(q, RWQ::get<N>(q)->try_dequeue(*static_cast<Item<N> *>(item)))
}

BENCH_SINGLE_LOOPS(rwq, rwq_push, rwq_pop)

// ---- BlockingReaderWriterQueue: blocking get, put that grows the queue ----
template <typename T> using Blocking = moodycamel::BlockingReaderWriterQueue<T>;
using BRWQ = Family<Blocking>;

BENCH_OP int
brwq_put(void *q, const void *item)
{
  MC_DISPATCH(q, BRWQ::get<N>(q)->enqueue(*static_cast<const Item<N> *>(item)))
}

BENCH_OP int
brwq_get(void *q, void *item)
{
  MC_DISPATCH(q, BRWQ::get<N>(q)->wait_dequeue_timed(*static_cast<Item<N> *>(item), kWaitUsecs))
}

BENCH_BLOCKING_LOOPS(brwq, brwq_put, brwq_get)

// ---- BlockingReaderWriterCircularBuffer: bounded, blocking both ways ----
template <typename T> using Circular = moodycamel::BlockingReaderWriterCircularBuffer<T>;
using CIRC = Family<Circular>;

BENCH_OP int
circ_put(void *q, const void *item)
{
  MC_DISPATCH(q, CIRC::get<N>(q)->wait_enqueue_timed(*static_cast<const Item<N> *>(item),
                                                     kWaitUsecs))
}

BENCH_OP int
circ_get(void *q, void *item)
{
  MC_DISPATCH(q, CIRC::get<N>(q)->wait_dequeue_timed(*static_cast<Item<N> *>(item), kWaitUsecs))
}

BENCH_BLOCKING_LOOPS(circ, circ_put, circ_get)

struct bench_queue
make_rwq()
{
  struct bench_queue b = {};
  b.name = "moodycamel ReaderWriterQueue";
  b.peer = "moodycamel";
  b.roles = BENCH_ROLE_SPSC | BENCH_ROLE_PINGPONG;
  b.esizes = BENCH_ESIZE_ALL;
  b.create = RWQ::create;
  b.destroy = RWQ::destroy;
  b.single = {rwq_producer, rwq_consumer, rwq_ping, rwq_pong};
  return b;
}

struct bench_queue
make_brwq()
{
  struct bench_queue b = {};
  b.name = "moodycamel BlockingReaderWriterQueue";
  b.peer = "moodycamel";
  b.roles = BENCH_ROLE_BLOCKING | BENCH_ROLE_SPSC;
  b.esizes = BENCH_ESIZE_ALL;
  b.unbounded = 1;
  b.note = "moodycamel BlockingReaderWriterQueue: get blocks, put never does (the queue grows "
           "when full); both wait with a 20 ms timeout";
  b.create = BRWQ::create;
  b.destroy = BRWQ::destroy;
  b.blocking = {brwq_producer_blocking, brwq_consumer_blocking, brwq_ping_blocking,
                brwq_pong_blocking};
  b.solo = brwq_solo;
  return b;
}

struct bench_queue
make_circ()
{
  struct bench_queue b = {};
  b.name = "moodycamel BlockingRWCircularBuffer";
  b.peer = "moodycamel";
  b.roles = BENCH_ROLE_BLOCKING | BENCH_ROLE_SPSC;
  b.esizes = BENCH_ESIZE_ALL;
  b.create = CIRC::create;
  b.destroy = CIRC::destroy;
  b.blocking = {circ_producer_blocking, circ_consumer_blocking, circ_ping_blocking,
                circ_pong_blocking};
  b.solo = circ_solo;
  return b;
}

} // namespace

extern "C" const struct bench_queue bench_q_moodycamel_rwq = make_rwq();
extern "C" const struct bench_queue bench_q_moodycamel_brwq = make_brwq();
extern "C" const struct bench_queue bench_q_moodycamel_circ = make_circ();

BENCH_ADAPTER(moodycamel_readerwriterqueue, &bench_q_moodycamel_rwq, &bench_q_moodycamel_brwq,
              &bench_q_moodycamel_circ);
