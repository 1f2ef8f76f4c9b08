"""Moderation records: per-server rules and terms, blocked attempts, suspensions.

Guild 0 stands for direct messages and the console. Functions take an open connection
(a ``Store.transaction()`` for writes) like the ledger's.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True)
class GuildRules:
    """A server's stored choices; ``None`` means "use the bot's default"."""

    mod_log_channel_id: int | None = None
    block_faces: bool | None = None
    block_nudity: bool | None = None
    diversify_people: bool | None = None  # a random gender/ethnicity per image (0013)


@dataclass(frozen=True)
class Term:
    term: str
    kind: str  # 'block' or 'allow'


@dataclass(frozen=True)
class Block:
    guild_id: int
    user_id: int
    source: str  # 'prompt', 'upload' or 'output'
    category: str
    term: str
    prompt: str
    created_at: float


@dataclass(frozen=True)
class Suspension:
    id: int
    guild_id: int
    user_id: int
    until: float
    reason: str
    created_at: float


async def rules(db: aiosqlite.Connection, guild_id: int) -> GuildRules:
    row = await (
        await db.execute(
            "SELECT mod_log_channel_id, block_faces, block_nudity, diversify_people"
            " FROM moderation_settings WHERE guild_id = ?",
            (guild_id,),
        )
    ).fetchone()
    if row is None:
        return GuildRules()
    return GuildRules(row[0], _bool(row[1]), _bool(row[2]), _bool(row[3]))


async def set_rules(
    db: aiosqlite.Connection, guild_id: int, changes: dict[str, int | bool | None], now: float
) -> None:
    """Update only the named columns (mod_log_channel_id, block_faces, block_nudity,
    diversify_people)."""
    allowed = {"mod_log_channel_id", "block_faces", "block_nudity", "diversify_people"}
    if not changes or set(changes) - allowed:
        raise ValueError(f"unknown moderation settings: {set(changes) - allowed}")
    await db.execute(
        "INSERT OR IGNORE INTO moderation_settings (guild_id, updated_at) VALUES (?, ?)",
        (guild_id, now),
    )
    assignments = ", ".join(f"{name} = ?" for name in changes)
    values = [int(v) if isinstance(v, bool) else v for v in changes.values()]
    await db.execute(
        f"UPDATE moderation_settings SET {assignments}, updated_at = ? WHERE guild_id = ?",
        (*values, now, guild_id),
    )


async def terms(db: aiosqlite.Connection, guild_id: int) -> list[Term]:
    rows = await (
        await db.execute(
            "SELECT term, kind FROM moderation_terms WHERE guild_id = ? ORDER BY kind, term",
            (guild_id,),
        )
    ).fetchall()
    return [Term(row[0], row[1]) for row in rows]


async def guilds_with_blocked_terms(db: aiosqlite.Connection) -> list[int]:
    """Every server with its own blocked terms (a request from a DM must honour them)."""
    rows = await (
        await db.execute(
            "SELECT DISTINCT guild_id FROM moderation_terms WHERE kind = 'block' ORDER BY guild_id"
        )
    ).fetchall()
    return [row[0] for row in rows]


async def add_term(
    db: aiosqlite.Connection, guild_id: int, term: str, kind: str, added_by: int, now: float
) -> bool:
    """True when the term is new for this server and kind."""
    cursor = await db.execute(
        "INSERT OR IGNORE INTO moderation_terms (guild_id, term, kind, added_by, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (guild_id, term, kind, added_by, now),
    )
    return cursor.rowcount == 1


async def remove_term(db: aiosqlite.Connection, guild_id: int, term: str) -> int:
    """Remove a term from both lists; returns how many rows went."""
    cursor = await db.execute(
        "DELETE FROM moderation_terms WHERE guild_id = ? AND term = ?", (guild_id, term)
    )
    return cursor.rowcount


async def blocks_of(db: aiosqlite.Connection, user_id: int, since: float) -> list[Block]:
    """A user's blocked requests on every server since a moment, newest first."""
    rows = await (
        await db.execute(
            "SELECT guild_id, user_id, source, category, term, prompt, created_at"
            " FROM moderation_blocks WHERE user_id = ? AND created_at > ?"
            " ORDER BY created_at DESC",
            (user_id, since),
        )
    ).fetchall()
    return [Block(*row) for row in rows]


async def suspensions_of(db: aiosqlite.Connection, user_id: int, now: float) -> list[Suspension]:
    """A user's running suspensions on every server."""
    rows = await (
        await db.execute(
            f"SELECT {_SUSPENSION} FROM moderation_suspensions WHERE user_id = ?"
            " AND lifted_at IS NULL AND until > ? ORDER BY until",
            (user_id, now),
        )
    ).fetchall()
    return [Suspension(*row) for row in rows]


async def record_block(db: aiosqlite.Connection, block: Block) -> None:
    await db.execute(
        "INSERT INTO moderation_blocks"
        " (guild_id, user_id, source, category, term, prompt, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            block.guild_id,
            block.user_id,
            block.source,
            block.category,
            block.term,
            block.prompt,
            block.created_at,
        ),
    )


async def strikes_since(db: aiosqlite.Connection, guild_id: int, user_id: int, since: float) -> int:
    """Blocked prompts and uploads (a user's own attempts) since a moment."""
    (count,) = await (
        await db.execute(
            "SELECT COUNT(*) FROM moderation_blocks WHERE guild_id = ? AND user_id = ?"
            " AND source IN ('prompt', 'upload') AND created_at > ?",
            (guild_id, user_id, since),
        )
    ).fetchone()
    return count


async def last_suspension_end(db: aiosqlite.Connection, guild_id: int, user_id: int) -> float:
    """When the user's latest suspension ended or was lifted (0 if never suspended)."""
    (moment,) = await (
        await db.execute(
            "SELECT MAX(CASE WHEN lifted_at < until THEN lifted_at ELSE until END)"
            " FROM moderation_suspensions"
            " WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
    ).fetchone()
    return moment or 0.0


async def suspend(
    db: aiosqlite.Connection, guild_id: int, user_id: int, until: float, reason: str, now: float
) -> None:
    await db.execute(
        "INSERT INTO moderation_suspensions (guild_id, user_id, until, reason, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (guild_id, user_id, until, reason, now),
    )


_SUSPENSION = "id, guild_id, user_id, until, reason, created_at"


async def active_suspension(
    db: aiosqlite.Connection, guild_id: int, user_id: int, now: float
) -> Suspension | None:
    row = await (
        await db.execute(
            f"SELECT {_SUSPENSION} FROM moderation_suspensions WHERE guild_id = ? AND user_id = ?"
            " AND lifted_at IS NULL AND until > ? ORDER BY until DESC LIMIT 1",
            (guild_id, user_id, now),
        )
    ).fetchone()
    return Suspension(*row) if row else None


async def active_suspension_anywhere(
    db: aiosqlite.Connection, user_id: int, now: float
) -> Suspension | None:
    """The longest running suspension of the user on any server (for requests from DMs)."""
    row = await (
        await db.execute(
            f"SELECT {_SUSPENSION} FROM moderation_suspensions WHERE user_id = ?"
            " AND lifted_at IS NULL AND until > ? ORDER BY until DESC LIMIT 1",
            (user_id, now),
        )
    ).fetchone()
    return Suspension(*row) if row else None


async def active_suspensions(
    db: aiosqlite.Connection, guild_id: int, now: float
) -> list[Suspension]:
    rows = await (
        await db.execute(
            f"SELECT {_SUSPENSION} FROM moderation_suspensions WHERE guild_id = ?"
            " AND lifted_at IS NULL AND until > ? ORDER BY until",
            (guild_id, now),
        )
    ).fetchall()
    return [Suspension(*row) for row in rows]


async def lift(
    db: aiosqlite.Connection, guild_id: int, user_id: int, lifted_by: int, now: float
) -> int:
    """End a user's active suspensions now; returns how many were lifted."""
    cursor = await db.execute(
        "UPDATE moderation_suspensions SET lifted_at = ?, lifted_by = ?"
        " WHERE guild_id = ? AND user_id = ? AND lifted_at IS NULL AND until > ?",
        (now, lifted_by, guild_id, user_id, now),
    )
    return cursor.rowcount


def _bool(value: int | None) -> bool | None:
    return None if value is None else bool(value)
