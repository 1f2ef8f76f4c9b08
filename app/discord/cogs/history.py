"""/history: your latest generations, paged, each one reopenable with its buttons
(the buttons: :class:`bot.discord.buttons.ReopenButton` and ``HistoryPage``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from app.discord.buttons import history_page

if TYPE_CHECKING:
    from app.discord.client import ImagineBot


class HistoryCog(commands.Cog):
    def __init__(self, bot: ImagineBot) -> None:
        self.bot = bot

    @app_commands.command(name="history", description="Your latest generations, to reopen")
    async def history(self, interaction: discord.Interaction) -> None:
        message = await history_page(self.bot, interaction.user.id, 0)
        await interaction.response.send_message(ephemeral=True, **message)


async def setup(bot: ImagineBot) -> None:
    await bot.add_cog(HistoryCog(bot))
