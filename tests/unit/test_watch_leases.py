"""Several bot processes on one Redis queue: each job is followed, stored and announced by
one of them, and a process that dies hands its jobs to another once its lease expires.

Two real :class:`JobWatcher` s (as two processes have them) on one real redis-server and
one store; "dying" is a watcher that stops renewing its lease and ticking, as a SIGKILLed
process does.
"""

from __future__ import annotations

import asyncio
import io
import time

from PIL import Image

from data import job_records, ledger, users
from data.images import ImageFiles
from data.jobs import GeneratedImage, Job, JobKind, OutputVerdict, Result
from data.origins import DiscordOrigin
from data.queue import open_queue
from data.redis_watch import WatchLeases
from studio.credits import CreditRules
from studio.watcher import JobOutcome, JobWatcher

LEASE = 0.6  # seconds: short, so a dead process's jobs move within a test


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return buffer.getvalue()


async def _until(condition, timeout: float = 10.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while not (found := await condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)
    return found


async def test_a_job_is_followed_by_one_process_until_its_lease_expires(redis_url):
    queue = await open_queue(redis_url)
    try:
        first = WatchLeases(queue.client, queue.prefix, LEASE, name="bot-1")
        second = WatchLeases(queue.client, queue.prefix, LEASE, name="bot-2")
        await first.renew()
        await second.renew()
        assert await first.take(["a", "b"]) == {"a", "b"}
        assert await second.take(["a", "b", "c"]) == {"c"}  # a and b have a live follower
        assert await second.orphans() == []

        async def orphaned():  # bot-1 stops renewing: its jobs are up for grabs
            await second.renew()
            return sorted(await second.orphans())

        assert await _until(orphaned, what="bot-1's lease to expire") == ["a", "b"]
        assert await second.take(["a", "b"]) == {"a", "b"}
        await second.release(["a", "c"])
        await first.release(["b"])  # not bot-1's any more: nothing happens
        assert await first.take(["a", "b", "c"]) == {"a", "c"}
    finally:
        await queue.close()


class Process:
    """One bot process's watcher with a listener that records what it would deliver."""

    def __init__(self, name: str, store, queue, files) -> None:
        self.leases = WatchLeases(queue.client, queue.prefix, LEASE, name=name)
        self.watcher = JobWatcher(
            store, queue, files, CreditRules(50, 15, 115), poll_seconds=0.05, leases=self.leases
        )
        self.announced: list[JobOutcome] = []
        self.watcher.add_listener(self._deliver)
        self.hold: asyncio.Event | None = None  # set: the listener waits (a slow upload)

    async def _deliver(self, outcome: JobOutcome) -> None:
        self.announced.append(outcome)
        if self.hold is not None:
            await self.hold.wait()
        await self.watcher.mark_delivered(outcome.job.id)

    def die(self) -> None:
        """SIGKILL: no more ticks, no renewals, nothing let go."""
        for task in (self.watcher._task, self.watcher._lease_task, *self.watcher._listener_tasks):
            if task is not None:
                task.cancel()


async def _submit(store, queue, watcher: JobWatcher, job_id: str, now: float) -> None:
    """What the studio does for a request: the charge and the row in one transaction,
    then the handle, then the queue."""
    job = Job(id=job_id, kind=JobKind.GENERATE, seed=1, n=1, width=8, height=8, steps=1, guidance=1)
    origin = DiscordOrigin(channel_id=9, user_id=1, created_at=now)
    async with store.transaction() as db:
        await users.ensure_user(db, 1, "alice", now)
        await CreditRules(50, 15, 115).charge(db, 1, 1, job_id, now)
        await job_records.insert(
            db, job, user_id=1, cost=1, source_image_id=None, origin=origin, now=now
        )
    watcher.watch(job_id)
    await queue.submit(job)


async def _complete(queue, job_id: str) -> None:
    claim = await queue.claim("gpu", 60)
    assert claim is not None and claim.job.id == job_id
    result = Result(
        job_id=job_id,
        model="tiny",
        width=8,
        height=8,
        images=[GeneratedImage(png=_png(), seed=1)],
        seconds=0.1,
        verdict=OutputVerdict(allowed=True),
    )
    assert await queue.complete(job_id, "gpu", result)


async def test_two_processes_deliver_each_job_once_and_take_over_a_dead_ones(
    store, settings, redis_url
):
    files = ImageFiles(settings.data_dir)
    queues = [await open_queue(redis_url, max_attempts=3) for _ in range(2)]
    one, two = (Process(f"bot-{i}", store, q, files) for i, q in enumerate(queues, 1))
    try:
        await one.watcher.start()
        await two.watcher.start()
        now = time.time()
        await _submit(store, queues[0], one.watcher, "job-alive", now)
        await _complete(queues[1], "job-alive")
        await _until(lambda: _delivered(store, "job-alive"), what="job-alive delivered")
        assert [o.job.id for o in one.announced] == ["job-alive"] and two.announced == []

        # bot-1 submits, then dies before the result comes back: bot-2 takes it over.
        await _submit(store, queues[0], one.watcher, "job-orphaned", now)
        await one.watcher.update_followed()  # bot-1 records it as its own, as its loop does
        one.die()
        await _complete(queues[1], "job-orphaned")
        await _until(lambda: _delivered(store, "job-orphaned"), what="bot-2 to take over")
        assert [o.job.id for o in two.announced] == ["job-orphaned"]
        assert not two.announced[0].recovered  # never settled before: nothing was posted
        assert [o.job.id for o in one.announced] == ["job-alive"]
        async with store.read() as db:
            assert await ledger.balance(db, 1) == 50 - 2  # each job charged once, none refunded
    finally:
        for process in (one, two):
            await process.watcher.stop()
        for queue in queues:
            await queue.close()


async def test_a_result_stored_but_not_marked_is_announced_as_recovered(store, settings, redis_url):
    """bot-1 stored the images and was posting them when it died: bot-2 announces the job
    as ``recovered``, so the Discord adapter looks for the posted answer before posting."""
    files = ImageFiles(settings.data_dir)
    queues = [await open_queue(redis_url) for _ in range(2)]
    one, two = (Process(f"bot-{i}", store, q, files) for i, q in enumerate(queues, 1))
    one.hold = asyncio.Event()  # its upload never ends
    try:
        await one.watcher.start()
        await two.watcher.start()
        await _submit(store, queues[0], one.watcher, "job-posting", time.time())
        await _complete(queues[1], "job-posting")
        await _until(lambda: _announced(one), what="bot-1 to settle and start posting")
        one.die()
        await _until(lambda: _delivered(store, "job-posting"), what="bot-2 to take over")
        assert [(o.job.id, o.recovered, o.ok) for o in two.announced] == [
            ("job-posting", True, True)
        ]
        async with store.read() as db:
            assert (await job_records.get(db, "job-posting")).status == "done"
    finally:
        for process in (one, two):
            await process.watcher.stop()
        for queue in queues:
            await queue.close()


async def _announced(process: Process) -> bool:
    return bool(process.announced)


async def _delivered(store, job_id: str) -> bool:
    async with store.read() as db:
        record = await job_records.get(db, job_id)
    return record is not None and record.delivered_at is not None
