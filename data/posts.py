"""Messages that show a job's images, so a reply or a click can find them again."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True)
class Post:
    message_id: int
    job_id: str
    image_id: str | None  # the one image shown, or None for a grid


async def record(
    db: aiosqlite.Connection,
    message_id: int,
    channel_id: int,
    job_id: str,
    now: float,
    image_id: str | None = None,
) -> None:
    await db.execute(
        "INSERT OR IGNORE INTO posts (message_id, channel_id, job_id, image_id, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (message_id, channel_id, job_id, image_id, now),
    )


async def get(db: aiosqlite.Connection, message_id: int) -> Post | None:
    row = await (
        await db.execute(
            "SELECT message_id, job_id, image_id FROM posts WHERE message_id = ?", (message_id,)
        )
    ).fetchone()
    return Post(*row) if row else None
