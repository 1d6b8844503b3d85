# SPDX-License-Identifier: MIT
"""ringq.AsyncQueue: an asyncio event loop fed by threads (and feeding them) through the queue's
descriptors; asyncio.Queue's API and exceptions; several coroutines waiting at once; cancellation;
join; shutdown."""
import asyncio
import os
import threading
import time
import unittest

import ringq

SCALE = int(os.environ.get("RINGQ_TIMEOUT_SCALE", "1"))
LONG = 20.0 * SCALE


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, LONG))


class BridgeTest(unittest.TestCase):
    def test_threads_feed_the_loop_exactly_once(self):
        aq = ringq.AsyncQueue(maxsize=8)  # threads block on sync.put: the loop's gets wake them
        n, producers = 5000, 4

        def produce(p):
            for i in range(n):
                aq.sync.put((p, i))
                if i % 1000 == 0:
                    time.sleep(0.01)  # let the loop empty the queue and wait on the descriptor

        async def main():
            ts = [threading.Thread(target=produce, args=(p,)) for p in range(producers)]
            for t in ts:
                t.start()
            got = [await aq.get() for _ in range(n * producers)]
            for t in ts:
                t.join()
            return got
        got = run(main())
        self.assertEqual(sorted(got), [(p, i) for p in range(producers) for i in range(n)])
        for p in range(producers):  # one producer's items arrive in its order
            mine = [i for q, i in got if q == p]
            self.assertEqual(mine, list(range(n)))
        self.assertTrue(aq.empty())

    def test_loop_feeds_threads_with_throttle(self):
        aq = ringq.AsyncQueue(maxsize=3)
        results = []
        lock = threading.Lock()
        peak = [0]

        def work():
            while True:
                try:
                    x = aq.sync.get()
                except ringq.ShutDown:
                    return
                with lock:
                    results.append(x * x)
                    peak[0] = max(peak[0], aq.qsize())
                time.sleep(0.0005)
                aq.sync.task_done()

        async def main():
            ts = [threading.Thread(target=work) for _ in range(2)]
            for t in ts:
                t.start()
            for i in range(300):
                await aq.put(i)  # waits for room on the WRITABLE descriptor
                self.assertLessEqual(aq.qsize(), 3)
            await aq.join()  # waits on the JOINED descriptor while threads call task_done
            self.assertEqual(aq.sync.unfinished_tasks, 0)
            aq.shutdown()
            for t in ts:
                t.join()
        run(main())
        self.assertEqual(sorted(results), [i * i for i in range(300)])
        self.assertLessEqual(peak[0], 3)

    def test_many_coroutines_wait_at_once(self):
        aq = ringq.AsyncQueue()

        async def getter(out):
            out.append(await aq.get())

        async def main():
            out = []
            tasks = [asyncio.create_task(getter(out)) for _ in range(20)]
            await asyncio.sleep(0.05)  # all twenty wait on the descriptor
            threading.Thread(target=lambda: [aq.sync.put(i) for i in range(20)]).start()
            await asyncio.gather(*tasks)
            return out
        self.assertEqual(sorted(run(main())), list(range(20)))

    def test_cancelled_waiter_leaves_no_reader(self):
        aq = ringq.AsyncQueue()

        async def main():
            with self.assertRaises(asyncio.TimeoutError):
                await asyncio.wait_for(aq.get(), 0.05)
            loop = asyncio.get_running_loop()
            fd = aq.sync._fd(ringq.READABLE)
            self.assertFalse(loop.remove_reader(fd))  # nothing registered any more
            threading.Timer(0.05, aq.sync.put, ("x",)).start()
            return await aq.get()
        self.assertEqual(run(main()), "x")

    def test_shutdown_from_a_thread_ends_waiting_get_and_put(self):
        aq = ringq.AsyncQueue(1)

        async def main():
            aq.put_nowait(0)
            put = asyncio.create_task(aq.put(1))
            await asyncio.sleep(0.05)
            self.assertFalse(put.done())
            threading.Timer(0.05, aq.sync.shutdown).start()
            with self.assertRaises(ringq.QueueShutDown):
                await put
            self.assertEqual(await aq.get(), 0)  # drains first, as queue.Queue's shutdown
            with self.assertRaises(ringq.QueueShutDown):
                await aq.get()
        run(main())

    def test_api_and_exceptions(self):
        aq = ringq.AsyncQueue(maxsize=2)

        async def main():
            self.assertTrue(aq.empty())
            self.assertEqual(aq.maxsize, 2)
            with self.assertRaises(asyncio.QueueEmpty):
                aq.get_nowait()
            aq.put_nowait("a")
            await aq.put("b")
            self.assertTrue(aq.full())
            self.assertEqual(aq.qsize(), 2)
            with self.assertRaises(asyncio.QueueFull):
                aq.put_nowait("c")
            self.assertEqual(aq.get_nowait(), "a")
            self.assertEqual(await aq.get(), "b")
            aq.task_done()
            aq.task_done()
            with self.assertRaises(ValueError):
                aq.task_done()
            await aq.join()
            with self.assertRaises(asyncio.TimeoutError):
                await asyncio.wait_for(aq.get(), 0.05)
        run(main())

    def test_join_waits_for_a_thread(self):
        aq = ringq.AsyncQueue()

        async def main():
            aq.put_nowait(1)
            self.assertEqual(aq.get_nowait(), 1)
            t0 = time.monotonic()
            threading.Timer(0.1, aq.task_done).start()
            await aq.join()
            return time.monotonic() - t0
        self.assertGreaterEqual(run(main()), 0.1)

    def test_waiting_sleeps_on_the_descriptors(self):
        """A coroutine waiting for an item, for room or for join sleeps in the loop's selector:
        the loop thread uses almost no CPU while it waits (a busy retry would use it all)."""
        aq = ringq.AsyncQueue(1)

        async def idle_wait(awaitable, trigger):
            threading.Timer(0.3, trigger).start()
            cpu = time.thread_time()
            result = await awaitable
            return result, time.thread_time() - cpu

        async def main():
            got, cpu_get = await idle_wait(aq.get(), lambda: aq.sync.put("item"))
            self.assertEqual(got, "item")
            aq.put_nowait("full")
            _, cpu_put = await idle_wait(aq.put("next"), aq.sync.get)
            aq.sync.task_done()
            aq.sync.task_done()
            self.assertEqual(aq.sync.unfinished_tasks, 1)
            _, cpu_join = await idle_wait(aq.join(), aq.sync.task_done)
            return cpu_get, cpu_put, cpu_join
        for cpu in run(main()):
            self.assertLess(cpu, 0.1)

    def test_one_queue_across_two_event_loops(self):
        aq = ringq.AsyncQueue()

        async def once(tag):
            threading.Timer(0.05, aq.sync.put, (tag,)).start()
            return await aq.get()  # registers the reader on this loop
        self.assertEqual(run(once("first")), "first")
        self.assertEqual(run(once("second")), "second")  # the first loop is closed by now


if __name__ == "__main__":
    unittest.main()
