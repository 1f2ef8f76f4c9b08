"""The queue seam: what the bot and the workers need of any queue backend.

The embedded default is :class:`data.sqlite_queue.SqliteQueue`; :class:`data.redis_queue.
RedisQueue` runs the same contract on Redis Streams for workers on many machines. Delivery
is at-least-once with bounded attempts: a claimed job carries a lease, and a lease that
runs out makes the job claimable again.

Both backends take jobs in the same fair order, fixed when a job is submitted so that the
queue position a user sees is true: each job gets a *lane* and a *turn*, and jobs run in
(lane, turn, arrival) order. A user's queued jobs take successive turns, and a user with
nothing queued joins the turn now being served, so users alternate (round robin) and one
user's twenty jobs do not hold up everyone else. A job paid with paid credits goes to the
first lane when ``paid_first_after`` or more jobs are waiting; otherwise, and for free
credits, to the normal lane. Jobs whose worker died run again before anything new.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from data.jobs import Job, JobStatus, Priority, Result

FIRST_LANE = 0  # paid jobs that arrived while the queue was long
NORMAL_LANE = 1
PAID_FIRST_AFTER = 10  # default: paid jobs go first once this many jobs are waiting


class QueueUnavailable(Exception):
    """The queue a URL names cannot be reached (Redis down, wrong host).

    An ordinary exception, so a caller can catch it (retry, report, exit); the entry points
    print it as one sentence naming the ``QUEUE`` setting.
    """


def lane_for(job: Job, waiting: int, paid_first_after: int) -> int:
    """The lane a new job joins, given how many jobs are waiting before it."""
    paid = job.priority is Priority.PAID
    return FIRST_LANE if paid and waiting >= paid_first_after else NORMAL_LANE


@dataclass(frozen=True)
class Claim:
    job: Job
    attempt: int


@dataclass(frozen=True)
class RunningJob:
    """A job a worker holds, as an operator sees it."""

    job_id: str
    worker: str
    step: int
    total_steps: int
    attempt: int
    silent_seconds: float  # since the worker last claimed or heartbeat it


@dataclass(frozen=True)
class QueueOverview:
    """The queue at a glance: how long it is and what each worker is doing."""

    waiting: int
    running: list[RunningJob]
    dead_letters: int | None = None  # Redis keeps finally failed jobs in a stream


@dataclass(frozen=True)
class Changes:
    """What woke the watcher: these jobs changed (progress, an end). A claim moves every
    waiting job's place and names none: the watcher reads places at its regular look at
    every job (a status line shows them at most every 1.5 s), not at every claim."""

    jobs: frozenset[str] = frozenset()


class JobQueue(ABC):
    @abstractmethod
    async def submit(self, job: Job) -> None:
        """Enqueue a job; submitting the same job id twice enqueues it once."""

    @abstractmethod
    async def claim(
        self, worker_id: str, lease_seconds: float, model: str | None = None
    ) -> Claim | None:
        """Atomically take the next job in fair order, or None; two workers never get one job.

        ``model``: only a job asked of that model (or of none: ``Job.model`` empty), the
        waiting ones and those whose worker died alike; None takes any job."""

    async def claim_batch(
        self,
        worker_id: str,
        lease_seconds: float,
        max_images: int,
        like: Job | None = None,
        model: str | None = None,
    ) -> list[Claim]:
        """Claim jobs that can share one pipeline call, together at most ``max_images`` images.

        Without ``like``: the job :meth:`claim` would take, then its batch-mates (see
        :meth:`claim_like`; a first job bigger than ``max_images`` comes alone). With
        ``like``: only batch-mates of that job (a worker topping up a batch; the model is
        part of the batch key). ``[]`` when there is none.
        """
        claims: list[Claim] = []
        if like is None:
            first = await self.claim(worker_id, lease_seconds, model)
            if first is None:
                return []
            claims.append(first)
            like = first.job
            max_images -= first.job.n
        if max_images > 0:
            claims += await self.claim_like(worker_id, lease_seconds, like, max_images)
        return claims

    async def claim_like(
        self, worker_id: str, lease_seconds: float, like: Job, max_images: int
    ) -> list[Claim]:
        """Queued jobs with the same :meth:`Job.batch_key` as ``like``, in the fair order
        :meth:`claim` serves, while their running sum of images fits in ``max_images``.
        This default finds none (one job per call); a backend overrides it to batch."""
        return []

    @abstractmethod
    async def announce(self, worker_id: str, model: str, ttl_seconds: float) -> None:
        """A worker serves ``model`` for the next ``ttl_seconds``; it repeats this while it
        runs, so a worker that died drops out when its last announcement runs out."""

    @abstractmethod
    async def retire(self, worker_id: str) -> None:
        """A worker stops: it serves nothing any more."""

    @abstractmethod
    async def served_models(self) -> dict[str, int]:
        """The models live workers serve now, each with how many workers serve it."""

    @abstractmethod
    async def heartbeat(
        self,
        job_id: str,
        worker_id: str,
        step: int,
        total_steps: int,
        lease_seconds: float,
        preview: bytes | None = None,
    ) -> bool:
        """Report progress and extend the lease; False when the lease was lost.

        ``preview`` (a small JPEG) replaces the job's progress preview; None keeps it. The
        preview is dropped when the job finishes."""

    @abstractmethod
    async def complete(self, job_id: str, worker_id: str, result: Result) -> bool:
        """Store the result; False when this worker no longer holds the job."""

    @abstractmethod
    async def fail(self, job_id: str, worker_id: str, reason: str) -> bool:
        """Finally fail a job (bad input, model error); False when the lease was lost."""

    @abstractmethod
    async def statuses(self, job_ids: list[str]) -> dict[str, JobStatus]:
        """The state of each known job id, with queue position and progress."""

    @abstractmethod
    async def forget(self, job_id: str) -> None:
        """The bot has stored the outcome; the queue may drop the job and its result."""

    @abstractmethod
    async def forget_user(self, user_id: int) -> int:
        """/forget-me: drop everything the queue still keeps of the user's finished jobs
        (payloads, results, dead letters); returns how many entries went. Open jobs stay
        (the bot refuses to forget while some run)."""

    @abstractmethod
    async def overview(self) -> QueueOverview:
        """Waiting jobs and running ones (longest silent first), in one snapshot."""

    async def wait_for_jobs(self, timeout: float) -> None:
        """Return when a job may be waiting, or after ``timeout``; workers call it when idle."""
        await asyncio.sleep(timeout)

    async def wait_for_changes(self, timeout: float) -> Changes | None:
        """Return when a job may have changed (progress, done), or after ``timeout``: what
        changed, when the queue can tell; None: any job may have."""
        await asyncio.sleep(timeout)
        return None

    @abstractmethod
    async def close(self) -> None: ...


async def open_queue(
    url: str, *, max_attempts: int = 3, paid_first_after: int = PAID_FIRST_AFTER
) -> JobQueue:
    """Open the queue a URL names: ``sqlite:///path/to.db`` (embedded), ``redis://host``,
    or ``postgresql://…`` (the embedded queue's table in a PostgreSQL store)."""
    if url.startswith(("sqlite:///", "postgresql://", "postgres://")):
        from data.sqlite_queue import SqliteQueue
        from data.store import Store, is_postgres

        store = await Store.open(url if is_postgres(url) else Path(url.removeprefix("sqlite:///")))
        return SqliteQueue(
            store, max_attempts=max_attempts, paid_first_after=paid_first_after, owns_store=True
        )
    if url.startswith(("redis://", "rediss://", "unix://")):
        from data.redis_queue import RedisQueue

        return await RedisQueue.connect(
            url, max_attempts=max_attempts, paid_first_after=paid_first_after
        )
    scheme = url.split(":", 1)[0]
    raise ValueError(
        f"QUEUE: unsupported queue backend {scheme!r} (use sqlite:///PATH, redis://HOST:PORT or postgresql://HOST/DB)"
    )
