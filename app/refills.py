"""The monthly refill, on a schedule (APScheduler) in the bot process.

The job grants every user's refill for the current period. Grants are derived from the
ledger and keyed per user and period, so the schedule itself keeps no state: after a
restart the first run catches up (one grant for the current period), and a run that
happens twice grants once. Spending also tops up first, so nobody waits for the schedule.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from data.store import Store
from studio.credits import CreditRules

log = logging.getLogger(__name__)


class RefillScheduler:
    def __init__(
        self,
        store: Store,
        credits: CreditRules,
        *,
        every_minutes: float = 60,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.credits = credits
        self.clock = clock
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.scheduler.add_job(
            self.run_once,
            "interval",
            minutes=every_minutes,
            id="monthly-refills",
            coalesce=True,
            max_instances=1,
        )

    async def run_once(self) -> None:
        async with self.store.transaction() as db:
            await self.credits.refill_everyone(db, self.clock())

    async def start(self) -> None:
        """Catch up now, then run on the interval."""
        await self.run_once()
        self.scheduler.start()

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
