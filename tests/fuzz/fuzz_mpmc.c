/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_mpmc.c: libFuzzer target that drives every operation of ringq/mpmc.h with an
 * operation sequence decoded from the input and compares each result and item with a plain-array
 * model (the loop is fuzz_ring.h's); rings start at tickets near the 64-bit wrap. */
#include <ringq/mpmc.h>

#include "fuzz_ring.h"

FUZZ_RING_FUNCTIONS(mpmc)

/* An input byte modulo 6 picks the operation (the seed corpus is written in this order). */
static const uint8_t menu[] = {FUZZ_OP_PUSH,      FUZZ_OP_POP,   FUZZ_OP_PUSH_BURST,
                               FUZZ_OP_POP_BURST, FUZZ_OP_CLOSE, FUZZ_OP_NULL_ARGS};

static const struct fuzz_ring_ops mpmc_ops = {
    FUZZ_RING_COMMON_OPS(mpmc),
    .menu = menu,
    .menu_len = sizeof menu,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fuzz_ring_run(&mpmc_ops, data, size);
}
