"""Issue 25, item 2: no API key without a server. /api-key create refuses in a DM (checked
on the interaction: discord.py ignores guild_only on a subcommand), and a server-less
member key made before this fix is revoked by its migration (0023)."""

from __future__ import annotations

import sqlite3

import pytest
from openai import AsyncOpenAI, AuthenticationError

from data.store import migration_scripts
from studio.api_keys import ApiKeys
from studio.requester import Requester
from tests.e2e.conftest import BOB, api_url_of, bot_settings, start_bot, stop_bot
from tests.fakediscord import FLAG_EPHEMERAL

THE_FIX = 23  # the migration that revokes server-less member keys


async def test_a_key_is_never_made_in_a_dm_and_old_dm_keys_stop(fake, tmp_path):
    settings = bot_settings(
        fake, tmp_path / "var", local_worker=False, allow_dms=True, api_enabled=True, api_port=0
    )
    bot, task = await start_bot(fake, settings)
    try:
        dm = int(fake.dm_channel(BOB)["id"])
        inter = await fake.slash_command("api-key", subcommand="create", user_id=BOB, channel_id=dm)
        refusal = (await inter.wait_callback()).json["data"]
        assert refusal["flags"] & FLAG_EPHEMERAL
        assert refusal["content"].startswith("Make API keys in a server")
        assert "imk_" not in refusal["content"]
        (keys,) = await bot.studio.store.fetchone("SELECT COUNT(*) FROM api_keys")
        assert keys == 0

        # As the bug made them: a member's key with no server, and the terminal's own.
        old = await ApiKeys.of(bot.studio).create(Requester(BOB, "bob"), "from a DM")
        console = await ApiKeys.of(bot.studio).create(Requester(0, "console"), "make run")
    finally:
        await stop_bot(bot, task)
    # The fix's migration, over a database that holds such keys (rewinding the schema version
    # instead would re-run every later migration over tables that already have their columns).
    (script,) = [script for number, script in migration_scripts() if number == THE_FIX]
    with sqlite3.connect(settings.database_path) as db:
        db.executescript(script)

    bot, task = await start_bot(fake, settings)
    clients = []
    try:
        for secret in (old.secret, console.secret):
            clients.append(
                AsyncOpenAI(base_url=f"{api_url_of(bot)}/v1", api_key=secret, max_retries=0)
            )
        with pytest.raises(AuthenticationError, match="revoked"):
            await clients[0].models.list()
        models = (await clients[1].models.list()).data  # the terminal's key works
        assert models[0].id == settings.model
    finally:
        for client in clients:
            await client.close()
        await stop_bot(bot, task)
