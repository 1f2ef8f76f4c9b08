"""Who asks: the one fact about a person every use-case needs, from any adapter."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Requester:
    """Who asks, and from where: the server and the member's roles decide access.

    Each adapter makes one (Discord: :func:`bot.discord.people.requester`; the terminal:
    a fixed console user; the Images API: the user its key belongs to).
    """

    id: int
    name: str = ""
    guild_id: int | None = None  # None: a DM or the terminal
    role_ids: frozenset[int] = frozenset()
    dm: bool = False  # a Discord direct message: refused unless ALLOW_DMS, then every
    # server's suspensions and role rules apply (no server's rules would otherwise)


# The operator's own account: the terminal (``python -m bot imagine``) and its API key (the
# one ``make run`` prints). It has its own rate limit (CONSOLE_RATE_LIMIT_JOBS, 0: none).
CONSOLE = Requester(id=0, name="console")
