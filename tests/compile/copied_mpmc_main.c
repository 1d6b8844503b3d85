/* SPDX-License-Identifier: MIT */
/* tests/compile/copied_mpmc_main.c: main.c next to a lone copy of mpmc.h ("copy this one file"). */
#include "mpmc.h"

int
main(void) {
  struct ringq_mpmc *r = NULL;
  double in = 2.5, out = 0;
  int ok;

  if (ringq_mpmc_create(1, sizeof in, &r) != RINGQ_OK)
    return 1;
  ok = ringq_mpmc_try_push(r, &in) == RINGQ_OK && ringq_mpmc_try_push(r, &in) == RINGQ_FULL &&
       ringq_mpmc_try_pop(r, &out) == RINGQ_OK && out == 2.5;
  ringq_mpmc_destroy(r);
  return ok ? 0 : 1;
}
