"""Collections of saved images (the Save button fills the owner's default one)."""

from __future__ import annotations

import aiosqlite

MAX_IMAGES_PER_USER = 10_000


async def ensure(db: aiosqlite.Connection, owner_id: int, name: str, now: float) -> int:
    await db.execute(
        "INSERT OR IGNORE INTO collections (owner_id, name, created_at) VALUES (?, ?, ?)",
        (owner_id, name, now),
    )
    row = await (
        await db.execute(
            "SELECT id FROM collections WHERE owner_id = ? AND name = ?", (owner_id, name)
        )
    ).fetchone()
    return row[0]


async def saved_count(db: aiosqlite.Connection, owner_id: int) -> int:
    row = await (
        await db.execute(
            "SELECT COUNT(*) FROM collection_items i JOIN collections c ON c.id = i.collection_id"
            " WHERE c.owner_id = ?",
            (owner_id,),
        )
    ).fetchone()
    return row[0]


async def add(
    db: aiosqlite.Connection, collection_id: int, image_ids: list[str], now: float
) -> int:
    """Add images; returns how many were new to the collection."""
    added = 0
    for image_id in image_ids:
        cursor = await db.execute(
            "INSERT OR IGNORE INTO collection_items (collection_id, image_id, added_at)"
            " VALUES (?, ?, ?)",
            (collection_id, image_id, now),
        )
        added += cursor.rowcount
    return added
