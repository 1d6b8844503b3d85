// SPDX-License-Identifier: MIT
// bench/adapters/boost_spsc_queue.cpp: adapter for Boost.Lockfree spsc_queue (libboost-dev), single
// items and bursts (its push/pop of arrays), items copied by value: one instantiation per item
// size.
#include <boost/lockfree/spsc_queue.hpp>

#include <cstdio>
#include <new>

#include "adapter.h"
#include "loops.h"

namespace {

template <size_t N> struct Item {
  uint64_t w[N / 8];
};
template <size_t N> using Ring = boost::lockfree::spsc_queue<Item<N>>;

struct BoostQ {
  size_t esize;
  void *ring;
};

template <size_t N> Ring<N> *
ring(void *q)
{
  return static_cast<Ring<N> *>(static_cast<BoostQ *>(q)->ring);
}

int
boost_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  BoostQ *b = new (std::nothrow) BoostQ{p->esize, nullptr};
  if (b == nullptr) {
    std::snprintf(why, why_len, "out of memory");
    return -1;
  }
  try {
    switch (p->esize) {
    case 8: b->ring = new Ring<8>(p->capacity); break;
    case 64: b->ring = new Ring<64>(p->capacity); break;
    case 512: b->ring = new Ring<512>(p->capacity); break;
    default:
      delete b;
      std::snprintf(why, why_len, "element size %zu not instantiated", p->esize);
      return -1;
    }
  } catch (...) {
    delete b;
    std::snprintf(why, why_len, "out of memory");
    return -1;
  }
  *q = b;
  return 0;
}

void
boost_destroy(void *q)
{
  BoostQ *b = static_cast<BoostQ *>(q);
  switch (b->esize) {
  case 8: delete ring<8>(q); break;
  case 64: delete ring<64>(q); break;
  default: delete ring<512>(q); break;
  }
  delete b;
}

BENCH_OP int
boost_push(void *q, const void *item)
{
  switch (static_cast<BoostQ *>(q)->esize) {
  case 8: return ring<8>(q)->push(*static_cast<const Item<8> *>(item));
  case 64: return ring<64>(q)->push(*static_cast<const Item<64> *>(item));
  default: return ring<512>(q)->push(*static_cast<const Item<512> *>(item));
  }
}

BENCH_OP int
boost_pop(void *q, void *item)
{
  switch (static_cast<BoostQ *>(q)->esize) {
  case 8: return ring<8>(q)->pop(*static_cast<Item<8> *>(item));
  case 64: return ring<64>(q)->pop(*static_cast<Item<64> *>(item));
  default: return ring<512>(q)->pop(*static_cast<Item<512> *>(item));
  }
}

BENCH_OP size_t
boost_push_burst(void *q, const void *items, size_t n)
{
  switch (static_cast<BoostQ *>(q)->esize) {
  case 8: return ring<8>(q)->push(static_cast<const Item<8> *>(items), n);
  case 64: return ring<64>(q)->push(static_cast<const Item<64> *>(items), n);
  default: return ring<512>(q)->push(static_cast<const Item<512> *>(items), n);
  }
}

BENCH_OP size_t
boost_pop_burst(void *q, void *items, size_t n)
{
  switch (static_cast<BoostQ *>(q)->esize) {
  case 8: return ring<8>(q)->pop(static_cast<Item<8> *>(items), n);
  case 64: return ring<64>(q)->pop(static_cast<Item<64> *>(items), n);
  default: return ring<512>(q)->pop(static_cast<Item<512> *>(items), n);
  }
}

BENCH_SINGLE_LOOPS(boost, boost_push, boost_pop)
BENCH_BURST_LOOPS(boost, boost_push_burst, boost_pop_burst)

struct bench_queue
make_boost()
{
  struct bench_queue b = {};
  b.name = "Boost.Lockfree spsc_queue";
  b.peer = "boost";
  b.roles = BENCH_ROLE_SPSC | BENCH_ROLE_PINGPONG;
  b.esizes = BENCH_ESIZE_ALL;
  b.create = boost_create;
  b.destroy = boost_destroy;
  b.single = {boost_producer, boost_consumer, boost_ping, boost_pong};
  b.burst = {boost_producer_burst, boost_consumer_burst, nullptr, nullptr};
  return b;
}

} // namespace

extern "C" const struct bench_queue bench_q_boost_spsc = make_boost();

BENCH_ADAPTER(boost_spsc_queue, &bench_q_boost_spsc);
