/* SPDX-License-Identifier: MIT */
/* bench/adapters/posix_mqueue.c: POSIX message queues (mq_open, blocking mq_send/mq_receive):
 * items between processes and byte messages between threads, each queue as deep as the
 * workload's capacity. The kernel's defaults (fs.mqueue.msg_max 10, msgsize_max 8192) are too
 * small for that: as root the run raises them (and leaves them raised: they are limits, not
 * reservations, and another run may be using them); otherwise the rows say n/a and why. */
#define _GNU_SOURCE
#include "adapter.h"
#include "loops.h"

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

struct posix_mq {
  mqd_t mq;
  size_t esize;
  int msgs; /* byte messages (the end marker is an empty message) */
};

/* What the notes say: the deepest and largest queues made, and what was raised. */
static char pmq_note[480] = "POSIX mq: no queue could be made (the rows say why)";
static size_t used_depth, used_size;
static char raised[160];

static long
read_limit(const char *name)
{
  char path[96];
  long v = -1;
  FILE *f;
  snprintf(path, sizeof path, "/proc/sys/fs/mqueue/%s", name);
  f = fopen(path, "r");
  if (f) {
    if (fscanf(f, "%ld", &v) != 1)
      v = -1;
    fclose(f);
  }
  return v;
}

static int
write_limit(const char *name, long v)
{
  char path[96];
  FILE *f;
  int ok;
  snprintf(path, sizeof path, "/proc/sys/fs/mqueue/%s", name);
  f = fopen(path, "w");
  if (f == NULL)
    return 0;
  ok = fprintf(f, "%ld\n", v) > 0;
  return fclose(f) == 0 && ok;
}

/* fs.mqueue.msg_max and msgsize_max at least depth and size: raised when root, else n/a. */
static int
ensure_limits(size_t depth, size_t size, char *why, size_t why_len)
{
  long msg_max = read_limit("msg_max"), size_max = read_limit("msgsize_max");
  if (msg_max < 0 || size_max < 0) {
    snprintf(why, why_len, "n/a: cannot read /proc/sys/fs/mqueue");
    return -1;
  }
  if ((size_t)msg_max >= depth && (size_t)size_max >= size)
    return 0;
  if (geteuid() != 0) {
    snprintf(why, why_len, "n/a: a queue of %zu messages of %zu B needs fs.mqueue.msg_max >= %zu "
             "and msgsize_max >= %zu (now %ld and %ld); only root can raise them", depth, size,
             depth, size, msg_max, size_max);
    return -1;
  }
  if (((size_t)msg_max < depth && !write_limit("msg_max", (long)depth)) ||
      ((size_t)size_max < size && !write_limit("msgsize_max", (long)size))) {
    snprintf(why, why_len, "n/a: could not raise fs.mqueue.msg_max to %zu / msgsize_max to %zu "
             "(/proc/sys/fs/mqueue not writable)", depth, size);
    return -1;
  }
  snprintf(raised, sizeof raised, "; this run raised fs.mqueue.msg_max / msgsize_max from "
           "%ld / %ld to %ld / %ld (as root; left raised)", msg_max, size_max,
           read_limit("msg_max"), read_limit("msgsize_max"));
  return 0;
}

static int
pmq_make(void **q, const struct bench_queue_params *p, int msgs, char *why, size_t why_len)
{
  static unsigned counter;
  struct posix_mq *m;
  struct mq_attr attr;
  char name[64];
  if (ensure_limits(p->capacity, p->esize, why, why_len) != 0)
    return -1;
  m = (struct posix_mq *)calloc(1, sizeof *m);
  if (m == NULL) {
    snprintf(why, why_len, "out of memory");
    return -1;
  }
  memset(&attr, 0, sizeof attr);
  attr.mq_maxmsg = (long)p->capacity;
  attr.mq_msgsize = (long)p->esize;
  snprintf(name, sizeof name, "/ringq-bench-%ld-%u", (long)getpid(), counter++);
  m->mq = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
  if (m->mq == (mqd_t)-1) {
    struct rlimit rl;
    int err = errno;
    if (err == EMFILE && getrlimit(RLIMIT_MSGQUEUE, &rl) == 0)
      snprintf(why, why_len, "n/a: mq_open of %zu messages of %zu B: RLIMIT_MSGQUEUE (%llu bytes "
               "per user) is too small", p->capacity, p->esize, (unsigned long long)rl.rlim_cur);
    else
      snprintf(why, why_len, "n/a: mq_open of %zu messages of %zu B: %s", p->capacity, p->esize,
               strerror(err));
    free(m);
    return -1;
  }
  mq_unlink(name); /* the descriptor lives on, in every forked process */
  m->esize = p->esize;
  m->msgs = msgs;
  if (p->capacity > used_depth)
    used_depth = p->capacity;
  if (p->esize > used_size)
    used_size = p->esize;
  snprintf(pmq_note, sizeof pmq_note, "POSIX mq: each queue holds the workload's capacity "
           "(mq_maxmsg = capacity, mq_msgsize = the item or message size; up to %zu messages and "
           "%zu B in this run); fs.mqueue.msg_max / msgsize_max now %ld / %ld%s", used_depth,
           used_size, read_limit("msg_max"), read_limit("msgsize_max"), raised);
  *q = m;
  return 0;
}

static int
pmq_items_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  return pmq_make(q, p, 0, why, why_len);
}

static int
pmq_msgs_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  return pmq_make(q, p, 1, why, why_len);
}

static void
pmq_destroy(void *q)
{
  struct posix_mq *m = (struct posix_mq *)q;
  mq_close(m->mq);
  free(m);
}

/* The watchdog's wake: make the queue non-blocking (the open description, shared with the worker
 * processes), then give a blocked receiver an end marker or a blocked sender room. */
static void
pmq_wake(void *q)
{
  struct posix_mq *m = (struct posix_mq *)q;
  struct mq_attr attr, old;
  unsigned char *buf = (unsigned char *)calloc(1, m->esize < 8 ? 8 : m->esize);
  memset(&attr, 0, sizeof attr);
  attr.mq_flags = O_NONBLOCK;
  (void)mq_setattr(m->mq, &attr, &old);
  if (buf == NULL || mq_getattr(m->mq, &attr) != 0) {
    free(buf);
    return;
  }
  if (attr.mq_curmsgs == 0) {
    if (!m->msgs)
      bench_item_write(buf, m->esize, BENCH_PILL);
    (void)mq_send(m->mq, (const char *)buf, m->msgs ? 0 : m->esize, 0);
  } else {
    (void)mq_receive(m->mq, (char *)buf, m->esize, NULL);
  }
  free(buf);
}

BENCH_OP int
pmq_put(void *q, const void *item)
{
  struct posix_mq *m = (struct posix_mq *)q;
  return mq_send(m->mq, (const char *)item, m->esize, 0) == 0;
}

BENCH_OP int
pmq_get(void *q, void *item)
{
  struct posix_mq *m = (struct posix_mq *)q;
  return mq_receive(m->mq, (char *)item, m->esize, NULL) == (ssize_t)m->esize;
}

BENCH_BLOCKING_LOOPS(pmq, pmq_put, pmq_get)

BENCH_OP int
pmq_send_msg(void *q, const void *buf, size_t len)
{
  return mq_send(((struct posix_mq *)q)->mq, (const char *)buf, len, 0) == 0;
}

BENCH_OP int
pmq_recv_msg(void *q, void *buf, size_t cap, size_t *len)
{
  ssize_t k = mq_receive(((struct posix_mq *)q)->mq, (char *)buf, cap, NULL);
  if (k < 0)
    return 0;
  *len = (size_t)k;
  return 1;
}

BENCH_MSG_LOOPS(pmq, pmq_send_msg, pmq_recv_msg)

const struct bench_queue bench_q_posix_mq_items = {
    .name = "POSIX mq",
    .peer = "posix",
    .note = pmq_note,
    .roles = BENCH_ROLE_PROCESS,
    .esizes = BENCH_ESIZE_ALL,
    .create = pmq_items_create,
    .destroy = pmq_destroy,
    .wake = pmq_wake,
    .blocking = {pmq_producer_blocking, pmq_consumer_blocking, pmq_ping_blocking,
                 pmq_pong_blocking},
};

const struct bench_queue bench_q_posix_mq_msgs = {
    .name = "POSIX mq",
    .peer = "posix",
    .note = pmq_note,
    .roles = BENCH_ROLE_BYTES,
    .esizes = BENCH_ESIZE_MSGS,
    .create = pmq_msgs_create,
    .destroy = pmq_destroy,
    .wake = pmq_wake,
    .single = {pmq_msg_producer, pmq_msg_consumer, NULL, NULL},
};

BENCH_ADAPTER(posix_mqueue, &bench_q_posix_mq_items, &bench_q_posix_mq_msgs);
