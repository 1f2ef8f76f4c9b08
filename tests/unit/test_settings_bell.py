"""Two processes on one Redis queue cache a server's defaults; a change in one reaches
the other at once (Redis pub/sub), not after the cache's 10 seconds."""

from __future__ import annotations

import asyncio
import contextlib
import time

from data.queue import open_queue
from data.redis_changes import SettingsBell
from studio.preferences import CACHE_SECONDS, Preferences

GUILD = 77


async def test_a_default_changed_in_one_process_is_seen_by_the_other_at_once(
    store, settings, redis_url
):
    queues = [await open_queue(redis_url) for _ in range(2)]
    here, there = (
        Preferences(settings, store, bell=SettingsBell(q.client, q.prefix)) for q in queues
    )
    listened: list[float] = []

    def forget() -> None:
        listened.append(time.monotonic())
        there.clear()

    listening = asyncio.create_task(there.bell.listen(forget))
    try:
        deadline = time.monotonic() + 5
        while not listened:  # subscribed (it forgets once on subscribing)
            assert time.monotonic() < deadline, "the listener never subscribed"
            await asyncio.sleep(0.01)
        assert (await there.effective(1, GUILD)).shape == "square"  # cached over there now

        await here.update_guild(GUILD, by=9, shape="portrait")

        deadline = time.monotonic() + CACHE_SECONDS / 2  # well before the cache expires
        while (await there.effective(1, GUILD)).shape != "portrait":
            assert time.monotonic() < deadline, "the other process kept the old default"
            await asyncio.sleep(0.01)
        assert len(listened) >= 2  # subscribing, then the change
    finally:
        listening.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listening
        for queue in queues:
            await queue.close()
