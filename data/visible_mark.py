"""Whether a server shows the visible signature on delivered images. No row: it does not."""

from __future__ import annotations

import aiosqlite


async def enabled(db: aiosqlite.Connection, guild_id: int) -> bool:
    row = await (
        await db.execute("SELECT enabled FROM guild_visible_mark WHERE guild_id = ?", (guild_id,))
    ).fetchone()
    return bool(row and row[0])


async def set_enabled(
    db: aiosqlite.Connection, guild_id: int, on: bool, changed_by: int, now: float
) -> bool:
    """Store the server's choice; True when it changed."""
    before = await enabled(db, guild_id)
    await db.execute(
        "INSERT INTO guild_visible_mark (guild_id, enabled, changed_by, changed_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET enabled = excluded.enabled,"
        " changed_by = excluded.changed_by, changed_at = excluded.changed_at",
        (guild_id, int(on), changed_by, now),
    )
    return before != on
