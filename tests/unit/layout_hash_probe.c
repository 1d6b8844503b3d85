/* SPDX-License-Identifier: MIT */
/* tests/unit/layout_hash_probe.c: print the layout version and hash of the version.c it is linked
 * with (twice, to show the value is stable); the test builds it with two RINGQ_CACHE_LINE values. */
#include <ringq/queue.h>

#include <inttypes.h>
#include <stdio.h>

int
main(void)
{
  uint64_t a = ringq_layout_hash(), b = ringq_layout_hash();
  if (a != b || a == 0 || ringq_layout_version() != RINGQ_LAYOUT_VERSION)
    return 1;
  printf("%u %016" PRIx64 "\n", ringq_layout_version(), a);
  return 0;
}
