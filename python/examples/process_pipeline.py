# SPDX-License-Identifier: MIT
"""Producer and consumer processes: two producers put jobs with a timeout into a bounded queue,
three workers get them, put results and mark each job done; the main process collects the
results, waits for every job with join(), then stops the workers with one sentinel each. Runs
under the fork and the spawn start methods. The same program runs on multiprocessing's
JoinableQueue: only the import line differs (python/tests/test_examples.py)."""
import multiprocessing as mp
from queue import Empty

from ringq import SharedQueue as JoinableQueue  # stdlib: from multiprocessing import JoinableQueue


def producer(jobs, first, count):
    for n in range(first, first + count):
        jobs.put(n, timeout=10)  # raises Full if the workers stalled for 10 s


def worker(jobs, results):
    while True:
        try:
            n = jobs.get(timeout=30)  # no job (nor sentinel) for 30 s: give up
        except Empty:
            return
        if n is None:
            jobs.task_done()
            return
        results.put((n, sum(i * i for i in range(n % 50))))
        jobs.task_done()


def main(method):
    mp.set_start_method(method, force=True)  # the queues' locks follow the default context
    ctx = mp.get_context(method)
    jobs, results = JoinableQueue(16), JoinableQueue()  # producers wait while 16 jobs are queued
    producers = [ctx.Process(target=producer, args=(jobs, p * 500, 500)) for p in range(2)]
    workers = [ctx.Process(target=worker, args=(jobs, results)) for _ in range(3)]
    for p in producers + workers:
        p.start()
    got = [results.get(timeout=30) for _ in range(1000)]
    jobs.join()  # every job done
    for _ in workers:
        jobs.put(None)
    for p in producers + workers:
        p.join()
    print(f"{method}: {len(got)} results, {len({n for n, _ in got})} distinct jobs, "
          f"total {sum(r for _, r in got)}, exit codes {[p.exitcode for p in producers + workers]}")


if __name__ == "__main__":
    for method in ("fork", "spawn"):
        main(method)
