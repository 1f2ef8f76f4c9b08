"""The per-member rate limit's counts in Redis, so every bot and API process sharing a
``QUEUE=redis://…`` shares one limit (a member cannot get N requests per process).

One key per member counts the requests of the current window and expires when the window
ends (Redis's clock, so processes on machines with skewed clocks agree). One Lua script
reads and counts atomically; a refusal does not count, as in the in-memory limit.
"""

from __future__ import annotations

import redis.asyncio as redis

KEY_RATE = ":rate:"  # + member id: requests counted in the member's current window

# KEYS[1] the member's key; ARGV: jobs per window, window in ms.
# Returns 0 (counted) or the ms left until the window ends (refused).
_TAKE = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used == 0 then
  redis.call('SET', KEYS[1], 1, 'PX', ARGV[2])
  return 0
end
if used >= tonumber(ARGV[1]) then
  return math.max(redis.call('PTTL', KEYS[1]), 1)
end
redis.call('INCR', KEYS[1])  -- keeps the window's expiry
return 0
"""


class RedisRateCounter:
    """Counts for :class:`studio.rate_limit.JobRateLimit`, kept in Redis."""

    def __init__(self, client: redis.Redis, prefix: str = "imagine") -> None:
        self.prefix = prefix
        self._take = client.register_script(_TAKE)

    async def take(self, user_id: int, jobs: int, seconds: float) -> float | None:
        """Count one request; None when counted, else the seconds until it may be."""
        key = f"{self.prefix}{KEY_RATE}{user_id}"
        left_ms = await self._take(keys=[key], args=[jobs, max(1, round(seconds * 1000))])
        return None if int(left_ms) == 0 else int(left_ms) / 1000
