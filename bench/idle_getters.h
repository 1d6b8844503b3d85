/* SPDX-License-Identifier: MIT */
/* bench/idle_getters.h: futex waits per item with idle getters on a trickle of puts (idle_getters.c). */
#ifndef BENCH_IDLE_GETTERS_H
#define BENCH_IDLE_GETTERS_H

#include <stdio.h>

#define BENCH_IDLE_GETTERS_MAX 16

/* With 1, 4 and 16 getters asleep on an MPMC queue, put `items` items one at a time with a pause
 * between them; print futex waits and wakes per item, and the same for a condition-variable queue. */
void bench_idle_getters(FILE *out, unsigned items);

#endif
