/* SPDX-License-Identifier: MIT */
/* examples/bytes_json.c: dict-like records, encoded as JSON with libjansson, sent from a producer
 * process to a consumer process through a byte-message queue in shared memory (what Python's
 * multiprocessing.Queue does with pickles). The queue is made by ringq_queue_memfd_create before
 * fork() (shared memory, validated geometry in each handle). The consumer checks every record and
 * the total.
 * Build: cc bytes_json.c $(pkg-config --cflags --libs ringq) -ljansson */
#include <ringq/queue.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define RECORDS 20000

/* The producer: one JSON object per order, of varying size (a list of 0 to 15 tags). */
static int
produce(struct ringq_queue *q)
{
  int i;
  for (i = 0; i < RECORDS; i++) {
    json_t *tags = json_array(), *order;
    char *text;
    int k;
    enum ringq_status st;
    for (k = 0; k < i % 16; k++)
      json_array_append_new(tags, json_sprintf("tag-%d", k));
    order = json_pack("{s:i, s:s, s:f, s:o, s:b}", "id", i, "customer", i % 3 ? "ada" : "grace",
                      "amount", i * 0.25, "tags", tags, "express", i % 7 == 0);
    text = order != NULL ? json_dumps(order, JSON_COMPACT) : NULL;
    json_decref(order);
    if (text == NULL)
      return 1;
    st = ringq_queue_put_bytes(q, text, strlen(text)); /* waits while the ring is full */
    free(text);
    if (st != RINGQ_OK) {
      fprintf(stderr, "put: %s\n", ringq_strerror(st));
      return 1;
    }
  }
  /* No more records: the consumer drains what is left, then gets RINGQ_SHUTDOWN. */
  return ringq_queue_shutdown(q, false) == RINGQ_OK ? 0 : 1;
}

/* The consumer: decode each record and check it. */
static int
consume(struct ringq_queue *q)
{
  char buf[1024];
  size_t len = 0;
  long n = 0, tags = 0;
  double amount = 0;
  enum ringq_status st;
  while ((st = ringq_queue_get_bytes(q, buf, sizeof buf, &len)) == RINGQ_OK) {
    json_error_t err;
    json_t *order = json_loadb(buf, len, 0, &err), *t;
    json_int_t id = -1;
    double a = 0;
    if (order == NULL ||
        json_unpack(order, "{s:I, s:F, s:o}", "id", &id, "amount", &a, "tags", &t) != 0 ||
        id != n || !json_is_array(t) || json_array_size(t) != (size_t)(id % 16)) {
      fprintf(stderr, "record %ld: bad (%.*s)\n", n, (int)len, buf);
      return 1;
    }
    amount += a;
    tags += (long)json_array_size(t);
    json_decref(order);
    n++;
  }
  if (st != RINGQ_SHUTDOWN) {
    fprintf(stderr, "get: %s\n", ringq_strerror(st));
    return 1;
  }
  printf("%ld records, %ld tags, amount %.2f\n", n, tags, amount);
  return n == RECORDS && amount == 0.25 * RECORDS * (RECORDS - 1) / 2 ? 0 : 1;
}

int
main(void)
{
  struct ringq_queue *q;
  pid_t pid;
  int status = 0, rc;

  /* A 16 KiB ring in a memfd mapping (process-shared), messages up to 1 KiB. The fork child
   * uses the handle it inherits; an unrelated process would attach the descriptor
   * (ringq_queue_attach_fd) or use a named queue (ringq_queue_shm_create / _open). */
  if (ringq_queue_memfd_create(RINGQ_QUEUE_BYTES_SPSC, 16384, 1024, 0, &q) != RINGQ_OK)
    return 1;
  pid = fork();
  if (pid < 0)
    return 1;
  if (pid == 0)
    _exit(produce(q));
  rc = consume(q);
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    rc = 1;
  if (ringq_queue_close(q) != RINGQ_OK)
    rc = 1;
  return rc;
}
