# SPDX-License-Identifier: MIT
"""A pool of worker threads fed by one queue: join() as the barrier between two batches, results
collected with get(timeout=...), workers that leave when no job comes within a timeout. The same
program runs on queue.Queue: only the import line differs (python/tests/test_examples.py)."""
import threading

from ringq import Empty, Queue  # stdlib: from queue import Empty, Queue

jobs = Queue(maxsize=8)  # producers wait while 8 jobs are pending
results = Queue()


def worker():
    while True:
        try:
            n = jobs.get(timeout=0.5)  # no job for half a second: the pool is done
        except Empty:
            return
        results.put((n, sum(i * i for i in range(n))))
        jobs.task_done()


pool = [threading.Thread(target=worker) for _ in range(4)]
for t in pool:
    t.start()
for batch in (range(0, 200), range(200, 400)):
    for n in batch:
        jobs.put(n, timeout=10)  # raises Full if the workers stalled for 10 s
    jobs.join()  # every job of the batch is done
    print(f"batch {batch.start}-{batch.stop - 1}: {results.qsize()} results so far")
for t in pool:
    t.join()
total = {}
while True:
    try:
        n, v = results.get_nowait()
    except Empty:
        break
    total[n] = v
assert total == {n: sum(i * i for i in range(n)) for n in range(400)}
print(f"{len(total)} results, checksum {sum(total.values())}")
