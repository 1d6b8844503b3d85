# SPDX-License-Identifier: MIT
"""asyncio producers and consumers with a maxsize throttle: producers wait (await put) while the
queue holds 4 items; consumers process and task_done; join() ends the run, then the consumers are
cancelled. The same program runs on asyncio.Queue: only the import line differs."""
import asyncio

from ringq import AsyncQueue as Queue  # stdlib: from asyncio import Queue


async def producer(queue, name, count):
    for i in range(count):
        await queue.put((name, i))
        assert queue.qsize() <= queue.maxsize


async def consumer(queue, done):
    while True:
        name, i = await queue.get()
        await asyncio.sleep(0.0005)  # the work
        done.append((name, i))
        queue.task_done()


async def main():
    queue = Queue(maxsize=4)
    done = []
    consumers = [asyncio.create_task(consumer(queue, done)) for _ in range(3)]
    await asyncio.gather(*(producer(queue, name, 100) for name in "abc"))
    await queue.join()
    for c in consumers:
        c.cancel()
    await asyncio.gather(*consumers, return_exceptions=True)
    assert sorted(done) == sorted((name, i) for name in "abc" for i in range(100))
    print(f"{len(done)} items through a queue of maxsize {queue.maxsize}; empty: {queue.empty()}")


asyncio.run(main())
