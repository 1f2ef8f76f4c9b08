"""The credit ledger: append-only rows; a balance is their sum.

Functions take an open transaction (``Store.transaction()``) so a charge can share it with
the job it pays for. Every row has an idempotency key: writing the same key twice writes once.
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


@dataclass(frozen=True)
class LedgerEntry:
    user_id: int
    delta: int
    kind: EntryKind
    reason: str
    idem_key: str
    created_at: float


async def append(db: aiosqlite.Connection, entry: LedgerEntry) -> bool:
    """Append one row; False (and nothing written) when its key was already used."""
    cursor = await db.execute(
        "INSERT OR IGNORE INTO ledger (user_id, delta, kind, reason, idem_key, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            entry.user_id,
            entry.delta,
            entry.kind.value,
            entry.reason,
            entry.idem_key,
            entry.created_at,
        ),
    )
    return cursor.rowcount == 1


async def balance(db: aiosqlite.Connection, user_id: int) -> int:
    row = await (
        await db.execute("SELECT COALESCE(SUM(delta), 0) FROM ledger WHERE user_id = ?", (user_id,))
    ).fetchone()
    return int(row[0])


async def has_key(db: aiosqlite.Connection, idem_key: str) -> bool:
    row = await (
        await db.execute("SELECT 1 FROM ledger WHERE idem_key = ?", (idem_key,))
    ).fetchone()
    return row is not None


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
            "SELECT user_id, delta, kind, reason, idem_key, created_at FROM ledger"
            " WHERE user_id = ? ORDER BY id DESC LIMIT ?",
            (user_id, limit),
        )
    ).fetchall()
    return [LedgerEntry(r[0], r[1], EntryKind(r[2]), r[3], r[4], r[5]) for r in rows]
