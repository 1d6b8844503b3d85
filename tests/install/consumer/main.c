/* SPDX-License-Identifier: MIT */
/* A user of the installed blocking queue. */
#include <ringq/queue.h>
#include <stdint.h>
#include <stdio.h>

int
main(void)
{
  struct ringq_queue *q;
  uint64_t v = 5, out = 0;
  if (ringq_queue_create(RINGQ_QUEUE_SPSC, 2, sizeof v, &q) != RINGQ_OK)
    return 1;
  if (ringq_queue_put(q, &v) != RINGQ_OK || ringq_queue_get(q, &out) != RINGQ_OK || out != 5)
    return 1;
  {
    unsigned major, minor, patch;
    /* The number and the string say the same version. */
    if (sscanf(ringq_version_string(), "%u.%u.%u", &major, &minor, &patch) != 3 ||
        ringq_version() != major * 10000 + minor * 100 + patch)
      return 1;
  }
  printf("consumer ok (ringq %s)\n", ringq_version_string());
  return ringq_queue_destroy(q) == RINGQ_OK ? 0 : 1;
}
