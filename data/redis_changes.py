"""Telling every process on one Redis that stored settings changed (Redis pub/sub).

Each process keeps what it resolved from the settings tables (members' and servers'
defaults) in memory for a while; when one process changes them it rings this bell and the
others forget theirs at once, instead of serving the old values until they expire. A
lost message (Redis restarted, a dropped connection) costs nothing worse than that expiry:
the listener forgets everything when it subscribes again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import redis.asyncio as redis

log = logging.getLogger(__name__)

KEY_SETTINGS_CHANGED = ":changed:settings"  # the pub/sub channel, after the queue's prefix
RESUBSCRIBE_SECONDS = 1.0


class SettingsBell:
    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self._client = client
        self.channel = prefix + KEY_SETTINGS_CHANGED

    async def ring(self) -> None:
        """Tell the other processes (a Redis that is away: they find out on expiry)."""
        try:
            await self._client.publish(self.channel, b"1")
        except redis.RedisError:
            log.warning("could not tell the other processes that settings changed")

    async def listen(self, changed: Callable[[], None]) -> None:
        """Call ``changed`` on every ring (and after each new subscription), until
        cancelled."""
        while True:
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                changed()  # whatever rang while we were not listening
                while True:
                    message = await pubsub.get_message(timeout=None)
                    if message is not None:
                        changed()
            except (redis.ConnectionError, redis.TimeoutError):
                await asyncio.sleep(RESUBSCRIBE_SECONDS)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
