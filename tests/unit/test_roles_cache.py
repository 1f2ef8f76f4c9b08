"""The API's cache of member roles: one lookup per (server, member) per ROLES_SECONDS."""

from __future__ import annotations

import pytest

from app.api.roles import ROLES_SECONDS, RolesCache


async def test_roles_are_kept_per_server_and_member_for_a_short_time():
    now = [0.0]
    asked: list[tuple[int, int]] = []

    async def lookup(guild_id: int, user_id: int) -> frozenset[int]:
        asked.append((guild_id, user_id))
        return frozenset({guild_id + user_id})

    cache = RolesCache(lookup, clock=lambda: now[0])
    assert await cache(1, 10) == frozenset({11})
    assert await cache(1, 10) == frozenset({11})
    assert await cache(2, 10) == frozenset({12})  # another server: its own entry
    assert asked == [(1, 10), (2, 10)]
    now[0] = ROLES_SECONDS + 0.1
    await cache(1, 10)
    assert asked[-1] == (1, 10) and len(asked) == 3  # stale: asked again


async def test_a_failed_lookup_is_not_kept():
    calls = 0

    async def lookup(guild_id: int, user_id: int) -> frozenset[int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("Discord is down")
        return frozenset()

    cache = RolesCache(lookup)
    with pytest.raises(RuntimeError):
        await cache(1, 2)
    assert await cache(1, 2) == frozenset()
