# SPDX-License-Identifier: MIT
"""Worker threads feeding an asyncio event loop (what asyncio.Queue alone cannot do: it is not
thread-safe): threads put results with the blocking API of `aq.sync`, the loop awaits them, and a
maxsize makes fast threads wait for the loop instead of filling memory."""
import asyncio
import threading

import ringq


def crunch(aq, first, count):
    for n in range(first, first + count):
        aq.sync.put((n, n * n))  # blocks while 16 results wait for the loop


async def main():
    aq = ringq.AsyncQueue(maxsize=16)
    threads = [threading.Thread(target=crunch, args=(aq, k * 1000, 1000)) for k in range(4)]
    for t in threads:
        t.start()
    total = 0
    for _ in range(4000):
        n, square = await aq.get()  # the loop sleeps in its selector until a thread puts
        assert square == n * n
        total += square
    for t in threads:
        t.join()
    assert total == sum(n * n for n in range(4000))
    print(f"4000 results from 4 threads, sum {total}")


asyncio.run(main())
