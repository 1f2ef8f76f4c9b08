"""/history: your latest generations, paged, each one reopenable with its buttons."""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import custom_ids, pages, render
from bot.errors import BadRequest
from bot.library import Library
from cogs.buttons import ImageButton
from cogs.paging import PageButton

if TYPE_CHECKING:
    from bot.client import ImagineBot


async def history_page(bot: ImagineBot, owner_id: int, number: int) -> dict:
    page = await Library.of(bot.studio).history(owner_id, number)
    sheet = await asyncio.to_thread(pages.history_sheet_png, bot.studio.files, page)
    return pages.history_message(owner_id, page, sheet)


class HistoryPage(PageButton, template=custom_ids.page_template(custom_ids.HISTORY)):
    """◀ ▶ under /history; only the history's owner can turn its pages."""

    async def show(self, bot: ImagineBot, interaction: discord.Interaction) -> dict:
        if interaction.user.id != self.key:
            raise BadRequest("That is someone else's history; use `/history` for yours.")
        return await history_page(bot, self.key, self.page)


class ReopenButton(ImageButton, template=custom_ids.template(custom_ids.REOPEN)):
    """A /history entry: its result again, with V1–V4, 🔄, Save and Share."""

    async def act(self, bot: ImagineBot, interaction: discord.Interaction) -> None:
        made = await Library.of(bot.studio).reopen(interaction.user.id, self.image_id)
        grid = await asyncio.to_thread(
            lambda: render.grid_png([bot.studio.files.read(image) for image in made])
        )
        kind = "generate" if made[0].parent_id is None else "vary"
        await interaction.response.send_message(
            embed=render.result_embed(made, made[0].owner_id, kind),
            file=discord.File(io.BytesIO(grid), filename=render.GRID_FILENAME),
            view=render.result_view(made),
            ephemeral=True,
        )


ITEMS = (HistoryPage, ReopenButton)


class HistoryCog(commands.Cog):
    def __init__(self, bot: ImagineBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*ITEMS)

    @app_commands.command(name="history", description="Your latest generations, to reopen")
    async def history(self, interaction: discord.Interaction) -> None:
        message = await history_page(self.bot, interaction.user.id, 0)
        await interaction.response.send_message(ephemeral=True, **message)


async def setup(bot: ImagineBot) -> None:
    await bot.add_cog(HistoryCog(bot))
