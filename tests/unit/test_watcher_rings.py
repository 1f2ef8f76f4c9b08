"""The watcher reads only what a ring says changed: one job's status for its progress or
its end, and every job's at its regular look (the places in the queue) or when the queue
cannot tell. With tens of jobs in flight, each ring used to read every one of them."""

from __future__ import annotations

import asyncio

from data.images import ImageFiles
from data.jobs import JobState, JobStatus
from data.queue import Changes, open_queue
from data.redis_queue import RedisQueue
from studio.credits import CreditRules
from studio.watcher import JobWatcher
from tests.e2e.conftest import wait_until
from tests.unit.test_queue_contract import make_job


class RecordingQueue(RedisQueue):
    """The real Redis queue, recording which ids each status read asked for."""

    asked: list[list[str]]

    async def statuses(self, job_ids: list[str]) -> dict[str, JobStatus]:
        self.asked.append(sorted(job_ids))
        return await super().statuses(job_ids)


async def test_a_ring_for_one_job_reads_that_jobs_status_only(store, settings, redis_url):
    opened = await open_queue(redis_url)
    queue = RecordingQueue(opened.client)
    queue.asked = []
    watcher = JobWatcher(store, queue, ImageFiles(settings.data_dir), CreditRules(50, 15, 115))
    try:
        for job_id in ("a", "b", "c"):
            await queue.submit(make_job(job_id, user_id=ord(job_id)))
            watcher.watch(job_id)
        await queue.claim("w", 30)  # a runs; b and c wait
        await watcher.tick()
        assert watcher.latest("a").state is JobState.RUNNING
        assert watcher.latest("b").state is JobState.QUEUED

        await queue.heartbeat("a", "w", 1, 4, 30)
        await watcher.tick(Changes(frozenset({"a"})))
        assert watcher.latest("a").step == 1

        await watcher.tick(Changes())  # a claim names no job: places wait for the next look
        await watcher.tick(None)  # nothing known: all of them
        assert queue.asked == [["a", "b", "c"], ["a"], ["a", "b", "c"]]
    finally:
        await queue.close()


async def test_places_are_read_while_rings_for_other_jobs_keep_coming(store, settings, redis_url):
    """A claim names no job: the watcher still looks at every job once a poll, however
    busy the rings for one other job keep it."""
    queue = await open_queue(redis_url)
    watcher = JobWatcher(
        store, queue, ImageFiles(settings.data_dir), CreditRules(50, 15, 115), poll_seconds=0.1
    )
    for job_id in ("busy", "waiting"):
        await queue.submit(make_job(job_id, user_id=len(job_id)))
        watcher.watch(job_id)
    await queue.claim("w", 30)  # busy runs
    await watcher.start()
    step = 0

    async def beating() -> None:
        nonlocal step
        while True:
            step += 1
            await queue.heartbeat("busy", "w", step, 10_000, 30)
            await asyncio.sleep(0.005)  # rings far more often than the watcher's poll

    beats = asyncio.create_task(beating())
    try:
        await wait_until(lambda: watcher.latest("waiting") is not None, timeout=10)
        await queue.claim("w", 30)  # waiting runs now: a ring that names no job
        claimed_at = step
        await wait_until(lambda: watcher.latest("waiting").state is JobState.RUNNING, timeout=10)
        assert step > claimed_at  # the other job's rings went on meanwhile
    finally:
        beats.cancel()
        await watcher.stop()
        await queue.close()
