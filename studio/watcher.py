"""The result watcher: follows jobs in the queue, stores their outcome once, tells listeners.

It polls the queue for the jobs the bot still owes an answer for (one query a tick), turns
progress into updates for whoever waits on a :class:`JobHandle`, and on completion writes
the PNGs and image rows (or refunds a failed job) exactly once, then lets the queue forget
the job. After a restart it picks up every job still open in the ``jobs`` table.
Generated images pass the content policy's image check first (the worker's verdict, see
:meth:`bot.moderation.Moderator.screen_output`): a flagged result is not stored or posted,
and its credit is refunded like a failed job's.

With several processes on one Redis queue (``leases``), each follows only the jobs it
submitted or took over from a process that died (:mod:`data.redis_watch`), so every
outcome is stored and delivered by one process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from data import images, job_records
from data.images import ImageFiles, ImageRecord, new_image_id
from data.job_records import JobRecord, RecordStatus
from data.jobs import GeneratedImage, JobState, JobStatus, Result
from data.queue import Changes, JobQueue
from data.redis_watch import WatchLeases
from data.store import Store
from studio.credits import CreditRules
from studio.tasks import cancel_and_wait

if TYPE_CHECKING:
    from studio.moderation import Moderator

log = logging.getLogger(__name__)

WITHHELD = "the images were withheld by the content filter ({reason})"
FLAGGED = "flagged"  # the reason when a verdict that refuses gives none
_IMAGE_ID = re.compile(r"[0-9a-f]{12}")  # data.images.new_image_id


@dataclass(frozen=True)
class JobUpdate:
    job_id: str
    state: JobState
    ahead: int
    step: int
    total_steps: int
    preview: bytes | None = None  # a rough JPEG of the job so far, when the worker makes them

    @property
    def fraction(self) -> float:
        return self.step / self.total_steps if self.total_steps else 0.0


@dataclass(frozen=True)
class JobOutcome:
    job: JobRecord
    images: list[ImageRecord]
    error: str | None = None  # why it failed, a sentence for people
    grid: bytes | None = None  # the worker's grid of the images, when it sent one
    withheld: str | None = None  # the content filter's reason, when it withheld the images
    # finished by a process that died before marking it delivered: it may have been posted
    recovered: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


OutcomeListener = Callable[[JobOutcome], Awaitable[None]]


class JobHandle:
    """What a caller holds for a submitted job: live updates, then the outcome."""

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        self._updates: asyncio.Queue[JobUpdate | None] = asyncio.Queue()
        self._outcome: asyncio.Future[JobOutcome] = asyncio.get_running_loop().create_future()

    async def updates(self) -> AsyncIterator[JobUpdate]:
        """Progress updates (state, queue position, step) until the job finishes."""
        while (update := await self._updates.get()) is not None:
            yield update

    async def outcome(self) -> JobOutcome:
        return await asyncio.shield(self._outcome)

    def _publish(self, update: JobUpdate) -> None:
        self._updates.put_nowait(update)

    def _finish(self, outcome: JobOutcome) -> None:
        if not self._outcome.done():
            self._outcome.set_result(outcome)
        self._updates.put_nowait(None)


class JobWatcher:
    def __init__(
        self,
        store: Store,
        queue: JobQueue,
        files: ImageFiles,
        credits: CreditRules,
        *,
        poll_seconds: float = 0.25,
        clock: Callable[[], float] = time.time,
        moderator: Moderator | None = None,
        leases: WatchLeases | None = None,
    ) -> None:
        self.store = store
        self.moderator = moderator
        self.queue = queue
        self.files = files
        self.credits = credits
        self.poll_seconds = poll_seconds
        self.clock = clock
        self._handles: dict[str, JobHandle] = {}
        self._last: dict[str, JobUpdate] = {}
        self._listeners: list[OutcomeListener] = []
        self._task: asyncio.Task | None = None
        self._listener_tasks: set[asyncio.Task] = set()
        self._storage_errors: set[str] = set()  # jobs whose images could not be written yet
        self.leases = leases  # None: this process follows every job (one process)
        self._unclaimed: set[str] = set()  # watched, not yet recorded as ours in the leases
        self._recovered: set[str] = set()  # taken over as undelivered, until marked
        self._done: set[str] = set()  # delivered: to let go of in the leases (in one trip)
        self._lease_task: asyncio.Task | None = None

    def add_listener(self, listener: OutcomeListener) -> None:
        """Called with every outcome, including jobs submitted before a restart."""
        self._listeners.append(listener)

    def latest(self, job_id: str) -> JobUpdate | None:
        """The last progress seen of a watched, unfinished job (None: none yet, or done).
        For callers that poll (a web page) rather than hold the job's handle."""
        return self._last.get(job_id)

    def watch(self, job_id: str) -> JobHandle:
        handle = self._handles.get(job_id)
        if handle is None:
            handle = self._handles[job_id] = JobHandle(job_id)
            if self.leases is not None:
                self._unclaimed.add(job_id)  # recorded as ours at the next renewal
        return handle

    async def start(self) -> None:
        """Adopt every job still open in the database and start polling."""
        if self.leases is None:
            async with self.store.read() as db:
                for job_id in await job_records.open_ids(db):
                    self.watch(job_id)
        else:
            await self.leases.renew()
            await self._adopt_unfollowed()
            self._lease_task = asyncio.create_task(self._keep_leases(), name="job-leases")
        self._task = asyncio.create_task(self._run(), name="job-watcher")

    async def stop(self) -> None:
        if self._listener_tasks:
            await asyncio.wait(self._listener_tasks, timeout=10)
        for task in (self._task, self._lease_task):
            await cancel_and_wait(task)
        self._task = self._lease_task = None
        if self.leases is not None:
            with contextlib.suppress(Exception):  # Redis gone: the lease expires by itself
                await self._let_go()
                await self.leases.end()  # the others take our open jobs over now

    # -- several processes: each follows its own jobs, and takes over those of the dead ----

    async def _keep_leases(self) -> None:
        """Renew this process's lease a few times per lease, each time bringing the jobs it
        follows up to date (:meth:`update_followed`). After renewals failed for longer
        than the lease (Redis away), others may have taken this process's jobs: keep only
        those still ours."""
        assert self.leases is not None
        every = self.leases.lease_seconds / 3
        renewed = time.monotonic()
        while True:
            await asyncio.sleep(every)
            try:
                await self.leases.renew()
                if time.monotonic() - renewed >= self.leases.lease_seconds:
                    await self._keep_only_ours()
                renewed = time.monotonic()
                await self.update_followed()
            except Exception:
                log.exception("could not renew the job lease; retrying")

    async def update_followed(self) -> None:
        """Record the jobs submitted here since the last renewal as ours, let go of those
        delivered, and take over the jobs of processes that died.

        Done here, a few times per lease, not on every tick: a job becomes another
        process's to adopt only once it is a lease old and unrecorded, and a delivered one
        still recorded is only found delivered. Two Redis round trips per job fewer.
        """
        assert self.leases is not None
        if self._unclaimed:
            await self._claim_new()
        if self._done:
            await self._let_go()
        await self._adopt_unfollowed()

    async def _keep_only_ours(self) -> None:
        assert self.leases is not None
        watched = list(self._handles)
        ours = await self.leases.take(watched)
        for job_id in watched:
            if job_id not in ours:
                log.warning("job %s was taken over while this process was cut off", job_id)
                self._handles.pop(job_id, None)

    async def _adopt_unfollowed(self) -> None:
        """Take over the jobs of processes whose lease expired, and open jobs nobody
        follows (their process died between the commit and its next tick)."""
        assert self.leases is not None
        old = self.clock() - self.leases.lease_seconds  # a younger one's process ticks soon
        async with self.store.read() as db:
            unfollowed = await job_records.open_ids(db, created_before=old)
        candidates = [*await self.leases.orphans(), *unfollowed]
        mine = set(self._handles) | self._recovered
        taken = await self.leases.take([i for i in dict.fromkeys(candidates) if i not in mine])
        for job_id in taken:
            await self._adopt(job_id)

    async def _adopt(self, job_id: str) -> None:
        """Follow a job taken over: open ones are watched, finished ones announced (their
        process may have posted them: ``recovered``), the rest let go."""
        assert self.leases is not None
        async with self.store.read() as db:
            record = await job_records.get(db, job_id)
            produced = await images.of_job(db, job_id) if record is not None else []
        if record is None or record.delivered_at is not None:
            await self.leases.release([job_id])
        elif record.status is RecordStatus.QUEUED:
            log.info("following job %s: its process stopped", job_id)
            self._handles.setdefault(job_id, JobHandle(job_id))
        else:
            log.info("delivering job %s: its process stopped before it was marked", job_id)
            with contextlib.suppress(Exception):  # its result may still wait in the queue
                await self.queue.forget(job_id)
            self._announce(replace(_outcome(record, produced), recovered=True))

    async def _let_go(self) -> None:
        """Tell the leases this process is done with the jobs delivered since the last
        tick (a crash before that only makes another process find them delivered)."""
        assert self.leases is not None
        done, self._done = list(self._done), set()
        await self.leases.release(done)

    async def _claim_new(self) -> None:
        """Record the jobs submitted here since the last tick as this process's."""
        assert self.leases is not None
        new, self._unclaimed = list(self._unclaimed), set()
        taken = await self.leases.take(new)
        for job_id in new:
            if job_id not in taken:  # another process took it over first: it delivers it
                log.warning("job %s is followed by another process", job_id)
                self._handles.pop(job_id, None)

    async def _run(self) -> None:
        changes: Changes | None = None
        looked_at_all = 0.0
        while True:
            # Every job at least once a poll: the places in the queue (a claim names no
            # job), a ring lost while Redis reconnected.
            if time.monotonic() - looked_at_all >= self.poll_seconds:
                changes = None
            if changes is None:
                looked_at_all = time.monotonic()
            try:
                await self.tick(changes)
            except Exception:
                log.exception("result watcher tick failed; retrying")
            changes = await self.queue.wait_for_changes(self.poll_seconds)

    async def tick(self, changes: Changes | None = None) -> None:
        """Read the statuses of the jobs followed and act on them: of every one, or of
        those ``changes`` names: a ring for one job costs one status, not one per job in
        flight (tens with seconds-long jobs, hundreds with a backlog)."""
        if changes is None:
            ids = list(self._handles)
        else:
            ids = [job_id for job_id in changes.jobs if job_id in self._handles]
        if not ids:
            return
        statuses = await self.queue.statuses(ids)
        if self._unclaimed and any(
            job_id in self._unclaimed and _ends(statuses.get(job_id)) for job_id in ids
        ):
            # Recorded as ours before its outcome is stored: a process that died after
            # storing it unrecorded would leave it to nobody (only queued jobs are adopted).
            await self._claim_new()
        for job_id in ids:
            if job_id not in self._handles:  # another process follows it
                continue
            status = statuses.get(job_id)
            if status is None:
                await self._resubmit_or_settle(job_id)
            elif _ends(status):
                await self._settle(job_id, status)
            else:
                self._publish(job_id, status)

    def _publish(self, job_id: str, status: JobStatus) -> None:
        update = JobUpdate(
            job_id, status.state, status.ahead, status.step, status.total_steps, status.preview
        )
        if self._last.get(job_id) != update:
            self._last[job_id] = update
            self._handles[job_id]._publish(update)

    async def _resubmit_or_settle(self, job_id: str) -> None:
        """A job the queue does not know: never sent (crash after commit), or settled already."""
        async with self.store.read() as db:
            record = await job_records.get(db, job_id)
        if record is None:
            self._handles.pop(job_id, None)
        elif record.status is RecordStatus.QUEUED:
            log.warning("job %s was not in the queue; submitting it again", job_id)
            await self.queue.submit(record.job)
        else:
            self._announce(await self._outcome_of(record))

    async def _settle(self, job_id: str, status: JobStatus) -> None:
        """Store a finished job's outcome once: its images (files, then rows) or its refund.

        Two store sessions: a read for the record (the output check may then run in a
        thread, never inside a write transaction that would hold up every other writer),
        and one transaction that finishes the job and reads back what it announces.
        """
        now = self.clock()
        async with self.store.read() as db:
            record = await job_records.get(db, job_id)
        if record is None:
            log.error("queue reported job %s that the database does not know", job_id)
            self._handles.pop(job_id, None)
            return
        withheld = await self._withheld(record, status)
        new_rows: list[ImageRecord] = []
        if withheld is None and status.state is JobState.DONE and status.result is not None:
            try:
                new_rows = await self._write_images(record, status, now)
            except OSError as error:
                self._storage_failed(job_id, error)
                return  # the result stays in the queue; the next tick tries again
            except ValueError as error:  # a worker's result that names no file of ours
                log.error("job %s: %s", job_id, error)
                status = status.model_copy(
                    update={"state": JobState.FAILED, "error": "the images could not be stored"}
                )
        grid = await self._grid(status.result) if withheld is None else None
        async with self.store.transaction() as db:
            if new_rows:
                finished = await job_records.finish(db, job_id, RecordStatus.DONE, None, now)
                if finished:
                    await images.insert_all(db, new_rows)
                    # What was just written, without reading it back.
                    settled, produced = (
                        replace(record, status=RecordStatus.DONE, finished_at=now),
                        new_rows,
                    )
            else:
                failure = status.error or "the job failed"
                reason = WITHHELD.format(reason=withheld) if withheld else failure
                finished = False
                if await job_records.finish(
                    db, job_id, RecordStatus.FAILED, reason, now, withheld=withheld
                ):
                    await self.credits.refund(
                        db, record.user_id, record.cost, job_id, f"refund: {reason}"[:200], now
                    )
            if not finished:  # failed, or settled before (or forgotten): as the store has it
                settled = await job_records.get(db, job_id)
                produced = await images.of_job(db, job_id)
        self._storage_errors.discard(job_id)
        if status.result is not None and status.result.stored_paths:
            await self._drop_unused(status.result, produced)
        await self.queue.forget(job_id)
        if settled is None:  # forgotten (/forget-me) meanwhile: nobody to tell
            self._handles.pop(job_id, None)
            return
        self._announce(_outcome(settled, produced), grid)

    async def _write_images(
        self, record: JobRecord, status: JobStatus, now: float
    ) -> list[ImageRecord]:
        """Write the PNGs (one trip to a thread for all: the event loop's time is the limit)
        and return their rows, not yet inserted."""
        result = status.result
        assert result is not None
        stored = [image.stored for image in result.images]
        if any(stored) and not all(stored):
            raise ValueError("a worker stored some of a result's images and sent the others")
        if all(stored):  # the worker wrote them (Job.storage)
            image_ids = [_stored_id(image) for image in result.images]
            paths = [self.files.relative_path(image_id) for image_id in image_ids]
        else:
            image_ids = [new_image_id() for _ in result.images]
            paths = await asyncio.to_thread(
                self.files.write_all, image_ids, [image.png for image in result.images]
            )
        return [
            ImageRecord(
                id=image_id,
                job_id=record.id,
                position=position,
                owner_id=record.user_id,
                path=path,
                prompt=record.job.prompt,
                negative=record.job.negative_prompt,
                seed=image.seed,
                model=result.model,
                width=result.width,
                height=result.height,
                parent_id=record.source_image_id,
                created_at=now,
            )
            for position, (image_id, path, image) in enumerate(
                zip(image_ids, paths, result.images, strict=True), start=1
            )
        ]

    async def _withheld(self, record: JobRecord, status: JobStatus) -> str | None:
        """Why a finished job's images must not be shown (the filter's reason, None: they
        may): the worker's verdict, or a check here (off the event loop) when no worker
        made one."""
        result = status.result
        if status.state is not JobState.DONE or result is None:
            return None
        if self.moderator is None:
            flagged = result.verdict is not None and not result.verdict.allowed
            return (result.verdict.reason or FLAGGED) if flagged else None
        guild_id = record.origin.guild_id if record.origin is not None else None
        try:
            if result.verdict is None and any(image.stored for image in result.images):
                result = await asyncio.to_thread(self._with_pngs, result)  # to check them here
            verdict = await self.moderator.screen_output(
                record.user_id, guild_id, result, record.job.output_rules, record.job.prompt
            )
        except Exception:  # unreadable PNGs, a broken detector: never show unchecked images
            log.exception("could not check the images of job %s", record.id)
            return "they could not be checked"
        return None if verdict.allowed else (verdict.reason or FLAGGED)

    def _with_pngs(self, result: Result) -> Result:
        """A result whose worker stored its images, with their bytes read back."""
        images = [
            image.model_copy(update={"png": self.files.read_path(image.path)})
            if image.path is not None
            else image
            for image in result.images
        ]
        return result.model_copy(update={"images": images})

    async def _grid(self, result: Result | None) -> bytes | None:
        """The worker's grid of a result, sent along or stored (None: the delivery lays it
        out, e.g. when a stored grid was lost)."""
        if result is None:
            return None
        if result.grid_path is None:
            return result.grid
        try:
            return await asyncio.to_thread(self.files.read_path, result.grid_path)
        except OSError as error:
            log.warning("job %s: its grid could not be read (%s)", result.job_id, error)
            return None

    async def _drop_unused(self, result: Result, produced: list[ImageRecord]) -> None:
        """Delete what the worker stored that no image row references: images withheld
        here or of a job forgotten meanwhile, a grid stored by an earlier build (read)."""
        kept = {record.path for record in produced}
        unused = [path for path in result.stored_paths if path not in kept]
        if unused:  # nearly always none: a thread hop only for what there is to delete
            await asyncio.to_thread(self.files.remove_all, unused)

    def _storage_failed(self, job_id: str, error: OSError) -> None:
        """A full disk or a read-only folder: keep the job open, and say so once per job."""
        if job_id not in self._storage_errors:
            self._storage_errors.add(job_id)
            log.error(
                "cannot store the images of job %s (%s); its result stays in the queue and "
                "is stored and delivered once writing works again",
                job_id,
                error,
            )

    # -- delivery bookkeeping: what an adapter that answers later asks ------------------

    async def awaits_delivery(self, job_id: str) -> bool:
        """True while the job is finished and its answer has not been marked delivered
        (the outcome a listener got may be stale: another task may have delivered it)."""
        async with self.store.read() as db:
            record = await job_records.get(db, job_id)
        return record is not None and record.delivered_at is None

    async def undelivered(self) -> list[JobOutcome]:
        """Finished jobs whose answer has not reached their user yet, oldest first."""
        async with self.store.read() as db:
            waiting = await job_records.undelivered(db)
        if self.leases is not None:  # those no other live process is delivering
            taken = await self.leases.take([record.id for record in waiting])
            waiting = [record for record in waiting if record.id in taken]
            self._recovered |= taken
        return [await self._outcome_of(record) for record in waiting]

    async def mark_delivered(self, job_id: str) -> bool:
        """Record that the job's answer reached its user; False when it was marked before."""
        async with self.store.statement() as db:  # one UPDATE … WHERE delivered_at IS NULL
            marked = await job_records.mark_delivered(db, job_id, self.clock())
        if self.leases is not None and job_id in self._recovered:
            self._recovered.discard(job_id)
            await self.leases.release([job_id])
        return marked

    async def _outcome_of(self, record: JobRecord) -> JobOutcome:
        async with self.store.read() as db:
            return _outcome(record, await images.of_job(db, record.id))

    def _announce(self, outcome: JobOutcome, grid: bytes | None = None) -> None:
        if grid is not None and outcome.images:
            outcome = replace(outcome, grid=grid)  # the worker's grid, for the first delivery
        handle = self._handles.pop(outcome.job.id, None)
        self._last.pop(outcome.job.id, None)
        if handle:
            handle._finish(outcome)
        # A slow listener (a Discord upload) must not hold up the other jobs' updates.
        task = asyncio.create_task(self._notify_all(outcome))
        self._listener_tasks.add(task)
        task.add_done_callback(self._listener_tasks.discard)

    async def _notify_all(self, outcome: JobOutcome) -> None:
        """Every listener, side by side; then the job is no longer this process's."""
        await asyncio.gather(*(self._notify(listener, outcome) for listener in self._listeners))
        if self.leases is not None:
            self._done.add(outcome.job.id)  # let go of on the next tick, with the others

    @staticmethod
    async def _notify(listener: OutcomeListener, outcome: JobOutcome) -> None:
        try:
            await listener(outcome)
        except Exception:
            log.exception("outcome listener failed for job %s", outcome.job.id)


def _stored_id(image: GeneratedImage) -> str:
    """The id a worker stored an image under, if it is one the studio makes."""
    if image.image_id is None or not _IMAGE_ID.fullmatch(image.image_id):
        raise ValueError(f"a worker stored an image under a malformed id {image.image_id!r}")
    return image.image_id


def _outcome(record: JobRecord, produced: list[ImageRecord]) -> JobOutcome:
    """What a settled job tells its waiters: its images, or why it failed."""
    failed = record.status is RecordStatus.FAILED
    return JobOutcome(
        record,
        produced,
        record.error if failed else None,
        withheld=record.withheld if failed else None,
    )


def _ends(status: JobStatus | None) -> bool:
    """Whether this tick stores the job's outcome (or sends it again): a finished job, or
    one the queue does not know."""
    return status is None or status.state in (JobState.DONE, JobState.FAILED)
