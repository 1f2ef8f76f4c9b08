"""The bot's record of each request (the ``jobs`` table): owner, cost, outcome, delivery.

The queue holds what a worker needs; this table holds what the bot owes the user. A job
row is written in the same transaction as the credit it costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import aiosqlite

from data.jobs import Job
from data.origins import Origin, dump_origin, load_origin


class RecordStatus(StrEnum):
    """What the bot knows of a request's outcome (the ``jobs.status`` column)."""

    #: not finished: waiting or running in the queue (or not handed to it yet)
    QUEUED = "queued"
    #: finished with images, stored under ``images``
    DONE = "done"
    #: finished without images; ``error`` says why and the credit was refunded
    FAILED = "failed"


@dataclass(frozen=True)
class JobRecord:
    id: str
    user_id: int
    kind: str
    prompt: str
    job: Job
    source_image_id: str | None
    cost: int
    status: RecordStatus
    error: str | None
    origin: Origin | None  # where the answer goes (None: nowhere, e.g. rows made by tests)
    delivered_at: float | None
    created_at: float
    finished_at: float | None
    # why the content filter withheld the images (``error`` says it in a sentence)
    withheld: str | None = None


_COLUMNS = (
    "id, user_id, kind, prompt, request, source_image_id, cost, status, error, origin,"
    " delivered_at, created_at, finished_at, withheld"
)


def _record(row) -> JobRecord:
    return JobRecord(
        id=row[0],
        user_id=row[1],
        kind=row[2],
        prompt=row[3],
        job=Job.model_validate_json(row[4]),
        source_image_id=row[5],
        cost=row[6],
        status=RecordStatus(row[7]),
        error=row[8],
        origin=load_origin(row[9]),
        delivered_at=row[10],
        created_at=row[11],
        finished_at=row[12],
        withheld=row[13],
    )


async def insert(
    db: aiosqlite.Connection,
    job: Job,
    *,
    user_id: int,
    cost: int,
    source_image_id: str | None,
    origin: Origin | None,
    now: float,
) -> None:
    await db.execute(
        "INSERT INTO jobs (id, user_id, kind, prompt, request, source_image_id, cost, origin,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            job.id,
            user_id,
            job.kind.value,
            job.prompt,
            job.model_dump_json(),
            source_image_id,
            cost,
            dump_origin(origin),
            now,
        ),
    )


async def get(db: aiosqlite.Connection, job_id: str) -> JobRecord | None:
    row = await (
        await db.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,))
    ).fetchone()
    return _record(row) if row else None


async def open_ids(db: aiosqlite.Connection, *, created_before: float | None = None) -> list[str]:
    """Jobs whose outcome the bot has not stored yet (still in the queue, or never sent);
    ``created_before``: only those older than that time."""
    older, args = ("AND created_at < ?", (created_before,)) if created_before else ("", ())
    rows = await (
        await db.execute(
            f"SELECT id FROM jobs WHERE status = 'queued' {older} ORDER BY created_at", args
        )
    ).fetchall()
    return [r[0] for r in rows]


async def open_count(db: aiosqlite.Connection, user_id: int) -> int:
    """How many of a user's jobs are unfinished (waiting or running): the in-flight limit."""
    (count,) = await (
        await db.execute(
            "SELECT COUNT(*) FROM jobs WHERE status = 'queued' AND user_id = ?", (user_id,)
        )
    ).fetchone()
    return count


async def undelivered(db: aiosqlite.Connection) -> list[JobRecord]:
    """Finished jobs whose answer has not reached their user yet."""
    rows = await (
        await db.execute(
            f"SELECT {_COLUMNS} FROM jobs WHERE delivered_at IS NULL AND status != 'queued'"
            " ORDER BY finished_at"
        )
    ).fetchall()
    return [_record(r) for r in rows]


async def recent_failures(db: aiosqlite.Connection, limit: int) -> list[JobRecord]:
    """The latest failed jobs, newest first: what an operator looks at first."""
    rows = await (
        await db.execute(
            f"SELECT {_COLUMNS} FROM jobs WHERE status = 'failed'"
            " ORDER BY finished_at DESC LIMIT ?",
            (limit,),
        )
    ).fetchall()
    return [_record(r) for r in rows]


async def finish(
    db: aiosqlite.Connection,
    job_id: str,
    status: RecordStatus,
    error: str | None,
    now: float,
    *,
    withheld: str | None = None,
) -> bool:
    """Move a queued job to done/failed once; False when it was already finished.
    ``withheld``: the content filter's reason, when it withheld the images."""
    cursor = await db.execute(
        "UPDATE jobs SET status = ?, error = ?, finished_at = ?, withheld = ?"
        " WHERE id = ? AND status = 'queued'",
        (status, error, now, withheld, job_id),
    )
    return cursor.rowcount == 1


async def mark_delivered(db: aiosqlite.Connection, job_id: str, now: float) -> bool:
    cursor = await db.execute(
        "UPDATE jobs SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL", (now, job_id)
    )
    return cursor.rowcount == 1


async def set_origin(db: aiosqlite.Connection, job_id: str, origin: Origin) -> None:
    await db.execute("UPDATE jobs SET origin = ? WHERE id = ?", (dump_origin(origin), job_id))
