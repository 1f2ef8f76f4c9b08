"""Credit rules: DALL·E 2's economy on top of the append-only ledger.

New users get ``welcome_credits`` for their first month and ``monthly_credits`` on each
monthly anniversary of their first grant. Grants are derived from the ledger and keyed by
period, so granting is idempotent and catches up after downtime: one grant for the
current period, never two, never zero.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime

import aiosqlite

from bot.errors import NotEnoughCredits
from data import ledger
from data.ledger import EntryKind, LedgerEntry


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
    welcome_credits: int
    monthly_credits: int

    async def top_up(self, db: aiosqlite.Connection, user_id: int, now: float) -> None:
        """Grant the welcome credits, or this period's refill, if not granted yet."""
        first = await ledger.first_entry_time(db, user_id, EntryKind.FREE_GRANT)
        if first is None:
            await ledger.append(
                db,
                LedgerEntry(
                    user_id,
                    self.welcome_credits,
                    EntryKind.FREE_GRANT,
                    "welcome credits",
                    f"free:{user_id}:0",
                    now,
                ),
            )
            return
        period = months_between(_utc(first), _utc(now))
        if period > 0:
            await ledger.append(
                db,
                LedgerEntry(
                    user_id,
                    self.monthly_credits,
                    EntryKind.FREE_GRANT,
                    f"monthly refill #{period}",
                    f"free:{user_id}:{period}",
                    now,
                ),
            )

    async def next_refill(self, db: aiosqlite.Connection, user_id: int, now: float) -> datetime:
        first = await ledger.first_entry_time(db, user_id, EntryKind.FREE_GRANT)
        start = _utc(first if first is not None else now)
        return add_months(start, months_between(start, _utc(now)) + 1)

    async def charge(
        self, db: aiosqlite.Connection, user_id: int, cost: int, job_id: str, now: float
    ) -> None:
        """Take ``cost`` credits for a job inside the caller's transaction, or refuse."""
        await self.top_up(db, user_id, now)
        available = await ledger.balance(db, user_id)
        if available < cost:
            refill = await self.next_refill(db, user_id, now)
            raise NotEnoughCredits(available, cost, refill, self.monthly_credits)
        if cost:
            await ledger.append(
                db,
                LedgerEntry(
                    user_id, -cost, EntryKind.SPEND, f"job {job_id}", f"spend:{job_id}", now
                ),
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
        """Give a job's credits back once; False when it was already refunded."""
        if not cost or not await ledger.has_key(db, f"spend:{job_id}"):
            return False
        return await ledger.append(
            db, LedgerEntry(user_id, cost, EntryKind.REFUND, reason, f"refund:{job_id}", now)
        )


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)
