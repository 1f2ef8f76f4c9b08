"""Provenance on Discord: "Check provenance" on any message with an image, and the
per-server visible signature switch for admins (``/signature on|off``)."""

from __future__ import annotations

import asyncio
import io
import json
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from studio.errors import BadRequest
from studio.provenance import CannotInspect, describe, inspect

if TYPE_CHECKING:
    from studio.client import ImagineBot

MENU_NAME = "Check provenance"
REPORT_FILENAME = "provenance.json"
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class SignatureCog(
    commands.GroupCog,
    group_name="signature",
    group_description="The visible signature (colour squares) on images posted here",
):
    def __init__(self, bot: ImagineBot) -> None:
        self.bot = bot
        super().__init__()
        self.menu = app_commands.ContextMenu(name=MENU_NAME, callback=self.check)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    @app_commands.command(name="on", description="Show the colour signature on images here")
    async def on(self, interaction: discord.Interaction) -> None:
        await self._switch(interaction, True)

    @app_commands.command(name="off", description="Post images here without the signature")
    async def off(self, interaction: discord.Interaction) -> None:
        await self._switch(interaction, False)

    async def _switch(self, interaction: discord.Interaction, on: bool) -> None:
        assert interaction.guild_id is not None
        changed = await self.bot.delivery.marks.switch(
            interaction.guild_id, on, interaction.user.id
        )
        state = {
            (True, True): "now shows",
            (True, False): "already shows",
            (False, True): "no longer shows",
            (False, False): "already does not show",
        }[on, changed]
        await interaction.response.send_message(
            f"This server {state} the colour signature on the images it posts. Stored images"
            " stay unmarked, and every image keeps its invisible watermark.",
            ephemeral=True,
        )

    async def check(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """What the first image attached to ``message`` carries, for the asker only."""
        attachment = next((a for a in message.attachments if _is_image(a)), None)
        if attachment is None:
            raise BadRequest("That message has no image attached.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await self.bot.delivery.read_attachment(attachment)
        settings = self.bot.settings
        try:
            report = await asyncio.to_thread(
                inspect, data, (settings.model,), settings.max_upload_pixels
            )
        except CannotInspect as error:
            raise BadRequest(str(error)) from None
        body = json.dumps({"file": attachment.filename, **report}, ensure_ascii=False, indent=2)
        await interaction.followup.send(
            f"**{attachment.filename}**\n{describe(report)}",
            file=discord.File(io.BytesIO(body.encode()), filename=REPORT_FILENAME),
            ephemeral=True,
        )


def _is_image(attachment: discord.Attachment) -> bool:
    if attachment.content_type:
        return attachment.content_type.startswith("image/")
    return attachment.filename.lower().endswith(_IMAGE_SUFFIXES)


async def setup(bot: ImagineBot) -> None:
    await bot.add_cog(SignatureCog(bot))
