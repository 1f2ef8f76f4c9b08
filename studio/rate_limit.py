"""A per-member rate limit on starting jobs, shared by every adapter of one studio.

/imagine, /vary, the buttons, reply-to-edit and the Images API all start jobs; a spammer
would switch from one to another if each had its own limit (discord.py's command cooldowns
guard one command at a time). One limit per studio, keyed by member, is checked by every
use-case that starts a job (``Studio.admit``), before anything is charged or queued, so no
adapter can skip it and Discord and the API of one process share it.

A request is counted once however many use-cases it runs: an API request for 10 images is
several jobs, an edit without a mask becomes a variation, and an adapter that must refuse
before reading a body or downloading an attachment admits the request early. Each carries
its request's key (the interaction, the reply, the HTTP request id).

With ``QUEUE=redis://…`` the counts and keys live in Redis (:mod:`data.redis_rate_limit`),
so several bot and API processes share one limit too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from studio.errors import RateLimited

FORGET_AFTER = 4096  # windows kept before the ended ones are dropped: memory stays flat


class SharedCounter(Protocol):
    """Counts kept outside this process (:class:`data.redis_rate_limit.RedisRateCounter`)."""

    async def take(
        self, user_id: int, jobs: int, seconds: float, request: str | None
    ) -> float | None:
        """Count one request (once per ``request`` key in a window); None when counted or
        already admitted, else the seconds until it may be."""
        ...


class JobRateLimit:
    """At most ``jobs`` new requests per member per window; a window starts with the first
    request after the previous one ended and lasts ``seconds``. A refusal does not count.
    The counts are this process's, or ``shared`` ones every process sees."""

    def __init__(
        self,
        jobs: int,
        seconds: float,
        clock: Callable[[], float] = time.monotonic,
        *,
        own_limits: dict[int, int] | None = None,
        shared: SharedCounter | None = None,
    ) -> None:
        self.jobs = jobs
        self.seconds = seconds
        # Members with a limit of their own (the operator's terminal account); 0: unlimited.
        self.own_limits = dict(own_limits or {})
        self.shared = shared
        self._clock = clock
        self._windows: dict[int, tuple[float, int]] = {}  # member → (window start, used)
        self._admitted: dict[int, set[str]] = {}  # member → request keys of the window
        # Request keys this process had counted in the shared counts, until when: a
        # request admitted early by its adapter, then by its use-case, asks Redis once.
        self._counted: dict[str, float] = {}

    async def check(
        self, user_id: int, now: float | None = None, request: str | None = None
    ) -> None:
        """Count one request for the member, or raise :class:`RateLimited` with the wait.

        ``request``: the request's key; a request already admitted in this window passes
        without counting again (None: every call counts)."""
        jobs = self.own_limits.get(user_id, self.jobs)
        if jobs == 0:
            return
        if self.shared is not None:
            if request is not None and self._counted.get(request, 0.0) > self._clock():
                return
            wait = await self.shared.take(user_id, jobs, self.seconds, request)
            if wait is None and request is not None:
                self._remember_counted(request)
        else:
            wait = self._take(user_id, jobs, self._clock() if now is None else now, request)
        if wait is not None:
            raise RateLimited(jobs, self.seconds, wait)

    def _remember_counted(self, request: str) -> None:
        now = self._clock()
        if len(self._counted) > FORGET_AFTER:  # bounded: drop the ended windows' keys
            self._counted = {key: end for key, end in self._counted.items() if end > now}
        self._counted[request] = now + self.seconds

    def _take(self, user_id: int, jobs: int, now: float, request: str | None) -> float | None:
        start, used = self._windows.get(user_id, (now, 0))
        if now >= start + self.seconds:
            start, used = now, 0
            self._admitted.pop(user_id, None)
        if request is not None and request in self._admitted.get(user_id, ()):
            return None
        if used >= jobs:
            return start + self.seconds - now
        self._windows[user_id] = (start, used + 1)
        if request is not None:  # at most `jobs` keys a window: bounded
            self._admitted.setdefault(user_id, set()).add(request)
        if len(self._windows) > FORGET_AFTER:
            self._forget_ended(now)
        return None

    def _forget_ended(self, now: float) -> None:
        ended = [user for user, (start, _) in self._windows.items() if now >= start + self.seconds]
        for user in ended:
            del self._windows[user]
            self._admitted.pop(user, None)
