"""Rows every request reads, kept in memory for a moment: a server's moderation rules and
its own words, members' and servers' defaults.

Each /imagine reads them before it may answer; under a burst the store's queue is long, so
they come from memory. What this process changes it forgets at once; other processes on the
same Redis queue are told at once (the settings bell, ``data/redis_changes.py``) and forget
everything; others (an operator's terminal on SQLite) see a change within ``seconds``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Generic, Protocol, TypeVar

K = TypeVar("K")
V = TypeVar("V")

CACHE_SECONDS = 10.0
LIMIT = 10_000  # entries: a big server's members come and go


class ChangeBell(Protocol):
    """Tells the other processes that stored settings changed (see data/redis_changes.py)."""

    async def ring(self) -> None: ...


class Recent(Generic[K, V]):
    def __init__(self, seconds: float = CACHE_SECONDS, limit: int = LIMIT) -> None:
        self.seconds = seconds
        self.limit = limit
        self._kept: dict[K, tuple[float, V]] = {}
        self._forgets = 0  # a read that a forget overtook may hold the old value: not kept

    async def get(self, key: K, read: Callable[[], Awaitable[V]]) -> V:
        """The value kept for ``key``, or what ``read`` answers now (then kept)."""
        kept = self._kept.get(key)
        if kept is not None and time.monotonic() < kept[0]:
            return kept[1]
        forgets = self._forgets
        value = await read()
        if forgets != self._forgets:
            return value
        if len(self._kept) >= self.limit:
            self._kept.clear()
        self._kept[key] = (time.monotonic() + self.seconds, value)
        return value

    def forget(self, key: K) -> None:
        self._forgets += 1
        self._kept.pop(key, None)

    def forget_where(self, matches: Callable[[K], bool]) -> None:
        self._forgets += 1
        for key in [key for key in self._kept if matches(key)]:
            del self._kept[key]

    def clear(self) -> None:
        self._forgets += 1
        self._kept.clear()
