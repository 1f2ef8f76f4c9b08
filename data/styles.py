"""A server's named style presets: prompt prefix/suffix and a negative prompt."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True)
class Style:
    guild_id: int
    name: str
    prefix: str
    suffix: str
    negative: str


_COLUMNS = "guild_id, name, prefix, suffix, negative"


def _style(row: aiosqlite.Row) -> Style:
    return Style(row["guild_id"], row["name"], row["prefix"], row["suffix"], row["negative"])


async def add(db: aiosqlite.Connection, style: Style, by: int, now: float) -> bool:
    """True when the name was new on this server (False: it exists, nothing changed)."""
    cursor = await db.execute(
        f"INSERT OR IGNORE INTO style_presets ({_COLUMNS}, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (style.guild_id, style.name, style.prefix, style.suffix, style.negative, by, now),
    )
    return cursor.rowcount == 1


async def remove(db: aiosqlite.Connection, guild_id: int, name: str) -> bool:
    cursor = await db.execute(
        "DELETE FROM style_presets WHERE guild_id = ? AND name = ?", (guild_id, name)
    )
    return cursor.rowcount == 1


async def get(db: aiosqlite.Connection, guild_id: int, name: str) -> Style | None:
    cursor = await db.execute(
        f"SELECT {_COLUMNS} FROM style_presets WHERE guild_id = ? AND name = ?", (guild_id, name)
    )
    row = await cursor.fetchone()
    return _style(row) if row else None


async def of_guild(db: aiosqlite.Connection, guild_id: int) -> list[Style]:
    cursor = await db.execute(
        f"SELECT {_COLUMNS} FROM style_presets WHERE guild_id = ? ORDER BY name", (guild_id,)
    )
    return [_style(row) for row in await cursor.fetchall()]


async def count(db: aiosqlite.Connection, guild_id: int) -> int:
    cursor = await db.execute("SELECT COUNT(*) FROM style_presets WHERE guild_id = ?", (guild_id,))
    return (await cursor.fetchone())[0]
