# SPDX-License-Identifier: MIT
"""ringq.Queue beyond CPython's tests: shutdown (Python 3.13's semantics), reference counts (no
leak, no early free), the writable maxsize, timeouts that never end early, KeyboardInterrupt in a
blocking call, argument handling."""
import gc
import os
import queue
import signal
import sys
import threading
import time
import unittest
import weakref

import ringq

SCALE = int(os.environ.get("RINGQ_TIMEOUT_SCALE", "1"))
LONG = 10.0 * SCALE  # a wait that must be ended by the test's trigger, never by its timeout


def later(delay, fn, *args):
    """Run fn(*args) in a thread after delay seconds; returns the started thread."""
    def run():
        time.sleep(delay)
        fn(*args)
    t = threading.Thread(target=run)
    t.start()
    return t


def blocked(fn, *args):
    """Run fn(*args) in a thread, recording its result or exception; returns (thread, box)."""
    box = {}

    def run():
        try:
            box["result"] = fn(*args)
        except BaseException as e:  # noqa: B902 - recorded for the test to check
            box["error"] = e
    t = threading.Thread(target=run)
    t.start()
    return t, box


class Item:
    """An object whose lifetime the tests watch through a weak reference."""


class ShutDownTest(unittest.TestCase):
    def test_shutdown_class(self):
        if hasattr(queue, "ShutDown"):
            self.assertIs(ringq.ShutDown, queue.ShutDown)
        else:
            self.assertTrue(issubclass(ringq.ShutDown, Exception))
        self.assertIs(ringq.Full, queue.Full)
        self.assertIs(ringq.Empty, queue.Empty)

    def test_put_after_shutdown_raises_and_gets_drain(self):
        q = ringq.Queue()
        q.put(1)
        q.put(2)
        self.assertFalse(q.is_shutdown)
        q.shutdown()
        self.assertTrue(q.is_shutdown)
        with self.assertRaises(ringq.ShutDown):
            q.put(3)
        with self.assertRaises(ringq.ShutDown):
            q.put_nowait(3)
        self.assertEqual(q.get(), 1)
        self.assertEqual(q.get_nowait(), 2)
        for call in (q.get, q.get_nowait, lambda: q.get(timeout=1), lambda: q.get(False)):
            with self.assertRaises(ringq.ShutDown):
                call()
        self.assertEqual(q.unfinished_tasks, 2)
        q.task_done()
        q.task_done()
        q.join()

    def test_shutdown_checked_before_full_and_timeout_sign(self):
        q = ringq.Queue(1)
        q.put(0)
        q.shutdown()
        with self.assertRaises(ringq.ShutDown):  # Python checks shutdown first
            q.put(1, timeout=-1)
        q.get()
        with self.assertRaises(ringq.ShutDown):
            q.get(timeout=-1)

    def test_immediate_discards_and_clamps_unfinished(self):
        q = ringq.Queue()
        for i in range(5):
            q.put(i)
        self.assertEqual(q.get(), 0)
        q.task_done()
        q.task_done()  # task_done may run ahead of gets, as in Python
        self.assertEqual(q.unfinished_tasks, 3)
        q.shutdown(immediate=True)
        self.assertEqual(q.qsize(), 0)
        self.assertTrue(q.empty())
        self.assertEqual(q.unfinished_tasks, 0)  # 4 discarded, clamped at zero
        with self.assertRaises(ringq.ShutDown):
            q.get_nowait()
        q.join()
        with self.assertRaises(ValueError):
            q.task_done()

    def test_upgrade_to_immediate(self):
        q = ringq.Queue()
        q.put("a")
        q.shutdown()
        q.shutdown(immediate=True)
        with self.assertRaises(ringq.ShutDown):
            q.get()

    def test_shutdown_wakes_blocked_getter(self):
        q = ringq.Queue()
        t, box = blocked(q.get)
        time.sleep(0.1)
        q.shutdown()
        t.join(LONG)
        self.assertFalse(t.is_alive())
        self.assertIsInstance(box.get("error"), ringq.ShutDown)

    def test_shutdown_wakes_blocked_putter(self):
        q = ringq.Queue(1)
        q.put(0)
        t, box = blocked(q.put, 1)
        time.sleep(0.1)
        q.shutdown()
        t.join(LONG)
        self.assertFalse(t.is_alive())
        self.assertIsInstance(box.get("error"), ringq.ShutDown)
        self.assertEqual(q.get(), 0)

    def test_immediate_shutdown_wakes_joiner(self):
        q = ringq.Queue()
        q.put(1)
        t, box = blocked(q.join)
        time.sleep(0.1)
        self.assertTrue(t.is_alive())
        q.shutdown(immediate=True)
        t.join(LONG)
        self.assertFalse(t.is_alive())
        self.assertIsNone(box.get("result"))
        self.assertNotIn("error", box)

    def test_many_waiters_all_leave(self):
        q = ringq.Queue(2)
        q.put(0)
        q.put(1)
        e = ringq.Queue()
        getters = [blocked(e.get) for _ in range(8)]
        putters = [blocked(q.put, i) for i in range(8)]
        time.sleep(0.2)
        e.shutdown()
        q.shutdown()
        for t, box in getters + putters:
            t.join(LONG)
            self.assertFalse(t.is_alive())
            self.assertIsInstance(box.get("error"), ringq.ShutDown)


class ReferenceTest(unittest.TestCase):
    def test_put_get_counts(self):
        o = Item()
        base = sys.getrefcount(o)
        q = ringq.Queue()
        q.put(o)
        self.assertEqual(sys.getrefcount(o), base + 1)  # the queue owns one reference
        q.put_nowait(o)
        self.assertEqual(sys.getrefcount(o), base + 2)
        x = q.get()
        self.assertIs(x, o)
        self.assertEqual(sys.getrefcount(o), base + 2)  # handed over, not copied
        del x
        self.assertIs(q.get_nowait(), o)
        self.assertEqual(sys.getrefcount(o), base)

    def test_refused_puts_keep_no_reference(self):
        o = Item()
        base = sys.getrefcount(o)
        q = ringq.Queue(1)
        q.put(0)
        with self.assertRaises(queue.Full):
            q.put_nowait(o)
        with self.assertRaises(queue.Full):
            q.put(o, timeout=0.01)
        with self.assertRaises(ValueError):
            q.put(o, timeout=-1)
        q.shutdown()
        with self.assertRaises(ringq.ShutDown):
            q.put(o)
        self.assertEqual(sys.getrefcount(o), base)

    def test_immediate_shutdown_releases_items(self):
        q = ringq.Queue()
        items = [Item() for _ in range(1000)]
        refs = [weakref.ref(i) for i in items]
        for i in items:
            q.put(i)
        del items, i
        self.assertTrue(all(r() is not None for r in refs))  # not freed early
        q.shutdown(immediate=True)
        self.assertTrue(all(r() is None for r in refs))

    def test_collection_releases_items(self):
        q = ringq.Queue()
        refs = []
        for _ in range(3000):  # several of the unbounded ring's segments
            i = Item()
            refs.append(weakref.ref(i))
            q.put(i)
        del i
        for _ in range(1000):
            q.get()
        self.assertTrue(all(r() is not None for r in refs[1000:]))
        wq = weakref.ref(q)
        del q
        self.assertIsNone(wq())
        self.assertTrue(all(r() is None for r in refs))

    def test_destructor_using_the_queue_during_discard(self):
        q = ringq.Queue()
        seen = []

        class Putter:
            def __del__(self):
                try:
                    q.put("from __del__")
                except ringq.ShutDown:
                    seen.append("shutdown")

        q.put(Putter())
        q.put(Putter())
        q.shutdown(immediate=True)  # destructors run after the queue's discard, not inside it
        self.assertEqual(seen, ["shutdown", "shutdown"])

    def test_none_and_many_types(self):
        q = ringq.Queue()
        values = [None, 0, -1, 2**70, 1.5, "s", b"b", (1,), [2], {3: 4}, Item, q]
        for v in values:
            q.put(v)
        self.assertEqual([q.get() for _ in values], values)

    def test_threads_exactly_once(self):
        q = ringq.Queue(16)
        n, producers = 20000, 4
        out = []
        lock = threading.Lock()

        def produce(base):
            for i in range(n):
                q.put((base, i))

        def consume():
            got = []
            while True:
                try:
                    got.append(q.get())
                except ringq.ShutDown:
                    break
                q.task_done()
            with lock:
                out.extend(got)
        ts = [threading.Thread(target=produce, args=(p,)) for p in range(producers)]
        cs = [threading.Thread(target=consume) for _ in range(3)]
        for t in ts + cs:
            t.start()
        for t in ts:
            t.join()
        q.join()
        q.shutdown()
        for t in cs:
            t.join()
        self.assertEqual(sorted(out), sorted((p, i) for p in range(producers) for i in range(n)))
        per = {}
        for p, i in out:  # FIFO per producer is not observable across consumers; counts are
            per[p] = per.get(p, 0) + 1
        self.assertEqual(per, {p: n for p in range(producers)})


class WakeTest(unittest.TestCase):
    """Blocked getters sleep on the queue's item word and only a put (or a shutdown) wakes them
    (ringqmodule.c's header: the epoch protocol). A put that forgot to wake them, or a getter that
    counted itself in after releasing the GIL, leaves a getter asleep beside an item: the joins
    below then time out."""

    def test_each_put_wakes_a_blocked_getter(self):
        for maxsize in (0, 1, 4):
            q = ringq.Queue(maxsize)
            n, getters = 3000, 4
            stop = object()
            out = []

            def consume():
                got = []
                while True:
                    x = q.get()  # no timeout: only a put can end this wait
                    if x is stop:
                        break
                    got.append(x)
                out.append(got)
            # daemon: a getter left asleep by a bug must not keep the failed test's process alive
            cs = [threading.Thread(target=consume, daemon=True) for _ in range(getters)]
            for t in cs:
                t.start()
            for i in range(n):
                q.put(i, timeout=LONG)  # with a bound, a putter waits for getters that sleep
                if i % 7 == 0:
                    time.sleep(0)  # let the getters drain and go back to sleep
                if i % 500 == 0:
                    time.sleep(0.002)  # every getter asleep: the next put alone must wake one
            for _ in cs:
                q.put(stop, timeout=LONG)
            for t in cs:
                t.join(LONG)
                self.assertFalse(t.is_alive(), f"a getter slept through a put (maxsize {maxsize})")
            self.assertEqual(sorted(x for got in out for x in got), list(range(n)))

    def test_put_from_another_thread_wakes_timed_getter_early(self):
        q = ringq.Queue()
        t = later(0.1, q.put, "x")
        t0 = time.monotonic()
        self.assertEqual(q.get(timeout=LONG), "x")
        self.assertLess(time.monotonic() - t0, LONG / 2)  # woken by the put, not by the timeout
        t.join()


class MaxsizeTest(unittest.TestCase):
    def test_grow_and_shrink(self):
        q = ringq.Queue(2)
        q.put(1)
        q.put(2)
        self.assertTrue(q.full())
        q.maxsize = 3
        self.assertFalse(q.full())
        q.put_nowait(3)
        q.maxsize = 1
        self.assertTrue(q.full())
        self.assertEqual(q.qsize(), 3)
        with self.assertRaises(queue.Full):
            q.put_nowait(4)
        q.maxsize = 0
        for i in range(1000):
            q.put_nowait(i)
        self.assertFalse(q.full())
        with self.assertRaises(TypeError):
            q.maxsize = "x"

    def test_blocked_putter_rechecks_at_each_get(self):
        q = ringq.Queue(3)
        for i in range(3):
            q.put(i)
        q.maxsize = 1
        t, box = blocked(q.put, "x")
        time.sleep(0.1)
        q.get()  # 2 left, still >= maxsize: the putter goes back to sleep
        time.sleep(0.1)
        self.assertTrue(t.is_alive())
        q.get()
        q.get()  # empty: room
        t.join(LONG)
        self.assertFalse(t.is_alive())
        self.assertEqual(box, {"result": None})
        self.assertEqual(q.get_nowait(), "x")

    def test_unbounded_never_full(self):
        q = ringq.Queue(-5)
        for i in range(100000):
            q.put(i, timeout=-1)  # no bound: the timeout is not looked at, as in Python
        self.assertEqual(q.qsize(), 100000)
        self.assertFalse(q.full())
        self.assertEqual(sum(q.get() for _ in range(100000)), sum(range(100000)))


class TimeoutTest(unittest.TestCase):
    def test_never_early(self):
        q = ringq.Queue(1)
        for timeout in (0.05, 0.2, 0.35):
            t0 = time.monotonic()
            with self.assertRaises(queue.Empty):
                q.get(timeout=timeout)
            self.assertGreaterEqual(time.monotonic() - t0, timeout)
        q.put(0)
        for timeout in (0.05, 0.2):
            t0 = time.monotonic()
            with self.assertRaises(queue.Full):
                q.put(1, timeout=timeout)
            self.assertGreaterEqual(time.monotonic() - t0, timeout)

    def test_zero_timeout_and_nonblocking(self):
        q = ringq.Queue(1)
        with self.assertRaises(queue.Empty):
            q.get(timeout=0)
        with self.assertRaises(queue.Empty):
            q.get(block=False, timeout=-1)  # block=False ignores the timeout
        q.put(1)
        with self.assertRaises(queue.Full):
            q.put(2, timeout=0)
        self.assertEqual(q.get(True, 0), 1)

    def test_getter_in_thread_not_sliced(self):
        q = ringq.Queue()
        t, box = blocked(q.get, True, LONG)
        time.sleep(0.3)
        q.put("late")
        t.join(LONG)
        self.assertEqual(box, {"result": "late"})


class InterruptTest(unittest.TestCase):
    """KeyboardInterrupt reaches a main thread blocked without a timeout (it waits in slices)."""

    def interrupted(self, call):
        t = later(0.2, os.kill, os.getpid(), signal.SIGINT)
        t0 = time.monotonic()
        with self.assertRaises(KeyboardInterrupt):
            call()
        elapsed = time.monotonic() - t0
        t.join()
        self.assertGreaterEqual(elapsed, 0.15)
        self.assertLess(elapsed, 5.0 * SCALE)

    def test_get(self):
        q = ringq.Queue()
        self.interrupted(q.get)
        q.put(1)
        self.assertEqual(q.get(), 1)  # nothing was lost or taken by the interrupted get

    def test_put(self):
        q = ringq.Queue(1)
        q.put(0)
        o = Item()
        base = sys.getrefcount(o)
        self.interrupted(lambda: q.put(o))
        self.assertEqual(sys.getrefcount(o), base)
        self.assertEqual(q.qsize(), 1)

    def test_join(self):
        q = ringq.Queue()
        q.put(0)
        self.interrupted(q.join)

    def test_handler_that_does_not_raise_keeps_waiting(self):
        q = ringq.Queue()
        calls = []
        old = signal.signal(signal.SIGUSR1, lambda *a: calls.append(1))
        try:
            k = later(0.1, os.kill, os.getpid(), signal.SIGUSR1)
            p = later(0.4, q.put, "after")
            self.assertEqual(q.get(timeout=LONG), "after")
            k.join()
            p.join()
            self.assertEqual(calls, [1])
        finally:
            signal.signal(signal.SIGUSR1, old)


class ApiTest(unittest.TestCase):
    def test_arguments(self):
        q = ringq.Queue(maxsize=2)
        q.put(item=1, block=True, timeout=None)
        q.put(2, False)
        self.assertEqual(q.get(block=True, timeout=1), 1)
        self.assertEqual(q.get(0), 2)
        with self.assertRaises(TypeError):
            q.put()
        with self.assertRaises(TypeError):
            q.put(1, True, None, 4)
        with self.assertRaises(TypeError):
            q.get(blocking=True)
        with self.assertRaises(TypeError):
            q.put(1, item=2)
        with self.assertRaises(TypeError):
            q.get(timeout="soon")
        with self.assertRaises(ValueError):
            q.get(timeout=float("nan"))
        q.put(3, timeout=2**80)  # no deadline
        self.assertEqual(q.get(timeout=1e300), 3)
        with self.assertRaises(TypeError):
            ringq.Queue("big")

    def test_subclass_generic_weakref(self):
        class Named(ringq.Queue):
            def __init__(self, name, maxsize=0):
                super().__init__(maxsize)
                self.name = name
        q = Named("jobs", 4)
        self.assertEqual((q.name, q.maxsize), ("jobs", 4))
        q.put(1)
        self.assertEqual(q.get(), 1)
        self.assertEqual(ringq.Queue[int].__origin__, ringq.Queue)
        r = weakref.ref(q)
        del q
        gc.collect()
        self.assertIsNone(r())

    def test_task_done_and_join(self):
        q = ringq.Queue()
        with self.assertRaises(ValueError):
            q.task_done()
        q.join()
        q.put(1)
        self.assertEqual(q.unfinished_tasks, 1)
        t, box = blocked(q.join)
        time.sleep(0.1)
        self.assertTrue(t.is_alive())
        q.task_done()
        t.join(LONG)
        self.assertFalse(t.is_alive())
        self.assertEqual(q.unfinished_tasks, 0)


if __name__ == "__main__":
    unittest.main()
