"""Users are created on first sight; the row is what the ledger and images point at."""

from __future__ import annotations

import aiosqlite


async def ensure_user(db: aiosqlite.Connection, user_id: int, name: str, now: float) -> bool:
    """Create the user if new (True), else refresh the display name (False)."""
    cursor = await db.execute(
        "INSERT OR IGNORE INTO users (id, name, created_at) VALUES (?, ?, ?)",
        (user_id, name, now),
    )
    if cursor.rowcount == 1:
        return True
    await db.execute("UPDATE users SET name = ? WHERE id = ? AND name != ?", (name, user_id, name))
    return False


async def name_of(db: aiosqlite.Connection, user_id: int) -> str | None:
    """The display name last seen for a user (None: never seen)."""
    row = await (await db.execute("SELECT name FROM users WHERE id = ?", (user_id,))).fetchone()
    return row[0] if row else None
