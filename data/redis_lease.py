"""A lease in Redis: at most one holder at a time among processes that share a Redis
(``QUEUE=redis://…``), e.g. the one bot process that runs the monthly refills.

The holder renews it each time it works; a holder that dies without releasing it loses it
when it expires, and the next process to ask takes it over.
"""

from __future__ import annotations

import os
import socket

import redis.asyncio as redis

# KEYS[1] the lease; ARGV: holder, ms. Returns 1 when ARGV[1] holds it (now renewed).
_HOLD = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""

# KEYS[1] the lease; ARGV[1] holder. Deletes it only when that holder has it.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class RedisLease:
    def __init__(self, client: redis.Redis, key: str, holder: str | None = None) -> None:
        self.key = key
        self.holder = holder or this_process()
        self._hold = client.register_script(_HOLD)
        self._release = client.register_script(_RELEASE)

    async def hold(self, seconds: float) -> bool:
        """Take or renew the lease for ``seconds``; False while another process has it."""
        ms = max(1, round(seconds * 1000))
        return bool(await self._hold(keys=[self.key], args=[self.holder, ms]))

    async def release(self) -> None:
        await self._release(keys=[self.key], args=[self.holder])
