/* SPDX-License-Identifier: MIT */
/* tests/compile/both_mpmc_first.c: ringq/mpmc.h then ringq/spsc.h in one translation unit. */
#include <ringq/mpmc.h>
#include <ringq/spsc.h>

int
main(void) {
  struct ringq_spsc *s = NULL;
  struct ringq_mpmc *m = NULL;
  int v = 5, got = 0, ok;

  if (ringq_spsc_create(2, sizeof v, &s) != RINGQ_OK ||
      ringq_mpmc_create(2, sizeof v, &m) != RINGQ_OK)
    return 1;
  ok =
      ringq_spsc_try_push(s, &v) == RINGQ_OK && ringq_spsc_try_pop(s, &got) == RINGQ_OK && got == 5;
  got = 0;
  ok = ok && ringq_mpmc_try_push(m, &v) == RINGQ_OK && ringq_mpmc_try_pop(m, &got) == RINGQ_OK &&
       got == 5;
  ringq_spsc_destroy(s);
  ringq_mpmc_destroy(m);
  return ok && ringq_strerror(RINGQ_EINVAL)[0] == 'R' ? 0 : 1;
}
