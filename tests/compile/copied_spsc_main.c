/* SPDX-License-Identifier: MIT */
/* tests/compile/copied_spsc_main.c: main.c next to a lone copy of spsc.h ("copy this one file"). */
#include "spsc.h"

int
main(void) {
  struct ringq_spsc *r = NULL;
  double in = 2.5, out = 0;
  int ok;

  if (ringq_spsc_create(1, sizeof in, &r) != RINGQ_OK)
    return 1;
  ok = ringq_spsc_try_push(r, &in) == RINGQ_OK && ringq_spsc_try_push(r, &in) == RINGQ_FULL &&
       ringq_spsc_try_pop(r, &out) == RINGQ_OK && out == 2.5;
  ringq_spsc_destroy(r);
  return ok ? 0 : 1;
}
