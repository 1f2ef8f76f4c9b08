"""Which browser owns an editor link: the first to open it, until the link expires.

Kept in the store, so a restart does not hand an opened link to the next browser. A row
holds the link's id (the start of its signature: no member, no image) and the SHA-256 of
the owning browser's cookie (never the cookie); rows past their link's end are deleted.
"""

from __future__ import annotations

import aiosqlite


async def claim(db: aiosqlite.Connection, link_id: str, browser: str, expires_at: float) -> str:
    """Claim the link for ``browser`` unless another one has it; returns the owner."""
    await db.execute(
        "INSERT OR IGNORE INTO web_link_claims (link_id, browser, expires_at) VALUES (?, ?, ?)",
        (link_id, browser, expires_at),
    )
    owner = await owner_of(db, link_id)
    assert owner is not None  # inserted, or there before
    return owner


async def owner_of(db: aiosqlite.Connection, link_id: str) -> str | None:
    row = await (
        await db.execute("SELECT browser FROM web_link_claims WHERE link_id = ?", (link_id,))
    ).fetchone()
    return row[0] if row else None


async def forget_expired(db: aiosqlite.Connection, now: float) -> int:
    """Delete the claims of links that have expired; returns how many."""
    cursor = await db.execute("DELETE FROM web_link_claims WHERE expires_at <= ?", (now,))
    return cursor.rowcount
