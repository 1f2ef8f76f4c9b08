"""Assembles the studio: store, queue, watcher, files, use-cases, and the local worker."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from app.local_worker import LocalWorker
from data.images import ImageFiles, open_image_files
from data.queue import JobQueue, open_queue
from data.redis_queue import RedisQueue
from data.redis_rate_limit import RedisRateCounter
from data.settings import SettingsError
from data.sqlite_queue import SqliteQueue
from data.store import Store
from studio.credits import CreditRules
from studio.moderation import ModerationDefaults, Moderator
from studio.rate_limit import JobRateLimit
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
        files = await open_checked_files(settings)
        store = await Store.open(settings.database_location)
        try:
            queue = await open_bot_queue(settings, store)
        except BaseException:
            await store.close()  # its thread would keep the process alive
            raise
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
            rate_limit=rate_limit_for(settings, queue),
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
    to the one database file, or one pool to PostgreSQL) instead of opening it again."""
    if settings.queue_url == settings.store_queue_url:
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


def rate_limit_for(settings: Settings, queue: JobQueue) -> JobRateLimit:
    """The per-member limit; on a Redis queue its counts live in that Redis, so every bot
    and API process on it shares one limit."""
    shared = None
    if isinstance(queue, RedisQueue):
        shared = RedisRateCounter(queue.client, queue.prefix)
    return JobRateLimit(settings.rate_limit_jobs, settings.rate_limit_seconds, shared=shared)


async def open_checked_files(settings: Settings) -> ImageFiles:
    """Where images live (STORAGE), checked now: a missing bucket or an unwritable folder
    stops the start with one sentence, not the first delivery."""
    try:
        files = open_image_files(
            settings.storage,
            settings.data_dir,
            endpoint_url=settings.s3_endpoint_url,
            signed_links=settings.storage_signed_links,
        )
        await asyncio.to_thread(files.check)
    except (OSError, ValueError) as error:
        raise SettingsError(f"Configuration error: {error}") from None
    return files


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
