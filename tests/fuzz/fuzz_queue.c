/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_queue.c: libFuzzer target for the blocking queue's non-blocking contract (put and
 * get without waiting, qsize/empty/full, task_done, join with a zero timeout, shutdown,
 * is_shutdown), single-threaded, compared with a model of Python's queue.Queue.
 *
 * FUZZ_PYTHON_TASKDONE selects the model's task_done rule:
 *   1 (default): Python's rule (issue 8). task_done is allowed while task_done calls are fewer than
 *     the items put; shutdown(immediate) makes unfinished = max(0, unfinished - discarded); join
 *     returns once unfinished is 0.
 *   0: the rule before issue 8. task_done is allowed while task_done calls are fewer than the items
 *     got; join returns once task_done calls equal the items put (the items got after an
 *     immediate shutdown). */
#include <ringq/queue.h>

#include "fuzz_util.h"

#ifndef FUZZ_PYTHON_TASKDONE
#define FUZZ_PYTHON_TASKDONE 1
#endif

#define MAX_CAP 6
#define MAX_ELEM 24

struct model {
  struct fuzz_fifo items;
  size_t cap;
  int shut;           /* 0, 1: shutdown(false), 2: shutdown(true) */
  uint64_t puts, gets, task_dones;
  uint64_t unfinished; /* Python's unfinished_tasks */
  uint64_t next_id;
};

static size_t
model_qsize(const struct model *m)
{
  return m->shut == 2 ? 0 : m->items.count;
}

static int
model_task_done(struct model *m)
{
#if FUZZ_PYTHON_TASKDONE
  if (m->unfinished == 0)
    return 0;
  m->unfinished--;
#else
  if (m->task_dones >= m->gets)
    return 0;
#endif
  m->task_dones++;
  return 1;
}

static int
model_all_done(const struct model *m)
{
#if FUZZ_PYTHON_TASKDONE
  return m->unfinished == 0;
#else
  return m->task_dones == (m->shut == 2 ? m->gets : m->puts);
#endif
}

static void
check_size(struct ringq_queue *q, const struct model *m)
{
  size_t n = model_qsize(m);
  FUZZ_CHECK(ringq_queue_qsize(q) == n, "qsize %zu, model %zu", ringq_queue_qsize(q), n);
  FUZZ_CHECK(ringq_queue_empty(q) == (n == 0), "empty");
  FUZZ_CHECK(ringq_queue_full(q) == (n == m->cap), "full");
  FUZZ_CHECK(ringq_queue_capacity(q) == m->cap, "capacity");
  FUZZ_CHECK(ringq_queue_is_shutdown(q) == (m->shut != 0), "is_shutdown");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct fuzz_input in = {data, size, 0};
  struct model m;
  struct ringq_queue *q;
  size_t bytes = 0, elem;
  unsigned char buf[MAX_ELEM];
  enum ringq_queue_kind kind;
  unsigned flags;
  void *mem;
  uint8_t setup;

  memset(&m, 0, sizeof m);
  m.cap = 1 + fuzz_byte(&in) % MAX_CAP;
  setup = fuzz_byte(&in);
  elem = fuzz_elem_sizes[setup % 4];
  kind = (setup & 4) ? RINGQ_QUEUE_MPMC : RINGQ_QUEUE_SPSC;
  flags = (setup & 8) ? RINGQ_QUEUE_PROCESS_SHARED : 0; /* the symmetric protocol for SPSC */
  FUZZ_CHECK(ringq_queue_memsize(kind, m.cap, elem, &bytes) == RINGQ_OK, "memsize");
  bytes = (bytes + RINGQ_CACHE_LINE - 1) & ~(size_t)(RINGQ_CACHE_LINE - 1);
  mem = aligned_alloc(RINGQ_CACHE_LINE, bytes);
  FUZZ_CHECK(mem != NULL, "out of memory");
  FUZZ_CHECK(ringq_queue_init(mem, bytes, kind, m.cap, elem, flags) == RINGQ_OK, "init");
  q = (struct ringq_queue *)mem;

  while (fuzz_more(&in)) {
    uint8_t op = fuzz_byte(&in) % 8, arg = fuzz_byte(&in);
    enum ringq_status st;
    switch (op) {
    case 0: /* put_nowait, or put_timeout(0) */
    case 1:
      fuzz_fill_item(buf, m.next_id, elem);
      st = (arg & 1) ? ringq_queue_put_timeout(q, buf, 0) : ringq_queue_put_nowait(q, buf);
      if (m.shut)
        FUZZ_CHECK(st == RINGQ_SHUTDOWN, "put after shutdown: %d", st);
      else if (m.items.count == m.cap)
        FUZZ_CHECK(st == RINGQ_FULL, "put into a full queue: %d", st);
      else {
        FUZZ_CHECK(st == RINGQ_OK, "put: %d", st);
        fuzz_fifo_push(&m.items, m.next_id++);
        m.puts++;
        m.unfinished++;
      }
      break;
    case 2: /* get_nowait, or get_timeout(0) */
    case 3:
      memset(buf, 0, sizeof buf);
      st = (arg & 1) ? ringq_queue_get_timeout(q, buf, 0) : ringq_queue_get_nowait(q, buf);
      if (m.shut == 2)
        FUZZ_CHECK(st == RINGQ_SHUTDOWN, "get after an immediate shutdown: %d", st);
      else if (m.items.count == 0)
        FUZZ_CHECK(st == (m.shut ? RINGQ_SHUTDOWN : RINGQ_EMPTY), "get from empty: %d", st);
      else {
        uint64_t id = fuzz_fifo_pop(&m.items);
        FUZZ_CHECK(st == RINGQ_OK, "get: %d", st);
        FUZZ_CHECK(fuzz_item_is(buf, id, elem), "got an item that is not id %llu",
                   (unsigned long long)id);
        m.gets++;
      }
      break;
    case 4: { /* task_done */
      int allowed = model_task_done(&m);
      st = ringq_queue_task_done(q);
      FUZZ_CHECK(st == (allowed ? RINGQ_OK : RINGQ_ETASKDONE),
                 "task_done: %d (puts %llu, gets %llu, task_dones %llu, shut %d)", st,
                 (unsigned long long)m.puts, (unsigned long long)m.gets,
                 (unsigned long long)m.task_dones, m.shut);
      break;
    }
    case 5: { /* join with a zero timeout, or until a past deadline */
      struct timespec past = {0, 0};
      st = (arg & 1) ? ringq_queue_join_until(q, &past) : ringq_queue_join_timeout(q, 0);
      FUZZ_CHECK(st == (model_all_done(&m) ? RINGQ_OK : RINGQ_TIMEDOUT),
                 "join: %d (puts %llu, gets %llu, task_dones %llu, shut %d)", st,
                 (unsigned long long)m.puts, (unsigned long long)m.gets,
                 (unsigned long long)m.task_dones, m.shut);
      break;
    }
    case 6: /* shutdown (rarely: it ends the queue) */
      if (arg < 40) {
        int immediate = arg & 1;
        FUZZ_CHECK(ringq_queue_shutdown(q, immediate) == RINGQ_OK, "shutdown");
        if (immediate && m.shut != 2) {
          uint64_t left = m.items.count;
          m.unfinished = m.unfinished > left ? m.unfinished - left : 0;
          m.items.count = 0;
          m.shut = 2;
        } else if (!m.shut) {
          m.shut = 1;
        }
      }
      break;
    default: /* invalid arguments are refused and change nothing */
      FUZZ_CHECK(ringq_queue_put_nowait(q, NULL) == RINGQ_EINVAL, "put(NULL)");
      FUZZ_CHECK(ringq_queue_get_nowait(q, NULL) == RINGQ_EINVAL, "get(NULL)");
      FUZZ_CHECK(ringq_queue_get_timeout(q, buf, -1) == RINGQ_EINVAL, "get_timeout(-1)");
      FUZZ_CHECK(ringq_queue_join_timeout(q, -1) == RINGQ_EINVAL, "join_timeout(-1)");
      break;
    }
    check_size(q, &m);
  }
  FUZZ_CHECK(ringq_queue_fini(q) == RINGQ_OK, "fini");
  free(mem);
  return 0;
}
