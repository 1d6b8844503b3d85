/* SPDX-License-Identifier: MIT */
/* src/wait_linux.c: under construction. */
#include "ringq/queue.h"
