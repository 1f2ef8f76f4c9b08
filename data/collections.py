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


async def set_public(
    db: aiosqlite.Connection,
    collection_id: int,
    public: bool,
    *,
    guild_id: int | None = None,
    now: float = 0.0,
) -> None:
    """Public or private; a collection made public in a server (``guild_id``) is shown on
    that server's gallery page, one made public in a DM on none."""
    await db.execute(
        "UPDATE collections SET is_public = ?, public_guild_id = ?, public_at = ? WHERE id = ?",
        (int(public), guild_id if public else None, now if public else None, collection_id),
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


# -- public collections on a server's gallery page ------------------------------------------
#
# A collection is on the page of the server where its owner made it public. Of its images
# the page shows only those someone chose to publish there: the owner's own, and images
# live in that server's gallery; never one a moderator removed from that gallery. Other
# people's images the owner saved (seen in some channel) stay off the open web.

_SHOWN_IF = (
    " AND (img.owner_id = c.owner_id OR EXISTS (SELECT 1 FROM shares s"
    "  WHERE s.image_id = i.image_id AND s.guild_id = c.public_guild_id AND s.status = 'live'))"
    " AND NOT EXISTS (SELECT 1 FROM shares r"
    "  WHERE r.image_id = i.image_id AND r.guild_id = c.public_guild_id"
    "  AND r.status = 'removed')"
)
_SHOWN_ITEMS = (  # the shown items of the collection ``c`` of the enclosing query
    " FROM collection_items i JOIN images img ON img.id = i.image_id"
    f" WHERE i.collection_id = c.id{_SHOWN_IF}"
)
_PUBLIC_IN = " WHERE c.is_public = 1 AND c.public_guild_id = ?"


@dataclass(frozen=True)
class Listed:
    """A public collection as a server's gallery page lists it."""

    collection: Collection
    owner: str  # the owner's display name when last seen
    shown: int  # how many of its images the page shows


async def public_in(
    db: aiosqlite.Connection, guild_id: int, limit: int, offset: int
) -> list[Listed]:
    """The server's public collections that show something, last made public first."""
    rows = await (
        await db.execute(
            "SELECT c.id, c.owner_id, c.name, c.is_public, c.created_at,"
            " (SELECT COUNT(*) FROM collection_items n WHERE n.collection_id = c.id),"
            f" COALESCE(u.name, ''), (SELECT COUNT(*){_SHOWN_ITEMS})"
            f" FROM collections c LEFT JOIN users u ON u.id = c.owner_id{_PUBLIC_IN}"
            f" AND EXISTS (SELECT 1{_SHOWN_ITEMS})"
            " ORDER BY c.public_at DESC, c.id DESC LIMIT ? OFFSET ?",
            (guild_id, limit, offset),
        )
    ).fetchall()
    return [Listed(_collection(r), r[6], r[7]) for r in rows]


async def public_count_in(db: aiosqlite.Connection, guild_id: int) -> int:
    row = await (
        await db.execute(
            f"SELECT COUNT(*) FROM collections c{_PUBLIC_IN} AND EXISTS (SELECT 1{_SHOWN_ITEMS})",
            (guild_id,),
        )
    ).fetchone()
    return row[0]


async def public_one_in(
    db: aiosqlite.Connection, guild_id: int, collection_id: int
) -> Listed | None:
    """One collection, if it is public on this server's page now."""
    row = await (
        await db.execute(
            "SELECT c.id, c.owner_id, c.name, c.is_public, c.created_at,"
            " (SELECT COUNT(*) FROM collection_items n WHERE n.collection_id = c.id),"
            f" COALESCE(u.name, ''), (SELECT COUNT(*){_SHOWN_ITEMS})"
            f" FROM collections c LEFT JOIN users u ON u.id = c.owner_id{_PUBLIC_IN}"
            " AND c.id = ?",
            (guild_id, collection_id),
        )
    ).fetchone()
    return Listed(_collection(row), row[6], row[7]) if row else None


async def shown_image_ids(
    db: aiosqlite.Connection, guild_id: int, collection_id: int, limit: int, offset: int
) -> list[str]:
    """A page of what the server's gallery page shows of one of its public collections,
    last added first (nothing if the collection is not public there)."""
    rows = await (
        await db.execute(
            "SELECT i.image_id FROM collections c"
            " JOIN collection_items i ON i.collection_id = c.id"
            f" JOIN images img ON img.id = i.image_id{_PUBLIC_IN} AND c.id = ?{_SHOWN_IF}"
            " ORDER BY i.added_at DESC, i.rowid DESC LIMIT ? OFFSET ?",
            (guild_id, collection_id, limit, offset),
        )
    ).fetchall()
    return [r[0] for r in rows]


async def shown_in(db: aiosqlite.Connection, guild_id: int, image_id: str) -> bool:
    """Whether the server's gallery page shows the image in one of its public collections."""
    row = await (
        await db.execute(
            f"SELECT 1 FROM collections c{_PUBLIC_IN}"
            f" AND EXISTS (SELECT 1{_SHOWN_ITEMS} AND i.image_id = ?) LIMIT 1",
            (guild_id, image_id),
        )
    ).fetchone()
    return row is not None
