"""Two processes on one Redis queue keep a server's defaults, rules and words in memory; a
change in one reaches the other at once (Redis pub/sub), not after the memory's 10 seconds."""

from __future__ import annotations

import asyncio
import contextlib
import time

from data.queue import open_queue
from data.redis_changes import SettingsBell
from studio.preferences import Preferences
from studio.recent import CACHE_SECONDS

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


async def test_a_servers_words_and_rules_changed_in_one_process_reach_the_other_at_once(
    store, redis_url
):
    """Every request reads its server's own words and rules; they come from memory, and a
    moderator's change in one process (a bot shard, the API) binds the other at once."""
    from data import moderation
    from studio.moderation import Moderator

    queues = [await open_queue(redis_url) for _ in range(2)]
    here, there = (Moderator(store, bell=SettingsBell(q.client, q.prefix)) for q in queues)
    subscribed = asyncio.Event()

    def forget() -> None:
        subscribed.set()
        there.clear()

    listening = asyncio.create_task(there.bell.listen(forget))
    reads: list[int] = []
    terms = moderation.terms

    async def counted(db, guild_id):
        reads.append(guild_id)
        return await terms(db, guild_id)

    try:
        await asyncio.wait_for(subscribed.wait(), 5)
        moderation.terms = counted  # type: ignore[assignment]
        assert (await there.evaluate_prompt(GUILD, "a zebra at dawn")).allowed
        assert (await there.evaluate_prompt(GUILD, "a zebra at noon")).allowed
        assert reads == [GUILD]  # the second prompt's words came from memory

        await here.add_term(GUILD, "zebra", "block", moderator_id=9)
        assert not (await here.evaluate_prompt(GUILD, "a zebra")).allowed  # here: at once
        deadline = time.monotonic() + CACHE_SECONDS / 2  # well before the memory expires
        while (await there.evaluate_prompt(GUILD, "a zebra")).allowed:
            assert time.monotonic() < deadline, "the other process kept the old words"
            await asyncio.sleep(0.01)

        assert (await there.image_rules(GUILD)).block_faces  # the bot's default
        await here.set_rules(GUILD, block_faces=False)
        while (await there.image_rules(GUILD)).block_faces:
            assert time.monotonic() < deadline, "the other process kept the old rules"
            await asyncio.sleep(0.01)
    finally:
        moderation.terms = terms  # type: ignore[assignment]
        listening.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listening
        for queue in queues:
            await queue.close()
