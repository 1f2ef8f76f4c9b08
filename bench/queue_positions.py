"""How does the cost of queue positions grow with the queue? The bot's watcher asks the
SQLite queue for the status and position of every job it follows, each tick; with a long
queue it follows every queued job.

    .venv/bin/python bench/queue_positions.py [--sizes 250 500 1000 2000]

For each size, N jobs from 20 users wait in a fresh queue and one ``statuses()`` call asks
for all of them. Prints the time per call and, for each doubling, the ratio of times: 2 is
linear growth, 4 would be quadratic.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from data.jobs import Job, JobKind
from data.sqlite_queue import SqliteQueue
from data.store import Store

REPEATS = 5


async def time_statuses(folder: Path, size: int) -> float:
    """Best of REPEATS: seconds for one statuses() call over ``size`` queued jobs."""
    store = await Store.open(folder / f"queue-{size}.db")
    queue = SqliteQueue(store)
    ids = [f"job{i:05}" for i in range(size)]
    for i, job_id in enumerate(ids):
        job = Job(
            id=job_id, kind=JobKind.GENERATE, user_id=i % 20, prompt="p", seed=i, n=4,
            width=512, height=512, steps=2, guidance=0,
        )  # fmt: skip
        await queue.submit(job)
    await queue.claim("bench", 60)  # one running job: positions count it too
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        statuses = await queue.statuses(ids)
        best = min(best, time.perf_counter() - started)
    assert sorted(s.ahead for s in statuses.values() if s.ahead) == list(range(1, size))
    await queue.close()
    await store.close()
    return best


async def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        times = [await time_statuses(Path(folder), size) for size in sizes]
    previous = None
    for size, seconds in zip(sizes, times, strict=True):
        line = f"{size:>6} queued jobs: statuses() of all of them {seconds * 1000:8.1f} ms"
        if previous:
            line += f"   ×{seconds / previous[1]:.2f} for ×{size / previous[0]:.0f} jobs"
        print(line)
        previous = (size, seconds)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 500, 1000, 2000])
    asyncio.run(main(parser.parse_args().sizes))
