# SPDX-License-Identifier: MIT
"""Benchmark of the ringq package against the standard library, reported like ringq-bench: each
case is measured against its baseline in the same run, repetitions interleaved in a shuffled
order, every item checked, figures as medians with their min-max and as ratios to the baseline.

  python3 python/bench.py [--quick] [--reps N] [--items N] [--seed N] [--only SUBSTRING]

Cases (items are Python ints; the checks fail the run on a lost, duplicated or reordered item):
  stream-1p1c-unbounded  one thread puts N items, another gets them: items/s, Queue()
  stream-1p1c-bounded    the same through Queue(maxsize=64): putters block, getters wake them
  stream-2p2c-bounded    2 putter threads, 2 getter threads, Queue(maxsize=64)
  solo                   one thread puts an item and gets it back: nobody ever waits
  pingpong               thread A puts into queue 1, B gets and puts into queue 2, A gets:
                         round trip, median and p99 over every trip
  bridge-stream          4 threads put N items in all, an asyncio loop gets them: ringq.AsyncQueue
                         (threads use .sync.put, the loop awaits get) against asyncio.Queue fed
                         with loop.call_soon_threadsafe(q.put_nowait, item)
  bridge-roundtrip       the loop sends to a worker thread and awaits its reply: AsyncQueue both
                         ways against queue.Queue to the thread and call_soon_threadsafe back
  proc-1p1c-small        one producer process puts N small objects (ints), one consumer process
                         gets them (fork start method; timed from the first process past a
                         barrier, parent or child, to the last get):
                         ringq.SharedQueue() against multiprocessing.Queue()
  proc-2p2c-small        2 producer and 2 consumer processes, the same
  proc-1p1c-tuple        as proc-1p1c-small with a small container, (i, "item"): an object that
                         SharedQueue pickles (ints, floats, None, bools and short str and bytes
                         skip pickle: see the README), as multiprocessing.Queue pickles everything
  proc-1p1c-4k           4 KiB bytes objects: SharedQueue put/get (pickled), SharedQueue's bytes
                         path (put_bytes/get_bytes), against multiprocessing.Queue put/get
  proc-2p2c-4k           2 and 2 processes, the same
Baselines: queue.Queue (the first five), call_soon_threadsafe + asyncio.Queue (the bridge),
multiprocessing.Queue (the proc cases).
Targets: ringq.Queue at least 3x queue.Queue in the stream cases; ringq.SharedQueue at least 10x
multiprocessing.Queue with small objects.
"""
import argparse
import asyncio
import multiprocessing
import os
import queue
import random
import statistics
import sys
import threading
import time

import ringq

# ---- workloads: each returns (seconds, checked item count) or a list of round-trip seconds ------


def stream(make, n, producers, consumers):
    q = make()
    per = n // producers
    seen = [[] for _ in range(consumers)]
    barrier = threading.Barrier(producers + consumers + 1)
    stop = object()

    def produce(p):
        barrier.wait()
        base = p * per
        for i in range(base, base + per):
            q.put(i)

    def consume(c):
        out = seen[c]
        barrier.wait()
        while True:
            x = q.get()
            if x is stop:
                return
            out.append(x)
    ps = [threading.Thread(target=produce, args=(p,)) for p in range(producers)]
    cs = [threading.Thread(target=consume, args=(c,)) for c in range(consumers)]
    for t in ps + cs:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in ps:
        t.join()
    for _ in cs:
        q.put(stop)
    for t in cs:
        t.join()
    elapsed = time.perf_counter() - t0
    # Check: every item exactly once, and each producer's items in order within each consumer.
    got = sorted(x for s in seen for x in s)
    if got != list(range(per * producers)):
        raise SystemExit(f"FAIL: {make.__name__} lost or duplicated items")
    for s in seen:
        last = [-1] * producers
        for x in s:
            p = x // per
            if x <= last[p]:
                raise SystemExit(f"FAIL: {make.__name__} reordered items")
            last[p] = x
    return elapsed, len(got)


def solo(make, n):
    q = make()
    t0 = time.perf_counter()
    for i in range(n):
        q.put(i)
        if q.get() != i:
            raise SystemExit("FAIL: solo got another item")
    return time.perf_counter() - t0, n


def pingpong(make, n):
    a, b = make(), make()
    trips = []

    def echo():
        while True:
            x = a.get()
            b.put(x)
            if x < 0:
                return
    t = threading.Thread(target=echo)
    t.start()
    for i in range(n):
        t0 = time.perf_counter()
        a.put(i)
        if b.get() != i:
            raise SystemExit("FAIL: pingpong got another reply")
        trips.append(time.perf_counter() - t0)
    a.put(-1)
    b.get()
    t.join()
    return trips


def bridge_stream_ringq(n, threads=4):
    aq = ringq.AsyncQueue(maxsize=1024)
    per = n // threads

    def produce(p):
        for i in range(p * per, (p + 1) * per):
            aq.sync.put(i)

    async def main():
        ts = [threading.Thread(target=produce, args=(p,)) for p in range(threads)]
        t0 = time.perf_counter()
        for t in ts:
            t.start()
        got = [await aq.get() for _ in range(per * threads)]
        elapsed = time.perf_counter() - t0
        for t in ts:
            t.join()
        return elapsed, got
    elapsed, got = asyncio.run(main())
    if sorted(got) != list(range(per * threads)):
        raise SystemExit("FAIL: bridge lost or duplicated items")
    return elapsed, len(got)


def bridge_stream_baseline(n, threads=4):
    per = n // threads

    async def main():
        loop = asyncio.get_running_loop()
        q = asyncio.Queue()

        def produce(p):
            for i in range(p * per, (p + 1) * per):
                loop.call_soon_threadsafe(q.put_nowait, i)
        ts = [threading.Thread(target=produce, args=(p,)) for p in range(threads)]
        t0 = time.perf_counter()
        for t in ts:
            t.start()
        got = [await q.get() for _ in range(per * threads)]
        elapsed = time.perf_counter() - t0
        for t in ts:
            t.join()
        return elapsed, got
    elapsed, got = asyncio.run(main())
    if sorted(got) != list(range(per * threads)):
        raise SystemExit("FAIL: baseline bridge lost or duplicated items")
    return elapsed, len(got)


def bridge_roundtrip_ringq(n):
    to_thread, to_loop = ringq.AsyncQueue(), ringq.AsyncQueue()

    def echo():
        while True:
            x = to_thread.sync.get()
            to_loop.sync.put(x)
            if x < 0:
                return

    async def main():
        t = threading.Thread(target=echo)
        t.start()
        trips = []
        for i in range(n):
            t0 = time.perf_counter()
            to_thread.put_nowait(i)
            if await to_loop.get() != i:
                raise SystemExit("FAIL: bridge round trip got another reply")
            trips.append(time.perf_counter() - t0)
        to_thread.put_nowait(-1)
        await to_loop.get()
        t.join()
        return trips
    return asyncio.run(main())


def bridge_roundtrip_baseline(n):
    async def main():
        loop = asyncio.get_running_loop()
        to_thread, to_loop = queue.Queue(), asyncio.Queue()

        def echo():
            while True:
                x = to_thread.get()
                loop.call_soon_threadsafe(to_loop.put_nowait, x)
                if x < 0:
                    return
        t = threading.Thread(target=echo)
        t.start()
        trips = []
        for i in range(n):
            t0 = time.perf_counter()
            to_thread.put_nowait(i)
            if await to_loop.get() != i:
                raise SystemExit("FAIL: baseline round trip got another reply")
            trips.append(time.perf_counter() - t0)
        to_thread.put_nowait(-1)
        await to_loop.get()
        t.join()
        return trips
    return asyncio.run(main())


# ---- between processes: ringq.SharedQueue against multiprocessing.Queue ------------------------

FORK = multiprocessing.get_context("fork")
KIB4 = 4096


def _proc_produce(q, barrier, starts, slot, p, per, mode):
    barrier.wait()
    starts[slot] = time.monotonic()
    base = p * per
    if mode == "small":
        for i in range(base, base + per):
            q.put(i)
    elif mode == "tuple":
        for i in range(base, base + per):
            q.put((i, "item"))
    else:
        pad = b"x" * (KIB4 - 12)
        put = q.put_bytes if mode == "bytes" else q.put
        for i in range(base, base + per):
            put(b"%012d" % i + pad)


def _proc_consume(q, barrier, starts, slot, conn, mode):
    got = []
    barrier.wait()
    starts[slot] = time.monotonic()
    if mode in ("small", "tuple"):
        while True:
            x = q.get()
            if x is None:
                break
            got.append(x if mode == "small" else x[0])
    else:
        get = q.get_bytes if mode == "bytes" else q.get
        while True:
            x = get()
            if len(x) != KIB4:
                break
            got.append(int(x[:12]))
    conn.send((time.monotonic(), got))
    conn.close()


def proc_stream(make, n, producers, consumers, mode):
    """Items/s through a queue between processes (fork), every item checked: exactly once, and
    each producer's items in order within each consumer. Timed from the first process past the
    barrier (the parent or a child: on a loaded machine the parent may run after the children
    have started) to the last consumer's last get."""
    q = make()
    per = n // producers
    barrier = FORK.Barrier(producers + consumers + 1)
    starts = FORK.Array("d", producers + consumers, lock=False)  # each child's time past the barrier
    pipes = [FORK.Pipe(duplex=False) for _ in range(consumers)]
    ps = [FORK.Process(target=_proc_produce, args=(q, barrier, starts, p, p, per, mode))
          for p in range(producers)]
    cs = [FORK.Process(target=_proc_consume, args=(q, barrier, starts, producers + c, w, mode))
          for c, (_, w) in enumerate(pipes)]
    for pr in ps + cs:
        pr.start()
    barrier.wait()
    t0 = time.monotonic()
    for pr in ps:
        pr.join()
    for _ in cs:
        if mode in ("small", "tuple"):
            q.put(None)
        elif mode == "bytes":
            q.put_bytes(b"")
        else:
            q.put(b"")
    results = [r.recv() for r, _ in pipes]
    for pr in cs:
        pr.join()
    t0 = min([t0] + list(starts))
    elapsed = max(end for end, _ in results) - t0
    got = sorted(x for _, s in results for x in s)
    if got != list(range(per * producers)):
        raise SystemExit(f"FAIL: {make.__name__} lost or duplicated items between processes")
    for _, s in results:
        last = [-1] * producers
        for x in s:
            if x <= last[x // per]:
                raise SystemExit(f"FAIL: {make.__name__} reordered items between processes")
            last[x // per] = x
    if hasattr(q, "close"):
        q.close()
    if hasattr(q, "join_thread"):
        q.join_thread()
    return elapsed, len(got)


def mp_queue():
    return FORK.Queue()


def shared_queue():
    return ringq.SharedQueue(ctx=FORK)


# ---- cases --------------------------------------------------------------------------------------

def unbounded_std():
    return queue.Queue()


def unbounded_ringq():
    return ringq.Queue()


def bounded_std():
    return queue.Queue(64)


def bounded_ringq():
    return ringq.Queue(64)


def cases(n, trips):
    """(workload, kind, name, is_baseline, fn): kind 'rate' (items/s) or 'trip' (round trip)."""
    n_small, n_4k = n, max(n // 5, 100)
    return [
        ("stream-1p1c-unbounded", "rate", "queue.Queue", True, lambda: stream(unbounded_std, n, 1, 1)),
        ("stream-1p1c-unbounded", "rate", "ringq.Queue", False, lambda: stream(unbounded_ringq, n, 1, 1)),
        ("stream-1p1c-bounded", "rate", "queue.Queue", True, lambda: stream(bounded_std, n, 1, 1)),
        ("stream-1p1c-bounded", "rate", "ringq.Queue", False, lambda: stream(bounded_ringq, n, 1, 1)),
        ("stream-2p2c-bounded", "rate", "queue.Queue", True, lambda: stream(bounded_std, n, 2, 2)),
        ("stream-2p2c-bounded", "rate", "ringq.Queue", False, lambda: stream(bounded_ringq, n, 2, 2)),
        ("solo", "rate", "queue.Queue", True, lambda: solo(unbounded_std, n)),
        ("solo", "rate", "ringq.Queue", False, lambda: solo(unbounded_ringq, n)),
        ("pingpong", "trip", "queue.Queue", True, lambda: pingpong(unbounded_std, trips)),
        ("pingpong", "trip", "ringq.Queue", False, lambda: pingpong(unbounded_ringq, trips)),
        ("bridge-stream", "rate", "call_soon_threadsafe+asyncio.Queue", True,
         lambda: bridge_stream_baseline(n)),
        ("bridge-stream", "rate", "ringq.AsyncQueue", False, lambda: bridge_stream_ringq(n)),
        ("bridge-roundtrip", "trip", "queue.Queue+call_soon_threadsafe", True,
         lambda: bridge_roundtrip_baseline(trips)),
        ("bridge-roundtrip", "trip", "ringq.AsyncQueue", False, lambda: bridge_roundtrip_ringq(trips)),
        ("proc-1p1c-tuple", "rate", "multiprocessing.Queue", True,
         lambda: proc_stream(mp_queue, n_small, 1, 1, "tuple")),
        ("proc-1p1c-tuple", "rate", "ringq.SharedQueue", False,
         lambda: proc_stream(shared_queue, n_small, 1, 1, "tuple")),
    ] + [case for p in (1, 2) for case in [
        (f"proc-{p}p{p}c-small", "rate", "multiprocessing.Queue", True,
         lambda p=p: proc_stream(mp_queue, n_small, p, p, "small")),
        (f"proc-{p}p{p}c-small", "rate", "ringq.SharedQueue", False,
         lambda p=p: proc_stream(shared_queue, n_small, p, p, "small")),
        (f"proc-{p}p{p}c-4k", "rate", "multiprocessing.Queue", True,
         lambda p=p: proc_stream(mp_queue, n_4k, p, p, "4k")),
        (f"proc-{p}p{p}c-4k", "rate", "ringq.SharedQueue", False,
         lambda p=p: proc_stream(shared_queue, n_4k, p, p, "4k")),
        (f"proc-{p}p{p}c-4k", "rate", "ringq.SharedQueue put_bytes", False,
         lambda p=p: proc_stream(shared_queue, n_4k, p, p, "bytes")),
    ]]


TARGETS = [("stream-1p1c-unbounded", 3.0), ("stream-1p1c-bounded", 3.0),
           ("stream-2p2c-bounded", 3.0), ("proc-1p1c-small", 10.0), ("proc-2p2c-small", 10.0)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 repetitions of fewer items")
    ap.add_argument("--reps", type=int)
    ap.add_argument("--items", type=int)
    ap.add_argument("--seed", type=int, default=random.randrange(1 << 30))
    ap.add_argument("--only", help="run only the workloads whose name contains this")
    args = ap.parse_args()
    reps = args.reps or (3 if args.quick else 5)
    n = args.items or (20000 if args.quick else 100000)
    trips = max(n // 20, 200)
    all_cases = [c for c in cases(n, trips) if args.only is None or args.only in c[0]]
    order = [(r, i) for r in range(reps) for i in range(len(all_cases))]
    rnd = random.Random(args.seed)
    for r in range(reps):  # each repetition runs every case once, in a shuffled order
        block = order[r * len(all_cases):(r + 1) * len(all_cases)]
        rnd.shuffle(block)
        order[r * len(all_cases):(r + 1) * len(all_cases)] = block
    print(f"ringq python bench: python {sys.version.split()[0]}, ringq {ringq.ringq_version}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start, reps {reps}, "
          f"{n} items per stream, {trips} round trips, seed {args.seed}")
    rates = {}
    for _, i in order:
        workload, kind, name, _, fn = all_cases[i]
        res = fn()
        if kind == "rate":
            secs, count = res
            rates.setdefault(i, []).append(count / secs)
        else:
            rates.setdefault(i, []).append(statistics.median(res))
            rates.setdefault(("p99", i), []).append(sorted(res)[int(len(res) * 0.99)])
    print(f"load average at end {os.getloadavg()[0]:.2f}")
    print(f"{'workload':24} {'queue':36} {'median':>14} {'min-max':>26} {'ratio':>8}")
    ratio_of = {}
    base = {}
    for i, (workload, kind, name, is_base, _) in enumerate(all_cases):
        med = statistics.median(rates[i])
        lo, hi = min(rates[i]), max(rates[i])
        if is_base:
            base[workload] = med
        # ratio > 1 is better for ringq: items/s over the baseline's, or the baseline's round
        # trip over ringq's.
        ratio = med / base[workload] if kind == "rate" else base[workload] / med
        if kind == "rate":
            fig, span = f"{med:,.0f}/s", f"{lo:,.0f}-{hi:,.0f}"
        else:
            p99 = statistics.median(rates[("p99", i)])
            fig, span = f"{med * 1e6:,.1f} us", f"{lo * 1e6:,.1f}-{hi * 1e6:,.1f} p99 {p99 * 1e6:,.0f}"
        if not is_base and workload not in ratio_of:
            ratio_of[workload] = ratio  # the first ringq row of a workload is its target's
        print(f"{workload:24} {name:36} {fig:>14} {span:>26} {ratio:>7.2f}x")
    print("targets:")
    for workload, goal in TARGETS:
        if workload not in ratio_of:
            continue
        r = ratio_of[workload]
        who = ("ringq.SharedQueue", "multiprocessing.Queue") if workload.startswith("proc") \
            else ("ringq.Queue", "queue.Queue")
        print(f"  {workload}: {who[0]} {r:.2f}x {who[1]}, goal >= {goal:g}x: "
              f"{'met' if r >= goal else 'NOT MET'}")
    if os.cpu_count() and os.cpu_count() < 4:
        print(f"note: {os.cpu_count()} CPUs: the 2p2c and bridge cases (4 or 5 threads) "
              f"oversubscribe them; the GIL lets one thread run Python at a time anyway.")
        print(f"note: {os.cpu_count()} CPUs: proc-2p2c runs 4 processes (each with its own GIL), "
              f"proc-1p1c 2; the producers and consumers share the CPUs with whatever else "
              f"loads the machine (the load averages above).")


if __name__ == "__main__":
    main()
