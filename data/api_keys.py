"""Rows of the Images API: members' keys (hashed) and the expiring links to results.

A key's secret never reaches this module: callers pass its SHA-256. Functions take an open
connection (``Store.read()`` or ``Store.transaction()``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True)
class ApiKeyRow:
    id: str  # the public part of the key, shown in lists
    user_id: int
    guild_id: int | None  # the server it was made on; None: made by an operator for no server
    role_ids: frozenset[int]  # the member's roles on that server when the key was made
    name: str
    secret_sha256: bytes
    created_at: float
    last_used_at: float | None
    revoked_at: float | None
    user_name: str = ""  # the owner's display name (read from ``users``)

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class LinkRow:
    token: str
    image_id: str
    width: int
    height: int
    expires_at: float


_KEY_COLUMNS = (
    "id, user_id, guild_id, role_ids, name, secret_sha256, created_at, last_used_at, revoked_at"
)
_SELECT = (
    "SELECT k.id, k.user_id, k.guild_id, k.role_ids, k.name, k.secret_sha256, k.created_at,"
    " k.last_used_at, k.revoked_at, u.name FROM api_keys k JOIN users u ON u.id = k.user_id"
)


def _key(row: aiosqlite.Row) -> ApiKeyRow:
    return ApiKeyRow(
        id=row[0],
        user_id=row[1],
        guild_id=row[2],
        role_ids=frozenset(json.loads(row[3])),
        name=row[4],
        secret_sha256=bytes(row[5]),
        created_at=row[6],
        last_used_at=row[7],
        revoked_at=row[8],
        user_name=row[9],
    )


async def insert_key(db: aiosqlite.Connection, key: ApiKeyRow) -> None:
    await db.execute(
        f"INSERT INTO api_keys ({_KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            key.id,
            key.user_id,
            key.guild_id,
            json.dumps(sorted(key.role_ids)),
            key.name,
            key.secret_sha256,
            key.created_at,
            key.last_used_at,
            key.revoked_at,
        ),
    )


async def get_key(db: aiosqlite.Connection, key_id: str) -> ApiKeyRow | None:
    row = await (await db.execute(f"{_SELECT} WHERE k.id = ?", (key_id,))).fetchone()
    return _key(row) if row else None


async def keys_of(db: aiosqlite.Connection, user_id: int) -> list[ApiKeyRow]:
    """A member's keys, revoked ones included, oldest first."""
    rows = await (
        await db.execute(
            f"{_SELECT} WHERE k.user_id = ? ORDER BY k.created_at, k.id",
            (user_id,),
        )
    ).fetchall()
    return [_key(r) for r in rows]


async def revoke_key(db: aiosqlite.Connection, user_id: int, key_id: str, now: float) -> bool:
    """Revoke one of the member's active keys; False when there is no such key."""
    cursor = await db.execute(
        "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
        (now, key_id, user_id),
    )
    return cursor.rowcount == 1


async def revoke_named(db: aiosqlite.Connection, user_id: int, name: str, now: float) -> int:
    """Revoke every active key of the member with this name; returns how many."""
    cursor = await db.execute(
        "UPDATE api_keys SET revoked_at = ? WHERE user_id = ? AND name = ? AND revoked_at IS NULL",
        (now, user_id, name),
    )
    return cursor.rowcount


async def touch_key(db: aiosqlite.Connection, key_id: str, now: float) -> None:
    await db.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", (now, key_id))


async def refresh_roles(db: aiosqlite.Connection, key_id: str, role_ids: frozenset[int]) -> None:
    await db.execute(
        "UPDATE api_keys SET role_ids = ? WHERE id = ?", (json.dumps(sorted(role_ids)), key_id)
    )


async def insert_link(db: aiosqlite.Connection, link: LinkRow) -> None:
    await db.execute(
        "INSERT INTO api_links (token, image_id, width, height, expires_at) VALUES (?, ?, ?, ?, ?)",
        (link.token, link.image_id, link.width, link.height, link.expires_at),
    )


async def get_link(db: aiosqlite.Connection, token: str, now: float) -> LinkRow | None:
    """The link behind ``token`` while it has not expired."""
    row = await (
        await db.execute(
            "SELECT token, image_id, width, height, expires_at FROM api_links"
            " WHERE token = ? AND expires_at > ?",
            (token, now),
        )
    ).fetchone()
    return LinkRow(*row) if row else None


async def drop_expired_links(db: aiosqlite.Connection, now: float) -> int:
    cursor = await db.execute("DELETE FROM api_links WHERE expires_at <= ?", (now,))
    return cursor.rowcount
