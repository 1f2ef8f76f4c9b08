"""The one runtime: opens the store and the queue, builds the studio, starts the local
worker, then the adapters it is given, the job watcher and the refill schedule; and stops
them all, in reverse, once.

Adapters (Discord, HTTP) know only the core: each gets the started :class:`Studio` in
``start`` and gives its connections back in ``stop``. The watcher starts after them, so no
job settles before every adapter listens for it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from app.local_worker import LocalWorker
from app.refills import RefillScheduler, refill_lease
from data.images import ImageFiles, open_image_files
from data.queue import JobQueue, open_queue
from data.redis_changes import SettingsBell
from data.redis_queue import RedisQueue
from data.redis_rate_limit import RedisRateCounter
from data.redis_watch import WatchLeases
from data.settings import SettingsError
from data.sqlite_queue import SqliteQueue
from data.store import Store
from studio.access import MemberRoles
from studio.credits import CreditRules
from studio.moderation import ModerationDefaults, Moderator
from studio.settings import Settings
from studio.studio import Studio
from studio.tasks import cancel_and_wait
from studio.watcher import JobWatcher


class Adapter(Protocol):
    """One way in: Discord, HTTP. ``wait`` returns (or raises) when it ends by itself."""

    async def start(self, studio: Studio) -> None: ...

    async def wait(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class Runtime:
    settings: Settings
    store: Store
    queue: JobQueue
    watcher: JobWatcher
    studio: Studio
    worker: LocalWorker | None
    adapters: list[Adapter] = field(default_factory=list)
    refills: RefillScheduler | None = None
    listening: asyncio.Task | None = None  # other processes' settings changes (Redis)

    @classmethod
    async def start(
        cls,
        settings: Settings,
        *,
        quiet_worker: bool = False,
        member_roles: MemberRoles | None = None,
    ) -> Runtime:
        """Open everything a use-case needs and start the local worker (LOCAL_WORKER).

        ``member_roles``: how the studio learns a member's roles on other servers (the
        Discord adapter's lookup; None where there is no Discord).
        """
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
        bell = settings_bell(queue)
        moderator = Moderator(store, moderation_defaults(settings), bell=bell)
        watcher = JobWatcher(
            store,
            queue,
            files,
            credits,
            moderator=moderator,
            leases=watch_leases(queue, settings.watch_lease_seconds),
        )
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
            shared_rate_counts=shared_rate_counts(queue),
            member_roles=member_roles,
            settings_bell=bell,
        )
        runtime = cls(settings, store, queue, watcher, studio, worker)
        if worker:
            await worker.start()
        return runtime

    async def open(self, adapters: Sequence[Adapter] = (), *, refills: bool = True) -> None:
        """Start the adapters (each adds its listeners), then follow the jobs and run the
        monthly refills. An adapter that fails to start stops nothing itself: call
        :meth:`stop`."""
        for adapter in adapters:
            self.adapters.append(adapter)
            await adapter.start(self.studio)
        bell = self.studio.preferences.bell
        if isinstance(bell, SettingsBell):  # forget what another process changed
            self.listening = asyncio.create_task(
                bell.listen(self.studio.forget_kept_settings), name="settings-changes"
            )
        await self.watcher.start()
        if refills:
            self.refills = RefillScheduler(
                self.store,
                self.studio.credits,
                every_minutes=self.settings.refill_check_minutes,
                lease=refill_lease(self.queue),  # one process of several runs them
            )
            await self.refills.start()

    async def serve(self, adapters: Sequence[Adapter], stop: asyncio.Event) -> None:
        """Open ``adapters`` and run until ``stop`` is set or one of them ends (its error
        is raised here); everything is stopped either way."""
        try:
            await self.open(adapters)
            waits = [asyncio.ensure_future(adapter.wait()) for adapter in adapters]
            stopping = asyncio.ensure_future(stop.wait())
            try:
                done, _ = await asyncio.wait(
                    [*waits, stopping], return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                for task in (*waits, stopping):
                    task.cancel()
            for task in done - {stopping}:
                task.result()  # an adapter's own end: re-raise what ended it
        finally:
            await self.stop()

    async def stop(self) -> None:
        """Stop following jobs first (nothing is delivered on a closing connection), then
        the adapters, then the worker (it finishes its job), the queue and the store."""
        if self.refills:
            await self.refills.stop()
            self.refills = None
        if self.listening:
            await cancel_and_wait(self.listening)
            self.listening = None
        await self.watcher.stop()  # idempotent
        adapters, self.adapters = self.adapters, []
        for adapter in reversed(adapters):
            with contextlib.suppress(Exception):
                await adapter.stop()
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


def watch_leases(queue: JobQueue, seconds: float) -> WatchLeases | None:
    """On a Redis queue several bot and API processes may run: each follows its own jobs
    and takes over those of one that died. None: this process follows every job."""
    if isinstance(queue, RedisQueue):
        return WatchLeases(queue.client, queue.prefix, seconds)
    return None


def settings_bell(queue: JobQueue) -> SettingsBell | None:
    """On a Redis queue other bot and API processes may cache the same defaults: a change
    here tells them. None: no one else to tell."""
    if isinstance(queue, RedisQueue):
        return SettingsBell(queue.client, queue.prefix)
    return None


def shared_rate_counts(queue: JobQueue) -> RedisRateCounter | None:
    """On a Redis queue the rate limit's counts live in that Redis, so every bot and API
    process on it shares one limit; None: this process counts alone."""
    if isinstance(queue, RedisQueue):
        return RedisRateCounter(queue.client, queue.prefix)
    return None


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
        files.name = await asyncio.to_thread(files.identity, create=True)
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
