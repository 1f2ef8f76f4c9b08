"""Assembles the studio: store, queue, watcher, files, use-cases, and the local worker."""

from __future__ import annotations

from dataclasses import dataclass

from app.local_worker import LocalWorker
from data.images import ImageFiles
from data.queue import JobQueue, open_queue
from data.sqlite_queue import SqliteQueue
from data.store import Store
from studio.credits import CreditRules
from studio.moderation import ModerationDefaults, Moderator
from studio.settings import Settings
from studio.studio import Studio
from studio.watcher import JobWatcher


@dataclass
class Runtime:
    settings: Settings
    store: Store
    queue: JobQueue
    watcher: JobWatcher
    studio: Studio
    worker: LocalWorker | None

    @classmethod
    async def start(cls, settings: Settings, *, quiet_worker: bool = False) -> Runtime:
        store = await Store.open(settings.database_path)
        try:
            queue = await open_bot_queue(settings, store)
        except BaseException:
            await store.close()  # its thread would keep the process alive
            raise
        files = ImageFiles(settings.data_dir)
        credits = CreditRules(
            settings.welcome_credits, settings.monthly_credits, settings.pack_credits
        )
        moderator = Moderator(store, moderation_defaults(settings))
        watcher = JobWatcher(store, queue, files, credits, moderator=moderator)
        worker = LocalWorker(settings, quiet=quiet_worker) if settings.local_worker else None
        studio = Studio(
            settings,
            store,
            queue,
            watcher,
            files,
            credits,
            moderator=moderator,
            unavailable=(lambda: worker.unavailable) if worker else (lambda: None),
        )
        runtime = cls(settings, store, queue, watcher, studio, worker)
        if worker:
            await worker.start()
        return runtime

    async def stop(self) -> None:
        await self.watcher.stop()  # idempotent
        if self.worker:
            await self.worker.stop()
        await self.queue.close()
        await self.store.close()


async def open_bot_queue(settings: Settings, store: Store) -> JobQueue:
    """The queue QUEUE names; the embedded default shares the bot's store (one connection
    to the one database file) instead of opening it again."""
    if settings.queue_url == f"sqlite:///{settings.database_path}":
        return SqliteQueue(
            store,
            max_attempts=settings.job_max_attempts,
            paid_first_after=settings.paid_first_after,
        )
    return await open_queue(
        settings.queue_url,
        max_attempts=settings.job_max_attempts,
        paid_first_after=settings.paid_first_after,
    )


def moderation_defaults(settings: Settings) -> ModerationDefaults:
    return ModerationDefaults(
        block_faces=settings.block_faces,
        block_nudity=settings.block_nudity,
        check_outputs=settings.check_outputs,
        diversify_people=settings.diversify_people,
        prompt_classifier=settings.prompt_classifier or None,
        prompt_classifier_threshold=settings.prompt_classifier_threshold,
        strike_limit=settings.strike_limit,
        strike_window_seconds=settings.strike_window_hours * 3600,
        suspension_seconds=settings.suspension_hours * 3600,
    )
