/* SPDX-License-Identifier: MIT */
/* bench/idle_loop.h: the idle event-loop measurement (idle_loop.c). */
#ifndef BENCH_IDLE_LOOP_H
#define BENCH_IDLE_LOOP_H

#include <stdio.h>

/* Wait `seconds` on an idle queue's descriptor; print the wake-ups and the CPU time used. */
void bench_idle_loop(FILE *out, double seconds);

#endif
