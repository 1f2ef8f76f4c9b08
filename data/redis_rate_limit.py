"""The per-member rate limit's counts in Redis, so every bot and API process sharing a
``QUEUE=redis://…`` shares one limit (a member cannot get N requests per process).

Per member, one key counts the requests of the current window and expires when the window
ends (Redis's clock, so processes on machines with skewed clocks agree); a set beside it
holds the keys of the requests admitted in that window, so a request that runs several
use-cases (or is admitted early by an adapter, then by its use-case) counts once, as in
the in-memory limit. One Lua script reads and counts atomically; a refusal does not count.
"""

from __future__ import annotations

import redis.asyncio as redis

KEY_RATE = ":rate:"  # + member id: requests counted in the member's current window
KEY_ADMITTED = ":admitted"  # after that: the request keys admitted in the window

# KEYS[1] the count, KEYS[2] the admitted keys; ARGV: jobs, window in ms, request ('' none).
# Returns 0 (counted, or admitted already) or the ms left until the window ends (refused).
_TAKE = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used == 0 then redis.call('DEL', KEYS[2]) end  -- a new window
if ARGV[3] ~= '' and redis.call('SISMEMBER', KEYS[2], ARGV[3]) == 1 then return 0 end
if used >= tonumber(ARGV[1]) then
  return math.max(redis.call('PTTL', KEYS[1]), 1)
end
if used == 0 then
  redis.call('SET', KEYS[1], 1, 'PX', ARGV[2])
else
  redis.call('INCR', KEYS[1])  -- keeps the window's expiry
end
if ARGV[3] ~= '' then
  redis.call('SADD', KEYS[2], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], math.max(redis.call('PTTL', KEYS[1]), 1))
end
return 0
"""


class RedisRateCounter:
    """Counts for :class:`studio.rate_limit.JobRateLimit`, kept in Redis."""

    def __init__(self, client: redis.Redis, prefix: str = "imagine") -> None:
        self.prefix = prefix
        self._take = client.register_script(_TAKE)

    async def take(
        self, user_id: int, jobs: int, seconds: float, request: str | None = None
    ) -> float | None:
        """Count one request; None when counted (or admitted already), else the seconds
        until it may be."""
        count = f"{self.prefix}{KEY_RATE}{user_id}"
        window_ms = max(1, round(seconds * 1000))
        left_ms = await self._take(
            keys=[count, count + KEY_ADMITTED], args=[jobs, window_ms, request or ""]
        )
        return None if int(left_ms) == 0 else int(left_ms) / 1000
