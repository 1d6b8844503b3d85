# SPDX-License-Identifier: MIT
"""tests/eventloop/asyncio_test.py: Python's own asyncio loop driving ringq queues through their
descriptors (loop.add_reader), loaded with ctypes from libringq.so.

The shape of the asyncio tutorial's producer/consumer, with threads as the workers: the loop puts
jobs into a bounded ringq job queue (waiting on its "has room" descriptor when it is full), worker
threads get them with the blocking ringq_queue_get (ctypes releases the GIL), and put results into
a ringq result queue that the loop consumes through its readable descriptor. Every result must
arrive exactly once; then shutdown ends the workers. Usage: asyncio_test.py path/to/libringq.so
"""
import asyncio
import ctypes
import sys
import threading

OK, EMPTY, FULL, SHUTDOWN = 0, -1, -2, -4
MPMC = 2
READABLE, WRITABLE = 1, 2

lib = ctypes.CDLL(sys.argv[1])
c_q = ctypes.c_void_p
lib.ringq_queue_create.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_size_t,
                                   ctypes.POINTER(c_q)]
for name in ("ringq_queue_put", "ringq_queue_get", "ringq_queue_put_nowait",
             "ringq_queue_get_nowait"):
    getattr(lib, name).argtypes = [c_q, ctypes.c_void_p]
lib.ringq_queue_fd.argtypes = [c_q, ctypes.c_uint, ctypes.POINTER(ctypes.c_int)]
lib.ringq_queue_poll_prepare.argtypes = [c_q, ctypes.c_uint, ctypes.POINTER(ctypes.c_uint)]
lib.ringq_queue_shutdown.argtypes = [c_q, ctypes.c_bool]
lib.ringq_queue_destroy.argtypes = [c_q]


def check(status, what):
    if status != OK:
        raise RuntimeError(f"{what}: status {status}")


class Queue:
    """A ringq MPMC queue of 64-bit integers, usable from threads and from one asyncio loop."""

    def __init__(self, capacity):
        self.q = c_q()
        check(lib.ringq_queue_create(MPMC, capacity, 8, ctypes.byref(self.q)), "create")
        self.events = {}

    # threads
    def put(self, value):
        return lib.ringq_queue_put(self.q, ctypes.byref(ctypes.c_uint64(value)))

    def get(self):
        out = ctypes.c_uint64()
        st = lib.ringq_queue_get(self.q, ctypes.byref(out))
        return st, out.value

    # the loop
    def _watch(self, event):
        """An asyncio.Event set by the loop whenever the descriptor for `event` is readable."""
        if event not in self.events:
            fd = ctypes.c_int()
            check(lib.ringq_queue_fd(self.q, event, ctypes.byref(fd)), "fd")
            flag = asyncio.Event()
            asyncio.get_running_loop().add_reader(fd.value, flag.set)
            self.events[event] = (fd.value, flag)
        return self.events[event][1]

    async def _wait(self, event):
        """Wait until `event` may hold: the order queue.h prescribes (clear, prepare, wait)."""
        flag = self._watch(event)
        flag.clear()
        ready = ctypes.c_uint()
        check(lib.ringq_queue_poll_prepare(self.q, event, ctypes.byref(ready)), "prepare")
        if not ready.value:
            await flag.wait()

    async def aput(self, value):
        item = ctypes.c_uint64(value)
        while True:
            st = lib.ringq_queue_put_nowait(self.q, ctypes.byref(item))
            if st != FULL:
                return st
            await self._wait(WRITABLE)

    async def aget(self):
        out = ctypes.c_uint64()
        while True:
            st = lib.ringq_queue_get_nowait(self.q, ctypes.byref(out))
            if st != EMPTY:
                return st, out.value
            await self._wait(READABLE)

    def close(self):
        loop = asyncio.get_running_loop()
        for fd, _ in self.events.values():
            loop.remove_reader(fd)


def worker(jobs, results):
    while True:
        st, job = jobs.get()
        if st == SHUTDOWN:
            return
        check(st, "worker get")
        check(results.put(job * job), "worker put")


async def main():
    n_jobs, n_workers = 5000, 3
    jobs, results = Queue(8), Queue(16)
    threads = [threading.Thread(target=worker, args=(jobs, results)) for _ in range(n_workers)]
    for t in threads:
        t.start()

    async def producer():
        for i in range(n_jobs):
            check(await jobs.aput(i), "aput")

    async def consumer():
        seen = []
        while len(seen) < n_jobs:
            st, value = await asyncio.wait_for(results.aget(), timeout=30)
            check(st, "aget")
            seen.append(value)
        return seen

    _, seen = await asyncio.gather(producer(), consumer())
    check(lib.ringq_queue_shutdown(jobs.q, False), "shutdown")
    for t in threads:
        t.join()
    jobs.close()
    results.close()
    expected = sorted(i * i for i in range(n_jobs))
    if sorted(seen) != expected:
        raise RuntimeError("results lost or duplicated")
    # An idle queue: a get with a timeout, nobody puts; the loop must not spin.
    idle = Queue(4)
    try:
        await asyncio.wait_for(idle.aget(), timeout=0.2)
        raise RuntimeError("got an item from an empty queue")
    except asyncio.TimeoutError:
        pass
    idle.close()
    for q in (jobs, results, idle):
        check(lib.ringq_queue_destroy(q.q), "destroy")
    print(f"asyncio: {n_jobs} jobs through {n_workers} worker threads, every result once")


asyncio.run(main())
print("1 passed, 0 failed")
