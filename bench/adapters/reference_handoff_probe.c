/* SPDX-License-Identifier: MIT */
/* bench/adapters/reference_handoff_probe.c: not a queue. The bound for any byte-message queue
 * between two CPUs: a double-buffer mailbox. The producer copies a message into one of two
 * buffers and marks it full, the consumer copies it out and marks it empty; the two sides
 * alternate buffers, so one message is copied in while the previous one is copied out. No
 * indices, no records, no waiting beyond spinning on the two flags: what is left is the copy in,
 * the cache-line transfers, and the copy out (whose consumer, like ringq's, writes one word into
 * each line it empties). The baseline of the byte-message workloads. */
#include "adapter.h"
#include "loops.h"

#include <stdio.h>
#include <stdlib.h>

struct probe_slot {
  BENCH_ALIGNED uint32_t full; /* 1: holds a message for the consumer */
  size_t len;
  unsigned char *data;         /* esize bytes, on lines of their own */
};

struct probe {
  struct probe_slot slot[2];
  BENCH_ALIGNED unsigned next_in;  /* the producer's next buffer (producer only) */
  BENCH_ALIGNED unsigned next_out; /* the consumer's next buffer (consumer only) */
};

static int
probe_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  /* Page-aligned, as the loops' message buffers (bench_msg_buffer): a copy between them never
   * pays 4K aliasing (a destination a little above its source modulo 4096 made a 4 KiB memcpy 2
   * to 8 times slower on the development machine, and malloc's placement decided it). */
  size_t bytes = (p->esize + 4095) / 4096 * 4096;
  struct probe *b = (struct probe *)aligned_alloc(BENCH_LINE, sizeof *b);
  if (b == NULL) {
    snprintf(why, why_len, "out of memory");
    return -1;
  }
  memset(b, 0, sizeof *b);
  for (int i = 0; i < 2; i++)
    if ((b->slot[i].data = (unsigned char *)aligned_alloc(4096, bytes)) == NULL) {
      free(b->slot[0].data);
      free(b);
      snprintf(why, why_len, "out of memory");
      return -1;
    }
  *q = b;
  return 0;
}

static void
probe_destroy(void *q)
{
  struct probe *b = (struct probe *)q;
  free(b->slot[0].data);
  free(b->slot[1].data);
  free(b);
}

BENCH_OP int
probe_send(void *q, const void *buf, size_t len)
{
  struct probe *b = (struct probe *)q;
  struct probe_slot *s = &b->slot[b->next_in];
  /* Acquire; pairs with the consumer's release in probe_recv: its copy out of this buffer is
   * done before the copy in overwrites it. */
  if (__atomic_load_n(&s->full, __ATOMIC_ACQUIRE))
    return 0;
  memcpy(s->data, buf, len);
  s->len = len;
  /* Release; pairs with the consumer's acquire in probe_recv: publishes the bytes and len. */
  __atomic_store_n(&s->full, 1, __ATOMIC_RELEASE);
  b->next_in ^= 1;
  return 1;
}

BENCH_OP int
probe_recv(void *q, void *buf, size_t cap, size_t *len)
{
  struct probe *b = (struct probe *)q;
  struct probe_slot *s = &b->slot[b->next_out];
  (void)cap; /* every message is the workload's size, which is cap */
  /* Acquire; pairs with the producer's release in probe_send. */
  if (!__atomic_load_n(&s->full, __ATOMIC_ACQUIRE))
    return 0;
  *len = s->len;
  memcpy(buf, s->data, s->len);
  /* One store into each 64-byte line copied out, as ringq's byte queues do with the room they
   * free (src/bytes.c, "The consumer writes what it frees"): the producer's next copy then takes
   * lines this side wrote instead of upgrading lines both caches share, which on the EPYC guest
   * more than doubled the 4 KiB probe. Without it the bound was not one (bench/README.md). */
  for (size_t o = 0; o + 64 <= s->len; o += 64)
    memset(s->data + o, 0, 8);
  /* Release; pairs with the producer's acquire in probe_send: the buffer may be reused. */
  __atomic_store_n(&s->full, 0, __ATOMIC_RELEASE);
  b->next_out ^= 1;
  return 1;
}

BENCH_MSG_LOOPS(probe, probe_send, probe_recv)

const struct bench_queue bench_q_handoff_probe = {
    .name = "hand-off probe (copy in, copy out)",
    .peer = "probe",
    .note = "hand-off probe (copy in, copy out): not a queue, the bound for one: a double-buffer "
            "mailbox, the producer copies a message into one of two buffers while the consumer "
            "copies the previous one out of the other; the baseline of the byte-message rows",
    .roles = BENCH_ROLE_BYTES | BENCH_ROLE_BASELINE | BENCH_ROLE_REFERENCE,
    .esizes = BENCH_ESIZE_MSGS,
    .create = probe_create,
    .destroy = probe_destroy,
    .single = {probe_msg_producer, probe_msg_consumer, NULL, NULL},
};

BENCH_ADAPTER(reference_handoff_probe, &bench_q_handoff_probe);
