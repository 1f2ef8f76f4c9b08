"""The credit ledger: append-only rows; a balance is their sum, per pool.

Free credits (monthly grants, they expire), paid credits (purchases, they keep) and granted
credits (an admin's gift, spent only where it was given) are three pools of one ledger.
Functions take an open transaction (``Store.transaction()``) so a charge can share it with
the job it pays for. Every row has an idempotency key: writing the same key twice writes
once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import aiosqlite


class EntryKind(StrEnum):
    FREE_GRANT = "free_grant"
    PURCHASE = "purchase"
    SPEND = "spend"
    REFUND = "refund"
    ADMIN_GRANT = "admin_grant"
    EXPIRY = "expiry"


class Pool(StrEnum):
    FREE = "free"
    PAID = "paid"
    GRANT = "grant"  # an admin's gift: never paid (no paid lane), spent only in its scope


@dataclass(frozen=True)
class LedgerEntry:
    user_id: int
    delta: int
    kind: EntryKind
    reason: str
    idem_key: str
    created_at: float
    pool: Pool = Pool.PAID
    scope: int = 0  # 0: the person's own credits; a server id when credits are per server


@dataclass(frozen=True)
class Balance:
    free: int
    paid: int
    granted: int = 0

    @property
    def total(self) -> int:
        return self.free + self.paid + self.granted


_COLUMNS = "user_id, delta, kind, reason, idem_key, created_at, pool, scope"


async def append(db: aiosqlite.Connection, entry: LedgerEntry) -> bool:
    """Append one row; False (and nothing written) when its key was already used."""
    cursor = await db.execute(
        f"INSERT OR IGNORE INTO ledger ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            entry.user_id,
            entry.delta,
            entry.kind.value,
            entry.reason,
            entry.idem_key,
            entry.created_at,
            entry.pool.value,
            entry.scope,
        ),
    )
    return cursor.rowcount == 1


async def balances(db: aiosqlite.Connection, user_id: int, scope: int = 0) -> Balance:
    rows = await (
        await db.execute(
            "SELECT pool, COALESCE(SUM(delta), 0) FROM ledger"
            " WHERE user_id = ? AND scope = ? GROUP BY pool",
            (user_id, scope),
        )
    ).fetchall()
    sums = {row[0]: int(row[1]) for row in rows}
    return Balance(free=sums.get("free", 0), paid=sums.get("paid", 0), granted=sums.get("grant", 0))


async def balance(db: aiosqlite.Connection, user_id: int, scope: int = 0) -> int:
    return (await balances(db, user_id, scope)).total


async def has_key(db: aiosqlite.Connection, idem_key: str) -> bool:
    row = await (
        await db.execute("SELECT 1 FROM ledger WHERE idem_key = ?", (idem_key,))
    ).fetchone()
    return row is not None


async def with_key_prefix(db: aiosqlite.Connection, prefix: str) -> list[LedgerEntry]:
    """Rows whose key starts with ``prefix`` (e.g. every spend row of one job)."""
    rows = await (
        await db.execute(
            f"SELECT {_COLUMNS} FROM ledger WHERE idem_key >= ? AND idem_key < ? ORDER BY id",
            (prefix, prefix + "\uffff"),
        )
    ).fetchall()
    return [_entry(r) for r in rows]


async def first_entry_time(
    db: aiosqlite.Connection, user_id: int, kind: EntryKind, scope: int = 0
) -> float | None:
    row = await (
        await db.execute(
            "SELECT MIN(created_at) FROM ledger WHERE user_id = ? AND kind = ? AND scope = ?",
            (user_id, kind.value, scope),
        )
    ).fetchone()
    return row[0]


async def recent(
    db: aiosqlite.Connection, user_id: int, limit: int = 10, scope: int = 0, guild: int = 0
) -> list[LedgerEntry]:
    """The latest rows of an account; a server's view includes the person's own packs
    (scope 0) and what that server (``guild``) granted."""
    rows = await (
        await db.execute(
            f"SELECT {_COLUMNS} FROM ledger WHERE user_id = ? AND scope IN (?, ?, 0)"
            " ORDER BY id DESC LIMIT ?",
            (user_id, scope, guild, limit),
        )
    ).fetchall()
    return [_entry(r) for r in rows]


async def accounts(db: aiosqlite.Connection) -> list[tuple[int, int]]:
    """Every (user, scope) that has had free credits: the accounts a refill is due to."""
    rows = await (
        await db.execute(
            "SELECT DISTINCT user_id, scope FROM ledger WHERE kind = 'free_grant'"
            " ORDER BY user_id, scope"
        )
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def _entry(row) -> LedgerEntry:
    return LedgerEntry(
        row[0], row[1], EntryKind(row[2]), row[3], row[4], row[5], Pool(row[6]), row[7]
    )
