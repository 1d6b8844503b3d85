// SPDX-License-Identifier: MIT
// bench/adapters/boost_message_queue.cpp: adapter for Boost.Interprocess message_queue
// (libboost-dev, header-only): a queue of messages up to a maximum size in named shared memory,
// under a process-shared mutex and condition variables. Items between processes and byte
// messages between threads, with its blocking send/receive; the queue is made before fork with
// a unique name that is removed at once (the mapping stays).
#include <boost/interprocess/ipc/message_queue.hpp>

#include <cstdio>
#include <cstdlib>
#include <new>
#include <unistd.h>

#include "adapter.h"
#include "loops.h"

namespace {

namespace bip = boost::interprocess;

struct BoostMq {
  bip::message_queue *mq;
  size_t esize;
  bool msgs; // byte messages: the end marker is an empty message
};

int
make(void **q, const struct bench_queue_params *p, bool msgs, char *why, size_t why_len)
{
  static unsigned counter;
  char name[64];
  BoostMq *b = new (std::nothrow) BoostMq{nullptr, p->esize, msgs};
  if (b == nullptr) {
    std::snprintf(why, why_len, "out of memory");
    return -1;
  }
  std::snprintf(name, sizeof name, "ringq-bench-bmq-%ld-%u", static_cast<long>(getpid()),
                counter++);
  try {
    b->mq = new bip::message_queue(bip::create_only, name, p->capacity, p->esize);
  } catch (const std::exception &e) {
    std::snprintf(why, why_len, "message_queue: %s", e.what());
    delete b;
    return -1;
  }
  bip::message_queue::remove(name); // the mapping lives on, in every forked process
  *q = b;
  return 0;
}

int
items_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  return make(q, p, false, why, why_len);
}

int
msgs_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  return make(q, p, true, why, why_len);
}

void
bmq_destroy(void *q)
{
  BoostMq *b = static_cast<BoostMq *>(q);
  delete b->mq;
  delete b;
}

// The watchdog's wake: message_queue has no way to end a blocked wait from outside, so give a
// blocked receiver an end marker (a pill item or an empty message) or a blocked sender room.
// A run that stays stuck ends as its runner decides (processes are killed).
void
bmq_wake(void *q)
{
  BoostMq *b = static_cast<BoostMq *>(q);
  unsigned char *buf = static_cast<unsigned char *>(std::calloc(1, b->esize < 8 ? 8 : b->esize));
  if (buf == nullptr)
    return;
  try {
    if (b->mq->get_num_msg() == 0) {
      if (!b->msgs)
        bench_item_write(buf, b->esize, BENCH_PILL);
      (void)b->mq->try_send(buf, b->msgs ? 0 : b->esize, 0);
    } else {
      bip::message_queue::size_type got;
      unsigned prio;
      (void)b->mq->try_receive(buf, b->esize, got, prio);
    }
  } catch (...) {
  }
  std::free(buf);
}

BENCH_OP int
bmq_put(void *q, const void *item)
{
  BoostMq *b = static_cast<BoostMq *>(q);
  try {
    b->mq->send(item, b->esize, 0);
    return 1;
  } catch (...) {
    return 0;
  }
}

BENCH_OP int
bmq_get(void *q, void *item)
{
  BoostMq *b = static_cast<BoostMq *>(q);
  bip::message_queue::size_type got = 0;
  unsigned prio;
  try {
    b->mq->receive(item, b->esize, got, prio);
  } catch (...) {
    return 0;
  }
  return got == b->esize;
}

BENCH_BLOCKING_LOOPS(bmq, bmq_put, bmq_get)

BENCH_OP int
bmq_send(void *q, const void *buf, size_t len)
{
  try {
    static_cast<BoostMq *>(q)->mq->send(buf, len, 0);
    return 1;
  } catch (...) {
    return 0;
  }
}

BENCH_OP int
bmq_recv(void *q, void *buf, size_t cap, size_t *len)
{
  bip::message_queue::size_type got = 0;
  unsigned prio;
  try {
    static_cast<BoostMq *>(q)->mq->receive(buf, cap, got, prio);
  } catch (...) {
    return 0;
  }
  *len = got;
  return 1;
}

BENCH_MSG_LOOPS(bmq, bmq_send, bmq_recv)

const char note[] = "Boost.Interprocess message_queue: blocking send/receive, max_num_msg = the "
                    "workload's capacity, max_msg_size = the item or message size";

struct bench_queue
make_items()
{
  struct bench_queue b = {};
  b.name = "Boost.Interprocess message_queue";
  b.peer = "boost";
  b.note = note;
  b.roles = BENCH_ROLE_PROCESS;
  b.esizes = BENCH_ESIZE_ALL;
  b.create = items_create;
  b.destroy = bmq_destroy;
  b.wake = bmq_wake;
  b.blocking = {bmq_producer_blocking, bmq_consumer_blocking, bmq_ping_blocking,
                bmq_pong_blocking};
  return b;
}

struct bench_queue
make_msgs()
{
  struct bench_queue b = {};
  b.name = "Boost.Interprocess message_queue";
  b.peer = "boost";
  b.note = note;
  b.roles = BENCH_ROLE_BYTES;
  b.esizes = BENCH_ESIZE_MSGS;
  b.create = msgs_create;
  b.destroy = bmq_destroy;
  b.wake = bmq_wake;
  b.single = {bmq_msg_producer, bmq_msg_consumer, nullptr, nullptr};
  return b;
}

} // namespace

extern "C" const struct bench_queue bench_q_boost_mq_items = make_items();
extern "C" const struct bench_queue bench_q_boost_mq_msgs = make_msgs();

BENCH_ADAPTER(boost_message_queue, &bench_q_boost_mq_items, &bench_q_boost_mq_msgs);
