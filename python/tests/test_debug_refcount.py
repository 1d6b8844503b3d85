# SPDX-License-Identifier: MIT
"""Run by a debug build of CPython (python3.11-dbg, which counts every reference the interpreter
holds: sys.gettotalrefcount): every path of ringq.Queue and AsyncQueue that takes, hands over or
drops a reference runs many times, and the interpreter's total reference count must not grow
with the number of rounds (a leaked reference per item or per call would add thousands)."""
import asyncio
import multiprocessing
import queue
import sys
import threading
import unittest

import ringq


class _OneLock:
    """A multiprocessing context whose Lock() is always the same lock."""
    lock = multiprocessing.Lock()

    def Lock(self):
        return self.lock


ONE_LOCK = _OneLock()


def one_round():
    q = ringq.Queue(4)
    for i in range(4):
        q.put(str(i) * 3)
    for call in (lambda: q.put_nowait("x"), lambda: q.put("x", timeout=0.001),
                 lambda: q.put("x", timeout=-1)):
        try:
            call()
        except (queue.Full, ValueError):
            pass
    got = [q.get(), q.get_nowait(), q.get(timeout=1), q.get(False)]
    assert got == ["000", "111", "222", "333"]
    for _ in range(4):
        q.task_done()
    try:
        q.task_done()
    except ValueError:
        pass
    try:
        q.get(timeout=0.001)
    except queue.Empty:
        pass
    # A blocked getter in a thread, woken by a put; a blocked putter, woken by a get.
    t = threading.Thread(target=lambda: q.put(q.get()))
    t.start()
    q.put([1, 2, 3])
    t.join()
    assert q.get() == [1, 2, 3]
    for i in range(4):
        q.put((i, object()))
    t = threading.Thread(target=lambda: q.put("fifth"))
    t.start()
    q.get()
    t.join()
    q.maxsize = 0
    for i in range(3000):  # segments of the unbounded ring
        q.put({"i": i})
    q.shutdown(immediate=True)  # discards the items left
    for call in (q.get, lambda: q.put(1)):
        try:
            call()
        except ringq.ShutDown:
            pass
    left = ringq.Queue()
    for i in range(100):
        left.put([i])
    del left  # collection discards them

    async def loop_side():
        aq = ringq.AsyncQueue(2)
        th = threading.Thread(target=lambda: [aq.sync.put(("t", i)) for i in range(50)])
        th.start()
        items = [await aq.get() for _ in range(50)]
        th.join()
        for _ in items:
            aq.task_done()
        await aq.join()
        try:
            aq.get_nowait()
        except asyncio.QueueEmpty:
            pass
        aq.shutdown()
    asyncio.run(loop_side())

    # ringq.SharedQueue's C part (python/src/shared.c): every path that makes, hands over or
    # drops a reference (buffers, the bytes got, errors, attach and the handles' release). One
    # getters' lock for every round: each new multiprocessing lock registers itself in
    # multiprocessing's after-fork registry (weak references, cleaned up lazily), whose count
    # drifts by hundreds and would hide a leak of one reference per call.
    sq = ringq.SharedQueue(3, capacity=4096, ctx=ONE_LOCK)
    sq.put({"a": 1})
    sq.put_bytes(bytearray(b"raw"))
    sq.put_bytes(memoryview(b"xyz"))
    for call in (lambda: sq.put_nowait(1), lambda: sq.put(2, timeout=0.001),
                 lambda: sq.put(b"z" * 5000), lambda: sq.put(1, True, -1),
                 lambda: sq.put_bytes("text")):
        try:
            call()
        except (queue.Full, ValueError, TypeError):
            pass
    assert sq.get() == {"a": 1} and sq.get_bytes() == b"raw" and sq.get_nowait is not None
    assert sq.get_bytes(timeout=1) == b"xyz"
    for call in (sq.get_nowait, lambda: sq.get(timeout=0.001), lambda: sq.get(True, -1)):
        try:
            call()
        except (queue.Empty, ValueError):
            pass
    for _ in range(3):
        sq.task_done()
    try:
        sq.task_done()
    except ValueError:
        pass
    assert sq.join(0) is True and sq.qsize() == 0 and not sq.full() and repr(sq)
    fd, slots_fd = sq._fds()
    again = ringq.SharedQueue.__new__(ringq.SharedQueue)  # as a spawned child attaches
    again._attach(fd, slots_fd)
    again._set_lock(sq._rlock)
    sq.put(7)
    assert again.get() == 7
    for v in (2**70, 1.5, None, True, b"b", "s", "\u00e9" * 300):  # small objects and their edges
        sq.put(v)
        assert sq.get() == v
    sq.put_bytes(b"\x07\xff")  # a malformed small object: refused
    try:
        sq.get()
    except UnicodeDecodeError:
        pass
    again.close()
    try:
        again.get()
    except ValueError:
        pass
    sq.shutdown()
    try:
        sq.put(1)
    except ringq.ShutDown:
        pass
    del again, sq


class TotalRefcountTest(unittest.TestCase):
    def test_no_reference_grows_with_rounds(self):
        self.assertTrue(hasattr(sys, "gettotalrefcount"), "run this with python3.11-dbg")
        for _ in range(5):  # warm-up: caches, interned strings, asyncio's first-run state
            one_round()
        before = sys.gettotalrefcount()
        rounds = 40
        for _ in range(rounds):
            one_round()
        growth = sys.gettotalrefcount() - before
        self.assertLess(growth, rounds, f"total refcount grew by {growth} in {rounds} rounds")


if __name__ == "__main__":
    unittest.main()
