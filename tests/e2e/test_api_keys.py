"""/api-key through the fake Discord, with the Images API served beside the bot
(API_ENABLED): a member's key acts with their roles on that server, as they are now."""

from __future__ import annotations

import asyncio
import re

import pytest
from openai import AsyncOpenAI, AuthenticationError, PermissionDeniedError

from tests.e2e.conftest import BOB, api_url_of, bot_settings, start_bot, stop_bot
from tests.e2e.test_access import role_option
from tests.fakediscord import FLAG_EPHEMERAL, OWNER_ID

BETA = 9001


async def answer(inter) -> dict:
    return (await inter.wait_callback()).json["data"]


async def test_a_members_key_follows_their_roles_and_stops_when_revoked(fake, tmp_path, engine):
    from inference.worker import Worker

    fake.roles[BETA] = "beta testers"
    fake.member_roles[BOB] = [BETA]
    settings = bot_settings(  # roles asked at every request: the change below shows at once
        fake, tmp_path / "var", local_worker=False, api_enabled=True, api_port=0,
        api_roles_seconds=0,
    )  # fmt: skip
    bot, task = await start_bot(fake, settings)
    client = None
    try:
        made = await answer(
            await fake.slash_command(
                "api-key", {"name": "scripts"}, subcommand="create", user_id=BOB
            )
        )
        assert made["flags"] & FLAG_EPHEMERAL
        key = re.search(r"```\n(imk_\S+)\n```", made["content"]).group(1)
        await answer(
            await fake.slash_command(
                "access", subcommand="allow", user_id=OWNER_ID, **role_option(fake, BETA)
            )
        )
        client = AsyncOpenAI(
            base_url=f"{api_url_of(bot)}/v1", api_key=key, max_retries=0, timeout=60
        )
        waiting = asyncio.create_task(
            client.images.generate(prompt="a purple mammoth", size="256x256")
        )
        store = bot.studio.store

        async def jobs() -> int:
            return (await store.fetchone("SELECT COUNT(*) FROM jobs WHERE user_id = ?", (BOB,)))[0]

        deadline = asyncio.get_running_loop().time() + 60
        while await jobs() == 0:  # allowed: BETA is theirs; the job waits (no worker here)
            assert asyncio.get_running_loop().time() < deadline and not waiting.done()
            await asyncio.sleep(0.05)
        (scope_guild,) = await store.fetchone("SELECT guild_id FROM api_keys")
        assert scope_guild == fake.guild_id
        stop = asyncio.Event()
        worker = asyncio.create_task(Worker(bot.studio.queue, engine).run(stop))
        try:
            result = await asyncio.wait_for(waiting, 120)
        finally:
            stop.set()
            await worker
        assert len(result.data) == 1 and result.data[0].url.startswith(api_url_of(bot))
        assert not [call for call in fake.calls if call.files]  # answered over HTTP only
        (delivered,) = await store.fetchone("SELECT delivered_at IS NOT NULL FROM jobs")
        assert delivered

        fake.member_roles[BOB] = []  # a moderator takes the role away on Discord
        with pytest.raises(PermissionDeniedError) as refused:
            await client.images.generate(prompt="a purple mammoth", size="256x256")
        assert refused.value.code == "no_access"
        assert await jobs() == 1

        listed = await answer(await fake.slash_command("api-key", subcommand="list", user_id=BOB))
        key_id = key.split("_")[1]
        assert key_id in listed["content"] and key not in listed["content"]
        revoked = await answer(
            await fake.slash_command("api-key", {"key": key_id}, subcommand="revoke", user_id=BOB)
        )
        assert revoked["content"].startswith(f"Revoked `{key_id}`")
        with pytest.raises(AuthenticationError):
            await client.models.list()
    finally:
        if client is not None:
            await client.close()
        await stop_bot(bot, task)
