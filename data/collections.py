"""Collections of saved images (the Save button fills the owner's default one).

Names are unique per owner regardless of case ("Cats" and "cats" are one collection).
"""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True)
class Collection:
    id: int
    owner_id: int
    name: str
    is_public: bool
    created_at: float
    size: int


_SELECT = (
    "SELECT c.id, c.owner_id, c.name, c.is_public, c.created_at,"
    " (SELECT COUNT(*) FROM collection_items i WHERE i.collection_id = c.id)"
    " FROM collections c"
)


def _collection(row) -> Collection:
    return Collection(row[0], row[1], row[2], bool(row[3]), row[4], row[5])


async def ensure(db: aiosqlite.Connection, owner_id: int, name: str, now: float) -> int:
    found = await by_name(db, owner_id, name)
    if found is not None:
        return found.id
    return await create(db, owner_id, name, now)


async def create(db: aiosqlite.Connection, owner_id: int, name: str, now: float) -> int:
    row = await (
        await db.execute(
            "INSERT INTO collections (owner_id, name, created_at) VALUES (?, ?, ?) RETURNING id",
            (owner_id, name, now),
        )
    ).fetchone()
    return row[0]


async def by_name(db: aiosqlite.Connection, owner_id: int, name: str) -> Collection | None:
    row = await (
        await db.execute(
            f"{_SELECT} WHERE c.owner_id = ? AND c.name = ? COLLATE NOCASE", (owner_id, name)
        )
    ).fetchone()
    return _collection(row) if row else None


async def by_id(db: aiosqlite.Connection, collection_id: int) -> Collection | None:
    row = await (await db.execute(f"{_SELECT} WHERE c.id = ?", (collection_id,))).fetchone()
    return _collection(row) if row else None


async def of_owner(
    db: aiosqlite.Connection, owner_id: int, *, public_only: bool = False
) -> list[Collection]:
    where = " AND c.is_public = 1" if public_only else ""
    rows = await (
        await db.execute(
            f"{_SELECT} WHERE c.owner_id = ?{where} ORDER BY c.name COLLATE NOCASE", (owner_id,)
        )
    ).fetchall()
    return [_collection(r) for r in rows]


async def rename(db: aiosqlite.Connection, collection_id: int, name: str) -> None:
    await db.execute("UPDATE collections SET name = ? WHERE id = ?", (name, collection_id))


async def delete(db: aiosqlite.Connection, collection_id: int) -> None:
    await db.execute("DELETE FROM collections WHERE id = ?", (collection_id,))


async def set_public(db: aiosqlite.Connection, collection_id: int, public: bool) -> None:
    await db.execute(
        "UPDATE collections SET is_public = ? WHERE id = ?", (int(public), collection_id)
    )


async def saved_count(db: aiosqlite.Connection, owner_id: int) -> int:
    row = await (
        await db.execute(
            "SELECT COUNT(*) FROM collection_items i JOIN collections c ON c.id = i.collection_id"
            " WHERE c.owner_id = ?",
            (owner_id,),
        )
    ).fetchone()
    return row[0]


async def missing_from(
    db: aiosqlite.Connection, collection_id: int, image_ids: list[str]
) -> list[str]:
    """The ids (deduplicated, in order) that are not in the collection yet."""
    present = {
        row[0]
        for row in await (
            await db.execute(
                "SELECT image_id FROM collection_items WHERE collection_id = ?", (collection_id,)
            )
        ).fetchall()
    }
    return [i for i in dict.fromkeys(image_ids) if i not in present]


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


async def add_within_cap(
    db: aiosqlite.Connection,
    owner_id: int,
    collection_id: int,
    image_ids: list[str],
    cap: int,
    now: float,
) -> int | None:
    """Add the new images if the owner stays within ``cap`` saved images; None if not."""
    new = await missing_from(db, collection_id, image_ids)
    if new and await saved_count(db, owner_id) + len(new) > cap:
        return None
    return await add(db, collection_id, new, now)


async def remove(db: aiosqlite.Connection, collection_id: int, image_id: str) -> bool:
    cursor = await db.execute(
        "DELETE FROM collection_items WHERE collection_id = ? AND image_id = ?",
        (collection_id, image_id),
    )
    return cursor.rowcount == 1


async def image_ids(
    db: aiosqlite.Connection, collection_id: int, limit: int, offset: int
) -> list[str]:
    """A page of the collection, most recently added first."""
    rows = await (
        await db.execute(
            "SELECT image_id FROM collection_items WHERE collection_id = ?"
            " ORDER BY added_at DESC, rowid DESC LIMIT ? OFFSET ?",
            (collection_id, limit, offset),
        )
    ).fetchall()
    return [r[0] for r in rows]


async def in_public_collection(db: aiosqlite.Connection, image_id: str) -> bool:
    row = await (
        await db.execute(
            "SELECT 1 FROM collection_items i JOIN collections c ON c.id = i.collection_id"
            " WHERE i.image_id = ? AND c.is_public = 1 LIMIT 1",
            (image_id,),
        )
    ).fetchone()
    return row is not None
