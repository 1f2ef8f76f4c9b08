"""Stored defaults from /settings: one row per member, one per server.

A column left NULL is "not set", so the resolver in :mod:`bot.preferences` falls through
to the next level (member → server → the bot's settings). Values are validated by the bot
before they get here; this module only reads and writes rows.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import aiosqlite

FIELDS = ("shape", "count", "negative", "remix", "privacy")


@dataclass(frozen=True)
class Defaults:
    """One level of defaults; None means "not set here"."""

    shape: str | None = None
    count: int | None = None
    negative: str | None = None
    remix: bool | None = None
    privacy: str | None = None

    def over(self, lower: Defaults) -> Defaults:
        """These values where set, ``lower``'s elsewhere."""
        return replace(
            lower,
            **{
                f.name: getattr(self, f.name)
                for f in fields(self)
                if getattr(self, f.name) is not None
            },
        )


def _from_row(row: aiosqlite.Row | None) -> Defaults:
    if row is None:
        return Defaults()
    remix = row["remix"]
    return Defaults(
        shape=row["shape"],
        count=row["count"],
        negative=row["negative"],
        remix=None if remix is None else bool(remix),
        privacy=row["privacy"],
    )


def _values(defaults: Defaults) -> tuple:
    remix = None if defaults.remix is None else int(defaults.remix)
    return (defaults.shape, defaults.count, defaults.negative, remix, defaults.privacy)


async def member(db: aiosqlite.Connection, user_id: int) -> Defaults:
    cursor = await db.execute(
        "SELECT shape, count, negative, remix, privacy FROM member_settings WHERE user_id = ?",
        (user_id,),
    )
    return _from_row(await cursor.fetchone())


async def guild(db: aiosqlite.Connection, guild_id: int) -> Defaults:
    cursor = await db.execute(
        "SELECT shape, count, negative, remix, privacy FROM guild_settings WHERE guild_id = ?",
        (guild_id,),
    )
    return _from_row(await cursor.fetchone())


async def put_member(
    db: aiosqlite.Connection, user_id: int, defaults: Defaults, now: float
) -> None:
    """Replace the member's row (all columns: an unset value is stored as NULL)."""
    await db.execute(
        "INSERT INTO member_settings (user_id, shape, count, negative, remix, privacy, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET shape = excluded.shape, count = excluded.count,"
        " negative = excluded.negative, remix = excluded.remix, privacy = excluded.privacy,"
        " updated_at = excluded.updated_at",
        (user_id, *_values(defaults), now),
    )


async def put_guild(
    db: aiosqlite.Connection, guild_id: int, defaults: Defaults, by: int, now: float
) -> None:
    await db.execute(
        "INSERT INTO guild_settings"
        " (guild_id, shape, count, negative, remix, privacy, updated_by, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (guild_id) DO UPDATE SET shape = excluded.shape, count = excluded.count,"
        " negative = excluded.negative, remix = excluded.remix, privacy = excluded.privacy,"
        " updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        (guild_id, *_values(defaults), by, now),
    )
