# SPDX-License-Identifier: MIT
"""ringq.SharedQueue: multiprocessing.Queue (and JoinableQueue) on ringq's byte-message queues in
shared memory.

Each item is one message of a ringq byte queue (RINGQ_QUEUE_BYTES_MPSC) in shared memory: an
object pickled with protocol 5 (put/get), or a bytes-like object as it is (put_bytes/get_bytes,
no pickling). The C part (ringq._ringq._SharedRing, python/src/shared.c) puts and gets with the
GIL released while it waits; `maxsize` is counted by a second, token queue.

Getters. A byte queue takes any number of putters but one getter at a time, so getters take a
multiprocessing lock first, exactly as multiprocessing.Queue takes its reader lock: the lock is
shared by inheritance (fork, or pickled while a child is spawned), so the queue is too.

Trust. put_bytes/get_bytes keep the C library's promise against a hostile peer (lengths are
bounded and validated; nothing read from the mapping indexes memory unchecked). get() unpickles
what it reads, so it trusts the processes that put, exactly as multiprocessing does: never get()
from a queue an untrusted process can put to (use get_bytes there).
"""
import os
import pickle
import threading
import time
import multiprocessing
import types
from multiprocessing import context, reduction

from ringq._ringq import Empty, ShutDown, _SharedRing

__all__ = ["SharedQueue", "DEFAULT_CAPACITY"]

#: Bytes of a SharedQueue's message ring unless `capacity` says otherwise: 4 MiB, so the largest
#: item (pickled) is 2 MiB less 8 bytes (max_message). Pages are touched only as the ring is used.
DEFAULT_CAPACITY = 4 << 20


# Items are pickled with protocol 5, in-band (one message): pickle.dumps first (the C pickler,
# fast); what it cannot pickle goes through multiprocessing's ForkingPickler, which knows how to
# reduce what multiprocessing.Queue can carry (connections, sockets: their descriptors).
_pdumps = pickle.dumps
_fdumps = reduction.ForkingPickler.dumps
_loads = pickle.loads


class SharedQueue:
    """SharedQueue(maxsize=0, *, capacity=DEFAULT_CAPACITY, name=None, ctx=None)

    multiprocessing.Queue's API between processes (fork, spawn, forkserver), plus JoinableQueue's
    task_done/join and Python 3.13's shutdown:
      put(obj, block=True, timeout=None), get(block=True, timeout=None), put_nowait, get_nowait,
      put_bytes(data, ...), get_bytes(...) (bytes as they are: no pickling), qsize, empty, full,
      task_done, join, shutdown(immediate=False), close, join_thread, cancel_join_thread.
    maxsize counts items (<= 0: no bound in items); capacity is the message ring's size in bytes
    (rounded up to a power of two); an item whose message exceeds max_message (half the capacity,
    less 8) raises ValueError. name: a POSIX shared-memory name ("/something") to make the queue
    under (a C program can then attach it); None: an anonymous memory file. ctx: the
    multiprocessing context whose Lock serialises getters (default: multiprocessing's)."""

    def __init__(self, maxsize=0, *, capacity=DEFAULT_CAPACITY, name=None, ctx=None):
        if maxsize is None or maxsize <= 0:
            maxsize = 0
        ctx = ctx if ctx is not None else multiprocessing.get_context()
        self._ring = _SharedRing(capacity, 0, maxsize, name)
        self._rlock = ctx.Lock()
        self._bind_lock()
        self._closed = False

    def _bind_lock(self):
        # The lock's C methods (SemLock's), called directly: `with lock` costs 3x as much.
        self._acquire, self._release = self._rlock.acquire, self._rlock.release

    # ---- pickling: into a child, while it is spawned (as multiprocessing.Queue) ----------------

    def __getstate__(self):
        # Outside a spawn (a pipe, a Manager, pickle.dumps) there is no way to hand over the lock
        # (nor a memfd's descriptor): refuse as multiprocessing.Queue does.
        context.assert_spawning(self)
        ring = self._ring
        if ring.name is not None:
            where = (ring.name, ring.name + ".slots" if ring.maxsize else None)
        else:
            fd, slots_fd = ring.fds()
            where = (reduction.DupFd(fd), reduction.DupFd(slots_fd) if slots_fd >= 0 else None)
        return (where, self._rlock)

    def __setstate__(self, state):
        where, self._rlock = state
        self._bind_lock()
        if isinstance(where[0], str):
            self._ring = _SharedRing._attach(where[0], where[1])
        else:
            fds = [w.detach() if w is not None else None for w in where]
            try:
                self._ring = _SharedRing._attach(*fds)
            finally:
                for fd in fds:  # the handles hold their own duplicates
                    if fd is not None:
                        os.close(fd)
        self._closed = False

    def __repr__(self):
        r = self._ring
        where = r.name if r.name is not None else "memfd"
        return (f"<ringq.SharedQueue {where} maxsize={r.maxsize} capacity={r.capacity} "
                f"qsize={r.qsize()}>")

    # ---- put ---------------------------------------------------------------------------------

    def put(self, obj, block=True, timeout=None):
        """Put obj (pickled, protocol 5) as one message; waits for room (items and bytes) as
        multiprocessing.Queue.put waits for its semaphore. Raises queue.Full, ShutDown, and
        ValueError (the queue was closed here; a negative timeout; the pickle is larger than
        max_message)."""
        if self._closed:
            raise ValueError(f"Queue {self!r} is closed")
        try:
            data = _pdumps(obj, 5)
        except (TypeError, pickle.PicklingError, AttributeError):
            data = _fdumps(obj, 5)
        self._ring.put(data, block, timeout)

    def put_nowait(self, obj):
        self.put(obj, False)

    def put_bytes(self, data, block=True, timeout=None):
        """Put a bytes-like object as one message, as it is (no pickling); get_bytes returns it.
        A queue carries either pickles (put/get) or raw messages (put_bytes/get_bytes): get()
        unpickles whatever message comes next."""
        if self._closed:
            raise ValueError(f"Queue {self!r} is closed")
        self._ring.put(data, block, timeout)

    # ---- get ---------------------------------------------------------------------------------

    def get_bytes(self, block=True, timeout=None):
        """The next message as bytes (no unpickling). Getters take the queue's lock, one at a
        time, as multiprocessing.Queue.get does; a timeout covers both the lock and the wait."""
        if self._closed:
            raise ValueError(f"Queue {self!r} is closed")
        if block and timeout is None:  # the common case first: the lock's own C methods
            self._acquire()
            try:
                return self._ring.get()
            finally:
                self._release()
        return self._get_timed(block, timeout)

    def _get_timed(self, block, timeout):
        ring = self._ring
        if not block:
            if not self._acquire(False):
                raise Empty
            try:
                return ring.get(False)
            finally:
                self._release()
        if timeout < 0:
            raise ValueError("'timeout' must be a non-negative number")
        deadline = time.monotonic() + timeout
        if not self._acquire(True, timeout):
            raise Empty
        try:
            return ring.get(True, max(0.0, deadline - time.monotonic()))
        finally:
            self._release()

    def get(self, block=True, timeout=None):
        """Remove and return the next item (unpickled after the lock is released, as
        multiprocessing does). Raises queue.Empty, ShutDown (shut down and drained), ValueError."""
        if self._closed:
            raise ValueError(f"Queue {self!r} is closed")
        if block and timeout is None:
            self._acquire()
            try:
                data = self._ring.get()
            finally:
                self._release()
            return _loads(data)
        return _loads(self._get_timed(block, timeout))

    def get_nowait(self):
        return self.get(False)

    # ---- sizes, tasks, shutdown, closing -----------------------------------------------------

    def qsize(self):
        """Items in the queue (exact while nobody puts or gets)."""
        return self._ring.qsize()

    def empty(self):
        return self._ring.qsize() == 0

    def full(self):
        """maxsize items are queued, or a message of max_message bytes would not fit now."""
        return self._ring.full()

    @property
    def maxsize(self):
        return self._ring.maxsize

    @property
    def capacity(self):
        """Bytes of the message ring (the capacity asked for, rounded up to a power of two)."""
        return self._ring.capacity

    @property
    def max_message(self):
        """The largest message (pickle, or put_bytes data) a put takes, in bytes."""
        return self._ring.max_message

    @property
    def name(self):
        return self._ring.name

    @property
    def is_shutdown(self):
        return self._ring.is_shutdown

    def task_done(self):
        """As JoinableQueue.task_done: ValueError when called more times than items were put."""
        self._ring.task_done()

    def join(self, timeout=None):
        """Wait until every item put (by any process) was task_done (by any process). With a
        timeout (an extension): returns whether that happened in time."""
        return self._ring.join(timeout)

    def shutdown(self, immediate=False):
        """As queue.Queue.shutdown (Python 3.13), for every process: puts raise ShutDown; gets
        return what is left and then raise ShutDown (immediate: the items left are dropped and
        gets raise at once); waiting puts and gets wake up."""
        self._ring.shutdown(immediate)

    def close(self):
        """This process will put and get no more (as multiprocessing.Queue.close: later calls
        here raise ValueError). The queue itself lives on for the other processes."""
        self._closed = True

    def join_thread(self):
        """No-op: a SharedQueue has no feeder thread; a put has finished when it returns."""

    def cancel_join_thread(self):
        """No-op, as join_thread."""

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

    def unlink(self):
        """Remove a named queue's names (attached processes keep using it)."""
        self._ring.unlink()

    __class_getitem__ = classmethod(types.GenericAlias)
