# SPDX-License-Identifier: MIT
"""ringq.SharedQueue between processes: several producer and consumer processes under the fork
and spawn start methods (exactly once, each producer's order), timeouts that never end early,
Full / Empty, an item too large, shutdown, the queue pickled into a child (memfd and named), the
bytes path, task_done / join across processes, and a producer killed with SIGKILL mid-stream."""
import math
import multiprocessing
import os
import pickle
import queue
import signal
import sys
import tempfile
import threading
import time
import unittest

import ringq

SCALE = int(os.environ.get("RINGQ_TIMEOUT_SCALE", "1"))
LONG = 20.0 * SCALE  # a wait that must be ended by the test's trigger, never by its timeout
LATE = 5.0 * SCALE   # how late a timed call may return on a loaded 2-CPU machine
METHODS = ("fork", "spawn")


def shm_name(tag):
    return f"/ringq-test-{tag}-{os.getpid()}"


# ---- children (module level: spawn imports them) ---------------------------------------------


def produce(q, p, n, raw):
    for i in range(n):
        if raw:
            q.put_bytes(b"%d:%d:" % (p, i) + b"x" * (i % 97))
        else:
            q.put((p, i, "x" * (i % 13)))


def consume(q, out_path, raw, get_timeout):
    """Get until ShutDown (or, with get_timeout, until a get times out): the items go to a file."""
    got, timeouts = [], 0
    while True:
        try:
            if raw:
                b = q.get_bytes(timeout=get_timeout)
                p, i, pad = b.split(b":", 2)
                if pad != b"x" * (int(i) % 97):
                    raise AssertionError("corrupt message")
                got.append((int(p), int(i)))
            else:
                p, i, pad = q.get(timeout=get_timeout)
                if pad != "x" * (i % 13):
                    raise AssertionError("corrupt item")
                got.append((p, i))
        except ringq.ShutDown:
            break
        except queue.Empty:
            timeouts += 1
            break
    with open(out_path, "wb") as f:
        pickle.dump((got, timeouts), f)


def child_echo(q_in, q_out):
    """Get items until None, put each back doubled (objects) or reversed (bytes)."""
    while True:
        x = q_in.get()
        if x is None:
            break
        q_out.put(x * 2)
    q_out.put_bytes(q_in.get_bytes()[::-1])


def child_join_worker(q, n):
    for _ in range(n):
        q.get()
        q.task_done()


def child_blocked_get(q, out_path):
    t0 = time.monotonic()
    try:
        q.get()
        what = "item"
    except ringq.ShutDown:
        what = "shutdown"
    with open(out_path, "w") as f:
        f.write(f"{what} {time.monotonic() - t0}")


def produce_timed(q, p, n, timeout):
    """produce, giving up at the first put that times out (the queue stalled: see the test)."""
    for i in range(n):
        try:
            q.put((p, i, "x" * (i % 13)), timeout=timeout)
        except queue.Full:
            return


def child_put_forever(q, p, started):
    i = 0
    while True:
        if i == 100:
            started.set()  # the parent kills it from now on, mid-stream
        q.put((p, i, "x" * (i % 13)))
        i += 1


# ---- helpers ------------------------------------------------------------------------------


def check_streams(test, results, producers, per, complete=True):
    """Each item at most once (exactly once when complete), each producer's items in order in
    every consumer's stream."""
    seen = set()
    for got in results:
        last = {}
        for p, i in got:
            test.assertNotIn((p, i), seen, "an item got twice")
            seen.add((p, i))
            test.assertGreater(i, last.get(p, -1), "a producer's items out of order")
            last[p] = i
    if complete:
        test.assertEqual(seen, {(p, i) for p in producers for i in range(per)})
    return seen


def run_stream(test, method, nprod, ncons, per, raw, maxsize, capacity=ringq.DEFAULT_CAPACITY):
    ctx = multiprocessing.get_context(method)
    q = ringq.SharedQueue(maxsize, capacity=capacity, ctx=ctx)
    with tempfile.TemporaryDirectory() as d:
        paths = [os.path.join(d, f"c{c}") for c in range(ncons)]
        cons = [ctx.Process(target=consume, args=(q, paths[c], raw, None)) for c in range(ncons)]
        prods = [ctx.Process(target=produce, args=(q, p, per, raw)) for p in range(nprod)]
        for pr in cons + prods:
            pr.start()
        for pr in prods:
            pr.join(60 * SCALE)
            test.assertEqual(pr.exitcode, 0)
        q.shutdown()  # consumers drain what is left, then get ShutDown
        for pr in cons:
            pr.join(60 * SCALE)
            test.assertEqual(pr.exitcode, 0)
        results = []
        for path in paths:
            with open(path, "rb") as f:
                got, timeouts = pickle.load(f)
            test.assertEqual(timeouts, 0)
            results.append(got)
    check_streams(test, results, range(nprod), per)
    test.assertEqual(q.qsize(), 0)


# ---- tests --------------------------------------------------------------------------------


class StreamTest(unittest.TestCase):
    def test_three_producers_two_consumers_fork(self):
        run_stream(self, "fork", 3, 2, 3000, raw=False, maxsize=0)

    def test_three_producers_two_consumers_spawn(self):
        run_stream(self, "spawn", 3, 2, 3000, raw=False, maxsize=0)

    def test_bounded_maxsize_fork(self):
        run_stream(self, "fork", 2, 2, 3000, raw=False, maxsize=8)

    def test_bounded_maxsize_spawn(self):
        run_stream(self, "spawn", 2, 2, 2000, raw=False, maxsize=8)

    def test_small_ring_putters_wait_for_bytes_fork(self):
        # 4 KiB of ring: putters keep waiting for room in bytes, not items.
        run_stream(self, "fork", 2, 2, 3000, raw=True, maxsize=0, capacity=4096)

    def test_bytes_path_spawn(self):
        run_stream(self, "spawn", 2, 2, 3000, raw=True, maxsize=16, capacity=8192)

    def test_one_by_one_fork(self):
        run_stream(self, "fork", 1, 1, 5000, raw=False, maxsize=0)


class BasicsTest(unittest.TestCase):
    def test_api_in_one_process(self):
        q = ringq.SharedQueue(3)
        self.assertEqual((q.maxsize, q.qsize(), q.empty(), q.full()), (3, 0, True, False))
        self.assertEqual(q.capacity, ringq.DEFAULT_CAPACITY)
        self.assertEqual(q.max_message, ringq.DEFAULT_CAPACITY // 2 - 8)
        self.assertIsNone(q.name)
        q.put({"a": [1, 2]})
        q.put_nowait(b"\x00" * 10)
        q.put(None)
        self.assertEqual((q.qsize(), q.full()), (3, True))
        self.assertRaises(queue.Full, q.put_nowait, 4)
        self.assertRaises(queue.Full, q.put, 4, False)
        self.assertEqual(q.get(), {"a": [1, 2]})
        self.assertEqual(q.get_nowait(), b"\x00" * 10)
        self.assertIsNone(q.get(timeout=1))
        self.assertRaises(queue.Empty, q.get_nowait)
        self.assertRaises(queue.Empty, q.get, False)
        self.assertRaises(ValueError, q.get, True, -1)
        self.assertRaises(ValueError, q.put, 1, True, -1)
        self.assertIs(ringq.Empty, queue.Empty)
        self.assertIn("SharedQueue", repr(q))
        q.join_thread()
        q.cancel_join_thread()
        q.close()
        self.assertRaises(ValueError, q.put, 1)
        self.assertRaises(ValueError, q.get)

    def test_unbounded_in_items_bounded_in_bytes(self):
        q = ringq.SharedQueue(capacity=4096)
        self.assertEqual((q.maxsize, q.capacity, q.max_message), (0, 4096, 2040))
        n = 0
        while True:
            try:
                q.put_bytes(b"y" * 100, block=False)
            except queue.Full:
                break
            n += 1
        self.assertEqual(n, 4096 // 112)  # 8 bytes of header, length rounded up to 8
        self.assertTrue(q.full())
        self.assertEqual([q.get_bytes() for _ in range(n)], [b"y" * 100] * n)

    def test_capacity_rounded_and_maxsize_none(self):
        q = ringq.SharedQueue(None, capacity=5000)
        self.assertEqual((q.maxsize, q.capacity), (0, 8192))
        self.assertRaises(ValueError, ringq.SharedQueue, 0, capacity=0)

    def test_bytes_path(self):
        q = ringq.SharedQueue(capacity=1 << 16)
        msgs = [b"", b"a", bytes(range(256)) * 3, bytearray(b"ba"), memoryview(b"xyz")[1:],
                b"m" * q.max_message]
        for m in msgs:
            q.put_bytes(m)
        for m in msgs:
            got = q.get_bytes()
            self.assertIs(type(got), bytes)
            self.assertEqual(got, bytes(m))
        self.assertRaises(TypeError, q.put_bytes, "text")

    def test_protocol_5_and_picklebuffer(self):
        q = ringq.SharedQueue()
        big = bytearray(range(256)) * 100
        q.put(pickle.PickleBuffer(big))
        self.assertEqual(q.get(), big)

    def test_too_large_is_a_value_error_not_a_hang(self):
        q = ringq.SharedQueue(2, capacity=4096)
        t0 = time.monotonic()
        with self.assertRaisesRegex(ValueError, "larger"):
            q.put(b"z" * 5000)
        with self.assertRaisesRegex(ValueError, "larger"):
            q.put_bytes(b"z" * 2041, timeout=LONG)
        q.put_bytes(b"z" * 2040)  # max_message exactly
        self.assertLess(time.monotonic() - t0, LATE)
        # The refused puts took no item slot: two items still fit.
        q.put(1)
        self.assertEqual(q.qsize(), 2)
        self.assertRaises(queue.Full, q.put_nowait, 2)

    def test_timeouts_never_early(self):
        q = ringq.SharedQueue(1, capacity=4096)
        for t in (0.01, 0.2):
            t0 = time.monotonic()
            self.assertRaises(queue.Empty, q.get, True, t)
            el = time.monotonic() - t0
            self.assertGreaterEqual(el, t)
            self.assertLess(el, t + LATE)
        q.put(1)
        t0 = time.monotonic()
        self.assertRaises(queue.Full, q.put, 2, True, 0.2)  # full in items
        el = time.monotonic() - t0
        self.assertGreaterEqual(el, 0.2)
        self.assertLess(el, 0.2 + LATE)
        q2 = ringq.SharedQueue(capacity=4096)
        q2.put_bytes(b"b" * 2040)
        q2.put_bytes(b"s")  # 16 bytes: the next 2048 do not fit in 4096
        t0 = time.monotonic()
        self.assertRaises(queue.Full, q2.put_bytes, b"c" * 2040, True, 0.2)  # full in bytes
        el = time.monotonic() - t0
        self.assertGreaterEqual(el, 0.2)
        self.assertLess(el, 0.2 + LATE)

    def test_get_timeout_counts_the_lock_wait(self):
        # Another getter holds the lock (waits for an item without limit): a timed get ends on
        # time, waiting for the lock.
        ctx = multiprocessing.get_context("fork")
        q = ringq.SharedQueue(ctx=ctx)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "out")
            pr = ctx.Process(target=child_blocked_get, args=(q, path))
            pr.start()
            deadline = time.monotonic() + LONG
            while q._rlock.acquire(False):  # until the child holds the lock
                q._rlock.release()
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.01)
            t0 = time.monotonic()
            self.assertRaises(queue.Empty, q.get, True, 0.3)
            el = time.monotonic() - t0
            self.assertGreaterEqual(el, 0.3)
            self.assertLess(el, 0.3 + LATE)
            q.put("wake")
            pr.join(LONG)
            self.assertEqual(pr.exitcode, 0)
            with open(path) as f:
                self.assertTrue(f.read().startswith("item"))

    def test_task_done_and_join_across_processes(self):
        ctx = multiprocessing.get_context("fork")
        q = ringq.SharedQueue(4, ctx=ctx)
        self.assertTrue(q.join(0))
        for i in range(4):
            q.put(i)
        self.assertFalse(q.join(0.05))
        workers = [ctx.Process(target=child_join_worker, args=(q, 10)) for _ in range(2)]
        for w in workers:
            w.start()
        for i in range(16):
            q.put(i)
        self.assertTrue(q.join(LONG))
        for w in workers:
            w.join(LONG)
            self.assertEqual(w.exitcode, 0)
        self.assertRaises(ValueError, q.task_done)


class ShutDownTest(unittest.TestCase):
    def test_shutdown_drains_then_raises(self):
        q = ringq.SharedQueue(5)
        q.put(1)
        q.put(2)
        q.shutdown()
        self.assertTrue(q.is_shutdown)
        self.assertRaises(ringq.ShutDown, q.put, 3)
        self.assertRaises(ringq.ShutDown, q.put_bytes, b"3")
        self.assertEqual((q.get(), q.get_nowait()), (1, 2))
        self.assertRaises(ringq.ShutDown, q.get)
        self.assertRaises(ringq.ShutDown, q.get_nowait)

    def test_immediate_drops_items(self):
        q = ringq.SharedQueue(5)
        q.put(1)
        q.shutdown(immediate=True)
        self.assertRaises(ringq.ShutDown, q.get)
        self.assertEqual(q.qsize(), 0)

    def test_shutdown_wakes_waiters_in_other_processes(self):
        for method in METHODS:
            with self.subTest(method=method):
                ctx = multiprocessing.get_context(method)
                q = ringq.SharedQueue(ctx=ctx)
                with tempfile.TemporaryDirectory() as d:
                    paths = [os.path.join(d, f"g{i}") for i in range(2)]
                    getters = [ctx.Process(target=child_blocked_get, args=(q, p)) for p in paths]
                    for g in getters:
                        g.start()
                    time.sleep(0.5)  # (not needed for correctness: shutdown is sticky)
                    q.shutdown()
                    for g in getters:
                        g.join(LONG)
                        self.assertEqual(g.exitcode, 0)
                    for p in paths:
                        with open(p) as f:
                            self.assertTrue(f.read().startswith("shutdown"))

    def test_shutdown_wakes_a_putter_waiting_for_an_item_slot(self):
        q = ringq.SharedQueue(1)
        q.put(0)
        box = {}

        def put():
            try:
                q.put(1)
            except ringq.ShutDown:
                box["shutdown"] = True
        t = threading.Thread(target=put)
        t.start()
        time.sleep(0.1)
        q.shutdown()
        t.join(LONG)
        self.assertFalse(t.is_alive())
        self.assertTrue(box.get("shutdown"))


class SubInt(int):
    pass


class SubStr(str):
    pass


class SmallObjectTest(unittest.TestCase):
    """ints, floats, None, bools and short str and bytes go without pickle (shared.c's tags)."""

    def test_values_come_back_equal_and_of_their_type(self):
        q = ringq.SharedQueue()
        values = [0, 1, -1, 2**63 - 1, -2**63, 2**63, -2**63 - 1, 10**40, 1.5, -0.0,
                  float("inf"), None, True, False, b"", b"x" * 256, b"y" * 257, "", "h\u00e9llo",
                  "z" * 256, "\u00e9" * 200, "\ud800", (1, 2), {"a": 1}, [1], bytearray(b"ab"),
                  SubInt(5), SubStr("s")]
        for v in values:
            for put, get in ((q.put, q.get), (q.put_nowait, q.get_nowait)):
                put(v)
                got = get()
                self.assertIs(type(got), type(v), repr(v))
                self.assertEqual(repr(got), repr(v))
        q.put(float("nan"))
        self.assertTrue(math.isnan(q.get()))
        self.assertEqual(q.qsize(), 0)

    def test_a_malformed_tagged_message_is_refused_and_the_next_one_comes(self):
        q = ringq.SharedQueue(3)
        q.put_bytes(b"\x07\xff\xfe")     # a str tag with invalid UTF-8
        q.put_bytes(b"\x01abc")          # an int tag of the wrong length: handed to pickle
        q.put("ok")
        self.assertRaises(UnicodeDecodeError, q.get)
        self.assertRaises(pickle.UnpicklingError, q.get)
        self.assertEqual(q.get(timeout=LONG), "ok")
        self.assertEqual((q.qsize(), q.full()), (0, False))  # the tokens came back


class PicklingTest(unittest.TestCase):
    def test_pickling_outside_a_spawn_is_refused(self):
        q = ringq.SharedQueue()
        with self.assertRaisesRegex(RuntimeError, "inheritance"):
            pickle.dumps(q)

    def echo(self, method, **kw):
        ctx = multiprocessing.get_context(method)
        q_in = ringq.SharedQueue(ctx=ctx, **kw)
        q_out = ringq.SharedQueue(4, ctx=ctx)
        pr = ctx.Process(target=child_echo, args=(q_in, q_out))
        pr.start()
        for x in (1, "ab", [3]):
            q_in.put(x)
            self.assertEqual(q_out.get(timeout=LONG), x * 2)
        q_in.put(None)
        q_in.put_bytes(b"abc")
        self.assertEqual(q_out.get_bytes(timeout=LONG), b"cba")
        pr.join(LONG)
        self.assertEqual(pr.exitcode, 0)
        return q_in

    def test_memfd_queue_into_children(self):
        for method in METHODS + ("forkserver",):
            with self.subTest(method=method):
                self.echo(method)
                self.echo(method, maxsize=2)

    def test_named_queue_into_a_spawned_child(self):
        name = shm_name("named")
        q = self.echo("spawn", maxsize=2, name=name)
        try:
            self.assertEqual(q.name, name)
            self.assertTrue(os.path.exists("/dev/shm" + name))
            self.assertTrue(os.path.exists("/dev/shm" + name + ".slots"))
            with self.assertRaises(FileExistsError):
                ringq.SharedQueue(name=name)
        finally:
            q.unlink()
        self.assertFalse(os.path.exists("/dev/shm" + name))
        self.assertFalse(os.path.exists("/dev/shm" + name + ".slots"))


class DeadProducerTest(unittest.TestCase):
    def test_sigkilled_producer_does_not_hang_consumers(self):
        """Producers stream into a bounded queue; one is killed with SIGKILL mid-stream (most
        likely waiting for room). The consumers keep getting the others' items and end on their
        own: by ShutDown, or by a get timing out (a message the dead producer had reserved and
        not committed holds back the ones after it: the C library's documented limit)."""
        for method in METHODS:
            with self.subTest(method=method):
                ctx = multiprocessing.get_context(method)
                q = ringq.SharedQueue(16, ctx=ctx)
                per = 2000
                with tempfile.TemporaryDirectory() as d:
                    paths = [os.path.join(d, f"c{c}") for c in range(2)]
                    cons = [ctx.Process(target=consume, args=(q, p, False, 2.0 * SCALE))
                            for p in paths]
                    started = ctx.Event()
                    victim = ctx.Process(target=child_put_forever, args=(q, 99, started))
                    prods = [ctx.Process(target=produce_timed, args=(q, p, per, 2.0 * SCALE))
                             for p in range(2)]
                    victim.start()
                    for pr in cons + prods:
                        pr.start()
                    self.assertTrue(started.wait(LONG))
                    time.sleep(0.05)
                    os.kill(victim.pid, signal.SIGKILL)
                    victim.join(LONG)
                    self.assertEqual(victim.exitcode, -signal.SIGKILL)
                    t0 = time.monotonic()
                    for pr in prods:
                        pr.join(60 * SCALE)
                        self.assertEqual(pr.exitcode, 0, "a live producer hung")
                    q.shutdown()
                    for pr in cons:
                        pr.join(60 * SCALE)
                        self.assertEqual(pr.exitcode, 0, "a consumer hung")
                    self.assertLess(time.monotonic() - t0, 60 * SCALE)
                    results, timeouts = [], 0
                    for p in paths:
                        with open(p, "rb") as f:
                            got, t = pickle.load(f)
                        results.append(got)
                        timeouts += t
                # The victim's items: at most once, in order; the live producers' items: all
                # of them unless a consumer timed out (held back behind the dead reservation).
                seen = check_streams(self, results, range(2), per, complete=False)
                live = {(p, i) for p in range(2) for i in range(per)}
                if timeouts == 0:
                    self.assertLessEqual(live, seen)
                print(f"\n  {method}: victim's items got {sum(1 for s in seen if s[0] == 99)}, "
                      f"live items got {len(seen & live)}/{len(live)}, consumer timeouts "
                      f"{timeouts}", file=sys.stderr)


class HostilePeerTest(unittest.TestCase):
    def test_scribbled_mapping_bytes_path(self):
        """The bytes path keeps the C library's promise against a process that writes the shared
        mapping: after random words of the message ring are overwritten, every call returns
        within its bound with a message no longer than max_message or an error (Empty, Full,
        ShutDown, RuntimeError for RINGQ_ECORRUPT), and this process does not crash."""
        import mmap
        import random
        rnd = random.Random(int(os.environ.get("RINGQ_SEED", "16")))
        values = [0, 0xFFFFFFFFFFFFFFFF, 0x80000000 | 40, 0xC0000000 | 64, 1 << 63, 8, 4096]
        outcomes = {}
        for trial in range(150):
            q = ringq.SharedQueue(4, capacity=4096)
            for i in range(rnd.randrange(0, 5)):
                q.put_bytes(bytes([i]) * rnd.randrange(0, 300), block=False)
            fd = q._fds()[0]
            m = mmap.mmap(fd, os.fstat(fd).st_size)
            for _ in range(rnd.randrange(1, 5)):
                off = rnd.randrange(0, len(m) // 8) * 8
                v = rnd.choice(values + [rnd.getrandbits(64)])
                m[off:off + 8] = v.to_bytes(8, "little")
            for call in ("get", "put", "get", "qsize", "full", "get"):
                t0 = time.monotonic()
                try:
                    if call == "get":
                        got = q.get_bytes(timeout=0.02)
                        self.assertLessEqual(len(got), q.max_message)
                        what = "message"
                    elif call == "put":
                        q.put_bytes(b"p" * rnd.randrange(0, 200), timeout=0.02)
                        what = "put"
                    elif call == "qsize":
                        q.qsize()
                        what = "qsize"
                    else:
                        q.full()
                        what = "full"
                except (queue.Empty, queue.Full, ringq.ShutDown, RuntimeError) as e:
                    what = type(e).__name__
                self.assertLess(time.monotonic() - t0, LATE)
                outcomes[what] = outcomes.get(what, 0) + 1
            m.close()
        print(f"\n  outcomes: {dict(sorted(outcomes.items()))}", file=sys.stderr)


class SignalTest(unittest.TestCase):
    """KeyboardInterrupt reaches a main thread blocked in get or put without a timeout (it waits
    in slices, the GIL released); nothing is lost, the lock and the item slot are given back."""

    def interrupted(self, call):
        def kill():
            time.sleep(0.2)
            os.kill(os.getpid(), signal.SIGINT)
        t = threading.Thread(target=kill)
        t.start()
        t0 = time.monotonic()
        with self.assertRaises(KeyboardInterrupt):
            call()
        el = time.monotonic() - t0
        t.join()
        self.assertGreaterEqual(el, 0.15)
        self.assertLess(el, LATE)

    def test_get_and_put(self):
        q = ringq.SharedQueue(1)
        self.interrupted(q.get)
        q.put("a")
        self.interrupted(lambda: q.put("b"))  # full in items
        self.assertEqual(q.get_nowait(), "a")  # the lock was released
        q.put_nowait("c")  # the interrupted put gave its item slot back
        self.assertEqual(q.get_nowait(), "c")
        q2 = ringq.SharedQueue(capacity=4096)
        q2.put_bytes(b"x" * 2040)
        q2.put_bytes(b"y")
        self.interrupted(lambda: q2.put_bytes(b"z" * 2040))  # full in bytes
        self.assertEqual((q2.get_bytes(), q2.get_bytes()), (b"x" * 2040, b"y"))
        self.interrupted(q2.get_bytes)


class DeadGetterTest(unittest.TestCase):
    def test_getter_killed_holding_the_lock_makes_timed_gets_time_out(self):
        """The README's limit, as multiprocessing.Queue's: a getter killed while it holds the
        getters' lock (waiting in get) leaves it held; the other getters' timed gets then raise
        Empty on time (they do not hang), and puts still work."""
        ctx = multiprocessing.get_context("fork")
        q = ringq.SharedQueue(4, ctx=ctx)
        with tempfile.TemporaryDirectory() as d:
            pr = ctx.Process(target=child_blocked_get, args=(q, os.path.join(d, "out")))
            pr.start()
            deadline = time.monotonic() + LONG
            while q._rlock.acquire(False):  # until the child holds the lock
                q._rlock.release()
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.01)
            os.kill(pr.pid, signal.SIGKILL)
            pr.join(LONG)
        q.put("after")
        t0 = time.monotonic()
        self.assertRaises(queue.Empty, q.get, True, 0.2)
        el = time.monotonic() - t0
        self.assertGreaterEqual(el, 0.2)
        self.assertLess(el, 0.2 + LATE)
        self.assertRaises(queue.Empty, q.get_nowait)
        self.assertEqual(q.qsize(), 1)  # the item is there; only the lock is lost


class AsyncioTest(unittest.TestCase):
    def test_processes_feed_an_event_loop(self):
        import asyncio
        ctx = multiprocessing.get_context("fork")
        sq = ringq.SharedQueue(32, ctx=ctx)
        aq = ringq.AsyncQueue(8)
        prods = [ctx.Process(target=produce, args=(sq, p, 500, False)) for p in range(2)]
        for pr in prods:
            pr.start()
        feeder = sq.feed(aq)

        async def main():
            got = []
            while True:
                try:
                    p, i, _ = await asyncio.wait_for(aq.get(), LONG)
                except ringq.QueueShutDown:
                    return got
                got.append((p, i))

        def stop():
            for pr in prods:
                pr.join(LONG)
            sq.shutdown()
        stopper = threading.Thread(target=stop)
        stopper.start()
        got = asyncio.run(main())
        stopper.join(LONG)
        feeder.join(LONG)
        self.assertFalse(feeder.is_alive())
        check_streams(self, [got], range(2), 500)


class AsyncioNoteTest(unittest.TestCase):
    def test_shared_queues_have_no_event_loop_descriptor(self):
        # Why AsyncQueue cannot wrap a SharedQueue: ringq_queue_fd refuses process-shared queues
        # (an eventfd cannot be signalled by another process). The descriptors a SharedQueue has
        # are its memory files'.
        q = ringq.SharedQueue(2)
        fd, slots_fd = q._fds()
        self.assertTrue(os.readlink(f"/proc/self/fd/{fd}").startswith("/memfd:"))
        self.assertGreaterEqual(slots_fd, 0)


if __name__ == "__main__":
    unittest.main()
