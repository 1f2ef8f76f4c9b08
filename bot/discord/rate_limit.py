"""A per-user rate limit on starting jobs, shared by /imagine, /vary, buttons and replies.

discord.py's ``app_commands.checks.cooldown`` would guard one slash command at a time, and
a spammer would just switch to V1–V4 or 🔄. One :class:`~discord.ext.commands.CooldownMapping`
keyed by user id (discord.py's own token bucket, which also drops idle users' buckets)
guards every way to start a job. It is checked before anything is charged or queued.
"""

from __future__ import annotations

from discord.ext import commands

from bot.errors import RateLimited


class JobRateLimit:
    """At most ``jobs`` new requests per user per window; a window starts with the first
    request after the previous one ended and lasts ``seconds``."""

    def __init__(self, jobs: int, seconds: float) -> None:
        self.jobs = jobs
        self.seconds = seconds
        self._buckets: commands.CooldownMapping[int] = commands.CooldownMapping.from_cooldown(
            jobs, seconds, lambda user_id: user_id
        )

    def check(self, user_id: int, now: float | None = None) -> None:
        """Take one token from the user's bucket, or raise :class:`RateLimited`."""
        retry_after = self._buckets.update_rate_limit(user_id, now)
        if retry_after:
            raise RateLimited(self.jobs, self.seconds, retry_after)
