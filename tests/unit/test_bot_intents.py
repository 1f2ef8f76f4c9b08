"""What the bot asks Discord's gateway for: the events it listens to, and no others."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import discord

from app.discord.client import ImagineBot, intents
from data.settings import load_settings
from studio.settings import Settings
from studio.studio import Studio


def _settings(tmp_path, **values) -> Settings:
    return load_settings(Settings, _env_file=None, data_dir=tmp_path, model="tiny", **values)


def test_the_bot_asks_for_the_events_it_listens_to(tmp_path):
    wanted = intents(_settings(tmp_path))
    assert wanted.guilds and wanted.guild_messages and wanted.dm_messages
    assert wanted.guild_reactions and wanted.message_content
    # a busy server's typing, voice and presence traffic is never sent to the bot
    assert not (wanted.typing or wanted.voice_states or wanted.presences or wanted.members)
    assert not intents(_settings(tmp_path, message_content="false")).message_content


def test_the_bot_keeps_no_message_cache(tmp_path):
    bot = ImagineBot(_settings(tmp_path), cast(Studio, SimpleNamespace(store=None)))
    assert bot._connection.max_messages is None  # a deletion searches no cache
    assert isinstance(bot.intents, discord.Intents) and not bot.intents.typing
