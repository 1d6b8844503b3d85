/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_util.h: the input reader, item pattern and check macro shared by the fuzz targets. */
#ifndef RINGQ_FUZZ_UTIL_H
#define RINGQ_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fuzzer's input, read one byte at a time; 0 once it is used up. */
struct fuzz_input {
  const uint8_t *data;
  size_t size;
  size_t at;
};

static inline int
fuzz_more(const struct fuzz_input *in)
{
  return in->at < in->size;
}

static inline uint8_t
fuzz_byte(struct fuzz_input *in)
{
  return in->at < in->size ? in->data[in->at++] : 0;
}

/* Every mismatch between the code under test and the model ends the run with a report: libFuzzer
 * saves the input that caused it. */
#define FUZZ_CHECK(cond, ...)                                                                    \
  do {                                                                                           \
    if (!(cond)) {                                                                               \
      fprintf(stderr, "model mismatch at %s:%d: %s: ", __FILE__, __LINE__, #cond);               \
      fprintf(stderr, __VA_ARGS__);                                                              \
      fputc('\n', stderr);                                                                       \
      abort();                                                                                   \
    }                                                                                            \
  } while (0)

/* Byte i of the item numbered id: every item and every byte of it differs from its neighbours. */
/* ALLOWED(st, statuses...): the status must be one of the listed ones (ringq_strerror names it). */
static inline int
fuzz_one_of(int st, const int *allowed, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    if (st == allowed[i])
      return 1;
  return 0;
}
#define ALLOWED(st, ...)                                                                         \
  do {                                                                                           \
    static const int allowed_[] = {__VA_ARGS__};                                                 \
    FUZZ_CHECK(fuzz_one_of((int)(st), allowed_, sizeof allowed_ / sizeof allowed_[0]),               \
               "%s gave %d (%s)", #st, (int)(st), ringq_strerror((int)(st)));                   \
  } while (0)

static inline uint8_t
fuzz_item_byte(uint64_t id, size_t i)
{
  return (uint8_t)(id * 131u + (id >> 8) * 7u + i * 29u + 1u);
}

static inline void
fuzz_fill_item(void *dst, uint64_t id, size_t elem_size)
{
  size_t i;
  for (i = 0; i < elem_size; i++)
    ((uint8_t *)dst)[i] = fuzz_item_byte(id, i);
}

static inline int
fuzz_item_is(const void *src, uint64_t id, size_t elem_size)
{
  size_t i;
  for (i = 0; i < elem_size; i++)
    if (((const uint8_t *)src)[i] != fuzz_item_byte(id, i))
      return 0;
  return 1;
}

/* Element sizes the targets pick from: one byte, odd, a word, larger than two words. */
static const size_t fuzz_elem_sizes[] = {1, 3, 8, 24};

/* A first ticket `items` pushes below the 64-bit wrap of the tickets (RINGQ__STEP per item). */
static inline uint64_t
fuzz_ticket_below_wrap(uint64_t items)
{
  return UINT64_MAX - 2u * items + 1u;
}

/* A plain-array FIFO of item ids: the model's contents. */
#define FUZZ_MODEL_MAX 64
struct fuzz_fifo {
  uint64_t ids[FUZZ_MODEL_MAX];
  size_t first, count;
};

static inline void
fuzz_fifo_push(struct fuzz_fifo *f, uint64_t id)
{
  FUZZ_CHECK(f->count < FUZZ_MODEL_MAX, "model overflow");
  f->ids[(f->first + f->count++) % FUZZ_MODEL_MAX] = id;
}

static inline uint64_t
fuzz_fifo_at(const struct fuzz_fifo *f, size_t i)
{
  return f->ids[(f->first + i) % FUZZ_MODEL_MAX];
}

static inline uint64_t
fuzz_fifo_pop(struct fuzz_fifo *f)
{
  uint64_t id = f->ids[f->first];
  f->first = (f->first + 1) % FUZZ_MODEL_MAX;
  f->count--;
  return id;
}

#endif /* RINGQ_FUZZ_UTIL_H */
