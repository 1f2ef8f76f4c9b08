"""What a later-answering adapter asks the watcher: which answers are owed, and marking
one delivered (once). Delivery uses these instead of the store."""

from __future__ import annotations

from data import job_records, users
from data.images import ImageFiles
from data.job_records import RecordStatus
from data.jobs import Job, JobKind
from data.origins import DiscordOrigin, TerminalOrigin
from data.sqlite_queue import SqliteQueue
from studio.credits import CreditRules
from studio.watcher import JobWatcher


def _job(job_id: str) -> Job:
    return Job(
        id=job_id, kind=JobKind.GENERATE, seed=1, n=1, width=64, height=64, steps=1, guidance=1
    )


async def test_undelivered_outcomes_are_listed_until_marked_once(store, settings):
    watcher = JobWatcher(
        store, SqliteQueue(store), ImageFiles(settings.data_dir), CreditRules(50, 25, 100)
    )
    here = DiscordOrigin(channel_id=9, user_id=1, created_at=1.0)
    async with store.transaction() as db:
        await users.ensure_user(db, 1, "alice", 1.0)
        for job_id, origin in (("failed", here), ("open", here), ("cli", TerminalOrigin())):
            await job_records.insert(
                db, _job(job_id), user_id=1, cost=1, source_image_id=None, origin=origin, now=1.0
            )
        await job_records.finish(db, "failed", RecordStatus.FAILED, "out of memory", 2.0)
        await job_records.finish(db, "cli", RecordStatus.DONE, None, 3.0)

    owed = await watcher.undelivered()
    assert [(o.job.id, o.error, o.ok) for o in owed] == [
        ("failed", "out of memory", False),
        ("cli", None, True),  # listed for every adapter; Discord skips non-Discord origins
    ]
    assert owed[0].job.origin == here and isinstance(owed[1].job.origin, TerminalOrigin)
    assert await watcher.awaits_delivery("failed")
    assert not await watcher.awaits_delivery("missing")

    assert await watcher.mark_delivered("failed")
    assert not await watcher.mark_delivered("failed")  # once
    assert not await watcher.awaits_delivery("failed")
    assert [o.job.id for o in await watcher.undelivered()] == ["cli"]
