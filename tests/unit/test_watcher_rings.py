"""The watcher reads only what a ring says changed: one job's status for its progress or
its end, the waiting jobs' for a claim, every job's when the queue cannot tell. With tens
of jobs in flight, each ring used to read every one of them."""

from __future__ import annotations

from data.images import ImageFiles
from data.jobs import JobState, JobStatus
from data.queue import Changes, open_queue
from data.redis_queue import RedisQueue
from studio.credits import CreditRules
from studio.watcher import JobWatcher
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

        await watcher.tick(Changes(positions=True))  # a claim: the waiting ones' places
        await watcher.tick(None)  # nothing known: all of them
        assert queue.asked == [["a", "b", "c"], ["a"], ["b", "c"], ["a", "b", "c"]]
    finally:
        await queue.close()
