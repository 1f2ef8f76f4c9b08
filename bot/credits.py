"""Credit rules: DALL·E 2's economy on top of the append-only ledger.

New users get ``welcome_credits`` for their first month and ``monthly_credits`` on each
monthly anniversary of their first grant. Free credits left at an anniversary expire
(an expiry row) before the new grant. Purchases and admin grants are paid credits and
never expire. Spending takes free credits before paid ones; a refund returns each credit
to the pool it came from.

Everything is derived from the ledger and keyed by period, so granting is idempotent and
catches up after downtime: one grant for the current period, never two, never zero.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime

import aiosqlite

from bot.errors import BadRequest, NotEnoughCredits
from data import ledger
from data.ledger import Balance, EntryKind, LedgerEntry, Pool


def add_months(moment: datetime, months: int) -> datetime:
    """The same day-of-month ``months`` later, clamped to the month's last day."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def months_between(start: datetime, end: datetime) -> int:
    """Whole monthly anniversaries of ``start`` that have passed at ``end``."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    while months > 0 and add_months(start, months) > end:
        months -= 1
    return max(0, months)


@dataclass(frozen=True)
class CreditRules:
    welcome_credits: int = 50
    monthly_credits: int = 15
    pack_credits: int = 115

    async def top_up(self, db: aiosqlite.Connection, user_id: int, now: float) -> None:
        """Grant the welcome credits, or expire last period's and grant this period's."""
        first = await ledger.first_entry_time(db, user_id, EntryKind.FREE_GRANT)
        if first is None:
            await self._free(db, user_id, self.welcome_credits, "welcome credits", 0, now)
            return
        period = months_between(_utc(first), _utc(now))
        if period == 0 or await ledger.has_key(db, _grant_key(user_id, period)):
            return
        left = (await ledger.balances(db, user_id)).free
        if left > 0:
            await ledger.append(
                db,
                LedgerEntry(
                    user_id,
                    -left,
                    EntryKind.EXPIRY,
                    "unused free credits expired",
                    f"expiry:{user_id}:{period}",
                    now,
                    Pool.FREE,
                ),
            )
        await self._free(
            db, user_id, self.monthly_credits, f"monthly refill #{period}", period, now
        )

    async def _free(
        self,
        db: aiosqlite.Connection,
        user_id: int,
        amount: int,
        reason: str,
        period: int,
        now: float,
    ) -> None:
        entry = LedgerEntry(
            user_id,
            amount,
            EntryKind.FREE_GRANT,
            reason,
            _grant_key(user_id, period),
            now,
            Pool.FREE,
        )
        await ledger.append(db, entry)

    async def next_refill(self, db: aiosqlite.Connection, user_id: int, now: float) -> datetime:
        """When the free credits expire and the next monthly grant arrives."""
        first = await ledger.first_entry_time(db, user_id, EntryKind.FREE_GRANT)
        start = _utc(first if first is not None else now)
        return add_months(start, months_between(start, _utc(now)) + 1)

    async def charge(
        self, db: aiosqlite.Connection, user_id: int, cost: int, job_id: str, now: float
    ) -> list[Pool]:
        """Take ``cost`` credits for a job inside the caller's transaction, or refuse.

        Returns the pools that paid (free first), which decide the job's queue priority.
        """
        await self.top_up(db, user_id, now)
        available = await ledger.balances(db, user_id)
        if available.total < cost:
            refill = await self.next_refill(db, user_id, now)
            raise NotEnoughCredits(available.total, cost, refill, self.monthly_credits)
        return await self._take(
            db, user_id, cost, available, EntryKind.SPEND, f"job {job_id}", f"spend:{job_id}", now
        )

    async def refund(
        self,
        db: aiosqlite.Connection,
        user_id: int,
        cost: int,
        job_id: str,
        reason: str,
        now: float,
    ) -> bool:
        """Give a job's credits back to the pools they came from, once."""
        refunded = False
        for spent in await ledger.with_key_prefix(db, f"spend:{job_id}:"):
            refunded |= await ledger.append(
                db,
                LedgerEntry(
                    user_id,
                    -spent.delta,
                    EntryKind.REFUND,
                    reason,
                    f"refund:{job_id}:{spent.pool}",
                    now,
                    spent.pool,
                ),
            )
        return refunded

    async def purchase(
        self, db: aiosqlite.Connection, user_id: int, entitlement_id: int, now: float
    ) -> bool:
        """A bought credit pack; granted once per entitlement, however often it is seen."""
        return await ledger.append(
            db,
            LedgerEntry(
                user_id,
                self.pack_credits,
                EntryKind.PURCHASE,
                f"credit pack {entitlement_id}",
                f"purchase:{entitlement_id}",
                now,
                Pool.PAID,
            ),
        )

    async def admin_grant(
        self,
        db: aiosqlite.Connection,
        user_id: int,
        amount: int,
        reason: str,
        key: str,
        now: float,
    ) -> bool:
        """An admin gives (paid, never expire) or takes credits (free first, not below 0)."""
        if amount >= 0:
            return await ledger.append(
                db,
                LedgerEntry(user_id, amount, EntryKind.ADMIN_GRANT, reason, f"admin:{key}", now),
            )
        await self.top_up(db, user_id, now)
        available = await ledger.balances(db, user_id)
        if available.total < -amount:
            raise BadRequest(f"They have {available.total} credits; you can take at most that.")
        await self._take(
            db, user_id, -amount, available, EntryKind.ADMIN_GRANT, reason, f"admin:{key}", now
        )
        return True

    async def _take(
        self,
        db: aiosqlite.Connection,
        user_id: int,
        amount: int,
        available: Balance,
        kind: EntryKind,
        reason: str,
        key: str,
        now: float,
    ) -> list[Pool]:
        """Free credits first, then paid ones; one row per pool touched, which it returns."""
        from_free = min(available.free, amount)
        touched = []
        for pool, part in ((Pool.FREE, from_free), (Pool.PAID, amount - from_free)):
            if part:
                await ledger.append(
                    db, LedgerEntry(user_id, -part, kind, reason, f"{key}:{pool}", now, pool)
                )
                touched.append(pool)
        return touched

    async def refill_everyone(self, db: aiosqlite.Connection, now: float) -> None:
        """The scheduler's job: every known user's grant for the current period."""
        for user_id in await ledger.user_ids(db):
            await self.top_up(db, user_id, now)


def _grant_key(user_id: int, period: int) -> str:
    return f"free:{user_id}:{period}"


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)
