"""The embedded queue: the ``queue`` table of the store's database, leased claims.

The database is the SQLite file by default, or PostgreSQL when the store is there
(``QUEUE=postgresql://…``, the default with ``DATABASE=postgresql://…``).

Every state change is a single conditional UPDATE, so claims are atomic across processes
(the store serialises writers) and a worker that lost its lease cannot overwrite the job.
A job's lane and turn (the fair order, see :mod:`data.queue`) are set in the transaction
that inserts it. A result is stored as a BLOB (:meth:`Result.to_bytes`: the PNGs as they
are, not base64 JSON; the column is declared TEXT, and SQLite keeps a blob a blob).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from data.doorbell import Doorbell
from data.jobs import BATCH_FIELDS, Job, JobState, JobStatus, Result
from data.queue import (
    PAID_FIRST_AFTER,
    Claim,
    JobQueue,
    QueueOverview,
    RunningJob,
    lane_for,
)
from data.store import Store


class SqliteQueue(JobQueue):
    def __init__(
        self,
        store: Store,
        *,
        max_attempts: int = 3,
        paid_first_after: int = PAID_FIRST_AFTER,
        clock: Callable[[], float] = time.time,
        owns_store: bool = False,
    ) -> None:
        self._store = store
        self._max_attempts = max_attempts
        self._paid_first_after = paid_first_after
        self._clock = clock
        self._owns_store = owns_store
        self._bell = Doorbell(store.bell_key)

    async def submit(self, job: Job) -> None:
        now = self._clock()
        async with self._store.transaction() as db:
            (waiting,) = await (
                await db.execute("SELECT COUNT(*) FROM queue WHERE status = 'queued'")
            ).fetchone()
            lane = lane_for(job, waiting, self._paid_first_after)
            mine, front = await (
                await db.execute(
                    "SELECT MAX(turn) FILTER (WHERE user_id = ?), MIN(turn) FROM queue"
                    " WHERE status = 'queued' AND lane = ?",
                    (job.user_id, lane),
                )
            ).fetchone()
            turn = mine + 1 if mine is not None else front or 0
            await db.execute(
                "INSERT OR IGNORE INTO queue (id, payload, max_attempts, enqueued_at, updated_at,"
                " user_id, lane, turn) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job.id,
                    job.model_dump_json(),
                    self._max_attempts,
                    now,
                    now,
                    job.user_id,
                    lane,
                    turn,
                ),
            )
        self._bell.ring("jobs")

    async def claim(
        self, worker_id: str, lease_seconds: float, model: str | None = None
    ) -> Claim | None:
        now = self._clock()
        # Jobs asked of ``model`` or of none ("" or, in rows from before, no field at all).
        served, models = "", ()
        if model is not None:
            served, models = (
                f" AND {self._store.json_text('payload', 'model')} IN (?, '')",
                (model,),
            )
        # A read first: an idle worker polls often and should not take the write lock.
        waiting = await self._store.fetchone(
            "SELECT 1 FROM queue WHERE (status = 'queued' OR (status = 'running'"
            f" AND lease_until < ?)){served} LIMIT 1",
            (now, *models),
        )
        if waiting is None:
            return None
        async with self._store.transaction() as db:
            await db.execute(
                "UPDATE queue SET status = 'failed', updated_at = ?,"
                " error = 'the worker stopped responding ' || attempts || ' times'"
                " WHERE status = 'running' AND lease_until < ? AND attempts >= max_attempts",
                (now, now),
            )
            row = await (
                await db.execute(
                    "UPDATE queue SET status = 'running', worker = ?, lease_until = ?,"
                    " attempts = attempts + 1, step = 0, preview = NULL, updated_at = ?"
                    " WHERE id = (SELECT id FROM queue WHERE (status = 'queued'"
                    f"   OR (status = 'running' AND lease_until < ?)){served}"
                    "   ORDER BY status = 'queued', lane, turn, enqueued_at, id LIMIT 1)"
                    " RETURNING payload, attempts",
                    (worker_id, now + lease_seconds, now, now, *models),
                )
            ).fetchone()
        if row is None:
            return None
        self._bell.ring("changes")  # running now, and everyone behind it moved up
        return Claim(job=Job.model_validate_json(row["payload"]), attempt=row["attempts"])

    async def claim_like(
        self, worker_id: str, lease_seconds: float, like: Job, max_images: int
    ) -> list[Claim]:
        """Found by a read (no write lock when there are none), taken by one UPDATE that
        skips any another worker took in between."""
        key = like.model_dump(mode="json", include=set(BATCH_FIELDS))
        store = self._store
        # A job from before jobs named their model has none: it counts as "".
        same = " AND ".join(
            f"{store.json_text('payload', field)} = ?"
            if field == "model"
            else store.json_equals("payload", field)
            for field in BATCH_FIELDS
        )
        fitting = await store.fetchall(
            f"SELECT id FROM (SELECT id, SUM({store.json_number('payload', 'n')})"
            " OVER (ORDER BY lane, turn, enqueued_at, id) AS images"
            f" FROM queue WHERE status = 'queued' AND {same}) AS batch WHERE images <= ?",
            (
                *(key[f] if f == "model" else store.json_value(key[f]) for f in BATCH_FIELDS),
                max_images,
            ),
        )
        if not fitting:
            return []
        ids = [row["id"] for row in fitting]
        now = self._clock()
        async with self._store.transaction() as db:
            rows = await (
                await db.execute(
                    "UPDATE queue SET status = 'running', worker = ?, lease_until = ?,"
                    " attempts = attempts + 1, step = 0, preview = NULL, updated_at = ?"
                    f" WHERE status = 'queued' AND id IN ({','.join('?' * len(ids))})"
                    " RETURNING payload, attempts, lane, turn, enqueued_at, id",
                    (worker_id, now + lease_seconds, now, *ids),
                )
            ).fetchall()
        self._bell.ring("changes")  # running now, and everyone behind them moved up
        rows = sorted(
            rows, key=lambda row: (row["lane"], row["turn"], row["enqueued_at"], row["id"])
        )
        return [
            Claim(job=Job.model_validate_json(row["payload"]), attempt=row["attempts"])
            for row in rows
        ]

    async def announce(self, worker_id: str, model: str, ttl_seconds: float) -> None:
        async with self._store.transaction() as db:
            await db.execute(
                "INSERT INTO queue_workers (worker, model, expires_at) VALUES (?, ?, ?)"
                " ON CONFLICT (worker) DO UPDATE SET model = excluded.model,"
                " expires_at = excluded.expires_at",
                (worker_id, model, self._clock() + ttl_seconds),
            )

    async def retire(self, worker_id: str) -> None:
        async with self._store.transaction() as db:
            await db.execute("DELETE FROM queue_workers WHERE worker = ?", (worker_id,))

    async def served_models(self) -> dict[str, int]:
        rows = await self._store.fetchall(
            "SELECT model, COUNT(*) AS workers FROM queue_workers WHERE expires_at > ?"
            " GROUP BY model",
            (self._clock(),),
        )
        return {row["model"]: row["workers"] for row in rows}

    async def heartbeat(
        self,
        job_id: str,
        worker_id: str,
        step: int,
        total_steps: int,
        lease_seconds: float,
        preview: bytes | None = None,
    ) -> bool:
        now = self._clock()
        return await self._update_held(
            job_id,
            worker_id,
            "step = ?, total_steps = ?, lease_until = ?, preview = COALESCE(?, preview)",
            (step, total_steps, now + lease_seconds, preview),
        )

    async def complete(self, job_id: str, worker_id: str, result: Result) -> bool:
        return await self._update_held(
            job_id,
            worker_id,
            "status = 'done', result = ?, step = total_steps, lease_until = NULL, preview = NULL",
            (result.to_bytes(),),
        )

    async def fail(self, job_id: str, worker_id: str, reason: str) -> bool:
        return await self._update_held(
            job_id,
            worker_id,
            "status = 'failed', error = ?, lease_until = NULL, preview = NULL",
            (reason,),
        )

    async def _update_held(self, job_id: str, worker_id: str, assignments: str, params) -> bool:
        """Apply an update only while ``worker_id`` still holds the job's lease."""
        async with self._store.transaction() as db:
            cursor = await db.execute(
                f"UPDATE queue SET {assignments}, updated_at = ?"
                " WHERE id = ? AND worker = ? AND status = 'running'",
                (*params, self._clock(), job_id, worker_id),
            )
        self._bell.ring("changes")
        return cursor.rowcount == 1

    async def statuses(self, job_ids: list[str]) -> dict[str, JobStatus]:
        if not job_ids:
            return {}
        marks = ",".join("?" * len(job_ids))
        # One pass numbers the waiting jobs in claim order, rather than counting the jobs
        # ahead of each watched one: n log n, not n², when the bot follows n queued jobs.
        rows = await self._store.fetchall(
            "SELECT * FROM (SELECT id, status, step, total_steps, attempts, error, result,"
            "   preview, CASE WHEN status = 'queued' THEN ROW_NUMBER() OVER ("
            "     PARTITION BY status = 'queued' ORDER BY lane, turn, enqueued_at, id) - 1"
            "     + (SELECT COUNT(*) FROM queue WHERE status = 'running')"
            "   ELSE 0 END AS ahead"
            f"  FROM queue WHERE status = 'queued' OR id IN ({marks})) AS positions"
            f" WHERE id IN ({marks})",
            [*job_ids, *job_ids],
        )
        return {
            row["id"]: JobStatus(
                job_id=row["id"],
                state=JobState(row["status"]),
                ahead=row["ahead"],
                step=row["step"],
                total_steps=row["total_steps"],
                attempts=row["attempts"],
                error=row["error"],
                result=Result.from_bytes(row["result"]) if row["result"] else None,
                preview=row["preview"],
            )
            for row in rows
        }

    async def overview(self) -> QueueOverview:
        # One statement, one snapshot: the count, joined to every running job (or to none).
        rows = await self._store.fetchall(
            "SELECT w.waiting, q.id, q.worker, q.step, q.total_steps, q.attempts, q.updated_at"
            " FROM (SELECT COUNT(*) AS waiting FROM queue WHERE status = 'queued') w"
            " LEFT JOIN queue q ON q.status = 'running' ORDER BY q.updated_at"
        )
        now = self._clock()
        running = [
            RunningJob(
                job_id=row["id"],
                worker=row["worker"],
                step=row["step"],
                total_steps=row["total_steps"],
                attempt=row["attempts"],
                silent_seconds=max(0.0, now - row["updated_at"]),
            )
            for row in rows
            if row["id"] is not None
        ]
        return QueueOverview(rows[0]["waiting"], running)

    async def forget(self, job_id: str) -> None:
        async with self._store.transaction() as db:
            await db.execute(
                "DELETE FROM queue WHERE id = ? AND status IN ('done', 'failed')", (job_id,)
            )

    async def forget_user(self, user_id: int) -> int:
        async with self._store.transaction() as db:
            cursor = await db.execute(
                "DELETE FROM queue WHERE user_id = ? AND status IN ('done', 'failed')",
                (user_id,),
            )
            return cursor.rowcount

    async def wait_for_jobs(self, timeout: float) -> None:
        await self._bell.wait("jobs", timeout)

    async def wait_for_changes(self, timeout: float) -> None:
        await self._bell.wait("changes", timeout)  # the bell names no job: look at all

    async def close(self) -> None:
        self._bell.close()
        if self._owns_store:
            await self._store.close()
