"""Several processes opening one new SQLite store at the same moment, as two bot processes
(or a bot and a SQLite-queue worker) do on their first start. SQLite refused one of them
at once while both switched the new file to WAL ("database is locked", its busy timeout not
waited: sqlite3_busy_handler's deadlock rule), and the refused process then hung on
aiosqlite's thread instead of exiting."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from multiprocessing.synchronize import Barrier
from pathlib import Path

from data.store import Store

PROCESSES = 3
ROUNDS = 30  # each a new file; without the retry some round failed in most runs here


def _open_each_round(folder: str, barrier: Barrier, failures: multiprocessing.Queue) -> None:
    """One process: for each round, wait for the others, then open (and close) the store."""

    async def rounds() -> None:
        for number in range(ROUNDS):
            barrier.wait()
            try:
                store = await Store.open(Path(folder) / str(number) / "imagine.db")
            except Exception as error:  # reported, the process goes on to the next round
                failures.put(f"round {number}: {error!r}")
            else:
                await store.close()

    asyncio.run(rounds())


def test_processes_opening_a_new_store_at_once_all_open_it(tmp_path: Path):
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES, timeout=60)
    failures = context.Queue()
    processes = [
        context.Process(target=_open_each_round, args=(str(tmp_path), barrier, failures))
        for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    deadline = time.monotonic() + 60
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    hung = [process.pid for process in processes if process.exitcode is None]
    for process in processes:
        process.kill()
    reported = []
    while not failures.empty():
        reported.append(failures.get())
    assert reported == []
    assert hung == []
    assert [process.exitcode for process in processes] == [0] * PROCESSES
