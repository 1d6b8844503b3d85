/* SPDX-License-Identifier: MIT */
/* A user of the installed header-only rings. */
#include <ringq/mpmc.h>
#include <ringq/spsc.h>

int
main(void)
{
  struct ringq_spsc *s;
  struct ringq_mpmc *m;
  int ok = ringq_spsc_create(4, 1, &s) == RINGQ_OK && ringq_mpmc_create(4, 1, &m) == RINGQ_OK;
  if (ok) {
    ringq_spsc_destroy(s);
    ringq_mpmc_destroy(m);
  }
  return ok ? 0 : 1;
}
