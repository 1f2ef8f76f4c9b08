"""Which roles may use the bot in a server. No roles set: everyone may."""

from __future__ import annotations

import aiosqlite


async def allowed_roles(db: aiosqlite.Connection, guild_id: int) -> list[int]:
    rows = await (
        await db.execute(
            "SELECT role_id FROM guild_access_roles WHERE guild_id = ? ORDER BY added_at, role_id",
            (guild_id,),
        )
    ).fetchall()
    return [row[0] for row in rows]


async def guilds_with_rules(db: aiosqlite.Connection) -> list[int]:
    """Every server that limits the bot to some roles (a DM must honour them all)."""
    rows = await (
        await db.execute("SELECT DISTINCT guild_id FROM guild_access_roles ORDER BY guild_id")
    ).fetchall()
    return [row[0] for row in rows]


async def allow(
    db: aiosqlite.Connection, guild_id: int, role_id: int, added_by: int, now: float
) -> bool:
    """True when the role was not allowed before."""
    cursor = await db.execute(
        "INSERT OR IGNORE INTO guild_access_roles (guild_id, role_id, added_by, added_at)"
        " VALUES (?, ?, ?, ?)",
        (guild_id, role_id, added_by, now),
    )
    return cursor.rowcount == 1


async def revoke(db: aiosqlite.Connection, guild_id: int, role_id: int) -> bool:
    """True when the role was allowed before."""
    cursor = await db.execute(
        "DELETE FROM guild_access_roles WHERE guild_id = ? AND role_id = ?", (guild_id, role_id)
    )
    return cursor.rowcount == 1
