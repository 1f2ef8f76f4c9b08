"""Erasing a user's images and what records them, on their request (/forget-me).

The credit ledger is append-only and keeps its rows (amounts and job ids, no prompts or
images); the ``users`` row it points at stays too, with its display name blanked. Moderation
strikes stay, so that forgetting cannot undo a suspension, but the prompts they quote go.
"""

from __future__ import annotations

import aiosqlite


async def open_jobs(db: aiosqlite.Connection, user_id: int) -> int:
    row = await (
        await db.execute(
            "SELECT COUNT(*) FROM jobs WHERE user_id = ? AND status = 'queued'", (user_id,)
        )
    ).fetchone()
    return row[0]


async def erase_user(db: aiosqlite.Connection, user_id: int) -> list[str]:
    """Delete the user's images, jobs (prompts, uploads), collections, shares and API keys.

    Returns the image paths (relative to DATA_DIR) whose files the caller deletes after
    the commit. Other people's variations of these images keep their pixels but lose the
    link to the erased parent.
    """
    owned = "SELECT id FROM images WHERE owner_id = ?"
    paths = [
        row[0]
        for row in await (
            await db.execute("SELECT path FROM images WHERE owner_id = ?", (user_id,))
        ).fetchall()
    ]
    await db.execute(f"UPDATE images SET parent_id = NULL WHERE parent_id IN ({owned})", (user_id,))
    await db.execute(
        f"UPDATE jobs SET source_image_id = NULL WHERE source_image_id IN ({owned})", (user_id,)
    )
    # Shares, votes and other people's collection items of these images cascade.
    await db.execute("DELETE FROM images WHERE owner_id = ?", (user_id,))
    await db.execute("DELETE FROM jobs WHERE user_id = ? AND status != 'queued'", (user_id,))
    await db.execute("DELETE FROM collections WHERE owner_id = ?", (user_id,))
    await db.execute("DELETE FROM shares WHERE author_id = ?", (user_id,))
    await db.execute("DELETE FROM api_keys WHERE user_id = ?", (user_id,))  # links cascade
    # Strikes and suspensions stay (forgetting must not lift a suspension); their text goes.
    await db.execute("UPDATE moderation_blocks SET prompt = '' WHERE user_id = ?", (user_id,))
    await db.execute("UPDATE users SET name = '' WHERE id = ?", (user_id,))
    return paths
