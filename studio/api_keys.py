"""API keys: a member's pass to the Images API, acting as that member where it was made.

A key reads ``imk_<id>_<secret>``. The id is public (lists, revocation, logs may name it);
the secret is 32 random bytes, shown once and stored only as its SHA-256 (a secret this
long needs no slow hash: there is nothing to brute-force). The digest is compared in
constant time. A key is checked against the database on every request, so a revoked key
stops working at once, in every process that shares the database.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from data import api_keys, users
from data.api_keys import ApiKeyRow
from data.store import Store
from studio.errors import BadName, KeyNotFound, LimitReached, StudioError
from studio.requester import Requester
from studio.studio import Studio

PREFIX = "imk"
MAX_KEYS = 25  # active keys per member
MAX_NAME = 60
LOCAL_KEY_NAME = "make run"  # the key `make run` prints without a Discord token
_SHAPE = re.compile(rf"^{PREFIX}_([0-9a-f]{{16}})_([A-Za-z0-9_-]{{43}})$")


class InvalidKey(StudioError):
    """No key (``problem`` "missing"), a malformed or unknown one ("incorrect"), or a
    revoked one ("revoked"): HTTP 401. How to send a key is the HTTP adapter's to say."""

    code = "invalid_api_key"
    fields = ("problem",)
    _SENTENCES: ClassVar[dict[str, str]] = {
        "missing": "You didn't provide an API key.",
        "incorrect": "Incorrect API key provided.",
        "revoked": "This API key was revoked.",
    }

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(self._SENTENCES[problem])


class KeyNeedsServer(StudioError):
    """A member asked for a key outside a server (a DM): it would act under no server's
    rules, so none is made."""

    code = "key_needs_server"


@dataclass(frozen=True)
class NewKey:
    """A key just made: ``secret`` is the whole key, shown to its owner once."""

    row: ApiKeyRow
    secret: str


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def clean_name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if len(name) > MAX_NAME:
        raise BadName("key", MAX_NAME)
    return name


class ApiKeys:
    """Make, list, revoke and check API keys."""

    def __init__(self, store: Store, *, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    @classmethod
    def of(cls, studio: Studio) -> ApiKeys:
        return cls(studio.store, clock=studio.clock)

    async def create(self, member: Requester, name: str | None = None) -> NewKey:
        """A new key acting as ``member`` on ``member.guild_id`` with their current roles."""
        name, now = clean_name(name), self.clock()
        key_id, secret_part = secrets.token_hex(8), secrets.token_urlsafe(32)
        secret = f"{PREFIX}_{key_id}_{secret_part}"
        row = ApiKeyRow(
            id=key_id,
            user_id=member.id,
            guild_id=member.guild_id,
            role_ids=member.role_ids,
            name=name,
            secret_sha256=digest(secret),
            created_at=now,
            last_used_at=None,
            revoked_at=None,
        )
        async with self.store.transaction() as db:
            await users.ensure_user(db, member.id, member.name, now)
            active = [k for k in await api_keys.keys_of(db, member.id) if k.active]
            if len(active) >= MAX_KEYS:
                raise LimitReached("keys", MAX_KEYS, undo="revoke")
            await api_keys.insert_key(db, row)
        return NewKey(row, secret)

    async def replace_named(self, member: Requester, name: str) -> NewKey:
        """Revoke the member's keys with this name and make a new one (one key per name)."""
        async with self.store.transaction() as db:
            await api_keys.revoke_named(db, member.id, name, self.clock())
        return await self.create(member, name)

    async def list(self, user_id: int) -> list[ApiKeyRow]:
        async with self.store.read() as db:
            return await api_keys.keys_of(db, user_id)

    async def revoke(self, user_id: int, key_id: str) -> ApiKeyRow:
        """Revoke one of the member's keys by its id (or the whole key, pasted back)."""
        key_id = key_id.strip()
        if match := _SHAPE.match(key_id):
            key_id = match.group(1)
        async with self.store.transaction() as db:
            if not await api_keys.revoke_key(db, user_id, key_id, self.clock()):
                raise KeyNotFound(key_id)
            row = await api_keys.get_key(db, key_id)
        assert row is not None
        return row

    async def authenticate(self, secret: str | None) -> ApiKeyRow:
        """The active key behind ``secret``, or :class:`InvalidKey`. Never logs the secret."""
        if not secret:
            raise InvalidKey("missing")
        match = _SHAPE.match(secret)
        row = None
        if match:
            async with self.store.read() as db:
                row = await api_keys.get_key(db, match.group(1))
        # Compare a digest even when no row matched, so timing tells nothing either way.
        expected = row.secret_sha256 if row else bytes(32)
        if not hmac.compare_digest(digest(secret), expected) or row is None:
            raise InvalidKey("incorrect")
        if not row.active:
            raise InvalidKey("revoked")
        return row

    async def used(self, key: ApiKeyRow, roles: frozenset[int] | None = None) -> None:
        """Note the key's last use, and the member's current roles when the bot knows them."""
        async with self.store.transaction() as db:
            await api_keys.touch_key(db, key.id, self.clock())
            if roles is not None and roles != key.role_ids:
                await api_keys.refresh_roles(db, key.id, roles)


def member_of(key: ApiKeyRow, roles: frozenset[int] | None = None) -> Requester:
    """The member a key acts as: its owner, on the server where it was made (with their
    current roles there when the bot can see them, else those they had when it was made)."""
    return Requester(
        id=key.user_id,
        name=key.user_name,
        guild_id=key.guild_id,
        role_ids=key.role_ids if roles is None else roles,
    )
