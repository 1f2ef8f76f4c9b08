"""Credit rules: DALL·E 2's economy on top of the append-only ledger.

New users get ``welcome_credits`` for their first month and ``monthly_credits`` on each
monthly anniversary of their first grant. Free credits left at an anniversary expire
(an expiry row) before the new grant. Purchases are paid credits and never expire. An
admin's grant is granted credit (its own pool, never expires, never counts as paid for the
queue's paid lane) and is spent only where it was given: a server admin's grant on that
server (scope = the server), an operator's grant (``OPERATOR_IDS``, the terminal)
everywhere (scope 0). Otherwise anyone who can create a server could mint credits for
every server. A refund returns each credit to the pool (and scope) it came from.

Spending order: the current server's granted credits, the free credits, (with credits per
server, that server's older paid rows), the operator's grants, then bought packs.

Everything is derived from the ledger and keyed by period, so granting is idempotent and
catches up after downtime: one grant for the current period, never two, never zero.

A deployment may keep credits per server (``CREDITS_PER_SERVER``): each server is then its
own ``scope`` with its own free grants and admin grants, while bought packs stay with the
person (scope 0) and can be spent on any server, after that server's credits.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime

import aiosqlite

from data import ledger
from data.ledger import Balance, EntryKind, LedgerEntry, Pool
from studio.errors import BadAmount, NotEnoughCredits

Source = tuple[int, Pool, int]  # (scope, pool, credits available there)


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

    async def top_up(
        self, db: aiosqlite.Connection, user_id: int, now: float, scope: int = 0
    ) -> None:
        """Grant the welcome credits, or expire last period's and grant this period's."""
        first = await ledger.first_entry_time(db, user_id, EntryKind.FREE_GRANT, scope)
        if first is None:
            await self._free(db, user_id, scope, self.welcome_credits, "welcome credits", 0, now)
            return
        period = months_between(_utc(first), _utc(now))
        if period == 0 or await ledger.has_key(db, _key("free", user_id, scope, period)):
            return
        left = (await ledger.balances(db, user_id, scope)).free
        if left > 0:
            expiry = LedgerEntry(
                user_id,
                -left,
                EntryKind.EXPIRY,
                "unused free credits expired",
                _key("expiry", user_id, scope, period),
                now,
                Pool.FREE,
                scope,
            )
            await ledger.append(db, expiry)
        await self._free(
            db, user_id, scope, self.monthly_credits, f"monthly refill #{period}", period, now
        )

    async def _free(
        self,
        db: aiosqlite.Connection,
        user_id: int,
        scope: int,
        amount: int,
        reason: str,
        period: int,
        now: float,
    ) -> None:
        key = _key("free", user_id, scope, period)
        entry = LedgerEntry(
            user_id, amount, EntryKind.FREE_GRANT, reason, key, now, Pool.FREE, scope
        )
        await ledger.append(db, entry)

    async def next_refill(
        self, db: aiosqlite.Connection, user_id: int, now: float, scope: int = 0
    ) -> datetime:
        """When the free credits expire and the next monthly grant arrives."""
        first = await ledger.first_entry_time(db, user_id, EntryKind.FREE_GRANT, scope)
        start = _utc(first if first is not None else now)
        return add_months(start, months_between(start, _utc(now)) + 1)

    async def wallet(
        self, db: aiosqlite.Connection, user_id: int, scope: int = 0, guild: int | None = None
    ) -> Balance:
        """What the user can spend in ``scope`` on server ``guild``: its credits, what that
        server granted them, plus their own bought packs and global grants."""
        sources = await self._sources(db, user_id, scope, guild)
        free = sum(amount for _, pool, amount in sources if pool is Pool.FREE)
        granted = sum(amount for _, pool, amount in sources if pool is Pool.GRANT)
        return Balance(free, _total(sources) - free - granted, granted)

    async def _sources(
        self, db: aiosqlite.Connection, user_id: int, scope: int, guild: int | None = None
    ) -> list[Source]:
        """(scope, pool, credits) in spending order: what server ``guild`` granted, this
        scope's free credits, (on a server scope, its paid rows from before grants had their
        own pool), then the person's own: global grants and bought packs."""
        sources: list[Source] = []
        if guild:
            here = await ledger.balances(db, user_id, guild)
            sources.append((guild, Pool.GRANT, here.granted))
        own = await ledger.balances(db, user_id, scope)
        sources.append((scope, Pool.FREE, own.free))
        if scope != 0:
            sources.append((scope, Pool.PAID, own.paid))
            own = await ledger.balances(db, user_id, 0)
        sources += [(0, Pool.GRANT, own.granted), (0, Pool.PAID, own.paid)]
        return sources

    async def charge(
        self,
        db: aiosqlite.Connection,
        user_id: int,
        cost: int,
        job_id: str,
        now: float,
        scope: int = 0,
        guild: int | None = None,
        *,
        tag: str | None = None,
    ) -> list[Pool]:
        """Take ``cost`` credits for a job inside the caller's transaction, or refuse.

        Returns the pools that paid (in spending order), which decide the job's queue
        priority: only :attr:`Pool.PAID` (bought credit) earns the paid lane.
        ``tag`` marks the rows with where the request came from (the origin's
        ``ledger_tag``: ``API`` for the Images API).
        """
        await self.top_up(db, user_id, now, scope)
        sources = await self._sources(db, user_id, scope, guild)
        if (available := _total(sources)) < cost:
            refill = await self.next_refill(db, user_id, now, scope)
            raise NotEnoughCredits(available, cost, refill, self.monthly_credits)
        return await self._take(
            db,
            user_id,
            sources,
            cost,
            EntryKind.SPEND,
            f"job {job_id} ({tag})" if tag else f"job {job_id}",
            f"spend:{job_id}",
            now,
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
        """Give a job's credits back to the pools (and scopes) they came from, once."""
        refunded = False
        for spent in await ledger.with_key_prefix(db, f"spend:{job_id}:"):
            back = LedgerEntry(
                user_id,
                -spent.delta,
                EntryKind.REFUND,
                reason,
                "refund" + spent.idem_key.removeprefix("spend"),
                now,
                spent.pool,
                spent.scope,
            )
            refunded |= await ledger.append(db, back)
        return refunded

    async def purchase(
        self, db: aiosqlite.Connection, user_id: int, entitlement_id: int, now: float
    ) -> bool:
        """A bought credit pack (the person's, on every server); granted once per entitlement."""
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
        scope: int = 0,
        where: int = 0,
    ) -> bool:
        """An admin gives granted credits (they never expire) or takes credits back.

        ``where`` is the granting server (its grants are spent only there) or 0 for an
        operator's global grant. Taking reaches only credits of that same scope (a server
        admin cannot take a member's packs or another server's credits), not below 0.
        """
        if amount >= 0:
            grant = LedgerEntry(
                user_id,
                amount,
                EntryKind.ADMIN_GRANT,
                reason,
                f"admin:{key}",
                now,
                Pool.GRANT,
                where,
            )
            return await ledger.append(db, grant)
        await self.top_up(db, user_id, now, scope)
        sources = [
            source
            for source in await self._sources(db, user_id, scope, where or None)
            if source[0] == where
        ]
        if (available := _total(sources)) < -amount:
            raise BadAmount(high=available)
        await self._take(
            db, user_id, sources, -amount, EntryKind.ADMIN_GRANT, reason, f"admin:{key}", now
        )
        return True

    async def _take(
        self,
        db: aiosqlite.Connection,
        user_id: int,
        sources: list[Source],
        amount: int,
        kind: EntryKind,
        reason: str,
        key: str,
        now: float,
    ) -> list[Pool]:
        """``amount`` from ``sources`` (read in this transaction, in spending order); one row
        per (scope, pool) touched, its key naming both. Returns the pools touched."""
        touched = []
        for source_scope, pool, available in sources:
            part = min(max(available, 0), amount)
            if part:
                suffix = f"{pool}" if source_scope == 0 else f"{pool}@{source_scope}"
                entry = LedgerEntry(
                    user_id, -part, kind, reason, f"{key}:{suffix}", now, pool, source_scope
                )
                await ledger.append(db, entry)
                amount -= part
                touched.append(pool)
        return touched

    async def refill_everyone(self, db: aiosqlite.Connection, now: float) -> None:
        """The scheduler's job: each account's grant for the current period."""
        for user_id, scope in await ledger.accounts(db):
            await self.top_up(db, user_id, now, scope)


def _total(sources: list[Source]) -> int:
    return sum(amount for _, _, amount in sources)


def _key(kind: str, user_id: int, scope: int, period: int) -> str:
    """Scope 0 keeps the keys it always had; a server's credits name the server."""
    account = f"{user_id}" if scope == 0 else f"{user_id}@{scope}"
    return f"{kind}:{account}:{period}"


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)
