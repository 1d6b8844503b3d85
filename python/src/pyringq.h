/* SPDX-License-Identifier: MIT */
/* python/src/pyringq.h: what the extension's files share (ringqmodule.c defines it; shared.c,
 * ringq.SharedQueue's C part, uses it). Internal: compiled into ringq._ringq only, and hidden
 * (-fvisibility=hidden). */
#ifndef PYRINGQ_H
#define PYRINGQ_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <ringq/queue.h>

#include <stdint.h>
#include <time.h>

#define SLICE_NS 50000000LL /* the main thread's longest wait between two signal checks: 50 ms */
#define NO_DEADLINE (-1LL)

extern PyObject *Full;     /* queue.Full */
extern PyObject *Empty;    /* queue.Empty */
extern PyObject *ShutDown; /* queue.ShutDown where the running Python has it, else ringq's own */
extern unsigned long main_thread_ident;

/* CLOCK_MONOTONIC in nanoseconds, and as a timespec. */
int64_t now_ns(void);
struct timespec to_timespec(int64_t ns);
/* A timeout object (seconds) as an absolute deadline (NO_DEADLINE when too large); *negative is
 * set (and 0 returned) for a negative one. -1 with an exception set otherwise on error. */
int deadline_from(PyObject *timeout, int64_t *deadline, int *negative);
/* Where one wait of this thread ends: the deadline, or a slice of it in the main thread. */
int64_t wait_end(int64_t deadline, int *sliced);
/* Set the Python exception for a ringq status; returns NULL. */
PyObject *ringq_error(enum ringq_status st);
/* Fast-call argument parsing with keywords; truth() of a `block` argument. */
int parse_args(const char *fname, const char *const *names, Py_ssize_t n, Py_ssize_t required,
               PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, PyObject **out);
int truth(PyObject *o, int absent);

/* shared.c: adds the type _SharedRing to the module. */
int shared_add_type(PyObject *module);

#endif /* PYRINGQ_H */
