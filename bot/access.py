"""Who may use the studio on a server: the roles its moderators allowed (phased access).

No role on the list: everyone may. Generation checks access in the same transaction that
charges the job (:func:`check`), so a role revoked a moment ago is honoured.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import aiosqlite

from bot.errors import EveryoneRole, NoAccess
from bot.requester import Requester
from data import access
from data.store import Store

if TYPE_CHECKING:
    from bot.studio import Studio


async def check(db: aiosqlite.Connection, user: Requester) -> None:
    """Refuse a member with none of the allowed roles (DMs and the terminal pass).

    Raises:
        NoAccess: with the allowed role ids.
    """
    if user.guild_id is None:
        return
    roles = await access.allowed_roles(db, user.guild_id)
    if roles and user.role_ids.isdisjoint(roles):
        raise NoAccess(roles)


class Access:
    """A server's allowed roles.

    Args:
        store: the database with the ``access`` table.
        clock: the time (tests pass a fake one).
    """

    def __init__(self, store: Store, *, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    @classmethod
    def of(cls, studio: Studio) -> Access:
        return cls(studio.store, clock=studio.clock)

    async def roles(self, guild_id: int) -> list[int]:
        """The allowed role ids of a server (empty: everyone may)."""
        async with self.store.read() as db:
            return await access.allowed_roles(db, guild_id)

    async def allow(self, guild_id: int, role_id: int, by: Requester) -> bool:
        """Let members with ``role_id`` use the studio; False when it was allowed already.

        Args:
            guild_id: the server.
            role_id: the role to allow; the server's own id (@everyone) is refused.
            by: the moderator, kept with the row.

        Raises:
            EveryoneRole: ``role_id`` is @everyone.
        """
        if role_id == guild_id:
            raise EveryoneRole
        async with self.store.transaction() as db:
            return await access.allow(db, guild_id, role_id, by.id, self.clock())

    async def revoke(self, guild_id: int, role_id: int) -> bool:
        """Take a role off the list; False when it was not on it."""
        async with self.store.transaction() as db:
            return await access.revoke(db, guild_id, role_id)

    async def open_to_everyone(self, guild_id: int) -> int:
        """Drop every role restriction; returns how many roles were allowed."""
        async with self.store.transaction() as db:
            roles = await access.allowed_roles(db, guild_id)
            for role in roles:
                await access.revoke(db, guild_id, role)
            return len(roles)
