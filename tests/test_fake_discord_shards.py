"""The fake Discord with several shards: one gateway session per shard, a server's events
on shard ``(guild_id >> 22) % shards``, DMs on shard 0, and an IDENTIFY that does not name
a shard of the application's count closed with 4010 Invalid shard (Discord's docs)."""

from __future__ import annotations

import aiohttp
import pytest

from tests.fakediscord import FakeDiscord

HELLO, IDENTIFY, HEARTBEAT, HEARTBEAT_ACK, DISPATCH = 10, 2, 1, 11, 0


async def _identify(fake: FakeDiscord, shard: list[int] | None) -> tuple[dict | None, int | None]:
    """Connect as a client would; the first dispatch (READY) or the close code."""
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(str(fake.gateway_url)) as ws,
    ):
        assert (await ws.receive_json())["op"] == HELLO
        await ws.send_json({"op": HEARTBEAT, "d": None})  # discord.py beats first
        assert (await ws.receive_json())["op"] == HEARTBEAT_ACK
        data = {"token": "t", "intents": 1, "properties": {}}
        if shard is not None:
            data["shard"] = shard
        await ws.send_json({"op": IDENTIFY, "d": data})
        message = await ws.receive()
        if message.type is aiohttp.WSMsgType.TEXT:
            return message.json(), None
        return None, ws.close_code


@pytest.mark.parametrize("shard", [None, [0, 3], [2, 2]])
async def test_an_identify_without_a_shard_of_the_count_is_refused(shard):
    async with FakeDiscord(shard_count=2) as fake:
        ready, code = await _identify(fake, shard)
    assert ready is None and code == 4010


async def test_each_shard_gets_its_own_session_and_only_its_servers():
    guild_on_1 = (1 << 22) + 2000
    async with FakeDiscord(shard_count=2, guild_id=guild_on_1) as fake:
        assert fake.shard_of(guild_on_1) == 1 and fake.shard_of(None) == 0
        for shard in (1, 0):
            ready, _ = await _identify(fake, [shard, 2])
            assert ready["op"] == DISPATCH and ready["t"] == "READY"
            assert ready["d"]["shard"] == [shard, 2]
            guilds = [int(g["id"]) for g in ready["d"]["guilds"]]
            assert guilds == ([guild_on_1] if shard == 1 else [])
        sessions = [gateway.identify_payloads[0]["shard"] for gateway in fake.gateways]
        assert sessions == [[0, 2], [1, 2]]
        assert fake.gateway is fake.gateways[1]  # the server's events go to its shard
