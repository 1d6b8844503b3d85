/* SPDX-License-Identifier: MIT */
/* src/shm.c: queues between processes: named (POSIX shared memory) and memfd-backed queues, the
 * header that publishes them, the validated attach that gives each process a private handle, and
 * the process identity that private queues are checked against after fork().
 *
 * The mapping
 * ===========
 *   offset 0               struct ringq__shm_header: the creator's record (read only at attach)
 *   shared_offset          struct ringq__shared: the wait protocol's words (src/queue_internal.h)
 *   peers_offset           struct ringq__peers: the participant table (src/peers.c: claims and
 *                          liveness, so that a dead process's claims can be skipped)
 *   ring_offset            struct ringq_spsc or struct ringq_mpmc, then its slots; for a byte
 *                          queue (RINGQ_QUEUE_BYTES_SPSC / _MPSC) struct ringq__bytes, then its
 *                          data bytes (src/bytes.h)
 *   total_bytes            the end; the file is exactly this long when the creator made it
 *   total_bytes + i        (past the end, never mapped) the byte whose OFD lock says that entry i
 *                          of the table is owned by a live handle (src/peers.c)
 * Every offset is a function of (kind, capacity, elem_size) and of this build's layout
 * (shm_layout): an attach recomputes them and refuses a header that says anything else.
 *
 * Publication, and why an early or racing opener never sees a half-made queue
 * ---------------------------------------------------------------------------
 * Creator (exclusive: shm_open O_CREAT|O_EXCL, or memfd_create, which has no name at all):
 *   [C1] ftruncate the file to total_bytes (zero-filled: ready is 0);
 *   [C2] map it, write the header's fields, the shared words and the ring (plain stores);
 *   [C3] store ready = SHM_READY, release.
 * Opener:
 *   [O1] fstat: fewer bytes than a header (the creator is between its shm_open and [C1]): sleep
 *        ATTACH_NAP_NS and retry, until ATTACH_WAIT_NS have passed (then RINGQ_TIMEDOUT);
 *   [O2] map exactly the size fstat gave (never more: no access past the end, so no SIGBUS from a
 *        file that is still short), load ready with acquire; not SHM_READY: unmap, sleep, retry
 *        from [O1] within the same bound;
 *   [O3] SHM_READY: [C3]'s release pairs with [O2]'s acquire, so every store of [C2]
 *        happens-before the opener's reads: it copies the header into private memory once and
 *        validates the copy (a hostile writer changing the header meanwhile changes nothing the
 *        handle uses).
 * Two creators racing on one name: O_EXCL lets exactly one of them create the file; the other gets
 * RINGQ_EEXIST (ringq_queue_shm_create) or opens it as an opener ([O1]..[O3]:
 * ringq_queue_shm_open_or_create). An opener that arrives after the creator's shm_open waits for
 * [C3] as above; one that arrives before it gets RINGQ_ENOENT (shm_open), or, in open_or_create,
 * becomes a creator candidate itself. If the name is unlinked between a failed create and the open,
 * open_or_create tries again (a bounded number of times).
 *
 * Validation ([O3]), each failure a status, never an access
 * ---------------------------------------------------------
 *   magic                                        RINGQ_ECORRUPT (not a ringq queue)
 *   layout version, layout hash, header hash,    RINGQ_EVERSION (another build's layout; the
 *   cache line, the caller's compiled version      caller's values come from the macro wrappers
 *   and header hash                                in queue.h, so a program compiled against
 *                                                  other headers than its library is refused too)
 *   kind, flags, capacity, element size          RINGQ_ECORRUPT unless a queue could have them
 *   offsets and total size                       RINGQ_ECORRUPT unless equal to the recomputed ones
 *   total size > the size fstat gave             RINGQ_ECORRUPT (a truncated file)
 * The handle (private memory) then holds the geometry recomputed from the validated (kind,
 * capacity, elem_size) (struct ringq__geom; for a byte queue struct ringq__bgeom: ring size, mask,
 * largest message), never the copies the mapping holds; queue.c never reads geometry from the
 * mapping (struct ringq_queue, docs/design/handle-and-layout.md). A file that shrinks after the
 * attach would make accesses past its new end fault (SIGBUS): memfd queues are sealed against it
 * (F_SEAL_SHRINK | F_SEAL_GROW); a named queue trusts whoever may write its file not to truncate it
 * (README, "Between processes": the threat model). Every mapping is followed by a PROT_NONE guard
 * page (map_with_guard), so a stray access just past a queue faults instead of reaching another
 * mapping.
 *
 * Process identity. A process-private queue records its creator (ringq_queue_init / create:
 * owner = ringq__self) and every call that could wait or change it compares (src/queue.c,
 * foreign()). ringq__self is getpid() taken once (pthread_once, at the first queue) and again by a
 * pthread_atfork child handler, so a fork child sees another value than its parent's queues hold
 * and gets RINGQ_EPROCESS, with no system call on any put or get. A process that never made a
 * queue has ringq__self 0 and so finds any private queue foreign.
 */
#define _GNU_SOURCE /* memfd_create, F_DUPFD_CLOEXEC, F_ADD_SEALS */
#include "bytes.h"
#include "peers.h"
#include "queue_internal.h"
#include "wait.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* "RINGQSHM", little-endian. */
#define SHM_MAGIC 0x4d48535152474e49ull
#define SHM_READY 0x52454459u
/* How long an opener waits for a creator's [C1]..[C3], and how often it looks. */
#define ATTACH_WAIT_NS 2000000000LL
#define ATTACH_NAP_NS 1000000LL
/* How many times open_or_create retries when the name vanishes between create and open. */
#define OPEN_OR_CREATE_TRIES 64

/* ---- process identity ------------------------------------------------------------------- */

RINGQ_API _Atomic(uint32_t) ringq__self; /* read by the inline fast path (ringq/queue.h) */
static pthread_once_t self_once = PTHREAD_ONCE_INIT;

static void
self_after_fork(void)
{
  /* relaxed: read only by this (the child) process, after this handler returns. */
  atomic_store_explicit(&ringq__self, (uint32_t)getpid(), memory_order_relaxed);
}

static void
self_setup(void)
{
  self_after_fork();
  (void)pthread_atfork(NULL, NULL, self_after_fork);
}

uint32_t
ringq__self_init(void)
{
  (void)pthread_once(&self_once, self_setup);
  /* relaxed: pthread_once orders the store above before this load. */
  return atomic_load_explicit(&ringq__self, memory_order_relaxed);
}

/* ---- the layout --------------------------------------------------------------------------- */

struct shm_layout {
  uint64_t shared_offset, peers_offset, ring_offset, total_bytes;
  struct ringq__geom geom;   /* a fixed-size ring's geometry (zero for a byte queue) */
  struct ringq__bgeom bgeom; /* a byte queue's record ring geometry (zero otherwise) */
};

static int
is_bytes(enum ringq_queue_kind kind)
{
  return kind == RINGQ_QUEUE_BYTES_SPSC || kind == RINGQ_QUEUE_BYTES_MPSC;
}

static uint64_t
align_up(uint64_t v)
{
  return (v + RINGQ_CACHE_LINE - 1) & ~(uint64_t)(RINGQ_CACHE_LINE - 1);
}

/* Where everything goes for a queue of this kind, capacity and element size: RINGQ_OK, or
 * RINGQ_EINVAL / RINGQ_ERANGE as ringq_queue_memsize says (capacity 0 included: a shared queue is
 * bounded). */
static enum ringq_status
shm_layout(enum ringq_queue_kind kind, size_t capacity, size_t elem_size, struct shm_layout *l)
{
  size_t ring = 0;
  enum ringq_status st;
  memset(&l->geom, 0, sizeof l->geom);
  memset(&l->bgeom, 0, sizeof l->bgeom);
  if (is_bytes(kind)) {
    /* capacity in bytes, elem_size the largest message (0: the largest that fits), as
     * ringq_queue_create takes them; the geometry a handle keeps for it (claim: shared). */
    st = ringq__bytes_geom(capacity, elem_size, kind == RINGQ_QUEUE_BYTES_MPSC, 1, &l->bgeom);
    if (st == RINGQ_OK)
      st = ringq__bytes_memsize(capacity, elem_size, &ring);
  } else {
    st = ringq__geom_for(kind, capacity, elem_size, &l->geom);
    if (st == RINGQ_OK)
      st = kind == RINGQ_QUEUE_SPSC
               ? ringq_spsc_memsize(capacity, (size_t)l->geom.elem_size, &ring)
               : ringq_mpmc_memsize(capacity, (size_t)l->geom.elem_size, &ring);
  }
  if (st != RINGQ_OK)
    return st;
  l->shared_offset = align_up(sizeof(struct ringq__shm_header));
  l->peers_offset = align_up(l->shared_offset + sizeof(struct ringq__shared));
  l->ring_offset = align_up(l->peers_offset + sizeof(struct ringq__peers));
  l->total_bytes = align_up(l->ring_offset + (uint64_t)ring);
  return RINGQ_OK;
}

/* ---- statuses ---------------------------------------------------------------------------- */

static enum ringq_status
from_errno(int e)
{
  switch (e) {
  case EEXIST: return RINGQ_EEXIST;
  case ENOENT: return RINGQ_ENOENT;
  case EACCES:
  case EPERM: return RINGQ_EACCES;
  case EINVAL:
  case ENAMETOOLONG: return RINGQ_EINVAL;
  case ENOMEM:
  case ENOSPC:
  case EMFILE:
  case ENFILE: return RINGQ_ENOMEM;
  default: return RINGQ_ESYS;
  }
}

/* The caller's compiled-in layout (passed by the macros of queue.h) against this library's. */
static enum ringq_status
check_caller(unsigned layout_version, uint64_t header_hash)
{
  if (layout_version != RINGQ_LAYOUT_VERSION)
    return RINGQ_EVERSION;
  if (header_hash != 0 && header_hash != ringq__header_hash())
    return RINGQ_EVERSION;
  return RINGQ_OK;
}

static enum ringq_status
check_shape(enum ringq_queue_kind kind, size_t capacity, unsigned flags)
{
  if (kind != RINGQ_QUEUE_SPSC && kind != RINGQ_QUEUE_MPMC && !is_bytes(kind))
    return RINGQ_EINVAL;
  if (capacity == 0) /* unbounded queues allocate segments in process memory */
    return RINGQ_EINVAL;
  if ((flags & ~RINGQ_QUEUE_PROCESS_SHARED) != 0)
    return RINGQ_EINVAL;
  return RINGQ_OK;
}

/* ---- mappings ---------------------------------------------------------------------------- */

/* The bytes a mapping of `size` bytes of file spans, and the guard page after it. */
static size_t
span_of(size_t size)
{
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  return (size + page - 1) / page * page + page;
}

/* Map `size` bytes of fd, shared, followed by an inaccessible guard page (a stray access past the
 * queue faults at once instead of reaching a neighbouring mapping). MAP_FAILED with errno set on
 * failure. */
static unsigned char *
map_with_guard(int fd, size_t size)
{
  size_t span = span_of(size);
  void *at = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  void *base;
  if (at == MAP_FAILED)
    return MAP_FAILED;
  base = mmap(at, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
  if (base == MAP_FAILED) {
    int e = errno;
    munmap(at, span);
    errno = e;
    return MAP_FAILED;
  }
  return (unsigned char *)base;
}

static void
unmap_with_guard(void *base, size_t size)
{
  munmap(base, span_of(size));
}

/* ---- the handle --------------------------------------------------------------------------- */

/* A handle of the mapping base[0, map_bytes) holding a queue laid out as l (validated). Takes
 * over fd and the mapping (on failure too). */
static enum ringq_status
make_handle(unsigned char *base, size_t map_bytes, int fd, enum ringq_queue_kind kind,
            size_t capacity, size_t elem_size, const struct shm_layout *l,
            struct ringq_queue **out)
{
  size_t bytes = (size_t)align_up(sizeof(struct ringq_queue));
  struct ringq_queue *q = (struct ringq_queue *)aligned_alloc(RINGQ_CACHE_LINE, bytes);
  enum ringq_status st;
  if (q == NULL) {
    unmap_with_guard(base, map_bytes);
    close(fd);
    return RINGQ_ENOMEM;
  }
  memset(q, 0, sizeof *q);
  if (is_bytes(kind)) {
    /* The geometry recomputed from the validated (kind, capacity, elem_size), as l->bgeom. */
    enum ringq_status st = ringq__bytes_handle(q, kind, capacity, elem_size,
                                               RINGQ_QUEUE_PROCESS_SHARED);
    if (st != RINGQ_OK) { /* not reached: shm_layout accepted the same values */
      free(q);
      unmap_with_guard(base, map_bytes);
      close(fd);
      return RINGQ_ECORRUPT;
    }
  } else {
    ringq__init_handle(q, kind, RINGQ_QUEUE_PROCESS_SHARED, elem_size, 0);
    q->geom = l->geom;
  }
  /* Offsets from the handle into the mapping, in uintptr_t arithmetic (see queue_internal.h). */
  q->shared_offset = (uint64_t)((uintptr_t)(base + l->shared_offset) - (uintptr_t)q);
  q->ring_offset = (uint64_t)((uintptr_t)(base + l->ring_offset) - (uintptr_t)q);
  q->peers_offset = (uint64_t)((uintptr_t)(base + l->peers_offset) - (uintptr_t)q);
  q->lock_base = l->total_bytes;
  q->mapped = 1;
  q->map_base = base;
  q->map_bytes = map_bytes;
  q->map_fd = fd;
  /* A participant from now on: an entry of the table, locked (src/peers.c). */
  st = ringq__peers_register(q);
  if (st != RINGQ_OK) {
    unmap_with_guard(base, map_bytes);
    close(fd);
    free(q);
    return st;
  }
  *out = q;
  return RINGQ_OK;
}

/* [C1]..[C3] on a new, empty file fd (named or memfd); takes over fd. */
static enum ringq_status
make_queue(int fd, enum ringq_queue_kind kind, size_t capacity, size_t elem_size, unsigned flags,
           int seal, struct ringq_queue **out)
{
  struct shm_layout l;
  struct ringq__shm_header *h;
  unsigned char *base;
  void *ring;
  enum ringq_status st = shm_layout(kind, capacity, elem_size, &l);
  (void)flags; /* a shared queue is process-shared whatever the caller passed (0 or the flag) */
  if (st != RINGQ_OK) {
    close(fd);
    return st;
  }
  /* [C1] the file's final size, zero-filled (ready is 0 until [C3]). */
  if (ftruncate(fd, (off_t)l.total_bytes) != 0) {
    st = from_errno(errno);
    close(fd);
    return st == RINGQ_EINVAL ? RINGQ_ERANGE : st;
  }
#ifdef F_ADD_SEALS
  /* memfd: nobody may shrink (or grow) the file under the processes that map it. */
  if (seal && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
    close(fd);
    return RINGQ_ESYS;
  }
#else
  (void)seal;
#endif
  base = map_with_guard(fd, (size_t)l.total_bytes);
  if (base == MAP_FAILED) {
    st = from_errno(errno);
    close(fd);
    return st;
  }
  /* [C2] plain stores; published by [C3]. */
  h = (struct ringq__shm_header *)base;
  h->magic = SHM_MAGIC;
  h->layout_version = RINGQ_LAYOUT_VERSION;
  h->cache_line = RINGQ_CACHE_LINE;
  h->layout_hash = ringq_layout_hash();
  h->header_hash = ringq__header_hash();
  h->creator_version = ringq_version();
  h->kind = (uint32_t)kind;
  h->capacity = capacity;
  h->elem_size = elem_size;
  h->flags = RINGQ_QUEUE_PROCESS_SHARED;
  h->shared_offset = l.shared_offset;
  h->peers_offset = l.peers_offset;
  h->ring_offset = l.ring_offset;
  h->total_bytes = l.total_bytes;
  ringq__init_shared((struct ringq__shared *)(base + l.shared_offset));
  ring = base + l.ring_offset;
  if (is_bytes(kind)) {
    ringq__bytes_init((struct ringq__bytes *)ring, &l.bgeom);
    st = RINGQ_OK;
  } else
    st = kind == RINGQ_QUEUE_SPSC
           ? ringq_spsc_init(ring, (size_t)(l.total_bytes - l.ring_offset), capacity,
                             (size_t)l.geom.elem_size)
           : ringq_mpmc_init(ring, (size_t)(l.total_bytes - l.ring_offset), capacity,
                             (size_t)l.geom.elem_size);
  if (st != RINGQ_OK) {
    unmap_with_guard(base, (size_t)l.total_bytes);
    close(fd);
    return st;
  }
  /* [C3] release; pairs with [O2]'s acquire: everything above is visible to an opener that
   * reads SHM_READY. */
  atomic_store_explicit(&h->ready, SHM_READY, memory_order_release);
  return make_handle(base, (size_t)l.total_bytes, fd, kind, capacity, elem_size, &l, out);
}

/* The validation of [O3], on a private copy of the header and the size fstat gave. */
static enum ringq_status
validate(const struct ringq__shm_header *c, uint64_t file_bytes, struct shm_layout *l)
{
  if (c->magic != SHM_MAGIC)
    return RINGQ_ECORRUPT;
  if (c->layout_version != RINGQ_LAYOUT_VERSION || c->layout_hash != ringq_layout_hash() ||
      c->header_hash != ringq__header_hash() || c->cache_line != RINGQ_CACHE_LINE)
    return RINGQ_EVERSION;
  if ((c->kind != RINGQ_QUEUE_SPSC && c->kind != RINGQ_QUEUE_MPMC &&
       !is_bytes((enum ringq_queue_kind)c->kind)) ||
      c->flags != RINGQ_QUEUE_PROCESS_SHARED || c->capacity == 0 ||
      c->capacity > RINGQ_MAX_CAPACITY || c->elem_size > RINGQ_MAX_ELEM_SIZE)
    return RINGQ_ECORRUPT;
  if (shm_layout((enum ringq_queue_kind)c->kind, (size_t)c->capacity, (size_t)c->elem_size, l) !=
      RINGQ_OK)
    return RINGQ_ECORRUPT;
  if (c->shared_offset != l->shared_offset || c->peers_offset != l->peers_offset ||
      c->ring_offset != l->ring_offset ||
      c->total_bytes != l->total_bytes)
    return RINGQ_ECORRUPT;
  if (l->total_bytes > file_bytes)
    return RINGQ_ECORRUPT; /* truncated */
  return RINGQ_OK;
}

/* [O1]..[O3] on fd (takes it over). */
static enum ringq_status
attach(int fd, struct ringq_queue **out)
{
  int64_t deadline = ringq__now_ns() + ATTACH_WAIT_NS;
  for (;;) {
    struct stat sb;
    struct ringq__shm_header copy;
    struct shm_layout l;
    unsigned char *base;
    size_t size;
    enum ringq_status st;
    if (fstat(fd, &sb) != 0) {
      st = from_errno(errno);
      close(fd);
      return st;
    }
    if (sb.st_size < 0 || (uint64_t)sb.st_size < sizeof(struct ringq__shm_header)) {
      if (ringq__now_ns() >= deadline) { /* [O1] never made (its creator may have died) */
        close(fd);
        return sb.st_size == 0 ? RINGQ_TIMEDOUT : RINGQ_ECORRUPT;
      }
      ringq__nap(ATTACH_NAP_NS);
      continue;
    }
    size = (size_t)sb.st_size; /* [O2] map what fstat says, no more */
    base = map_with_guard(fd, size);
    if (base == MAP_FAILED) {
      st = from_errno(errno);
      close(fd);
      return st;
    }
    /* [O2] acquire; pairs with [C3]: the header, shared words and ring are made. */
    if (atomic_load_explicit(&((struct ringq__shm_header *)base)->ready, memory_order_acquire) !=
        SHM_READY) {
      unmap_with_guard(base, size);
      if (ringq__now_ns() >= deadline) {
        close(fd);
        return RINGQ_TIMEDOUT;
      }
      ringq__nap(ATTACH_NAP_NS);
      continue;
    }
    /* [O3] one copy, validated; the mapping's header is never read again. */
    memcpy(&copy, base, offsetof(struct ringq__shm_header, ready));
    st = validate(&copy, (uint64_t)size, &l);
    if (st != RINGQ_OK) {
      unmap_with_guard(base, size);
      close(fd);
      return st;
    }
    return make_handle(base, size, fd, (enum ringq_queue_kind)copy.kind, (size_t)copy.capacity,
                       (size_t)copy.elem_size, &l, out);
  }
}

/* ---- the API ------------------------------------------------------------------------------ */

enum ringq_status
ringq_queue_shm_create_abi(const char *name, unsigned mode, enum ringq_queue_kind kind,
                           size_t capacity, size_t elem_size, unsigned flags,
                           struct ringq_queue **out, unsigned layout_version, uint64_t header_hash)
{
  int fd;
  enum ringq_status st;
  if (out == NULL)
    return RINGQ_EINVAL;
  *out = NULL;
  if (name == NULL || name[0] == '\0' || (mode & ~0777u) != 0)
    return RINGQ_EINVAL;
  st = check_caller(layout_version, header_hash);
  if (st == RINGQ_OK)
    st = check_shape(kind, capacity, flags);
  if (st != RINGQ_OK)
    return st;
  if (mode == 0)
    mode = RINGQ_SHM_DEFAULT_MODE;
  fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
  if (fd < 0)
    return from_errno(errno);
  /* The caller's mode exactly, whatever the umask. */
  if (fchmod(fd, (mode_t)mode) != 0) {
    st = from_errno(errno);
    close(fd);
    shm_unlink(name);
    return st;
  }
  st = make_queue(fd, kind, capacity, elem_size, flags, 0, out);
  if (st != RINGQ_OK)
    shm_unlink(name); /* ours: made by the O_EXCL above, and never made ready */
  return st;
}

enum ringq_status
ringq_queue_shm_open_abi(const char *name, struct ringq_queue **out, unsigned layout_version,
                         uint64_t header_hash)
{
  int fd;
  enum ringq_status st;
  if (out == NULL)
    return RINGQ_EINVAL;
  *out = NULL;
  if (name == NULL || name[0] == '\0')
    return RINGQ_EINVAL;
  st = check_caller(layout_version, header_hash);
  if (st != RINGQ_OK)
    return st;
  fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
  if (fd < 0)
    return from_errno(errno);
  return attach(fd, out);
}

/* Whether the attached q has the shape asked for: the same kind, and the same capacity and element
 * size (a byte queue: the same ring size and largest message as those arguments give). */
static bool
same_shape(const struct ringq_queue *q, enum ringq_queue_kind kind, size_t capacity,
           size_t elem_size)
{
  struct shm_layout want;
  if (ringq_queue_kind(q) != kind)
    return false;
  if (is_bytes(kind))
    return shm_layout(kind, capacity, elem_size, &want) == RINGQ_OK &&
           q->bgeom.size == want.bgeom.size && q->bgeom.max_len == want.bgeom.max_len;
  return q->geom.capacity == capacity && ringq_queue_elem_size(q) == elem_size;
}

enum ringq_status
ringq_queue_shm_open_or_create_abi(const char *name, unsigned mode, enum ringq_queue_kind kind,
                                   size_t capacity, size_t elem_size, unsigned flags,
                                   struct ringq_queue **out, bool *created,
                                   unsigned layout_version, uint64_t header_hash)
{
  int i;
  enum ringq_status st = RINGQ_ENOENT;
  if (out == NULL || created == NULL)
    return RINGQ_EINVAL;
  *out = NULL;
  *created = false;
  for (i = 0; i < OPEN_OR_CREATE_TRIES; i++) {
    st = ringq_queue_shm_create_abi(name, mode, kind, capacity, elem_size, flags, out,
                                    layout_version, header_hash);
    if (st == RINGQ_OK) {
      *created = true;
      return st;
    }
    if (st != RINGQ_EEXIST)
      return st;
    st = ringq_queue_shm_open_abi(name, out, layout_version, header_hash);
    if (st == RINGQ_ENOENT)
      continue; /* unlinked between the two: try to create it again */
    if (st != RINGQ_OK)
      return st;
    if (!same_shape(*out, kind, capacity, elem_size)) {
      (void)ringq__shm_close(*out);
      *out = NULL;
      return RINGQ_EEXIST; /* a queue of that name, but not of that shape */
    }
    return RINGQ_OK;
  }
  return st;
}

enum ringq_status
ringq_queue_memfd_create_abi(enum ringq_queue_kind kind, size_t capacity, size_t elem_size,
                             unsigned flags, struct ringq_queue **out, unsigned layout_version,
                             uint64_t header_hash)
{
  int fd;
  enum ringq_status st;
  if (out == NULL)
    return RINGQ_EINVAL;
  *out = NULL;
  st = check_caller(layout_version, header_hash);
  if (st == RINGQ_OK)
    st = check_shape(kind, capacity, flags);
  if (st != RINGQ_OK)
    return st;
  fd = memfd_create("ringq", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0)
    return from_errno(errno);
  return make_queue(fd, kind, capacity, elem_size, flags, 1, out);
}

enum ringq_status
ringq_queue_attach_fd_abi(int fd, struct ringq_queue **out, unsigned layout_version,
                          uint64_t header_hash)
{
  int mine;
  enum ringq_status st;
  if (out == NULL)
    return RINGQ_EINVAL;
  *out = NULL;
  if (fd < 0)
    return RINGQ_EINVAL;
  st = check_caller(layout_version, header_hash);
  if (st != RINGQ_OK)
    return st;
  /* The handle's own descriptor (the caller keeps fd), on a new open file description: the
   * participant's liveness lock belongs to the description (src/peers.c), and fd may be the
   * sender's (SCM_RIGHTS) or a parent's (fork), whose description holds the lock of a live entry
   * that this process would otherwise take for its own (a lock never conflicts with its own
   * description). So no dup: a process that cannot reopen the file (no /proc, or the file's mode
   * refuses it) cannot attach. */
  if (fcntl(fd, F_GETFD) < 0)
    return RINGQ_EINVAL;
  {
    char path[40];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    mine = open(path, O_RDWR | O_CLOEXEC);
  }
  if (mine < 0)
    return errno == ENXIO || errno == ENODEV ? RINGQ_EINVAL : from_errno(errno);
  return attach(mine, out);
}

int
ringq_queue_shm_fd(const struct ringq_queue *q)
{
  return q != NULL && q->mapped ? q->map_fd : -1;
}

enum ringq_status
ringq__shm_close(struct ringq_queue *q)
{
  ringq__peers_leave(q);
  unmap_with_guard(q->map_base, q->map_bytes);
  close(q->map_fd);
  free(q);
  return RINGQ_OK;
}

enum ringq_status
ringq_queue_close(struct ringq_queue *q)
{
  if (q == NULL || !q->mapped)
    return RINGQ_EINVAL;
  return ringq__shm_close(q);
}

enum ringq_status
ringq_queue_shm_unlink(const char *name)
{
  if (name == NULL || name[0] == '\0')
    return RINGQ_EINVAL;
  return shm_unlink(name) == 0 ? RINGQ_OK : from_errno(errno);
}

enum ringq_queue_kind
ringq_queue_kind(const struct ringq_queue *q)
{
  if (q == NULL)
    return (enum ringq_queue_kind)0;
  if (q->bytes) /* a byte queue runs the SPSC paths (kind), but it is of its own kind */
    return q->bytes == 1 ? RINGQ_QUEUE_BYTES_SPSC : RINGQ_QUEUE_BYTES_MPSC;
  return (enum ringq_queue_kind)q->kind;
}

unsigned
ringq_queue_flags(const struct ringq_queue *q)
{
  return q == NULL ? 0u : q->flags;
}
