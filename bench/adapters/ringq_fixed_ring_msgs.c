/* SPDX-License-Identifier: MIT */
/* bench/adapters/ringq_fixed_ring_msgs.c: ringq's fixed-size SPSC ring (spsc.h) in the 16-byte
 * message workload, one 16-byte item per message, try_push / try_pop with the caller spinning:
 * the items/s a byte-message queue is compared with at 16 B ("within 1.5x of the fixed-size
 * ring"). It carries no length: an all-zero item is the end of the stream (no message is all
 * zero: its first word is a tag, never 0). */
#include "adapter.h"
#include "loops.h"
#include "ringq/spsc.h"

#include <stdio.h>

static int
fixed_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  struct ringq_spsc *r;
  enum ringq_status st = ringq_spsc_create(p->capacity, p->esize, &r);
  if (st != RINGQ_OK) {
    snprintf(why, why_len, "ringq_spsc_create: %s", ringq_strerror(st));
    return -1;
  }
  *q = r;
  return 0;
}

static void
fixed_destroy(void *q)
{
  ringq_spsc_destroy((struct ringq_spsc *)q);
}

BENCH_OP int
fixed_send(void *q, const void *buf, size_t len)
{
  static const unsigned char end[16] = {0};
  return ringq_spsc_try_push((struct ringq_spsc *)q, len ? buf : end) == RINGQ_OK;
}

BENCH_OP int
fixed_recv(void *q, void *buf, size_t cap, size_t *len)
{
  uint64_t first;
  if (ringq_spsc_try_pop((struct ringq_spsc *)q, buf) != RINGQ_OK)
    return 0;
  memcpy(&first, buf, sizeof first);
  *len = first ? cap : 0;
  return 1;
}

BENCH_MSG_LOOPS(fixed, fixed_send, fixed_recv)

const struct bench_queue bench_q_ringq_fixed_ring16 = {
    .name = "ringq spsc ring, 16 B items",
    .peer = "ringq",
    .roles = BENCH_ROLE_BYTES,
    .esizes = BENCH_ESIZE_16,
    .create = fixed_create,
    .destroy = fixed_destroy,
    .single = {fixed_msg_producer, fixed_msg_consumer, NULL, NULL},
};

BENCH_ADAPTER(ringq_fixed_ring_msgs, &bench_q_ringq_fixed_ring16);
