"""The worker loop: claim a job, run it off the event loop, report progress, complete or fail."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time

from data.jobs import Job
from data.queue import JobQueue
from inference.engine import Engine, JobInputError

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.2  # seconds between progress writes while steps fly by


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Worker:
    def __init__(
        self,
        queue: JobQueue,
        engine: Engine,
        *,
        worker_id: str | None = None,
        lease_seconds: float = 60.0,
        poll_seconds: float = 0.25,
    ) -> None:
        self.queue = queue
        self.engine = engine
        self.worker_id = worker_id or default_worker_id()
        self.lease_seconds = lease_seconds
        self.poll_seconds = poll_seconds

    async def run(self, stop: asyncio.Event) -> None:
        """Work until ``stop`` is set; the job in hand is finished first."""
        log.info("worker %s ready (model %s)", self.worker_id, self.engine.model_name)
        while not stop.is_set():
            if not await self.run_one():
                idle = asyncio.create_task(self.queue.wait_for_jobs(self.poll_seconds))
                stopping = asyncio.create_task(stop.wait())
                await asyncio.wait({idle, stopping}, return_when=asyncio.FIRST_COMPLETED)
                for task in (idle, stopping):
                    task.cancel()

    async def run_one(self) -> bool:
        """Run one job if there is one; False when the queue was empty."""
        claim = await self.queue.claim(self.worker_id, self.lease_seconds)
        if claim is None:
            return False
        job = claim.job
        log.info("job %s (%s, attempt %d) started", job.id, job.kind.value, claim.attempt)
        progress = _Progress()
        beats = asyncio.create_task(self._heartbeats(job, progress))
        try:
            result = await asyncio.to_thread(self.engine.run, job, progress.update)
        except JobInputError as error:
            await self.queue.fail(job.id, self.worker_id, str(error))
            log.warning("job %s refused: %s", job.id, error)
            return True
        except Exception as error:
            log.exception("job %s failed", job.id)
            await self.queue.fail(job.id, self.worker_id, f"generation failed: {error}")
            return True
        finally:
            beats.cancel()
        if await self.queue.complete(job.id, self.worker_id, result):
            log.info("job %s done in %.2fs", job.id, result.seconds)
        else:
            log.warning("job %s finished after its lease was lost; result dropped", job.id)
        return True

    async def _heartbeats(self, job: Job, progress: _Progress) -> None:
        """Extend the lease and publish progress while the engine runs in its thread."""
        lease_every = self.lease_seconds / 3
        last_beat = 0.0
        reported = (-1, -1)
        while True:
            now = time.monotonic()
            if progress.current != reported or now - last_beat >= lease_every:
                reported = progress.current
                last_beat = now
                held = await self.queue.heartbeat(
                    job.id, self.worker_id, *reported, self.lease_seconds
                )
                if not held:
                    log.warning("job %s: lease lost", job.id)
            await asyncio.sleep(PROGRESS_INTERVAL)


class _Progress:
    """The latest (step, total) the engine's thread reported."""

    def __init__(self) -> None:
        self.current = (0, 0)

    def update(self, step: int, total: int) -> None:
        self.current = (step, total)
