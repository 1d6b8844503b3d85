# SPDX-License-Identifier: MIT
"""ringq.SharedQueue: multiprocessing.Queue (and JoinableQueue) on ringq's byte-message queues in
shared memory.

Each item is one message of a ringq byte queue (RINGQ_QUEUE_BYTES_MPSC) in shared memory: an
object pickled with protocol 5 (put/get), or a bytes-like object as it is (put_bytes/get_bytes,
no pickling). The C part (ringq._ringq._SharedRing, python/src/shared.c) puts and gets with the
GIL released while it waits, and pickles and takes the getters' lock itself (one C call per
put or get); `maxsize` is counted by a second, token queue.

Getters. A byte queue takes any number of putters but one getter at a time, so getters take a
multiprocessing lock first, exactly as multiprocessing.Queue takes its reader lock: the lock is
shared by inheritance (fork, or pickled while a child is spawned), so the queue is too.

Trust. put_bytes/get_bytes keep the C library's promise against a hostile peer (lengths are
bounded and validated; nothing read from the mapping indexes memory unchecked). get() unpickles
what it reads, so it trusts the processes that put, exactly as multiprocessing does: never get()
from a queue an untrusted process can put to (use get_bytes there).
"""
import os
import threading
import types
import multiprocessing
from multiprocessing import context, reduction

from ringq._ringq import ShutDown, _SharedRing

__all__ = ["SharedQueue", "DEFAULT_CAPACITY"]

#: Bytes of a SharedQueue's message ring unless `capacity` says otherwise: 4 MiB, so the largest
#: item (pickled) is 2 MiB less 8 bytes (max_message). Pages are touched only as the ring is used.
DEFAULT_CAPACITY = 4 << 20


class SharedQueue(_SharedRing):
    """SharedQueue(maxsize=0, *, capacity=DEFAULT_CAPACITY, name=None, ctx=None)

    multiprocessing.Queue's API between processes (fork, spawn, forkserver), plus JoinableQueue's
    task_done/join and Python 3.13's shutdown:
      put(obj, block=True, timeout=None), get(block=True, timeout=None), put_nowait, get_nowait,
      put_bytes(data, ...), get_bytes(...) (bytes as they are: no pickling), qsize, empty, full,
      task_done, join, shutdown(immediate=False), close, join_thread, cancel_join_thread.
    maxsize counts items (<= 0 or None: no bound in items); capacity is the message ring's size
    in bytes (rounded up to a power of two); an item whose message exceeds max_message (half the
    capacity, less 8) raises ValueError. name: a POSIX shared-memory name ("/something") to make
    the queue under (a C program can then attach it); None: an anonymous memory file. ctx: the
    multiprocessing context whose Lock serialises getters (default: multiprocessing's).

    put, get and the rest are the C part's (ringq._ringq._SharedRing, python/src/shared.c):
    pickling, the getters' lock and the queue calls happen in one C call."""

    def __init__(self, maxsize=0, *, capacity=DEFAULT_CAPACITY, name=None, ctx=None):
        if maxsize is None or maxsize <= 0:
            maxsize = 0
        ctx = ctx if ctx is not None else multiprocessing.get_context()
        self._create(capacity, 0, maxsize, name)
        self._rlock = ctx.Lock()
        self._set_lock(self._rlock)

    # ---- pickling: into a child, while it is spawned (as multiprocessing.Queue) ----------------

    def __getstate__(self):
        # Outside a spawn (a pipe, a Manager, pickle.dumps) there is no way to hand over the lock
        # (nor a memfd's descriptor): refuse as multiprocessing.Queue does.
        context.assert_spawning(self)
        if self.name is not None:
            where = (self.name, self.name + ".slots" if self.maxsize else None)
        else:
            fd, slots_fd = self._fds()
            where = (reduction.DupFd(fd), reduction.DupFd(slots_fd) if slots_fd >= 0 else None)
        return (where, self._rlock)

    def __setstate__(self, state):
        where, self._rlock = state
        if isinstance(where[0], str):
            self._attach(where[0], where[1])
        else:
            fds = [w.detach() if w is not None else None for w in where]
            try:
                self._attach(*fds)
            finally:
                for fd in fds:  # the handles hold their own duplicates
                    if fd is not None:
                        os.close(fd)
        self._set_lock(self._rlock)

    def __repr__(self):
        where = self.name if self.name is not None else "memfd"
        return (f"<ringq.SharedQueue {where} maxsize={self.maxsize} capacity={self.capacity} "
                f"qsize={self.qsize()}>")

    # ---- multiprocessing.Queue's, without a feeder thread -------------------------------------

    def join_thread(self):
        """No-op: a SharedQueue has no feeder thread; a put has finished when it returns."""

    def cancel_join_thread(self):
        """No-op, as join_thread."""

    # ---- asyncio -----------------------------------------------------------------------------

    def feed(self, aq, raw=False):
        """Hand this queue's items to the ringq.AsyncQueue `aq` (processes feeding an event loop):
        a daemon thread of this process gets (get, or get_bytes when raw) and puts into aq.sync,
        waiting there while aq is full. It is one more getter of this queue (it holds the getters'
        lock while it waits). When this queue is shut down and drained, the thread shuts aq down
        (its awaiting gets raise QueueShutDown once aq is drained) and ends. Returns the thread.
        (An event loop cannot wait on a SharedQueue itself: ringq's event-loop descriptors are
        eventfds, which another process cannot signal, so ringq_queue_fd refuses shared queues.)"""
        get = self.get_bytes if raw else self.get

        def run():
            put = aq.sync.put
            try:
                while True:
                    put(get())
            except ShutDown:
                aq.shutdown()
        t = threading.Thread(target=run, name="ringq.SharedQueue.feed", daemon=True)
        t.start()
        return t

    __class_getitem__ = classmethod(types.GenericAlias)
