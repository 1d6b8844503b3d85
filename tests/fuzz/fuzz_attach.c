/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_attach.c: libFuzzer target for the attach of a shared queue (src/shm.c): a valid
 * queue is made in a memfd and filled a little, its bytes are copied into a second memory file
 * whose length the input chooses, the input overwrites chosen fields of the header, of the shared
 * words and of the ring, and ringq_queue_attach_fd attaches that file as a peer process would.
 *
 * Checked: attach returns RINGQ_OK, RINGQ_ECORRUPT or RINGQ_EVERSION; a queue it accepts reports
 * the kind, capacity and element size a private queue made with its header's values reports (a
 * kind patched to a byte kind gets the byte calls); a bounded sequence of nowait operations on
 * it (put, get, put_many, get_many, qsize/empty/full, task_done, join with a zero timeout,
 * shutdown) returns only statuses their documentation lists (RINGQ_ECORRUPT included: the mapping
 * is another process's to write), then shutdown(immediate) and close return RINGQ_OK; ASan/UBSan
 * see no bad access (each mapping ends at a PROT_NONE guard page, so a read past the file faults)
 * and libFuzzer's -timeout sees no hang. An input that patches nothing and keeps the file's length
 * is compared with a model: the attached queue holds the items the creator left, in order.
 *
 * Not patched: the header's `ready` word (a file never made ready is waited for, about 2 s: it
 * would only slow the fuzzer down; the process tests cover it), and lengths below a header (same
 * wait). The file is not sealed, as a named queue's is not: the threat model of a named queue
 * (README, "Between processes") lets its writers corrupt it but not shrink it after an attach. */
#define _GNU_SOURCE /* memfd_create */
#include <ringq/queue.h>

#include "fuzz_util.h"
#include "queue_internal.h"

#include <stddef.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ELEM 24
#define MAX_OPS 48
#define MAX_FILE (64 * 1024)

/* The queues the creator makes: small rings, and rings whose slots span more than a page (so a
 * file cut short at a page boundary leaves slots past its end, in the guard page). */
static const struct shape {
  enum ringq_queue_kind kind;
  size_t capacity, elem_size;
} shapes[] = {
    {RINGQ_QUEUE_SPSC, 1, 8},   {RINGQ_QUEUE_SPSC, 3, 1},    {RINGQ_QUEUE_SPSC, 4, 24},
    {RINGQ_QUEUE_SPSC, 5, 0},   {RINGQ_QUEUE_SPSC, 200, 24}, {RINGQ_QUEUE_MPMC, 1, 8},
    {RINGQ_QUEUE_MPMC, 3, 3},   {RINGQ_QUEUE_MPMC, 6, 24},   {RINGQ_QUEUE_MPMC, 2, 0},
    {RINGQ_QUEUE_MPMC, 200, 8},
};
#define NSHAPES (sizeof shapes / sizeof shapes[0])

/* Fields of the header the input may overwrite (offset, width). */
#define F(field)                                                                                 \
  {offsetof(struct ringq__shm_header, field), sizeof(((struct ringq__shm_header *)0)->field)}
static const struct field {
  size_t off, width;
} header_fields[] = {F(magic),       F(layout_version), F(cache_line),    F(layout_hash),
                     F(header_hash), F(creator_version), F(kind),         F(capacity),
                     F(elem_size),   F(flags),           F(shared_offset), F(ring_offset),
                     F(total_bytes)};
#undef F
/* The shared words (struct ringq__shared) the input may overwrite. */
#define S(field) {offsetof(struct ringq__shared, field), sizeof(((struct ringq__shared *)0)->field)}
static const struct field shared_fields[] = {
    S(not_empty), S(not_full), S(all_done),   S(state),     S(done),     S(blocked),
    S(puts_seen), S(gets_seen), S(tail_seen), S(put_busy), S(get_busy),
};
#undef S
#define NFIELDS(a) (sizeof a / sizeof a[0])

static uint64_t
load_le(const unsigned char *p, size_t width)
{
  uint64_t v = 0;
  memcpy(&v, p, width); /* little-endian host (x86, arm64): the low bytes */
  return v;
}

static void
store_le(unsigned char *p, size_t width, uint64_t v)
{
  memcpy(p, &v, width);
}

/* A new value for a word that holds `old`: raw input bytes (where libFuzzer's comparison tracing
 * puts the constants the validation compares with), a near miss, a small number, a flipped bit. */
static uint64_t
patch_value(struct fuzz_input *in, uint64_t old)
{
  uint8_t mode = fuzz_byte(in), b = fuzz_byte(in);
  uint64_t v = 0;
  size_t i;
  switch (mode % 6) {
  case 0:
    v = b;
    for (i = 1; i < 8; i++)
      v |= (uint64_t)fuzz_byte(in) << (8 * i);
    return v;
  case 1: return old + (uint64_t)(int64_t)(int8_t)b;
  case 2: return old + (uint64_t)(b % 16) * RINGQ_CACHE_LINE;
  case 3: return b;
  case 4: return old ^ ((uint64_t)1 << (b % 64));
  default: return old * 2 + (b & 1);
  }
}

/* Operations on the attached queue. `model`: the file was not touched, so the queue must give
 * exactly what a sequential queue holding `fifo` gives. */
static void
drive(struct fuzz_input *in, struct ringq_queue *q, size_t elem, int model, struct fuzz_fifo *fifo,
      uint64_t next_id, size_t cap)
{
  /* Exactly 8 items of the element size the handle reports (a patched header may give another
   * one than the creator's, up to what the same layout holds): ASan sees any copy past them. */
  unsigned char *buf = malloc(8 * elem + 1);
  size_t n_ops = fuzz_byte(in) % MAX_OPS, i;
  /* A header whose kind was patched to a byte kind (over an item ring's contents): the item calls
   * refuse it (RINGQ_EINVAL, documented), and the byte calls must cope with whatever records the
   * ring holds. Never modelled: the creator's queue is an item queue. */
  int bytes = ringq_queue_kind(q) == RINGQ_QUEUE_BYTES_SPSC ||
              ringq_queue_kind(q) == RINGQ_QUEUE_BYTES_MPSC;
  FUZZ_CHECK(buf != NULL, "out of memory");
  FUZZ_CHECK(!(bytes && model), "a byte queue modelled as an item queue");
  for (i = 0; i < n_ops; i++) {
    uint8_t op = fuzz_byte(in) % 9, arg = fuzz_byte(in);
    ptrdiff_t st;
    if (bytes && op < 2) {
      size_t len = 0;
      if (op == 0) {
        fuzz_fill_item(buf, next_id, elem);
        ALLOWED(ringq_queue_put_bytes_nowait(q, buf, arg % (elem + 1)), RINGQ_OK, RINGQ_FULL,
                RINGQ_SHUTDOWN, RINGQ_ECORRUPT);
      } else {
        ALLOWED(ringq_queue_get_bytes_nowait(q, buf, arg % 2 ? 8 * elem : elem / 2, &len),
                RINGQ_OK, RINGQ_EMPTY, RINGQ_SHUTDOWN, RINGQ_EMSGSIZE, RINGQ_ECORRUPT);
      }
      continue;
    }
    if (bytes && op < 4) {
      ALLOWED(op == 2 ? ringq_queue_put_many(q, buf, 1 + arg % 8, 0)
                      : ringq_queue_get_many(q, buf, 1 + arg % 8, 0),
              RINGQ_EINVAL);
      continue;
    }
    switch (op) {
    case 0:
      fuzz_fill_item(buf, next_id, elem);
      st = ringq_queue_put_nowait(q, buf);
      ALLOWED(st, RINGQ_OK, RINGQ_FULL, RINGQ_SHUTDOWN, RINGQ_ECORRUPT);
      if (model) {
        FUZZ_CHECK(st == (fifo->count < cap ? RINGQ_OK : RINGQ_FULL), "put: %d", (int)st);
        if (st == RINGQ_OK)
          fuzz_fifo_push(fifo, next_id++);
      }
      break;
    case 1:
      st = ringq_queue_get_nowait(q, buf);
      ALLOWED(st, RINGQ_OK, RINGQ_EMPTY, RINGQ_SHUTDOWN, RINGQ_ECORRUPT);
      if (model) {
        FUZZ_CHECK(st == (fifo->count > 0 ? RINGQ_OK : RINGQ_EMPTY), "get: %d", (int)st);
        if (st == RINGQ_OK) {
          uint64_t id = fuzz_fifo_pop(fifo);
          FUZZ_CHECK(fuzz_item_is(buf, id, elem), "got an item that is not id %llu",
                     (unsigned long long)id);
        }
      }
      break;
    case 2: {
      size_t n = 1 + arg % 8, k;
      for (k = 0; k < n; k++)
        fuzz_fill_item(buf + k * elem, next_id + k, elem);
      st = ringq_queue_put_many(q, buf, n, 0);
      FUZZ_CHECK((st >= 1 && (size_t)st <= n) || st == RINGQ_FULL || st == RINGQ_SHUTDOWN ||
                     st == RINGQ_ECORRUPT,
                 "put_many(%zu) gave %td", n, st);
      if (model) {
        size_t want = cap - fifo->count < n ? cap - fifo->count : n;
        FUZZ_CHECK(want == 0 ? st == RINGQ_FULL : st == (ptrdiff_t)want, "put_many: %td", st);
        for (k = 0; st > 0 && k < (size_t)st; k++)
          fuzz_fifo_push(fifo, next_id++);
      }
      break;
    }
    case 3: {
      size_t max = 1 + arg % 8, k;
      st = ringq_queue_get_many(q, buf, max, 0);
      FUZZ_CHECK((st >= 1 && (size_t)st <= max) || st == RINGQ_EMPTY || st == RINGQ_SHUTDOWN ||
                     st == RINGQ_ECORRUPT,
                 "get_many(%zu) gave %td", max, st);
      if (model) {
        size_t want = fifo->count < max ? fifo->count : max;
        FUZZ_CHECK(want == 0 ? st == RINGQ_EMPTY : st == (ptrdiff_t)want, "get_many: %td", st);
        for (k = 0; st > 0 && k < (size_t)st; k++) {
          uint64_t id = fuzz_fifo_pop(fifo);
          FUZZ_CHECK(fuzz_item_is(buf + k * elem, id, elem), "get_many: not id %llu",
                     (unsigned long long)id);
        }
      }
      break;
    }
    case 4: {
      size_t n = ringq_queue_qsize(q);
      int e = ringq_queue_empty(q), f = ringq_queue_full(q);
      FUZZ_CHECK(n <= ringq_queue_capacity(q), "qsize %zu above capacity %zu", n,
                 ringq_queue_capacity(q));
      if (model)
        FUZZ_CHECK(n == fifo->count && e == (n == 0) && f == (n == cap), "qsize %zu, model %zu",
                   n, fifo->count);
      break;
    }
    case 5:
      ALLOWED(ringq_queue_task_done(q), RINGQ_OK, RINGQ_ETASKDONE, RINGQ_ECORRUPT);
      break;
    case 6:
      ALLOWED(ringq_queue_join_timeout(q, 0), RINGQ_OK, RINGQ_TIMEDOUT, RINGQ_ECORRUPT);
      break;
    case 7:
      if (arg < 16) { /* rarely: it ends the puts */
        FUZZ_CHECK(ringq_queue_shutdown(q, false) == RINGQ_OK, "shutdown(false)");
        model = 0;
      }
      break;
    default:
      (void)ringq_queue_is_shutdown(q);
      FUZZ_CHECK(ringq_queue_elem_size(q) == elem, "elem_size");
      break;
    }
  }
  FUZZ_CHECK(ringq_queue_shutdown(q, true) == RINGQ_OK, "shutdown(immediate)");
  if (bytes) {
    size_t len = 0;
    ALLOWED(ringq_queue_put_bytes_nowait(q, buf, 0), RINGQ_SHUTDOWN);
    ALLOWED(ringq_queue_get_bytes_nowait(q, buf, elem, &len), RINGQ_SHUTDOWN);
  } else {
    ALLOWED(ringq_queue_put_nowait(q, buf), RINGQ_SHUTDOWN);
    ALLOWED(ringq_queue_get_nowait(q, buf), RINGQ_SHUTDOWN);
  }
  free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct fuzz_input in = {data, size, 0};
  const struct shape *sh = &shapes[fuzz_byte(&in) % NSHAPES];
  struct ringq_queue *q0 = NULL, *q = NULL;
  struct ringq__shm_header hdr;
  struct fuzz_fifo fifo;
  static unsigned char file[MAX_FILE];
  unsigned char item[MAX_ELEM];
  struct stat sb;
  size_t fsize0, fsize, puts, gets, i, n_patch, ring_off;
  uint64_t next_id = 0;
  int fd0, fd, touched = 0;
  enum ringq_status st;

  memset(&fifo, 0, sizeof fifo);
  FUZZ_CHECK(ringq_queue_memfd_create(sh->kind, sh->capacity, sh->elem_size,
                                      RINGQ_QUEUE_PROCESS_SHARED, &q0) == RINGQ_OK,
             "memfd_create");
  /* The creator leaves some items (and, after a full lap, tickets that are not 0). */
  puts = fuzz_byte(&in) % (sh->capacity + 1);
  gets = fuzz_byte(&in) % (puts + 1);
  for (i = 0; i < puts; i++) {
    fuzz_fill_item(item, next_id, sh->elem_size);
    FUZZ_CHECK(ringq_queue_put_nowait(q0, item) == RINGQ_OK, "creator's put");
    if (fifo.count < FUZZ_MODEL_MAX)
      fuzz_fifo_push(&fifo, next_id);
    next_id++;
  }
  for (i = 0; i < gets; i++) {
    FUZZ_CHECK(ringq_queue_get_nowait(q0, item) == RINGQ_OK, "creator's get");
    if (fifo.count > 0)
      (void)fuzz_fifo_pop(&fifo);
  }
  fd0 = ringq_queue_shm_fd(q0);
  FUZZ_CHECK(fstat(fd0, &sb) == 0 && sb.st_size > 0 && (size_t)sb.st_size <= MAX_FILE,
             "memfd size");
  fsize0 = (size_t)sb.st_size;
  FUZZ_CHECK(pread(fd0, file, fsize0, 0) == (ssize_t)fsize0, "pread");
  FUZZ_CHECK(ringq_queue_close(q0) == RINGQ_OK, "close the creator");
  memcpy(&hdr, file, sizeof hdr);
  ring_off = (size_t)hdr.ring_offset;

  /* The patches. */
  n_patch = fuzz_byte(&in) % 8;
  for (i = 0; i < n_patch; i++) {
    uint8_t where = fuzz_byte(&in), which = fuzz_byte(&in);
    const struct field *f = NULL;
    size_t off;
    uint64_t old, v;
    switch (where % 4) {
    case 0:
    case 1: /* a header field (twice as often: the validation is what this target is for) */
      f = &header_fields[which % NFIELDS(header_fields)];
      off = f->off;
      break;
    case 2:
      f = &shared_fields[which % NFIELDS(shared_fields)];
      off = (size_t)hdr.shared_offset + f->off;
      break;
    default: /* a word of the ring: its indices and slots */
      off = ring_off + ((size_t)which * 256u + fuzz_byte(&in)) * 8u % (fsize0 - ring_off);
      break;
    }
    {
      size_t width = f != NULL ? f->width : 8;
      if (off + width > fsize0)
        continue;
      old = load_le(file + off, width);
      v = patch_value(&in, old);
      store_le(file + off, width, v);
      touched |= load_le(file + off, width) != old;
    }
  }
  /* The file's length: as made, or cut short, or longer. Never below a header (attach would wait
   * about 2 s for the creator). */
  {
    uint8_t how = fuzz_byte(&in), k = fuzz_byte(&in);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    switch (how % 8) {
    case 0: fsize = fsize0 - (size_t)(k % 16 + 1) * 8u; break;
    case 1: fsize = fsize0 / page * page; break;
    case 2: fsize = fsize0 + (size_t)k * 8u; break;
    case 3: fsize = fsize0 - (size_t)k * RINGQ_CACHE_LINE % fsize0; break;
    default: fsize = fsize0; break;
    }
    if (fsize < sizeof(struct ringq__shm_header))
      fsize = sizeof(struct ringq__shm_header);
    if (fsize > MAX_FILE)
      fsize = MAX_FILE;
  }
  fd = memfd_create("fuzz_attach", MFD_CLOEXEC);
  FUZZ_CHECK(fd >= 0 && ftruncate(fd, (off_t)fsize) == 0, "memfd");
  FUZZ_CHECK(pwrite(fd, file, fsize < fsize0 ? fsize : fsize0, 0) ==
                 (ssize_t)(fsize < fsize0 ? fsize : fsize0),
             "pwrite");

  st = ringq_queue_attach_fd(fd, &q);
  close(fd); /* the handle holds its own descriptor */
  ALLOWED(st, RINGQ_OK, RINGQ_ECORRUPT, RINGQ_EVERSION);
  if (!touched && fsize == fsize0)
    FUZZ_CHECK(st == RINGQ_OK, "an untouched queue refused: %d", st);
  if (st != RINGQ_OK)
    return 0;
  {
    /* The file as patched: the handle reports what a private queue made with the header's kind,
     * capacity and element size reports (a byte queue rounds its capacity up to a power of two
     * and reports its largest message as its element size). */
    struct ringq__shm_header now;
    struct ringq_queue *ref = NULL;
    memcpy(&now, file, sizeof now);
    FUZZ_CHECK(ringq_queue_create((enum ringq_queue_kind)now.kind, (size_t)now.capacity,
                                  (size_t)now.elem_size, &ref) == RINGQ_OK,
               "attach accepted a shape create refuses: kind %u, capacity %llu, elem_size %llu",
               (unsigned)now.kind, (unsigned long long)now.capacity,
               (unsigned long long)now.elem_size);
    FUZZ_CHECK(ringq_queue_kind(q) == ringq_queue_kind(ref), "kind");
    FUZZ_CHECK(ringq_queue_capacity(q) == ringq_queue_capacity(ref),
               "capacity %zu, a private queue of the header's shape %zu (header %llu)",
               ringq_queue_capacity(q), ringq_queue_capacity(ref),
               (unsigned long long)now.capacity);
    FUZZ_CHECK(ringq_queue_elem_size(q) == ringq_queue_elem_size(ref), "elem_size");
    FUZZ_CHECK(ringq_queue_flags(q) == RINGQ_QUEUE_PROCESS_SHARED, "flags");
    FUZZ_CHECK(ringq_queue_destroy(ref) == RINGQ_OK, "destroy the private queue");
    drive(&in, q, ringq_queue_elem_size(q),
          !touched && fsize == fsize0 && sh->capacity < FUZZ_MODEL_MAX, &fifo, next_id,
          ringq_queue_capacity(q));
  }
  FUZZ_CHECK(ringq_queue_close(q) == RINGQ_OK, "close");
  return 0;
}
