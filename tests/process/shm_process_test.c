/* SPDX-License-Identifier: MIT */
/* tests/process/shm_process_test.c: queues shared between processes (src/shm.c), one scenario per
 * run (`shm_process_test <scenario>`): fork, exec, race, early, refuse, perm, forkmisuse, scribble,
 * scribble_bytes, bytes.
 * Names are unique per run (pid and a counter). Exit 0 passed, 1 failed, 77 skipped. */
#define _GNU_SOURCE
#include <ringq/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SKIP 77

static int failures;
static char self_path[4096];

#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                             \
      fprintf(stderr, __VA_ARGS__);                                                                \
      fprintf(stderr, "\n");                                                                       \
      failures++;                                                                                  \
    }                                                                                              \
  } while (0)
#define ST(call, want)                                                                             \
  do {                                                                                             \
    int st_ = (call);                                                                              \
    CHECK(st_ == (want), "%s, wanted %s", ringq_strerror(st_), ringq_strerror(want));              \
  } while (0)

static int64_t
now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A name of this run: "/ringq-test-<pid>-<n>". */
static const char *
unique_name(void)
{
  static char buf[8][64];
  static int n;
  char *b = buf[n % 8];
  snprintf(b, sizeof buf[0], "/ringq-test-%d-%d", (int)getpid(), n++);
  return b;
}

static int
wait_child(pid_t pid)
{
  int status = 0;
  if (waitpid(pid, &status, 0) != pid)
    return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Memory shared with the children, for results. */
static void *
shared_anon(size_t bytes)
{
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    perror("mmap");
    exit(1);
  }
  return p;
}

/* ---- fork: 2 producers and 2 consumers (MPMC), tagged items seen exactly once; join and
 * shutdown across processes; an SPSC pair with timeouts ---------------------------------------- */

#define PER_PRODUCER 20000

static int
scenario_fork(void)
{
  const char *name = unique_name();
  struct ringq_queue *q;
  _Atomic(uint32_t) *seen = shared_anon(2 * PER_PRODUCER * sizeof *seen);
  pid_t kids[4];
  int i, k;
  uint64_t item;
  int64_t t0;
  ST(ringq_queue_shm_create(name, 0, RINGQ_QUEUE_MPMC, 64, sizeof(uint64_t), 0, &q), RINGQ_OK);
  if (q == NULL)
    return 1;
  for (k = 0; k < 4; k++) {
    kids[k] = fork();
    if (kids[k] == 0) {
      struct ringq_queue *mine;
      if (ringq_queue_shm_open(name, &mine) != RINGQ_OK)
        _exit(2);
      if (k < 2) { /* producer k: items k << 32 | i */
        for (i = 0; i < PER_PRODUCER; i++) {
          uint64_t v = (uint64_t)k << 32 | (uint64_t)i;
          if (ringq_queue_put(mine, &v) != RINGQ_OK)
            _exit(3);
        }
      } else { /* consumer: until shutdown */
        uint64_t v;
        int st;
        while ((st = ringq_queue_get(mine, &v)) == RINGQ_OK) {
          uint32_t p = (uint32_t)(v >> 32), n = (uint32_t)v;
          if (p > 1 || n >= PER_PRODUCER)
            _exit(4);
          atomic_fetch_add_explicit(&seen[p * PER_PRODUCER + n], 1, memory_order_relaxed);
          if (ringq_queue_task_done(mine) != RINGQ_OK)
            _exit(5);
        }
        if (st != RINGQ_SHUTDOWN)
          _exit(6);
      }
      _exit(ringq_queue_close(mine) == RINGQ_OK ? 0 : 7);
    }
  }
  for (k = 0; k < 2; k++)
    CHECK(wait_child(kids[k]) == 0, "producer %d", k);
  ST(ringq_queue_join_timeout(q, 60000000000LL), RINGQ_OK); /* the consumers' task_done */
  ST(ringq_queue_shutdown(q, false), RINGQ_OK);
  for (k = 2; k < 4; k++)
    CHECK(wait_child(kids[k]) == 0, "consumer %d", k);
  for (i = 0; i < 2 * PER_PRODUCER; i++)
    if (atomic_load(&seen[i]) != 1) {
      CHECK(0, "item %d seen %u times", i, (unsigned)atomic_load(&seen[i]));
      break;
    }
  ST(ringq_queue_put_nowait(q, &item), RINGQ_SHUTDOWN);
  ST(ringq_queue_close(q), RINGQ_OK);
  ST(ringq_queue_shm_unlink(name), RINGQ_OK);

  /* SPSC through a memfd inherited by a child: a get that times out is never early, then the
   * child's item arrives while the parent blocks. */
  ST(ringq_queue_memfd_create(RINGQ_QUEUE_SPSC, 4, sizeof(uint64_t), 0, &q), RINGQ_OK);
  if (q == NULL)
    return 1;
  t0 = now_ns();
  ST(ringq_queue_get_timeout(q, &item, 20000000), RINGQ_EMPTY);
  CHECK(now_ns() - t0 >= 20000000, "timed out early");
  kids[0] = fork();
  if (kids[0] == 0) {
    struct ringq_queue *mine;
    uint64_t v = 42;
    struct timespec pause = {0, 50000000};
    if (ringq_queue_attach_fd(ringq_queue_shm_fd(q), &mine) != RINGQ_OK)
      _exit(2);
    nanosleep(&pause, NULL);
    _exit(ringq_queue_put(mine, &v) == RINGQ_OK && ringq_queue_close(mine) == RINGQ_OK ? 0 : 3);
  }
  ST(ringq_queue_get_timeout(q, &item, 30000000000LL), RINGQ_OK);
  CHECK(item == 42, "got %llu", (unsigned long long)item);
  CHECK(wait_child(kids[0]) == 0, "spsc child");
  ST(ringq_queue_close(q), RINGQ_OK);
  return failures ? 1 : 0;
}

/* ---- exec: two separately exec'd programs (this one, re-executed) ------------------------- */

#define EXEC_ITEMS 50000

static int
role_producer(const char *name)
{
  struct ringq_queue *q;
  uint64_t i;
  if (ringq_queue_shm_open(name, &q) != RINGQ_OK)
    return 2;
  for (i = 0; i < EXEC_ITEMS; i++)
    if (ringq_queue_put(q, &i) != RINGQ_OK)
      return 3;
  if (ringq_queue_join(q) != RINGQ_OK) /* the consumer's task_done, across processes */
    return 4;
  if (ringq_queue_shutdown(q, false) != RINGQ_OK)
    return 5;
  return ringq_queue_close(q) == RINGQ_OK ? 0 : 6;
}

static int
role_consumer(const char *name)
{
  struct ringq_queue *q;
  uint64_t v, want = 0;
  int st;
  if (ringq_queue_shm_open(name, &q) != RINGQ_OK)
    return 2;
  while ((st = ringq_queue_get(q, &v)) == RINGQ_OK) {
    if (v != want++) /* SPSC: in order, each once */
      return 3;
    if (ringq_queue_task_done(q) != RINGQ_OK)
      return 4;
  }
  if (st != RINGQ_SHUTDOWN || want != EXEC_ITEMS)
    return 5;
  return ringq_queue_close(q) == RINGQ_OK ? 0 : 6;
}

static pid_t
spawn(const char *role, const char *name)
{
  pid_t pid = fork();
  if (pid == 0) {
    execl(self_path, self_path, role, name, (char *)NULL);
    _exit(127);
  }
  return pid;
}

static int
scenario_exec(void)
{
  const char *name = unique_name();
  struct ringq_queue *q;
  pid_t c, p;
  ST(ringq_queue_shm_create(name, 0, RINGQ_QUEUE_SPSC, 32, sizeof(uint64_t), 0, &q), RINGQ_OK);
  if (q == NULL)
    return 1;
  c = spawn("consumer", name);
  p = spawn("producer", name);
  CHECK(wait_child(p) == 0, "exec'd producer");
  CHECK(wait_child(c) == 0, "exec'd consumer");
  CHECK(ringq_queue_is_shutdown(q), "shutdown seen by the creator");
  CHECK(ringq_queue_qsize(q) == 0, "drained");
  ST(ringq_queue_close(q), RINGQ_OK);
  ST(ringq_queue_shm_unlink(name), RINGQ_OK);
  return failures ? 1 : 0;
}

/* ---- race: creators racing on one name; early: an opener before the creator --------------- */

#define RACERS 8

static int
scenario_race(void)
{
  const char *name = unique_name();
  int gate[2], k, created = 0, round;
  pid_t kids[RACERS];
  for (round = 0; round < 20; round++) {
    struct ringq_queue *q;
    uint64_t v, sum = 0;
    int n = 0;
    if (pipe(gate) != 0)
      return 1;
    for (k = 0; k < RACERS; k++) {
      kids[k] = fork();
      if (kids[k] == 0) {
        struct ringq_queue *mine;
        bool made = false;
        char c;
        uint64_t id = (uint64_t)k + 1;
        close(gate[1]);
        (void)!read(gate[0], &c, 1); /* all start when the parent closes the pipe */
        if (ringq_queue_shm_open_or_create(name, 0, RINGQ_QUEUE_MPMC, RACERS, sizeof id, 0, &mine,
                                           &made) != RINGQ_OK)
          _exit(2);
        if (ringq_queue_put(mine, &id) != RINGQ_OK || ringq_queue_close(mine) != RINGQ_OK)
          _exit(3);
        _exit(made ? 10 : 0);
      }
    }
    close(gate[0]);
    close(gate[1]);
    created = 0;
    for (k = 0; k < RACERS; k++) {
      int rc = wait_child(kids[k]);
      CHECK(rc == 0 || rc == 10, "racer exit %d", rc);
      created += rc == 10;
    }
    CHECK(created == 1, "round %d: %d creators", round, created);
    ST(ringq_queue_shm_open(name, &q), RINGQ_OK);
    if (q == NULL)
      return 1;
    while (ringq_queue_get_nowait(q, &v) == RINGQ_OK) {
      sum += v;
      n++;
    }
    CHECK(n == RACERS && sum == RACERS * (RACERS + 1) / 2, "round %d: %d items", round, n);
    ST(ringq_queue_close(q), RINGQ_OK);
    ST(ringq_queue_shm_unlink(name), RINGQ_OK);
  }
  return failures ? 1 : 0;
}

static int
scenario_early(void)
{
  const char *name = unique_name();
  struct ringq_queue *q;
  uint64_t v = 7;
  int fd;
  int64_t t0;
  pid_t kid = fork();
  if (kid == 0) { /* opens before the queue exists, until it does */
    struct ringq_queue *mine = NULL;
    int64_t end = now_ns() + 20000000000LL;
    int st;
    while ((st = ringq_queue_shm_open(name, &mine)) == RINGQ_ENOENT && now_ns() < end) {
    }
    if (st != RINGQ_OK)
      _exit(2);
    _exit(ringq_queue_get(mine, &v) == RINGQ_OK && v == 7 ? 0 : 3);
  }
  {
    struct timespec pause = {0, 30000000};
    nanosleep(&pause, NULL);
  }
  ST(ringq_queue_shm_create(name, 0, RINGQ_QUEUE_MPMC, 4, sizeof v, 0, &q), RINGQ_OK);
  if (q == NULL)
    return 1;
  ST(ringq_queue_put(q, &v), RINGQ_OK);
  CHECK(wait_child(kid) == 0, "early opener");
  ST(ringq_queue_close(q), RINGQ_OK);
  ST(ringq_queue_shm_unlink(name), RINGQ_OK);

  /* A file whose creator never got past shm_open (size 0), or past ftruncate (never ready): the
   * opener waits a bounded time and says so, without touching bytes the file does not have. */
  name = unique_name();
  fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
  CHECK(fd >= 0, "raw shm_open");
  t0 = now_ns();
  ST(ringq_queue_shm_open(name, &q), RINGQ_TIMEDOUT);
  CHECK(now_ns() - t0 < 20000000000LL, "bounded wait");
  CHECK(ftruncate(fd, 4096) == 0, "ftruncate");
  ST(ringq_queue_shm_open(name, &q), RINGQ_TIMEDOUT);
  close(fd);
  ST(ringq_queue_shm_unlink(name), RINGQ_OK);
  ST(ringq_queue_shm_open(name, &q), RINGQ_ENOENT);
  ST(ringq_queue_shm_unlink(name), RINGQ_ENOENT);
  return failures ? 1 : 0;
}

/* ---- refuse: attach refusals, each with its status ---------------------------------------- */

/* Header words, by offset (src/queue_internal.h, struct ringq__shm_header). */
enum { H_MAGIC = 0, H_VERSION = 8, H_CACHE = 12, H_LHASH = 16, H_HHASH = 24, H_KIND = 36,
       H_CAP = 40, H_ELEM = 48, H_FLAGS = 56, H_SHARED = 64, H_RING = 72, H_TOTAL = 80 };

static void
poke32(unsigned char *m, size_t off, uint32_t v)
{
  memcpy(m + off, &v, 4);
}

static void
poke64(unsigned char *m, size_t off, uint64_t v)
{
  memcpy(m + off, &v, 8);
}

static int
scenario_refuse(void)
{
  static const struct {
    size_t off;
    int width;
    uint64_t value;
    int want;
  } cases[] = {
      {H_MAGIC, 8, 0x1234, RINGQ_ECORRUPT},       {H_VERSION, 4, 999, RINGQ_EVERSION},
      {H_CACHE, 4, 32, RINGQ_EVERSION},           {H_LHASH, 8, 1, RINGQ_EVERSION},
      {H_HHASH, 8, 1, RINGQ_EVERSION},            {H_KIND, 4, 3, RINGQ_ECORRUPT},           {H_KIND, 4, 5, RINGQ_ECORRUPT},
      {H_CAP, 8, 0, RINGQ_ECORRUPT},              {H_CAP, 8, 1ull << 40, RINGQ_ECORRUPT},
      {H_CAP, 8, 1ull << 20, RINGQ_ECORRUPT},     {H_ELEM, 8, 1ull << 30, RINGQ_ECORRUPT},
      {H_ELEM, 8, 4096, RINGQ_ECORRUPT},          {H_FLAGS, 8, 0, RINGQ_ECORRUPT},
      {H_SHARED, 8, 1ull << 40, RINGQ_ECORRUPT},  {H_RING, 8, 8, RINGQ_ECORRUPT},
      {H_TOTAL, 8, 1ull << 40, RINGQ_ECORRUPT},
  };
  const char *name = unique_name();
  struct ringq_queue *q, *o;
  unsigned char *m, saved[128];
  struct stat sb;
  size_t i;
  int fd;
  ST(ringq_queue_shm_create(name, 0, RINGQ_QUEUE_MPMC, 8, sizeof(uint64_t), 0, &q), RINGQ_OK);
  if (q == NULL)
    return 1;
  fd = shm_open(name, O_RDWR, 0);
  CHECK(fd >= 0 && fstat(fd, &sb) == 0, "raw open");
  m = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(m != MAP_FAILED, "raw map");
  memcpy(saved, m, sizeof saved);
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    if (cases[i].width == 4)
      poke32(m, cases[i].off, (uint32_t)cases[i].value);
    else
      poke64(m, cases[i].off, cases[i].value);
    o = NULL;
    {
      int st = ringq_queue_shm_open(name, &o);
      CHECK(st == cases[i].want && o == NULL, "case %zu (offset %zu): %s", i, cases[i].off,
            ringq_strerror(st));
    }
    memcpy(m, saved, sizeof saved);
  }
  /* The caller's compiled layout: another version, another header hash. */
  ST(ringq_queue_shm_open_abi(name, &o, RINGQ_LAYOUT_VERSION + 1, 0), RINGQ_EVERSION);
  ST(ringq_queue_shm_open_abi(name, &o, RINGQ_LAYOUT_VERSION, ringq__header_hash() ^ 1),
     RINGQ_EVERSION);
  ST(ringq_queue_shm_open_abi(name, &o, RINGQ_LAYOUT_VERSION, 0), RINGQ_OK); /* FFI: no hash */
  if (o != NULL)
    ST(ringq_queue_close(o), RINGQ_OK);
  /* Another shape through open_or_create. */
  {
    bool made = true;
    ST(ringq_queue_shm_open_or_create(name, 0, RINGQ_QUEUE_SPSC, 8, 8, 0, &o, &made),
       RINGQ_EEXIST);
    CHECK(!made && o == NULL, "nothing attached");
  }
  /* A truncated file. */
  CHECK(ftruncate(fd, 512) == 0, "truncate"); /* the header stays, the ring goes */
  ST(ringq_queue_shm_open(name, &o), RINGQ_ECORRUPT);
  munmap(m, (size_t)sb.st_size);
  close(fd);
  ST(ringq_queue_close(q), RINGQ_OK); /* its mapping is now partly past the end: not touched */
  ST(ringq_queue_shm_unlink(name), RINGQ_OK);
  /* Bad arguments. */
  ST(ringq_queue_shm_create(NULL, 0, RINGQ_QUEUE_MPMC, 8, 8, 0, &o), RINGQ_EINVAL);
  ST(ringq_queue_shm_create(name, 0, RINGQ_QUEUE_MPMC, 0, 8, 0, &o), RINGQ_EINVAL);
  ST(ringq_queue_shm_create(name, 01000, RINGQ_QUEUE_MPMC, 8, 8, 0, &o), RINGQ_EINVAL);
  ST(ringq_queue_shm_create(name, 0, RINGQ_QUEUE_MPMC, 8, 8, 4, &o), RINGQ_EINVAL);
  ST(ringq_queue_attach_fd(-1, &o), RINGQ_EINVAL);
  ST(ringq_queue_attach_fd(999999, &o), RINGQ_EINVAL);
  ST(ringq_queue_close(NULL), RINGQ_EINVAL);
  CHECK(ringq_queue_shm_fd(NULL) == -1, "fd of NULL");
  return failures ? 1 : 0;
}

/* ---- perm: a 0600 queue refuses another uid ---------------------------------------------- */

static int
scenario_perm(void)
{
  const char *name = unique_name(), *open_name = unique_name();
  struct ringq_queue *q, *o;
  pid_t kid;
  if (geteuid() != 0) {
    printf("SKIP: not root, cannot setuid to nobody\n");
    return SKIP;
  }
  ST(ringq_queue_shm_create(name, 0, RINGQ_QUEUE_MPMC, 4, 8, 0, &q), RINGQ_OK);
  ST(ringq_queue_shm_create(open_name, 0666, RINGQ_QUEUE_MPMC, 4, 8, 0, &o), RINGQ_OK);
  kid = fork();
  if (kid == 0) {
    struct ringq_queue *mine = NULL;
    if (setgid(65534) != 0 || setuid(65534) != 0)
      _exit(2);
    if (ringq_queue_shm_open(name, &mine) != RINGQ_EACCES || mine != NULL)
      _exit(3);
    if (ringq_queue_shm_unlink(name) != RINGQ_EACCES)
      _exit(4);
    if (ringq_queue_shm_open(open_name, &mine) != RINGQ_OK) /* 0666: allowed */
      _exit(5);
    _exit(ringq_queue_close(mine) == RINGQ_OK ? 0 : 6);
  }
  CHECK(wait_child(kid) == 0, "child as nobody");
  ST(ringq_queue_close(q), RINGQ_OK);
  ST(ringq_queue_close(o), RINGQ_OK);
  ST(ringq_queue_shm_unlink(name), RINGQ_OK);
  ST(ringq_queue_shm_unlink(open_name), RINGQ_OK);
  return failures ? 1 : 0;
}

/* ---- forkmisuse: private queues in a fork child -------------------------------------------- */

static int
scenario_forkmisuse(void)
{
  struct ringq_queue *q, *p;
  size_t bytes = 0;
  void *mem;
  uint64_t v = 1;
  pid_t kid;
  /* A private queue inherited by a child (a copy the parent never sees). */
  ST(ringq_queue_create(RINGQ_QUEUE_MPMC, 4, sizeof v, &q), RINGQ_OK);
  ST(ringq_queue_put(q, &v), RINGQ_OK);
  kid = fork();
  if (kid == 0) {
    uint64_t w;
    if (ringq_queue_get(q, &w) != RINGQ_EPROCESS || ringq_queue_put_nowait(q, &w) != RINGQ_EPROCESS ||
        ringq_queue_get_timeout(q, &w, 1000) != RINGQ_EPROCESS ||
        ringq_queue_join(q) != RINGQ_EPROCESS || ringq_queue_task_done(q) != RINGQ_EPROCESS ||
        ringq_queue_shutdown(q, true) != RINGQ_EPROCESS ||
        ringq_queue_put_many(q, &w, 1, 0) != RINGQ_EPROCESS)
      _exit(2);
    _exit(ringq_queue_destroy(q) == RINGQ_OK ? 0 : 3); /* frees the copy */
  }
  CHECK(wait_child(kid) == 0, "child of a private queue");
  ST(ringq_queue_get_nowait(q, &v), RINGQ_OK); /* the parent's queue is untouched */
  ST(ringq_queue_destroy(q), RINGQ_OK);
  /* A private queue placed in shared memory without RINGQ_QUEUE_PROCESS_SHARED. */
  ST(ringq_queue_memsize(RINGQ_QUEUE_SPSC, 4, sizeof v, &bytes), RINGQ_OK);
  mem = shared_anon(bytes);
  ST(ringq_queue_init(mem, bytes, RINGQ_QUEUE_SPSC, 4, sizeof v, 0), RINGQ_OK);
  p = (struct ringq_queue *)mem;
  kid = fork();
  if (kid == 0) {
    uint64_t w = 5;
    if (ringq_queue_put(p, &w) != RINGQ_EPROCESS || ringq_queue_get(p, &w) != RINGQ_EPROCESS)
      _exit(2);
    _exit(ringq_queue_fini(p) == RINGQ_OK ? 0 : 3);
  }
  CHECK(wait_child(kid) == 0, "child of a private queue in shared memory");
  ST(ringq_queue_get_nowait(p, &v), RINGQ_EMPTY); /* nothing got in */
  ST(ringq_queue_put_nowait(p, &v), RINGQ_OK);
  ST(ringq_queue_fini(p), RINGQ_OK);
  /* A shared queue is fine in a child. */
  ST(ringq_queue_memfd_create(RINGQ_QUEUE_MPMC, 4, sizeof v, 0, &q), RINGQ_OK);
  kid = fork();
  if (kid == 0)
    _exit(ringq_queue_put(q, &v) == RINGQ_OK ? 0 : 2);
  CHECK(wait_child(kid) == 0, "child of a shared queue");
  ST(ringq_queue_get_timeout(q, &v, 10000000000LL), RINGQ_OK);
  ST(ringq_queue_close(q), RINGQ_OK);
  return failures ? 1 : 0;
}

/* ---- bytes: byte-message queues in shared memory ------------------------------------------
 * A named BYTES_MPSC queue: 2 producer processes (puts and reserve/commit) and 1 consumer
 * process (gets, peeks, too-small buffers), random lengths 0..max, every message exactly once and
 * in per-producer order; open_or_create of the same shape attaches, of another shape is refused.
 * A memfd BYTES_SPSC queue across fork: order and content, a timed get never early. */

#define BYTES_CAP 8192
#define BYTES_PER_PRODUCER 100000

/* Producer p's message number n: its length (0..max; producer 1 never sends 0 bytes, so that an
 * empty message names its producer) and its bytes: p, then n (4 bytes), then a pattern. */
static size_t
msg_len(int p, uint32_t n, size_t max)
{
  uint64_t x = ((uint64_t)p << 32 | n) * 0x9e3779b97f4a7c15ull;
  size_t len;
  x ^= x >> 29;
  switch (x % 4) { /* short, medium and the largest messages all come up */
  case 0: len = (size_t)(x >> 8) % 9; break;
  case 1: len = max - (size_t)((x >> 8) % 9); break;
  default: len = (size_t)((x >> 8) % (max + 1)); break;
  }
  return p == 1 && len == 0 ? 1 : len;
}

static unsigned char
msg_byte(int p, uint32_t n, size_t i)
{
  if (i == 0)
    return (unsigned char)p;
  if (i < 5)
    return (unsigned char)(n >> (8 * (i - 1)));
  return (unsigned char)(n * 31u + (uint32_t)i * 7u + (uint32_t)p);
}

static void
msg_fill(unsigned char *buf, int p, uint32_t n, size_t len)
{
  size_t i;
  for (i = 0; i < len; i++)
    buf[i] = msg_byte(p, n, i);
}

/* Which producer sent this message, if it is the next one expected from it: 0 or 1, or -1. */
static int
msg_match(const unsigned char *buf, size_t len, const uint32_t *next, size_t max)
{
  int p = len == 0 ? 0 : buf[0];
  size_t i;
  if (p > 1 || next[p] >= BYTES_PER_PRODUCER || msg_len(p, next[p], max) != len)
    return -1;
  for (i = 0; i < len; i++)
    if (buf[i] != msg_byte(p, next[p], i))
      return -1;
  return p;
}

static int
bytes_producer(const char *name, int p)
{
  struct ringq_queue *q;
  unsigned char *buf;
  size_t max;
  uint32_t n;
  if (ringq_queue_shm_open(name, &q) != RINGQ_OK)
    return 2;
  max = ringq_queue_bytes_max(q);
  buf = malloc(max + 1);
  if (buf == NULL || ringq_queue_kind(q) != RINGQ_QUEUE_BYTES_MPSC)
    return 3;
  for (n = 0; n < BYTES_PER_PRODUCER; n++) {
    size_t len = msg_len(p, n, max);
    if (n % 3 == 1) { /* zero copy: reserve more than needed, commit the message */
      void *at = NULL;
      size_t want = len + (max - len) / 2;
      if (ringq_queue_reserve_bytes(q, want, &at, 60000000000LL) != RINGQ_OK)
        return 4;
      msg_fill(at, p, n, len);
      if (ringq_queue_commit_bytes(q, at, len) != RINGQ_OK)
        return 5;
    } else {
      msg_fill(buf, p, n, len);
      if (ringq_queue_put_bytes(q, buf, len) != RINGQ_OK)
        return 6;
    }
  }
  free(buf);
  return ringq_queue_close(q) == RINGQ_OK ? 0 : 7;
}

/* Until shutdown: every message checked against its producer's next one; results in `got`. */
static int
bytes_consumer(const char *name, _Atomic(uint32_t) *got)
{
  struct ringq_queue *q;
  unsigned char *buf;
  uint32_t next[2] = {0, 0};
  size_t max, len = 0;
  int st, k = 0;
  if (ringq_queue_shm_open(name, &q) != RINGQ_OK)
    return 2;
  max = ringq_queue_bytes_max(q);
  buf = malloc(max + 1);
  if (buf == NULL)
    return 3;
  for (;; k++) {
    int p;
    if (k % 5 == 2) { /* in place */
      const void *view = NULL;
      st = ringq_queue_peek_bytes(q, &view, &len, 60000000000LL);
      if (st != RINGQ_OK)
        break;
      p = msg_match(view, len, next, max);
      if (ringq_queue_release_bytes(q) != RINGQ_OK)
        return 4;
    } else {
      size_t cap = k % 7 == 3 ? (size_t)k % 16 : max; /* sometimes too small: it stays */
      st = ringq_queue_get_bytes(q, buf, cap, &len);
      if (st == RINGQ_EMSGSIZE) {
        if (len <= cap || len > max)
          return 5;
        st = ringq_queue_get_bytes(q, buf, max, &len);
      }
      if (st != RINGQ_OK)
        break;
      p = msg_match(buf, len, next, max);
    }
    if (p < 0) {
      fprintf(stderr, "bytes consumer: message %d (len %zu) is not the next of either producer "
                      "(next %u, %u)\n", k, len, next[0], next[1]);
      return 6;
    }
    next[p]++;
    atomic_store_explicit(&got[p], next[p], memory_order_relaxed);
    if (ringq_queue_task_done(q) != RINGQ_OK)
      return 7;
  }
  free(buf);
  if (st != RINGQ_SHUTDOWN)
    return 8;
  return ringq_queue_close(q) == RINGQ_OK ? 0 : 9;
}

static int
scenario_bytes(void)
{
  const char *name = unique_name();
  struct ringq_queue *q, *o;
  _Atomic(uint32_t) *got = shared_anon(2 * sizeof *got);
  unsigned char msg[600], out[600];
  size_t len = 0;
  pid_t kids[3];
  bool made = true;
  int k;
  uint32_t n;
  int64_t t0;
  ST(ringq_queue_shm_create(name, 0, RINGQ_QUEUE_BYTES_MPSC, BYTES_CAP, 0, 0, &q), RINGQ_OK);
  if (q == NULL)
    return 1;
  CHECK(ringq_queue_kind(q) == RINGQ_QUEUE_BYTES_MPSC, "kind %d", (int)ringq_queue_kind(q));
  CHECK(ringq_queue_capacity(q) == BYTES_CAP, "capacity %zu", ringq_queue_capacity(q));
  CHECK(ringq_queue_bytes_max(q) == BYTES_CAP / 2 - 8, "max %zu", ringq_queue_bytes_max(q));
  CHECK(ringq_queue_elem_size(q) == ringq_queue_bytes_max(q), "elem_size %zu",
        ringq_queue_elem_size(q));
  /* open_or_create: the same shape attaches (a capacity that rounds to the same ring too), another
   * is refused. */
  ST(ringq_queue_shm_open_or_create(name, 0, RINGQ_QUEUE_BYTES_MPSC, BYTES_CAP - 100, 0, 0, &o,
                                    &made),
     RINGQ_OK);
  CHECK(!made && o != NULL && ringq_queue_bytes_max(o) == ringq_queue_bytes_max(q), "attached");
  if (o != NULL)
    ST(ringq_queue_close(o), RINGQ_OK);
  ST(ringq_queue_shm_open_or_create(name, 0, RINGQ_QUEUE_BYTES_SPSC, BYTES_CAP, 0, 0, &o, &made),
     RINGQ_EEXIST);
  ST(ringq_queue_shm_open_or_create(name, 0, RINGQ_QUEUE_BYTES_MPSC, BYTES_CAP, 100, 0, &o,
                                    &made),
     RINGQ_EEXIST);
  for (k = 0; k < 3; k++) {
    kids[k] = fork();
    if (kids[k] == 0)
      _exit(k < 2 ? bytes_producer(name, k) : bytes_consumer(name, got));
  }
  for (k = 0; k < 2; k++)
    CHECK(wait_child(kids[k]) == 0, "byte producer %d", k);
  ST(ringq_queue_join_timeout(q, 60000000000LL), RINGQ_OK); /* the consumer's task_done */
  ST(ringq_queue_shutdown(q, false), RINGQ_OK);
  CHECK(wait_child(kids[2]) == 0, "byte consumer");
  for (k = 0; k < 2; k++)
    CHECK(atomic_load(&got[k]) == BYTES_PER_PRODUCER, "producer %d: %u messages in order", k,
          (unsigned)atomic_load(&got[k]));
  CHECK(ringq_queue_qsize(q) == 0 && ringq_queue_bytes_used(q) == 0, "drained");
  ST(ringq_queue_put_bytes_nowait(q, msg, 1), RINGQ_SHUTDOWN);
  ST(ringq_queue_close(q), RINGQ_OK);
  ST(ringq_queue_shm_unlink(name), RINGQ_OK);

  /* BYTES_SPSC in a memfd, attached by a fork child that puts; the parent gets in order. */
  ST(ringq_queue_memfd_create(RINGQ_QUEUE_BYTES_SPSC, 2048, sizeof msg, 0, &q), RINGQ_OK);
  if (q == NULL)
    return 1;
  CHECK(ringq_queue_kind(q) == RINGQ_QUEUE_BYTES_SPSC && ringq_queue_bytes_max(q) == sizeof msg &&
            ringq_queue_elem_size(q) == sizeof msg && ringq_queue_capacity(q) == 2048,
        "memfd shape");
  t0 = now_ns();
  ST(ringq_queue_get_bytes_timeout(q, out, sizeof out, &len, 20000000), RINGQ_EMPTY);
  CHECK(now_ns() - t0 >= 20000000, "timed out early");
  ST(ringq_queue_put_bytes_nowait(q, msg, sizeof msg + 1), RINGQ_EMSGSIZE);
  kids[0] = fork();
  if (kids[0] == 0) {
    struct ringq_queue *mine;
    struct timespec pause = {0, 30000000};
    if (ringq_queue_attach_fd(ringq_queue_shm_fd(q), &mine) != RINGQ_OK)
      _exit(2);
    if (ringq_queue_kind(mine) != RINGQ_QUEUE_BYTES_SPSC || ringq_queue_bytes_max(mine) != sizeof msg)
      _exit(3);
    nanosleep(&pause, NULL); /* the parent blocks first */
    for (n = 0; n < BYTES_PER_PRODUCER; n++) {
      size_t l = msg_len(0, n, sizeof msg);
      msg_fill(msg, 0, n, l);
      if (ringq_queue_put_bytes(mine, msg, l) != RINGQ_OK)
        _exit(4);
    }
    _exit(ringq_queue_close(mine) == RINGQ_OK ? 0 : 5);
  }
  for (n = 0; n < BYTES_PER_PRODUCER; n++) {
    uint32_t next[2] = {n, 0};
    int st = ringq_queue_get_bytes_timeout(q, out, sizeof out, &len, 60000000000LL);
    if (st != RINGQ_OK || msg_match(out, len, next, sizeof msg) != 0) {
      CHECK(0, "memfd message %u: %s, len %zu", n, ringq_strerror(st), len);
      break;
    }
  }
  CHECK(wait_child(kids[0]) == 0, "memfd byte child");
  ST(ringq_queue_get_bytes_nowait(q, out, sizeof out, &len), RINGQ_EMPTY);
  ST(ringq_queue_close(q), RINGQ_OK);
  return failures ? 1 : 0;
}

/* ---- scribble: random values over every word of a mapping ---------------------------------- */

/* Every call on a scribbled queue must return within this (shutdown waits up to 1 s per peer
 * step it gives up on). Checked per call; the alarm is the backstop for a call that never does. */
#define CALL_BOUND_NS 5000000000LL

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
next_random(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static int64_t slowest;

#define BOUNDED(call)                                                                              \
  do {                                                                                             \
    int64_t t0_ = now_ns(), dt_;                                                                   \
    (void)(call);                                                                                  \
    dt_ = now_ns() - t0_;                                                                          \
    if (dt_ > slowest)                                                                             \
      slowest = dt_;                                                                               \
    CHECK(dt_ < CALL_BOUND_NS, "%s took %lld ns", #call, (long long)dt_);                          \
  } while (0)

static int
scribble_round(enum ringq_queue_kind kind, size_t elem, size_t word, int how)
{
  struct ringq_queue *q, *o;
  unsigned char item[24], out[24]; /* exactly elem_size bytes are used: ASan sees an overrun */
  unsigned char *m;
  struct stat sb;
  uint64_t *w, v;
  int fd, i;
  if (ringq_queue_memfd_create(kind, 4, elem, 0, &q) != RINGQ_OK)
    return -1;
  fd = ringq_queue_shm_fd(q);
  if (fstat(fd, &sb) != 0)
    return -1;
  if (word * 8 >= (size_t)sb.st_size) {
    (void)ringq_queue_close(q);
    return 0; /* past the end: done with this kind */
  }
  memset(item, 0xab, sizeof item);
  for (i = 0; i < 3; i++)
    (void)ringq_queue_put_nowait(q, item);
  (void)ringq_queue_get_nowait(q, out);
  /* The test's own view of the mapping, where it plays the hostile peer. */
  m = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED)
    return -1;
  w = (uint64_t *)(void *)m + word;
  v = *w;
  switch (how) {
  case 0: v = ~(uint64_t)0; break;
  case 1: v ^= (uint64_t)1 << (next_random() % 64); break;
  case 2: v += 2 * (1 + next_random() % 8); break;
  default: v = next_random(); break;
  }
  *w = v;
  alarm(60);
  BOUNDED(ringq_queue_put_nowait(q, item));
  BOUNDED(ringq_queue_get_nowait(q, out));
  BOUNDED(ringq_queue_put_timeout(q, item, 1000000));
  BOUNDED(ringq_queue_get_timeout(q, out, 1000000));
  BOUNDED(ringq_queue_put_many(q, item, 1, 0));
  BOUNDED(ringq_queue_get_many(q, out, 1, 0));
  BOUNDED(ringq_queue_qsize(q));
  BOUNDED(ringq_queue_task_done(q));
  BOUNDED(ringq_queue_join_timeout(q, 1000000));
  /* Another process attaching now: refused or given a queue whose calls are bounded too. */
  o = NULL;
  BOUNDED(ringq_queue_attach_fd(fd, &o));
  if (o != NULL) {
    BOUNDED(ringq_queue_get_nowait(o, out));
    (void)ringq_queue_close(o);
  }
  BOUNDED(ringq_queue_shutdown(q, how & 1));
  BOUNDED(ringq_queue_get_nowait(q, out));
  BOUNDED(ringq_queue_shutdown(q, true));
  alarm(0);
  munmap(m, (size_t)sb.st_size);
  (void)ringq_queue_close(q);
  return 1;
}

/* A byte queue (src/bytes.h) in a memfd, one word of its mapping overwritten as in
 * scribble_round, then every byte-queue call: each returns within the bound, copies at most the
 * caller's buffer (heap buffers of exactly that size: ASan sees an overrun) and touches nothing
 * outside the mapping (the guard page after it). Returns 1, 0 past the end, -1 on a setup error. */
static int
scribble_bytes_round(enum ringq_queue_kind kind, size_t word, int how)
{
  /* Put (+) and got (-) before the scribble: the ring then holds a 0-byte record near its end,
   * a pad to the end, a record at offset 0 and one after it (positions in the comments). */
  static const int steps[] = {+100, -1, -1, +80, -1, +5, +0, +40, +100, -1};
  struct ringq_queue *q, *o;
  uintptr_t lo, hi; /* the ring's data bytes in this process's mapping */
  unsigned char *m, *big, *small, msg[128];
  struct stat sb;
  size_t max, len = 0, i;
  uint64_t *w, v;
  int fd;
  void *at = NULL;
  const void *view = NULL;
  if (ringq_queue_memfd_create(kind, 256, 0, 0, &q) != RINGQ_OK)
    return -1;
  fd = ringq_queue_shm_fd(q);
  if (fstat(fd, &sb) != 0)
    return -1;
  if (word * 8 >= (size_t)sb.st_size) {
    (void)ringq_queue_close(q);
    return 0;
  }
  max = ringq_queue_bytes_max(q); /* 120 */
  big = malloc(max);
  small = malloc(16);
  if (big == NULL || small == NULL || max > sizeof msg)
    return -1;
  memset(msg, 0xab, sizeof msg);
  /* The first record of a new ring starts its data: its header is 8 bytes before what reserve
   * gives, and the ring is 256 bytes. */
  if (ringq_queue_reserve_bytes(q, 5, &at, 0) != RINGQ_OK ||
      ringq_queue_commit_bytes(q, at, 5) != RINGQ_OK)
    return -1;
  lo = (uintptr_t)at - 8;
  hi = lo + 256;
  at = NULL;
  /* [0, 16) the 5 bytes, [16, 128) 100; both got; [128, 216) 80, got; [216, 232) 5, [232, 240)
   * 0, [240, 256) a pad, [256, 304) 40, [304, 416) 100; the 5 got: rpos 232. */
  for (i = 0; i < sizeof steps / sizeof steps[0]; i++)
    if (steps[i] >= 0 ? ringq_queue_put_bytes_nowait(q, msg, (size_t)steps[i]) != RINGQ_OK
                      : ringq_queue_get_bytes_nowait(q, big, max, &len) != RINGQ_OK)
      return -1;
  m = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED)
    return -1;
  w = (uint64_t *)(void *)m + word;
  v = *w;
  switch (how) {
  case 0: v = ~(uint64_t)0; break;
  case 1: v ^= (uint64_t)1 << (next_random() % 64); break;
  case 2: v += 2 * (1 + next_random() % 8); break;
  case 3: v = next_random(); break;
  /* In the low half (a record header's word, little-endian): a message of the largest length,
   * then a pad of the whole ring: lengths a valid ring may hold, at places where they do not
   * fit. */
  case 4: v = (v & ~(uint64_t)0xffffffffu) | 0x80000000u | (uint32_t)max; break;
  default: v = (v & ~(uint64_t)0xffffffffu) | 0xC0000000u | 256u; break;
  }
  *w = v;
  alarm(60);
  /* First the peek, whose view is checked against the ring's bounds (a get shares its walk and
   * copies the same bytes, into a buffer ASan watches). */
  BOUNDED(ringq_queue_peek_bytes(q, &view, &len, 1000000));
  if (view != NULL) {
    size_t sum = 0;
    CHECK(len <= max && (uintptr_t)view >= lo + 8 && (uintptr_t)view + len <= hi,
          "peeked %zu bytes outside the ring", len);
    for (i = 0; i < len && i <= max; i++) /* every byte shown is readable */
      sum += ((const unsigned char *)view)[i];
    (void)sum;
    BOUNDED(ringq_queue_release_bytes(q));
  }
  BOUNDED(ringq_queue_put_bytes_nowait(q, msg, 17));
  BOUNDED(ringq_queue_get_bytes_nowait(q, small, 16, &len));
  BOUNDED(ringq_queue_get_bytes_nowait(q, big, max, &len));
  BOUNDED(ringq_queue_put_bytes_timeout(q, msg, max, 1000000));
  BOUNDED(ringq_queue_get_bytes_timeout(q, big, max, &len, 1000000));
  if (ringq_queue_reserve_bytes(q, 30, &at, 0) == RINGQ_OK) {
    CHECK((uintptr_t)at >= lo + 8 && (uintptr_t)at + 30 <= hi, "reserved outside the ring");
    memset(at, 0xcd, 30);
    if (how & 1)
      BOUNDED(ringq_queue_commit_bytes(q, at, 20));
    else
      BOUNDED(ringq_queue_abort_bytes(q, at));
  }
  BOUNDED(ringq_queue_qsize(q));
  BOUNDED(ringq_queue_bytes_used(q));
  BOUNDED(ringq_queue_full(q));
  CHECK(ringq_queue_capacity(q) == 256 && ringq_queue_bytes_max(q) == max, "geometry changed");
  BOUNDED(ringq_queue_task_done(q));
  BOUNDED(ringq_queue_join_timeout(q, 1000000));
  o = NULL;
  BOUNDED(ringq_queue_attach_fd(fd, &o));
  if (o != NULL) {
    BOUNDED(ringq_queue_get_bytes_nowait(o, big, max, &len));
    BOUNDED(ringq_queue_put_bytes_nowait(o, msg, 3));
    (void)ringq_queue_close(o);
  }
  BOUNDED(ringq_queue_shutdown(q, how & 1));
  BOUNDED(ringq_queue_get_bytes_nowait(q, big, max, &len));
  BOUNDED(ringq_queue_shutdown(q, true));
  alarm(0);
  munmap(m, (size_t)sb.st_size);
  free(big);
  free(small);
  (void)ringq_queue_close(q);
  return 1;
}

/* bytes 0: the fixed-size kinds; 1: the byte kinds. */
static int
scenario_scribble(int bytes)
{
  static const struct {
    enum ringq_queue_kind kind;
    size_t elem;
  } shapes[] = {{RINGQ_QUEUE_SPSC, 8}, {RINGQ_QUEUE_MPMC, 8}, {RINGQ_QUEUE_MPMC, 24}};
  size_t s, word;
  long rounds = 0;
  for (s = 0; !bytes && s < sizeof shapes / sizeof shapes[0]; s++)
    for (word = 0;; word++) {
      int how, r = 0;
      for (how = 0; how < 4; how++) {
        r = scribble_round(shapes[s].kind, shapes[s].elem, word, how);
        if (r <= 0)
          break;
        rounds++;
      }
      if (r < 0) {
        CHECK(0, "setup failed");
        return 1;
      }
      if (r == 0)
        break;
    }
  for (s = 0; bytes && s < 2; s++) {
    enum ringq_queue_kind kind = s == 0 ? RINGQ_QUEUE_BYTES_SPSC : RINGQ_QUEUE_BYTES_MPSC;
    for (word = 0;; word++) {
      int how, r = 0;
      for (how = 0; how < 6; how++) {
        r = scribble_bytes_round(kind, word, how);
        if (r <= 0)
          break;
        rounds++;
      }
      if (r < 0) {
        CHECK(0, "byte queue setup failed");
        return 1;
      }
      if (r == 0)
        break;
    }
  }
  printf("%ld scribble rounds (every word of %s); slowest call %.3f s\n", rounds,
         bytes ? "2 mappings: BYTES_SPSC, BYTES_MPSC, 6 values each"
               : "3 mappings: SPSC, MPMC x2, 4 values each",
         (double)slowest / 1e9);
  return failures ? 1 : 0;
}

int
main(int argc, char **argv)
{
  ssize_t n = readlink("/proc/self/exe", self_path, sizeof self_path - 1);
  if (n <= 0)
    return 1;
  self_path[n] = '\0';
  signal(SIGPIPE, SIG_IGN);
  if (argc == 3 && strcmp(argv[1], "producer") == 0)
    return role_producer(argv[2]);
  if (argc == 3 && strcmp(argv[1], "consumer") == 0)
    return role_consumer(argv[2]);
  if (argc != 2) {
    fprintf(stderr, "usage: %s fork|exec|race|early|refuse|perm|forkmisuse|scribble|scribble_bytes|bytes\n", argv[0]);
    return 2;
  }
  if (strcmp(argv[1], "fork") == 0)
    return scenario_fork();
  if (strcmp(argv[1], "exec") == 0)
    return scenario_exec();
  if (strcmp(argv[1], "race") == 0)
    return scenario_race();
  if (strcmp(argv[1], "early") == 0)
    return scenario_early();
  if (strcmp(argv[1], "refuse") == 0)
    return scenario_refuse();
  if (strcmp(argv[1], "perm") == 0)
    return scenario_perm();
  if (strcmp(argv[1], "forkmisuse") == 0)
    return scenario_forkmisuse();
  if (strcmp(argv[1], "scribble") == 0)
    return scenario_scribble(0);
  if (strcmp(argv[1], "scribble_bytes") == 0)
    return scenario_scribble(1);
  if (strcmp(argv[1], "bytes") == 0)
    return scenario_bytes();
  fprintf(stderr, "unknown scenario %s\n", argv[1]);
  return 2;
}
