"""A per-member rate limit on starting jobs, shared by every adapter of one studio.

/imagine, /vary, the buttons, reply-to-edit and the Images API all start jobs; a spammer
would switch from one to another if each had its own limit (discord.py's command cooldowns
guard one command at a time). One limit per studio, keyed by member, is checked before
anything is charged or queued, so Discord and the API of one process share it.

A request is counted once, by its origin's own id (the interaction token, the replied-to
message, the HTTP request id): an adapter that must refuse early (before reading a body or
downloading an upload) admits the request itself, and the use-case it then calls does not
count it again. Every admitted request counts, also one refused later for a bad body.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from data.origins import DiscordOrigin, HttpOrigin, Origin
from studio.errors import RateLimited

FORGET_AFTER = 4096  # windows kept before the ended ones are dropped: memory stays flat
REMEMBERED_REQUESTS = 4096  # admitted request ids kept so a request counts once


def request_key(origin: Origin | None) -> str | None:
    """The id of the request an origin belongs to; None: each call is a request of its own."""
    if isinstance(origin, HttpOrigin):
        return f"http:{origin.request_id}"
    if isinstance(origin, DiscordOrigin):
        if origin.token:
            return f"interaction:{origin.token}"
        if origin.reply_to:
            return f"reply:{origin.reply_to}"
    return None


class JobRateLimit:
    """At most ``jobs`` new requests per member per window; a window starts with the first
    request after the previous one ended and lasts ``seconds``. A refusal does not count."""

    def __init__(
        self, jobs: int, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.jobs = jobs
        self.seconds = seconds
        self._clock = clock
        self._windows: dict[int, tuple[float, int]] = {}  # member → (window start, used)
        self._admitted: OrderedDict[tuple[int, str], None] = OrderedDict()

    def admit(self, user_id: int, request: str | None, now: float | None = None) -> None:
        """Count ``request`` for the member once (see :func:`request_key`), or raise
        :class:`RateLimited`; a request already admitted passes without counting again."""
        if request is not None and (user_id, request) in self._admitted:
            return
        self.check(user_id, now)
        if request is not None:
            self._admitted[(user_id, request)] = None
            while len(self._admitted) > REMEMBERED_REQUESTS:
                self._admitted.popitem(last=False)

    def check(self, user_id: int, now: float | None = None) -> None:
        """Count one request for the member, or raise :class:`RateLimited` with the wait."""
        now = self._clock() if now is None else now
        start, used = self._windows.get(user_id, (now, 0))
        if now >= start + self.seconds:
            start, used = now, 0
        if used >= self.jobs:
            raise RateLimited(self.jobs, self.seconds, start + self.seconds - now)
        self._windows[user_id] = (start, used + 1)
        if len(self._windows) > FORGET_AFTER:
            self._forget_ended(now)

    def _forget_ended(self, now: float) -> None:
        ended = [user for user, (start, _) in self._windows.items() if now >= start + self.seconds]
        for user in ended:
            del self._windows[user]
