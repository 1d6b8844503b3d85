/* SPDX-License-Identifier: MIT */
/* bench/adapters/os_socketpair.c: a Unix socketpair of type SOCK_SEQPACKET (each send is one
 * message, boundaries kept) between processes: one blocking send(2) and recv(2) per item. The
 * socket's default buffer sizes (net.core.wmem_default) bound how much is in flight. */
#define _GNU_SOURCE
#include "adapter.h"
#include "loops.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

struct os_socketpair {
  int tx, rx; /* the producer sends on tx, the consumer receives on rx */
  size_t esize;
};

static int
sp_create(void **q, const struct bench_queue_params *p, char *why, size_t why_len)
{
  struct os_socketpair *s = (struct os_socketpair *)calloc(1, sizeof *s);
  int fds[2];
  if (s == NULL) {
    snprintf(why, why_len, "out of memory");
    return -1;
  }
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    snprintf(why, why_len, "socketpair: %s", strerror(errno));
    free(s);
    return -1;
  }
  s->tx = fds[0];
  s->rx = fds[1];
  s->esize = p->esize;
  *q = s;
  return 0;
}

static void
sp_destroy(void *q)
{
  struct os_socketpair *s = (struct os_socketpair *)q;
  close(s->tx);
  close(s->rx);
  free(s);
}

/* The watchdog's wake: shutting the sockets down ends every blocked send and recv (in every
 * process: the sockets are shared), later ones fail at once. */
static void
sp_wake(void *q)
{
  struct os_socketpair *s = (struct os_socketpair *)q;
  shutdown(s->tx, SHUT_RDWR);
  shutdown(s->rx, SHUT_RDWR);
}

BENCH_OP int
sp_put(void *q, const void *item)
{
  struct os_socketpair *s = (struct os_socketpair *)q;
  ssize_t k;
  do
    k = send(s->tx, item, s->esize, MSG_NOSIGNAL);
  while (k < 0 && errno == EINTR);
  return k == (ssize_t)s->esize;
}

BENCH_OP int
sp_get(void *q, void *item)
{
  struct os_socketpair *s = (struct os_socketpair *)q;
  ssize_t k;
  do
    k = recv(s->rx, item, s->esize, 0);
  while (k < 0 && errno == EINTR);
  return k == (ssize_t)s->esize;
}

BENCH_BLOCKING_LOOPS(sp, sp_put, sp_get)

const struct bench_queue bench_q_socketpair = {
    .name = "Unix socketpair (SEQPACKET)",
    .peer = "os",
    .note = "Unix socketpair (SEQPACKET): socketpair(AF_UNIX, SOCK_SEQPACKET), one blocking "
            "send(2) and recv(2) per item; in flight: what the default socket buffers hold",
    .roles = BENCH_ROLE_PROCESS,
    .esizes = BENCH_ESIZE_ALL,
    .create = sp_create,
    .destroy = sp_destroy,
    .wake = sp_wake,
    .blocking = {sp_producer_blocking, sp_consumer_blocking, sp_ping_blocking, sp_pong_blocking},
};

BENCH_ADAPTER(os_socketpair, &bench_q_socketpair);
