# SPDX-License-Identifier: MIT
"""ringq: queue.Queue's contract on ringq's lock-free queues, and an asyncio bridge.

Queue      a drop-in for queue.Queue within one process (the C extension ringq._ringq).
AsyncQueue asyncio.Queue's API for an event loop, fed by (or feeding) threads through its
           `sync` side, a ringq.Queue; the loop waits on the queue's descriptors (add_reader).
SharedQueue multiprocessing.Queue (and JoinableQueue) between processes, on ringq byte-message
           queues in shared memory; objects pickled, or bytes as they are (put_bytes/get_bytes).
"""
import asyncio
import os

from ringq._ringq import JOINED, READABLE, WRITABLE, Empty, Full, Queue, ShutDown, ringq_version
from ringq.shared import DEFAULT_CAPACITY, SharedQueue

__all__ = ["Queue", "AsyncQueue", "SharedQueue", "Empty", "Full", "ShutDown", "QueueShutDown",
           "DEFAULT_CAPACITY"]

# What AsyncQueue raises after shutdown: asyncio's own exception where Python has it (3.13).
QueueShutDown = getattr(asyncio, "QueueShutDown", ShutDown)


_EMPTY = object()  # what Queue._try_get returns when there is nothing to get


class _Readiness:
    """The coroutines of one event loop waiting for one event of a queue (an item, room, all tasks
    done): one reader on the event's descriptor wakes them all, and each tries again.

    The descriptor protocol (ringq_queue_poll_prepare): clear and arm, then re-check. A prepare
    that finds the event already true may have cleared the descriptor other coroutines wait on, so
    it wakes them too; one that finds it false leaves the descriptor armed for the next event.
    The reader stays registered while waits keep coming (a stream costs no epoll_ctl per item);
    the wake clears the descriptor, which is safe because every woken coroutine tries again before
    it prepares; a wake that finds nobody waiting removes the reader."""

    def __init__(self, queue, event):
        self._queue = queue
        self._event = event
        self._fd = None
        self._loop = None
        self._waiters = []

    async def wait(self):
        loop = asyncio.get_running_loop()
        if self._queue._poll_prepare(self._event):
            self._wake()
            await asyncio.sleep(0)  # ready already: let the loop run, then the caller retries
            return
        fut = loop.create_future()
        self._waiters.append(fut)
        if self._loop is not loop:
            if self._fd is None:
                self._fd = self._queue._fd(self._event)
            if self._loop is not None and not self._loop.is_closed():
                self._loop.remove_reader(self._fd)
            self._loop = loop
            loop.add_reader(self._fd, self._wake)
        try:
            await fut
        finally:
            if fut.cancelled():
                if fut in self._waiters:
                    self._waiters.remove(fut)
                if not self._waiters:
                    self._unregister()

    def _unregister(self):
        if self._loop is not None:
            if not self._loop.is_closed():
                self._loop.remove_reader(self._fd)
            self._loop = None

    def _wake(self):
        if self._fd is not None:
            try:
                os.read(self._fd, 8)  # clear the eventfd (the woken retry before waiting again)
            except BlockingIOError:
                pass
        waiters, self._waiters = self._waiters, []
        if not waiters:
            self._unregister()
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)


class AsyncQueue:
    """asyncio.Queue's API (put, get, put_nowait, get_nowait, qsize, empty, full, task_done, join,
    and shutdown as in Python 3.13) on a ringq.Queue that threads use directly: `aq.sync` is that
    queue, with queue.Queue's blocking API. Items put by threads wake the loop through the queue's
    descriptor (loop.add_reader), not through call_soon_threadsafe. One event loop at a time."""

    def __init__(self, maxsize=0):
        self._q = Queue(maxsize)
        self._readable = _Readiness(self._q, READABLE)
        self._writable = _Readiness(self._q, WRITABLE)
        self._joined = _Readiness(self._q, JOINED)

    @property
    def sync(self):
        """The thread side: the ringq.Queue underneath (put, get, task_done, ... that block)."""
        return self._q

    @property
    def maxsize(self):
        return self._q.maxsize

    def __repr__(self):
        return f"<ringq.AsyncQueue maxsize={self._q.maxsize} qsize={self._q.qsize()}>"

    def qsize(self):
        return self._q.qsize()

    def empty(self):
        return self._q.empty()

    def full(self):
        return self._q.full()

    def put_nowait(self, item):
        try:
            self._q.put_nowait(item)
        except Full:
            raise asyncio.QueueFull from None
        except ShutDown:
            raise QueueShutDown from None

    def get_nowait(self):
        try:
            return self._q.get_nowait()
        except Empty:
            raise asyncio.QueueEmpty from None
        except ShutDown:
            raise QueueShutDown from None

    async def put(self, item):
        try:
            while not self._q._try_put(item):
                await self._writable.wait()
        except ShutDown:
            raise QueueShutDown from None

    async def get(self):
        q, empty = self._q, _EMPTY
        try:
            while True:
                item = q._try_get(empty)
                if item is not empty:
                    return item
                await self._readable.wait()
        except ShutDown:
            raise QueueShutDown from None

    def task_done(self):
        self._q.task_done()

    async def join(self):
        while self._q.unfinished_tasks:
            await self._joined.wait()

    def shutdown(self, immediate=False):
        self._q.shutdown(immediate)
