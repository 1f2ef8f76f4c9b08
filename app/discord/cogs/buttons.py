"""Registers every button of the bot (one DynamicItem class each, in
:mod:`bot.discord.buttons`), so every button on every old message keeps working after a
restart."""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord.ext import commands

from app.discord.buttons import DYNAMIC_ITEMS

if TYPE_CHECKING:
    from app.discord.client import ImagineBot


class ButtonsCog(commands.Cog):
    def __init__(self, bot: ImagineBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)


async def setup(bot: ImagineBot) -> None:
    await bot.add_cog(ButtonsCog(bot))
