/* SPDX-License-Identifier: MIT */
/* bench/adapters/reference_futex_mailbox.c: the operating system's own limit for a wake-up round
 * trip: a one-item mailbox where get sleeps in FUTEX_WAIT and put always calls FUTEX_WAKE, timed
 * exactly like the blocking queues' wake-up ping-pong. Not a queue (one item, one waiter, a system
 * call on every put). */
#define _GNU_SOURCE /* syscall */
#include "adapter.h"
#include "loops.h"

#include <errno.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* full: 0 empty, 1 holds `item`. The getter waits at most 20 ms at a time, so that the loop can
 * see the watchdog's abort flag. */
struct mailbox {
  BENCH_ALIGNED uint32_t full;
  unsigned char item[BENCH_MAX_ESIZE];
  size_t esize;
};

static int
mailbox_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  struct mailbox *m = (struct mailbox *)aligned_alloc(BENCH_LINE, sizeof(struct mailbox));
  if (m == NULL) {
    snprintf(why, why_len, "out of memory");
    return -1;
  }
  memset(m, 0, sizeof *m);
  m->esize = p->esize;
  *q = m;
  return 0;
}

static void
mailbox_destroy(void *q)
{
  free(q);
}

BENCH_OP int
mailbox_put(void *q, const void *item)
{
  struct mailbox *m = (struct mailbox *)q;
  if (__atomic_load_n(&m->full, __ATOMIC_ACQUIRE))
    return 0;
  memcpy(m->item, item, m->esize);
  __atomic_store_n(&m->full, 1, __ATOMIC_RELEASE);
  syscall(SYS_futex, &m->full, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
  return 1;
}

BENCH_OP int
mailbox_get(void *q, void *item)
{
  struct mailbox *m = (struct mailbox *)q;
  struct timespec limit = {0, 20000000};
  if (!__atomic_load_n(&m->full, __ATOMIC_ACQUIRE)) {
    int saved = errno;
    syscall(SYS_futex, &m->full, FUTEX_WAIT_PRIVATE, 0, &limit, NULL, 0);
    errno = saved;
    if (!__atomic_load_n(&m->full, __ATOMIC_ACQUIRE))
      return 0; /* timed out or spurious: the loop checks for an abort and calls again */
  }
  memcpy(item, m->item, m->esize);
  __atomic_store_n(&m->full, 0, __ATOMIC_RELEASE);
  return 1;
}

BENCH_BLOCKING_LOOPS(mailbox, mailbox_put, mailbox_get)

const struct bench_queue bench_q_futex = {
    .name = "raw futex mailbox (OS)",
    .peer = "futex",
    .roles = BENCH_ROLE_BLOCKING | BENCH_ROLE_REFERENCE,
    .esizes = BENCH_ESIZE_8,
    .note = "raw futex mailbox (OS): one item, get sleeps in FUTEX_WAIT, put always calls "
            "FUTEX_WAKE: the lowest wake-up round trip this kernel and machine allow",
    .create = mailbox_create,
    .destroy = mailbox_destroy,
    .blocking = {NULL, NULL, mailbox_ping_blocking, mailbox_pong_blocking},
};

BENCH_ADAPTER(reference_futex_mailbox, &bench_q_futex);
