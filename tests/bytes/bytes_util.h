/* SPDX-License-Identifier: MIT */
/* tests/bytes/bytes_util.h: what the byte-message tests share: a checked-call macro, a small
 * random generator, and the byte pattern of message (producer, sequence, length). */
#ifndef RINGQ_TESTS_BYTES_UTIL_H
#define RINGQ_TESTS_BYTES_UTIL_H

#include <ringq/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                     \
      exit(1);                                                                                     \
    }                                                                                              \
  } while (0)

/* A status equal to `want`, else a failure naming both. */
#define CHECK_ST(call, want)                                                                       \
  do {                                                                                             \
    int got_ = (int)(call);                                                                        \
    if (got_ != (int)(want)) {                                                                     \
      fprintf(stderr, "%s:%d: %s gave %s, want %s\n", __FILE__, __LINE__, #call,                   \
              ringq_strerror(got_), ringq_strerror((int)(want)));                                  \
      exit(1);                                                                                     \
    }                                                                                              \
  } while (0)

static inline uint64_t
rnd_next(uint64_t *s)
{
  uint64_t x = *s;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  *s = x;
  return x;
}

/* Byte i of message (id, seq): depends on all three, so a byte out of place shows. */
static inline unsigned char
pattern_byte(uint32_t id, uint64_t seq, size_t i)
{
  uint64_t h = (seq + 1) * 0x9E3779B97F4A7C15ull ^ ((uint64_t)id << 56) ^ (uint64_t)i * 0x100000001B3ull;
  return (unsigned char)(h >> 29);
}

/* Fill buf with message (id, seq) of len bytes: a tag (id: 8 bits, seq: low 24 bits) in its
 * first 4 bytes when len >= 4, the pattern after. */
static inline void
fill_msg(unsigned char *buf, uint32_t id, uint64_t seq, size_t len)
{
  size_t i;
  for (i = 0; i < len; i++)
    buf[i] = pattern_byte(id, seq, i);
  if (len >= 4) {
    uint32_t tag = (id << 24) | (uint32_t)(seq & 0xFFFFFF);
    buf[0] = (unsigned char)(tag >> 24);
    buf[1] = (unsigned char)(tag >> 16);
    buf[2] = (unsigned char)(tag >> 8);
    buf[3] = (unsigned char)tag;
  }
}

/* Whether buf (len bytes) is message (id, seq) of that length. */
static inline int
msg_is(const unsigned char *buf, size_t len, uint32_t id, uint64_t seq)
{
  size_t i;
  if (len >= 4) {
    uint32_t tag = ((uint32_t)buf[0] << 24) | ((uint32_t)buf[1] << 16) | ((uint32_t)buf[2] << 8) |
                   buf[3];
    if (tag != ((id << 24) | (uint32_t)(seq & 0xFFFFFF)))
      return 0;
  }
  for (i = len >= 4 ? 4 : 0; i < len; i++)
    if (buf[i] != pattern_byte(id, seq, i))
      return 0;
  return 1;
}

/* The tag's producer id (len >= 4). */
static inline uint32_t
msg_id(const unsigned char *buf)
{
  return buf[0];
}

/* Length of message (id, seq) of a stream whose lengths are random in [lo, hi]. */
static inline size_t
msg_len(uint32_t id, uint64_t seq, size_t lo, size_t hi)
{
  uint64_t s = (seq + 1) * 0xD1B54A32D192ED03ull + id * 0x8CB92BA72F3D8DD7ull + 1;
  rnd_next(&s);
  rnd_next(&s);
  return lo + (size_t)(rnd_next(&s) % (hi - lo + 1));
}

#endif /* RINGQ_TESTS_BYTES_UTIL_H */
