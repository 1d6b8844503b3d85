/* SPDX-License-Identifier: MIT */
/* src/queue.c: under construction. */
#include "ringq/queue.h"
