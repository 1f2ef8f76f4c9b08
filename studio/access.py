"""Who may use the studio on a server: the roles its moderators allowed (phased access).

No role on the list: everyone may. Generation checks access in the same transaction that
charges the job (:func:`check`), so a role revoked a moment ago is honoured.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import aiosqlite

from data import access, moderation
from data.store import Store
from studio.errors import EveryoneRole, NoAccess, ServerOnly
from studio.requester import Requester

if TYPE_CHECKING:
    from studio.studio import Studio

# The member's roles on each of these servers where they are a member (servers where
# they are not are left out); the Discord adapter answers it, for requests from DMs.
MemberRoles = Callable[[int, list[int]], Awaitable[dict[int, frozenset[int]]]]


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


async def check_from_dm(
    store: Store, user: Requester, member_roles: MemberRoles | None
) -> list[int]:
    """A DM honours the role rule of every server that has one and the member is on:
    refused with NoAccess on one server, refused in DMs too.

    Args:
        store: the database with the role rules and blocked terms.
        user: who asks, from a DM.
        member_roles: the adapter's answer to "which roles has this user on these servers"
            (None: it cannot tell, so a DM is refused while any server has a rule).

    Returns:
        The member's servers that block terms of their own (their prompt rules apply in
        DMs as well).

    Raises:
        NoAccess: a server the user is on allows only roles they lack.
        ServerOnly: roles cannot be checked from here (a DM).
    """
    async with store.read() as db:
        ruled = await access.guilds_with_rules(db)
        with_terms = await moderation.guilds_with_blocked_terms(db)
    if not ruled and not with_terms:
        return []
    if member_roles is None:
        raise ServerOnly("roles")
    roles_on = await member_roles(user.id, sorted(set(ruled) | set(with_terms)))
    for guild_id, role_ids in roles_on.items():
        async with store.read() as db:
            roles = await access.allowed_roles(db, guild_id)
        if roles and role_ids.isdisjoint(roles):
            raise NoAccess(roles)
    return [guild_id for guild_id in with_terms if guild_id in roles_on]


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
