/* SPDX-License-Identifier: MIT */
/* bench/adapters/os_pipe.c: a pipe, the kernel's own queue. Items between processes (one
 * write(2) and one read(2) per item, blocking), and byte messages between threads (a 4-byte
 * length, then the bytes, in one writev(2); the reader reads ahead into a buffer of its own and
 * reads the rest of a large message straight into the caller's). The pipe is sized to hold the
 * workload's capacity (F_SETPIPE_SZ), as the other queues are. */
#define _GNU_SOURCE /* pipe2, F_SETPIPE_SZ */
#include "adapter.h"
#include "loops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#define READ_AHEAD (256 * 1024) /* the message reader's buffer */

struct os_pipe {
  int rd, wr;
  size_t esize;
  int msgs;             /* byte messages: length-prefixed */
  /* message reader (the consumer's own) */
  unsigned char *rbuf;
  size_t start, end;
};

static int
pipe_make(void **q, const struct bench_queue_params *p, int msgs, char *why, size_t why_len)
{
  struct os_pipe *o = (struct os_pipe *)calloc(1, sizeof *o);
  int fds[2];
  size_t room = p->capacity * (p->esize + (msgs ? sizeof(uint32_t) : 0));
  if (o == NULL || (msgs && (o->rbuf = (unsigned char *)malloc(READ_AHEAD)) == NULL)) {
    free(o);
    snprintf(why, why_len, "out of memory");
    return -1;
  }
  if (pipe2(fds, O_CLOEXEC) != 0) {
    snprintf(why, why_len, "pipe2: %s", strerror(errno));
    free(o->rbuf);
    free(o);
    return -1;
  }
  /* Room for the workload's capacity (the kernel rounds up to a power of two of pages; a
   * failure, e.g. above fs.pipe-max-size, leaves the default 64 KiB). */
  (void)fcntl(fds[1], F_SETPIPE_SZ, (int)room);
  o->rd = fds[0];
  o->wr = fds[1];
  o->esize = p->esize;
  o->msgs = msgs;
  *q = o;
  return 0;
}

static int
pipe_items_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  return pipe_make(q, p, 0, why, why_len);
}

static int
pipe_msgs_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  return pipe_make(q, p, 1, why, why_len);
}

static void
pipe_destroy(void *q)
{
  struct os_pipe *o = (struct os_pipe *)q;
  close(o->rd);
  close(o->wr);
  free(o->rbuf);
  free(o);
}

/* The watchdog's wake: a blocked read or write cannot be interrupted from outside, so make the
 * pipe non-blocking (the open file description, shared with the worker processes) and give a
 * blocked reader something to read (an end marker: a pill item, or an empty message) or a
 * blocked writer room. Later calls fail with EAGAIN and the loops see the abort. */
static void
pipe_wake(void *q)
{
  struct os_pipe *o = (struct os_pipe *)q;
  int queued = 0;
  unsigned char buf[4096] = {0};
  (void)fcntl(o->rd, F_SETFL, fcntl(o->rd, F_GETFL) | O_NONBLOCK);
  (void)fcntl(o->wr, F_SETFL, fcntl(o->wr, F_GETFL) | O_NONBLOCK);
  if (ioctl(o->rd, FIONREAD, &queued) == 0 && queued == 0) {
    size_t n = o->msgs ? sizeof(uint32_t) : o->esize;
    if (!o->msgs)
      bench_item_write(buf, o->esize, BENCH_PILL);
    (void)!write(o->wr, buf, n);
  } else {
    while (read(o->rd, buf, sizeof buf) > 0) {
    }
  }
}

/* All n bytes, or 0 (EOF, EAGAIN after the wake, an error). */
static inline int
write_full(int fd, const unsigned char *p, size_t n)
{
  while (n) {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return 0;
    p += k;
    n -= (size_t)k;
  }
  return 1;
}

static inline int
read_full(int fd, unsigned char *p, size_t n)
{
  while (n) {
    ssize_t k = read(fd, p, n);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return 0;
    p += k;
    n -= (size_t)k;
  }
  return 1;
}

BENCH_OP int
pipe_put(void *q, const void *item)
{
  struct os_pipe *o = (struct os_pipe *)q;
  return write_full(o->wr, (const unsigned char *)item, o->esize);
}

BENCH_OP int
pipe_get(void *q, void *item)
{
  struct os_pipe *o = (struct os_pipe *)q;
  return read_full(o->rd, (unsigned char *)item, o->esize);
}

BENCH_BLOCKING_LOOPS(pipe, pipe_put, pipe_get)

/* A message: its length (4 bytes, host order) and its bytes, in one writev. */
BENCH_OP int
pipe_send(void *q, const void *buf, size_t len)
{
  struct os_pipe *o = (struct os_pipe *)q;
  uint32_t n = (uint32_t)len;
  struct iovec iov[2] = {{&n, sizeof n}, {(void *)(uintptr_t)buf, len}};
  ssize_t k;
  do
    k = writev(o->wr, iov, len ? 2 : 1);
  while (k < 0 && errno == EINTR);
  if (k <= 0)
    return 0;
  if ((size_t)k < sizeof n) /* not seen with a blocking pipe; finish the message anyway */
    return write_full(o->wr, (const unsigned char *)&n + k, sizeof n - (size_t)k) &&
           write_full(o->wr, (const unsigned char *)buf, len);
  return write_full(o->wr, (const unsigned char *)buf + ((size_t)k - sizeof n),
                    len - ((size_t)k - sizeof n));
}

/* At least `need` bytes read ahead (reads as much as the pipe has, up to the buffer's end). */
static inline int
read_ahead(struct os_pipe *o, size_t need)
{
  if (o->end - o->start >= need)
    return 1;
  if (o->start) {
    memmove(o->rbuf, o->rbuf + o->start, o->end - o->start);
    o->end -= o->start;
    o->start = 0;
  }
  while (o->end < need) {
    ssize_t k = read(o->rd, o->rbuf + o->end, READ_AHEAD - o->end);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return 0;
    o->end += (size_t)k;
  }
  return 1;
}

BENCH_OP int
pipe_recv(void *q, void *buf, size_t cap, size_t *len)
{
  struct os_pipe *o = (struct os_pipe *)q;
  uint32_t n;
  size_t have;
  if (!read_ahead(o, sizeof n))
    return 0;
  memcpy(&n, o->rbuf + o->start, sizeof n);
  *len = n;
  if (n > cap)
    return 1; /* the consumer fails the run: a message longer than any sent */
  o->start += sizeof n;
  have = o->end - o->start < n ? o->end - o->start : n;
  memcpy(buf, o->rbuf + o->start, have);
  o->start += have;
  /* The rest of a large message goes straight into the caller's buffer. */
  return have == n || read_full(o->rd, (unsigned char *)buf + have, n - have);
}

BENCH_MSG_LOOPS(pipe, pipe_send, pipe_recv)

const struct bench_queue bench_q_pipe_items = {
    .name = "pipe",
    .peer = "os",
    .note = "pipe (items): pipe2(2) sized with F_SETPIPE_SZ to the workload's capacity; one "
            "blocking write(2) and read(2) per item",
    .roles = BENCH_ROLE_PROCESS,
    .esizes = BENCH_ESIZE_ALL,
    .create = pipe_items_create,
    .destroy = pipe_destroy,
    .wake = pipe_wake,
    .blocking = {pipe_producer_blocking, pipe_consumer_blocking, pipe_ping_blocking,
                 pipe_pong_blocking},
};

const struct bench_queue bench_q_pipe_msgs = {
    .name = "pipe",
    .peer = "os",
    .note = "pipe (messages): pipe2(2) sized with F_SETPIPE_SZ to the workload's capacity; a "
            "4-byte length and the bytes in one blocking writev(2); the reader reads ahead up to "
            "256 KiB and reads the rest of a large message straight into the caller's buffer",
    .roles = BENCH_ROLE_BYTES,
    .esizes = BENCH_ESIZE_MSGS,
    .create = pipe_msgs_create,
    .destroy = pipe_destroy,
    .wake = pipe_wake,
    .single = {pipe_msg_producer, pipe_msg_consumer, NULL, NULL},
};

BENCH_ADAPTER(os_pipe, &bench_q_pipe_items, &bench_q_pipe_msgs);
