"""Gallery channels, shared images and the reactions on their posts.

A share row is reserved ('posting') before the post is sent, so two clicks cannot post
an image twice; it becomes 'live' with the post's ids, or goes away if posting failed.
A moderator's removal keeps the row ('removed'), so the image is not shared again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import aiosqlite


class ShareStatus(StrEnum):
    """Where a share row stands (the ``shares.status`` column)."""

    #: reserved: the post is being sent; the row goes away if that fails
    POSTING = "posting"
    #: posted: in the gallery, with the post's channel and message ids
    LIVE = "live"
    #: taken down by a moderator: kept so the image is not shared here again
    REMOVED = "removed"


@dataclass(frozen=True)
class GalleryChannel:
    guild_id: int
    channel_id: int
    is_forum: bool


@dataclass(frozen=True)
class Share:
    id: int
    guild_id: int
    image_id: str
    author_id: int
    status: ShareStatus
    channel_id: int | None
    message_id: int | None
    shared_at: float
    removed_by: int | None

    def __post_init__(self) -> None:  # rows hand the column's text
        object.__setattr__(self, "status", ShareStatus(self.status))


@dataclass(frozen=True)
class Ranked:
    share: Share
    prompt: str
    votes: int


_SHARE = (
    "s.id, s.guild_id, s.image_id, s.author_id, s.status, s.channel_id, s.message_id,"
    " s.shared_at, s.removed_by"
)


async def set_channel(
    db: aiosqlite.Connection, guild_id: int, channel_id: int, is_forum: bool, by: int, now: float
) -> None:
    await db.execute(
        "INSERT INTO gallery_channels (guild_id, channel_id, is_forum, set_by, set_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET"
        " channel_id = excluded.channel_id, is_forum = excluded.is_forum,"
        " set_by = excluded.set_by, set_at = excluded.set_at",
        (guild_id, channel_id, int(is_forum), by, now),
    )


async def channel_of(db: aiosqlite.Connection, guild_id: int) -> GalleryChannel | None:
    row = await (
        await db.execute(
            "SELECT guild_id, channel_id, is_forum FROM gallery_channels WHERE guild_id = ?",
            (guild_id,),
        )
    ).fetchone()
    return GalleryChannel(row[0], row[1], bool(row[2])) if row else None


async def reserve(
    db: aiosqlite.Connection, guild_id: int, image_id: str, author_id: int, now: float
) -> Share | None:
    """Claim the image's slot in this gallery: None if it is taken (see :func:`get`)."""
    cursor = await db.execute(
        "INSERT OR IGNORE INTO shares (guild_id, image_id, author_id, shared_at)"
        " VALUES (?, ?, ?, ?)",
        (guild_id, image_id, author_id, now),
    )
    return await get(db, guild_id, image_id) if cursor.rowcount == 1 else None


async def publish(
    db: aiosqlite.Connection, share_id: int, channel_id: int, message_id: int
) -> None:
    await db.execute(
        "UPDATE shares SET status = 'live', channel_id = ?, message_id = ? WHERE id = ?",
        (channel_id, message_id, share_id),
    )


async def drop(db: aiosqlite.Connection, share_id: int) -> None:
    """Forget a share (posting failed, or its author unshared it): it may be shared again."""
    await db.execute("DELETE FROM shares WHERE id = ?", (share_id,))


async def mark_removed(db: aiosqlite.Connection, share_id: int, by: int | None, now: float) -> None:
    """Out of the gallery for good; ``by`` is None when the post was deleted on Discord."""
    await db.execute(
        "DELETE FROM share_votes WHERE message_id = (SELECT message_id FROM shares WHERE id = ?)",
        (share_id,),
    )
    await db.execute(
        "UPDATE shares SET status = 'removed', removed_by = ?, removed_at = ? WHERE id = ?",
        (by, now, share_id),
    )


async def get(db: aiosqlite.Connection, guild_id: int, image_id: str) -> Share | None:
    row = await (
        await db.execute(
            f"SELECT {_SHARE} FROM shares s WHERE s.guild_id = ? AND s.image_id = ?",
            (guild_id, image_id),
        )
    ).fetchone()
    return Share(*row) if row else None


async def live_by_message(db: aiosqlite.Connection, message_id: int) -> Share | None:
    row = await (
        await db.execute(
            f"SELECT {_SHARE} FROM shares s WHERE s.message_id = ? AND s.status = 'live'",
            (message_id,),
        )
    ).fetchone()
    return Share(*row) if row else None


async def is_live(db: aiosqlite.Connection, image_id: str) -> bool:
    """Shared in some gallery right now (so anyone may look at it)."""
    row = await (
        await db.execute(
            "SELECT 1 FROM shares WHERE image_id = ? AND status = 'live' LIMIT 1", (image_id,)
        )
    ).fetchone()
    return row is not None


async def of_author(db: aiosqlite.Connection, author_id: int) -> list[Share]:
    """Every share of the author's images (any server, any state)."""
    rows = await (
        await db.execute(
            f"SELECT {_SHARE} FROM shares s JOIN images i ON i.id = s.image_id"
            " WHERE i.owner_id = ?",
            (author_id,),
        )
    ).fetchall()
    return [Share(*r) for r in rows]


async def vote(
    db: aiosqlite.Connection, message_id: int, user_id: int, emoji: str, now: float
) -> None:
    await db.execute(
        "INSERT OR IGNORE INTO share_votes (message_id, user_id, emoji, created_at)"
        " VALUES (?, ?, ?, ?)",
        (message_id, user_id, emoji, now),
    )


async def unvote(
    db: aiosqlite.Connection, message_id: int, user_id: int | None, emoji: str | None
) -> None:
    """Take back one user's reaction, every reaction with an emoji, or all (None: any)."""
    await db.execute(
        "DELETE FROM share_votes WHERE message_id = ?"
        " AND (CAST(? AS BIGINT) IS NULL OR user_id = ?)"
        " AND (CAST(? AS TEXT) IS NULL OR emoji = ?)",
        (message_id, user_id, user_id, emoji, emoji),
    )


async def top(db: aiosqlite.Connection, guild_id: int, since: float, limit: int) -> list[Ranked]:
    """Live shares since ``since``, most people reacting first, then the earliest."""
    rows = await (
        await db.execute(
            f"SELECT {_SHARE}, i.prompt,"
            " (SELECT COUNT(DISTINCT v.user_id) FROM share_votes v"
            "  WHERE v.message_id = s.message_id) AS n"
            " FROM shares s JOIN images i ON i.id = s.image_id"
            " WHERE s.guild_id = ? AND s.status = 'live' AND s.shared_at >= ?"
            " ORDER BY n DESC, s.shared_at, s.id LIMIT ?",
            (guild_id, since, limit),
        )
    ).fetchall()
    return [Ranked(Share(*r[:9]), r[9], r[10]) for r in rows]


@dataclass(frozen=True)
class Shown:
    """One live share as the gallery page lists it."""

    share: Share
    prompt: str
    author: str  # the author's display name when last seen
    votes: int
    width: int
    height: int


async def live_page(
    db: aiosqlite.Connection, guild_id: int, limit: int, offset: int
) -> list[Shown]:
    """Live shares of a server, newest first: what its gallery channel shows."""
    rows = await (
        await db.execute(
            f"SELECT {_SHARE}, i.prompt, COALESCE(u.name, ''),"
            " (SELECT COUNT(DISTINCT v.user_id) FROM share_votes v"
            "  WHERE v.message_id = s.message_id),"
            " i.width, i.height"
            " FROM shares s JOIN images i ON i.id = s.image_id"
            " LEFT JOIN users u ON u.id = s.author_id"
            " WHERE s.guild_id = ? AND s.status = 'live'"
            " ORDER BY s.shared_at DESC, s.id DESC LIMIT ? OFFSET ?",
            (guild_id, limit, offset),
        )
    ).fetchall()
    return [Shown(Share(*r[:9]), *r[9:]) for r in rows]


async def live_count(db: aiosqlite.Connection, guild_id: int) -> int:
    row = await (
        await db.execute(
            "SELECT COUNT(*) FROM shares WHERE guild_id = ? AND status = 'live'", (guild_id,)
        )
    ).fetchone()
    return row[0]


async def web_enabled(db: aiosqlite.Connection, guild_id: int) -> bool:
    """Whether the server's gallery has a web page (no row: yes)."""
    row = await (
        await db.execute("SELECT enabled FROM guild_gallery_web WHERE guild_id = ?", (guild_id,))
    ).fetchone()
    return row is None or bool(row[0])


async def set_web_enabled(
    db: aiosqlite.Connection, guild_id: int, on: bool, changed_by: int, now: float
) -> bool:
    """Store the server's choice; True when it changed."""
    before = await web_enabled(db, guild_id)
    await db.execute(
        "INSERT INTO guild_gallery_web (guild_id, enabled, changed_by, changed_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET enabled = excluded.enabled,"
        " changed_by = excluded.changed_by, changed_at = excluded.changed_at",
        (guild_id, int(on), changed_by, now),
    )
    return before != on
