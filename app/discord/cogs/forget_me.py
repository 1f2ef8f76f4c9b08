"""/forget-me: delete everything you made, after you confirm."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from app.discord import gallery_posts
from app.discord.cogs.gallery import human_bytes
from app.discord.errors import words
from studio.errors import StudioError
from studio.library import Library

if TYPE_CHECKING:
    from app.discord.client import ImagineBot

log = logging.getLogger(__name__)

CONFIRM_SECONDS = 120


class ConfirmForget(discord.ui.View):
    """Delete or keep: only the person who asked can press (the message is ephemeral too)."""

    def __init__(self, bot: ImagineBot, user_id: int) -> None:
        super().__init__(timeout=CONFIRM_SECONDS)
        self.bot = bot
        self.user_id = user_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return interaction.user.id == self.user_id

    @discord.ui.button(label="Delete everything", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.stop()
        await interaction.response.defer()
        try:
            forgotten = await Library.of(self.bot.studio).forget(self.user_id)
        except StudioError as error:
            await interaction.edit_original_response(content=words(error), view=None)
            return
        for share in forgotten.shares:
            await gallery_posts.take_down(self.bot, share)
        await interaction.edit_original_response(
            content=(
                f"Done: {forgotten.images} images deleted with their prompts, collections "
                f"and {len(forgotten.shares)} gallery posts. Your credit history stays (it "
                "holds amounts, not images or prompts)."
            ),
            view=None,
        )

    @discord.ui.button(label="Keep my images", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.stop()
        await interaction.response.edit_message(content="Nothing was deleted.", view=None)


class ForgetMeCog(commands.Cog):
    def __init__(self, bot: ImagineBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="forget-me", description="Delete all your images, prompts and collections"
    )
    async def forget_me(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        used = await Library.of(self.bot.studio).disk_use(interaction.user.id)
        count, size = (used[0].images, used[0].bytes) if used else (0, 0)
        await interaction.followup.send(
            f"This deletes your {count} images ({human_bytes(size)}), their prompts, your "
            "collections and your gallery posts, for good. Other people's saved copies of "
            "your images go too. Your credits are kept.",
            view=ConfirmForget(self.bot, interaction.user.id),
            ephemeral=True,
        )


async def setup(bot: ImagineBot) -> None:
    await bot.add_cog(ForgetMeCog(bot))
