"""A key's member's roles, asked of Discord at most once per (server, member) a minute.

The role rule must see a member's current roles (one who lost the role loses the API
too), but one Discord REST call per HTTP request would spend the bot's Discord rate-limit
budget on API traffic. A short cache bounds that: a changed role takes effect within
``API_ROLES_SECONDS`` (default ``ROLES_SECONDS``; 0 asks every time). Failures are not
cached: the next request asks again.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

RolesLookup = Callable[[int, int], Awaitable[frozenset[int] | None]]

ROLES_SECONDS = 60.0  # how stale a member's roles may be for the API's role rule (default)
MAX_MEMBERS = 4096  # (server, member) pairs kept; the oldest go first


class RolesCache:
    """``lookup(guild_id, user_id)`` with answers kept ``seconds`` per (server, member)."""

    def __init__(
        self,
        lookup: RolesLookup,
        seconds: float = ROLES_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lookup = lookup
        self.seconds = seconds
        self._clock = clock
        self._kept: OrderedDict[tuple[int, int], tuple[float, frozenset[int] | None]] = (
            OrderedDict()
        )

    async def __call__(self, guild_id: int, user_id: int) -> frozenset[int] | None:
        key, now = (guild_id, user_id), self._clock()
        kept = self._kept.get(key)
        if kept is not None and now - kept[0] < self.seconds:
            return kept[1]
        roles = await self.lookup(guild_id, user_id)  # an error propagates: refused, not cached
        self._kept[key] = (now, roles)
        self._kept.move_to_end(key)
        while len(self._kept) > MAX_MEMBERS:
            self._kept.popitem(last=False)
        return roles
