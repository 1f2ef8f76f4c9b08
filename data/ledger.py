"""The credit ledger: append-only rows; a balance is their sum, per pool.

Free credits (monthly grants, they expire) and paid credits (purchases, admin grants, they
keep) are two pools of one ledger. Functions take an open transaction
(``Store.transaction()``) so a charge can share it with the job it pays for. Every row has
an idempotency key: writing the same key twice writes once.
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


@dataclass(frozen=True)
class LedgerEntry:
    user_id: int
    delta: int
    kind: EntryKind
    reason: str
    idem_key: str
    created_at: float
    pool: Pool = Pool.PAID


@dataclass(frozen=True)
class Balance:
    free: int
    paid: int

    @property
    def total(self) -> int:
        return self.free + self.paid


_COLUMNS = "user_id, delta, kind, reason, idem_key, created_at, pool"


async def append(db: aiosqlite.Connection, entry: LedgerEntry) -> bool:
    """Append one row; False (and nothing written) when its key was already used."""
    cursor = await db.execute(
        f"INSERT OR IGNORE INTO ledger ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            entry.user_id,
            entry.delta,
            entry.kind.value,
            entry.reason,
            entry.idem_key,
            entry.created_at,
            entry.pool.value,
        ),
    )
    return cursor.rowcount == 1


async def balances(db: aiosqlite.Connection, user_id: int) -> Balance:
    rows = await (
        await db.execute(
            "SELECT pool, COALESCE(SUM(delta), 0) FROM ledger WHERE user_id = ? GROUP BY pool",
            (user_id,),
        )
    ).fetchall()
    sums = {row[0]: int(row[1]) for row in rows}
    return Balance(free=sums.get("free", 0), paid=sums.get("paid", 0))


async def balance(db: aiosqlite.Connection, user_id: int) -> int:
    return (await balances(db, user_id)).total


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


async def first_entry_time(db: aiosqlite.Connection, user_id: int, kind: EntryKind) -> float | None:
    row = await (
        await db.execute(
            "SELECT MIN(created_at) FROM ledger WHERE user_id = ? AND kind = ?",
            (user_id, kind.value),
        )
    ).fetchone()
    return row[0]


async def recent(db: aiosqlite.Connection, user_id: int, limit: int = 10) -> list[LedgerEntry]:
    rows = await (
        await db.execute(
            f"SELECT {_COLUMNS} FROM ledger WHERE user_id = ? ORDER BY id DESC LIMIT ?",
            (user_id, limit),
        )
    ).fetchall()
    return [_entry(r) for r in rows]


async def user_ids(db: aiosqlite.Connection) -> list[int]:
    rows = await (await db.execute("SELECT id FROM users ORDER BY id")).fetchall()
    return [r[0] for r in rows]


def _entry(row) -> LedgerEntry:
    return LedgerEntry(row[0], row[1], EntryKind(row[2]), row[3], row[4], row[5], Pool(row[6]))
