"""The monthly refill, on a schedule (APScheduler) in the bot process.

The job grants every user's refill for the current period. Grants are derived from the
ledger and keyed per user and period, so the schedule itself keeps no state: after a
restart the first run catches up (one grant for the current period), and a run that
happens twice grants once. Spending also tops up first, so nobody waits for the schedule.

With several bot processes on one Redis queue, one of them holds the refills' lease and
runs them; another takes over when that one stops (it lets go) or dies (the lease
expires after two intervals). Without the lease every process would run them, harmlessly
(the keys) but each scanning every account.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from data.queue import JobQueue
from data.redis_lease import RedisLease
from data.redis_queue import RedisQueue
from data.store import Store
from studio.credits import CreditRules

log = logging.getLogger(__name__)
LEASE_INTERVALS = 2  # a dead holder's lease lasts this many intervals past its last run


def refill_lease(queue: JobQueue, holder: str | None = None) -> RedisLease | None:
    """The refills' lease on a Redis queue (shared by every bot process on it), else None.
    ``holder`` names this process (default host:pid)."""
    if isinstance(queue, RedisQueue):
        return RedisLease(queue.client, f"{queue.prefix}:lease:refills", holder)
    return None


class RefillScheduler:
    def __init__(
        self,
        store: Store,
        credits: CreditRules,
        *,
        every_minutes: float = 60,
        clock: Callable[[], float] = time.time,
        lease: RedisLease | None = None,
    ) -> None:
        self.store = store
        self.credits = credits
        self.clock = clock
        self.lease = lease
        self.lease_seconds = every_minutes * 60 * LEASE_INTERVALS
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.scheduler.add_job(
            self.run_once,
            "interval",
            minutes=every_minutes,
            id="monthly-refills",
            coalesce=True,
            max_instances=1,
        )

    async def run_once(self) -> bool:
        """Grant the refills due now; False when another process holds the lease."""
        if self.lease is not None and not await self.lease.hold(self.lease_seconds):
            return False
        async with self.store.transaction() as db:
            await self.credits.refill_everyone(db, self.clock())
        return True

    async def start(self) -> None:
        """Catch up now, then run on the interval."""
        await self.run_once()
        self.scheduler.start()

    async def stop(self) -> None:
        """Stop the schedule and let go of the lease, so another process takes over now."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self.lease is not None:
            try:
                await self.lease.release()
            except Exception:  # Redis gone: the lease expires on its own
                log.warning("could not release the refills' lease", exc_info=True)
