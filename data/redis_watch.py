"""Which bot process follows and delivers which job, when several share one Redis queue.

Each process that watches jobs (bot, API) holds a lease, ``<prefix>:watcher:<name>``,
renewed while it lives; ``<prefix>:watching`` maps each job it follows to its name, from
its submission until its answer was delivered. Only the job's watcher stores its outcome
and delivers it, so a result is posted once however many processes run. When a watcher
dies its lease expires, and another process takes its jobs over (and, for a job that was
finished but not marked delivered, looks for the posted answer before posting it again).
"""

from __future__ import annotations

import redis.asyncio as redis

from data.redis_lease import this_process

KEY_WATCHING = ":watching"  # hash job id -> the name of the process that follows it
KEY_WATCHER = ":watcher:"  # + name: that process's lease (a key with a TTL)

# KEYS[1] the watching hash; ARGV: the lease keys' prefix, me, job ids… Takes the jobs that
# nobody follows, or whose follower's lease has expired; returns the ids now followed by me.
_TAKE = """
local hash, leases, me = KEYS[1], ARGV[1], ARGV[2]
local taken = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local holder = redis.call('HGET', hash, id)
  if holder == me or not holder or redis.call('EXISTS', leases .. holder) == 0 then
    redis.call('HSET', hash, id, me)
    table.insert(taken, id)
  end
end
return taken
"""

# KEYS[1] the watching hash; ARGV: the lease keys' prefix. The jobs whose follower is gone.
_ORPHANS = """
local hash, leases = KEYS[1], ARGV[1]
local alive, orphans = {}, {}
local flat = redis.call('HGETALL', hash)
for i = 1, #flat, 2 do
  local holder = flat[i + 1]
  if alive[holder] == nil then alive[holder] = redis.call('EXISTS', leases .. holder) == 1 end
  if not alive[holder] then table.insert(orphans, flat[i]) end
end
return orphans
"""

# KEYS[1] the watching hash; ARGV: me, job ids… Lets go of those that are mine.
_RELEASE = """
local released = 0
for i = 2, #ARGV do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[1] then
    released = released + redis.call('HDEL', KEYS[1], ARGV[i])
  end
end
return released
"""


class WatchLeases:
    """This process's share of the jobs: its lease, and the jobs it follows."""

    def __init__(
        self, client: redis.Redis, prefix: str, lease_seconds: float, name: str | None = None
    ) -> None:
        self.name = name or this_process()
        self.lease_seconds = lease_seconds
        self._hash = prefix + KEY_WATCHING
        self._leases = prefix + KEY_WATCHER
        self._client = client
        self._take = client.register_script(_TAKE)
        self._orphans = client.register_script(_ORPHANS)
        self._release = client.register_script(_RELEASE)

    async def renew(self) -> None:
        """Say this process lives for another ``lease_seconds``."""
        ms = max(1, round(self.lease_seconds * 1000))
        await self._client.set(self._leases + self.name, b"1", px=ms)

    async def take(self, job_ids: list[str]) -> set[str]:
        """Follow those of ``job_ids`` nobody alive follows; the ones this process now has."""
        if not job_ids:
            return set()
        taken = await self._take(keys=[self._hash], args=[self._leases, self.name, *job_ids])
        return {_text(job_id) for job_id in taken}

    async def orphans(self) -> list[str]:
        """Jobs whose process is gone (its lease expired): someone must take them over."""
        found = await self._orphans(keys=[self._hash], args=[self._leases])
        return [_text(job_id) for job_id in found]

    async def release(self, job_ids: list[str]) -> None:
        """Done with these jobs (delivered, or nothing left to deliver)."""
        if job_ids:
            await self._release(keys=[self._hash], args=[self.name, *job_ids])

    async def end(self) -> None:
        """Stop living: the jobs still followed are taken over at once, not after the lease."""
        await self._client.delete(self._leases + self.name)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
