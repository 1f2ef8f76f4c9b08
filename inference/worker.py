"""The worker loop: claim a batch of jobs, paint it off the event loop, report each job's
progress, finish (PNGs, output checks) and complete or fail each job.

Finishing is pipelined: while batch k+1 paints on the GPU, batch k's images are encoded and
checked on CPU threads (:mod:`inference.postprocess`), so the GPU does not wait for the CPU
between batches when work is queued. At most one batch is being finished at a time (the
next one waits for it before it is handed over), so memory stays flat. On a CPU the two
would share the same cores (measured slower: bench/pipelining.py), so a CPU worker finishes
each batch before it paints the next.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from dataclasses import dataclass

from data.jobs import Job, Result
from data.queue import Claim, JobQueue
from inference.batching import BatchRunner, JobFailure, Painted, finish
from inference.engine import Engine
from inference.postprocess import PostProcessor
from inference.storing import ResultStorage

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.2  # seconds between progress writes while steps fly by
ANNOUNCE_SECONDS = 10.0  # how often a worker tells the queue which model it serves
ANNOUNCE_TTL_SECONDS = 45.0  # an announcement not renewed this long: the worker is gone


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class _Batch:
    """A claimed batch on its way through the worker: painted, then finished."""

    jobs: list[Job]
    done: asyncio.Event  # set when every job is reported: the heartbeats stop
    beats: asyncio.Task
    painted: Painted
    progress: _Progress


class Worker:
    """Claims compatible jobs as one batch (up to ``batch_images`` images, waiting at most
    ``batch_wait`` seconds for batch-mates), paints them, finishes them (PNGs, output
    checks, grid) while the next batch paints, and completes or fails each.

    Args:
        queue: the queue to claim from (any backend).
        engine: runs a batch on the model (its pipelines, previews).
        worker_id: the name the queue knows this worker by; default host and pid.
        lease_seconds: how long a claim holds without a heartbeat before another worker
            may take the job (``LEASE_SECONDS``).
        poll_seconds: the longest wait between looks at an empty queue.
        batch_images: the most images one pipeline call makes (``BATCH_SIZE``).
        batch_wait: seconds to wait for batch-mates after the first job (``BATCH_WAIT_MS``).
        post: encodes, checks and lays out the images; default: the engine's PNGs, no check
            (the bot then checks the results itself).
        storage: the bot's image storage as this worker sees it: jobs that name it get
            their PNGs written there, and the queue carries paths (and the grid); default:
            the bytes travel in the queue.
        pipelined: finish a batch while the next one paints; default: on an accelerator
            (CUDA, MPS), not on a CPU.
    """

    def __init__(
        self,
        queue: JobQueue,
        engine: Engine,
        *,
        worker_id: str | None = None,
        lease_seconds: float = 60.0,
        poll_seconds: float = 0.25,
        batch_images: int = 1,
        batch_wait: float = 0.0,
        post: PostProcessor | None = None,
        pipelined: bool | None = None,
        storage: ResultStorage | None = None,
    ) -> None:
        self.queue = queue
        self.engine = engine
        self.runner = BatchRunner(engine)
        self.post = post or PostProcessor(engine.model_name, provenance=engine.provenance)
        self.pipelined = engine.device.type != "cpu" if pipelined is None else pipelined
        self.worker_id = worker_id or default_worker_id()
        self.lease_seconds = lease_seconds
        self.poll_seconds = poll_seconds
        self.batch_images = batch_images
        self.batch_wait = batch_wait
        self.storage = storage
        self._had_mates = False  # the last batch had several jobs: requests come together

    async def run(self, stop: asyncio.Event) -> None:
        """Work until ``stop`` is set; the batches in hand are finished first."""
        log.info(
            "worker %s ready (model %s, batches of up to %d images, output checks %s)",
            self.worker_id,
            self.engine.model_name,
            self.batch_images,
            "on" if self.post.checker else "left to the bot",
        )
        finishing: asyncio.Task | None = None  # the one batch being finished
        announcing = asyncio.create_task(self._announce(stop))
        try:
            while not stop.is_set():
                batch = await self._paint_next()
                if finishing is not None:
                    await finishing  # at most one batch in post-processing
                    finishing = None
                if batch is not None and not self.pipelined:
                    await self._finish(batch)
                    continue
                if batch is not None:
                    finishing = asyncio.create_task(self._finish(batch))
                    continue
                idle = asyncio.create_task(self.queue.wait_for_jobs(self.poll_seconds))
                stopping = asyncio.create_task(stop.wait())
                await asyncio.wait({idle, stopping}, return_when=asyncio.FIRST_COMPLETED)
                for task in (idle, stopping):
                    task.cancel()
        finally:
            if finishing is not None:
                await finishing
            announcing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await announcing
            with contextlib.suppress(Exception):  # the queue may be gone; the entry runs out
                await self.queue.retire(self.worker_id)

    async def _announce(self, stop: asyncio.Event) -> None:
        """Tell the queue which model this worker serves, every ANNOUNCE_SECONDS while it
        runs (painting included: the loop runs beside the paint thread), so the studio
        can refuse jobs for a model nobody serves instead of letting them wait."""
        model = self.engine.model_name
        while not stop.is_set():
            try:
                await self.queue.announce(self.worker_id, model, ANNOUNCE_TTL_SECONDS)
            except Exception:  # the queue is away: try again next time
                log.warning("worker %s: could not announce its model", self.worker_id)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), ANNOUNCE_SECONDS)

    async def run_one(self) -> bool:
        """Paint and finish one batch of jobs if there are any; False when the queue was
        empty."""
        batch = await self._paint_next()
        if batch is None:
            return False
        await self._finish(batch)
        return True

    async def _paint_next(self) -> _Batch | None:
        """Claim the next batch and paint it off the event loop; None when none is queued."""
        claims = await self.claim_batch()
        if not claims:
            return None
        jobs = [claim.job for claim in claims]
        for claim in claims:
            log.info(
                "job %s (%s, attempt %d) started in a batch of %d",
                claim.job.id,
                claim.job.kind.value,
                claim.attempt,
                len(claims),
            )
        progress = _Progress([job.id for job in jobs])
        done = asyncio.Event()
        beats = asyncio.create_task(self._heartbeats(progress, done))
        try:
            painted = await asyncio.to_thread(
                self.runner.paint, jobs, progress.update, progress.show
            )
        except Exception as error:  # a bug outside any one job: fail them all, visibly
            log.exception("batch of %d jobs failed", len(jobs))
            failed = JobFailure(f"generation failed: {error}")
            painted = Painted(jobs, dict.fromkeys((job.id for job in jobs), failed), 0.0)
        except BaseException:  # cancelled: stop the heartbeats first
            done.set()
            await beats
            raise
        return _Batch(jobs, done, beats, painted, progress)

    async def _finish(self, batch: _Batch) -> None:
        """Encode and check the batch's images on CPU threads, then report every job; the
        leases are kept alive until then."""
        try:
            outcomes = await asyncio.to_thread(finish, batch.painted, self.post)
        except Exception as error:  # a bug outside any one job: fail them all, visibly
            log.exception("finishing a batch of %d jobs failed", len(batch.jobs))
            outcomes = {job.id: JobFailure(f"generation failed: {error}") for job in batch.jobs}
        if self.storage is not None:  # every job's files at once, each in its own thread
            jobs = batch.jobs
            stored = await asyncio.gather(*(self._store(job, outcomes[job.id]) for job in jobs))
            outcomes.update(zip([job.id for job in jobs], stored, strict=True))
        try:
            for job in batch.jobs:
                batch.progress.current.pop(job.id, None)  # reported: its lease ends with it
                try:
                    await self._report(job, outcomes[job.id])
                except Exception:  # the queue is away: the lease runs out, the job runs again
                    log.exception("job %s: could not report its outcome", job.id)
        finally:
            batch.done.set()
            await batch.beats  # never cancelled mid-write: that would leave a transaction open

    async def claim_batch(self) -> list[Claim]:
        """The oldest job and its batch-mates, waiting up to ``batch_wait`` to fill the batch.

        It waits only while requests come together (this or the last batch had several
        jobs): a lone user's jobs start at once, and a burst fills batches in full.
        """
        claims = await self.queue.claim_batch(
            self.worker_id, self.lease_seconds, self.batch_images, model=self.engine.model_name
        )
        if not claims:
            return []
        room = self.batch_images - sum(claim.job.n for claim in claims)
        deadline = time.monotonic() + self.batch_wait
        together = self._had_mates or len(claims) > 1
        while together and room > 0 and (left := deadline - time.monotonic()) > 0:
            await self.queue.wait_for_jobs(left)
            more = await self.queue.claim_batch(
                self.worker_id, self.lease_seconds, room, like=claims[0].job
            )
            claims += more
            room -= sum(claim.job.n for claim in more)
        self._had_mates = len(claims) > 1
        return claims

    async def _store(self, job: Job, outcome: Result | JobFailure) -> Result | JobFailure:
        assert self.storage is not None
        return await self.storage.put(job, outcome) if isinstance(outcome, Result) else outcome

    async def _report(self, job: Job, outcome: Result | JobFailure) -> None:
        if isinstance(outcome, Result) and outcome.verdict and not outcome.verdict.allowed:
            log.warning("job %s: images withheld (%s)", job.id, outcome.verdict.reason)
        if isinstance(outcome, JobFailure):
            await self.queue.fail(job.id, self.worker_id, outcome.reason)
            if outcome.refused:
                log.warning("job %s refused: %s", job.id, outcome.reason)
            else:
                log.warning("job %s failed: %s", job.id, outcome.reason)
        elif await self.queue.complete(job.id, self.worker_id, outcome):
            log.info("job %s done in %.2fs", job.id, outcome.seconds)
        else:
            log.warning("job %s finished after its lease was lost; result dropped", job.id)
            if self.storage is not None:
                await self.storage.drop(outcome)

    async def _heartbeats(self, progress: _Progress, finished: asyncio.Event) -> None:
        """Extend every job's lease and publish its progress while the engine runs."""
        lease_every = self.lease_seconds / 3
        last_beat = 0.0
        reported: dict[str, tuple[int, int]] = {}
        while not finished.is_set():
            now = time.monotonic()
            renew = now - last_beat >= lease_every
            if renew:
                last_beat = now
            for job_id, current in list(progress.current.items()):
                preview = progress.previews.pop(job_id, None)
                if current == reported.get(job_id) and not renew and preview is None:
                    continue
                reported[job_id] = current
                try:
                    held = await self.queue.heartbeat(
                        job_id, self.worker_id, *current, self.lease_seconds, preview
                    )
                except Exception:  # a busy queue must not cost the batch; retried next beat
                    log.exception("job %s: heartbeat failed", job_id)
                    reported.pop(job_id, None)
                    continue
                if not held and job_id in progress.current:  # not just reported
                    log.warning("job %s: lease lost", job_id)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(finished.wait(), PROGRESS_INTERVAL)


class _Progress:
    """The latest (step, total) and unsent preview of each job, as the engine's thread
    reports them."""

    def __init__(self, job_ids: list[str]) -> None:
        self.current = dict.fromkeys(job_ids, (0, 0))
        self.previews: dict[str, bytes] = {}

    def update(self, job_ids: list[str], step: int, total: int) -> None:
        for job_id in job_ids:
            self.current[job_id] = (step, total)

    def show(self, previews: dict[str, bytes]) -> None:
        self.previews.update(previews)
