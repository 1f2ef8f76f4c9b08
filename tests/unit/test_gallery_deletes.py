"""Every message deleted where the bot is comes to the gallery's listener: a DM's (the
status line a result replaced, every other request in a DM) never asks the store."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import discord

from app.discord.cogs.gallery import GalleryCog


class Rules:
    def __init__(self) -> None:
        self.asked: list[int] = []

    async def post_deleted(self, message_id: int) -> bool:
        self.asked.append(message_id)
        return False


def deleted(message_id: int, guild_id: int | None) -> discord.RawMessageDeleteEvent:
    data: dict[str, Any] = {"id": str(message_id), "channel_id": "5"}
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    return discord.RawMessageDeleteEvent(cast(Any, data))


async def test_only_a_servers_deleted_messages_are_looked_up(monkeypatch):
    rules = Rules()
    monkeypatch.setattr(GalleryCog, "rules", property(lambda self: rules))
    cog = GalleryCog(cast(Any, SimpleNamespace()))
    await cog.on_raw_message_delete(deleted(101, None))  # a DM
    await cog.on_raw_message_delete(deleted(102, 77))  # a server's channel
    assert rules.asked == [102]
