"""Slash commands: /imagine, /vary and /credits. Parse, call the studio, render."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.people import requester
from bot.studio import MAX_SEED, ImagineOptions

if TYPE_CHECKING:
    from bot.discord.client import ImagineBot

SIZES = [app_commands.Choice(name=n, value=n) for n in ("square", "portrait", "landscape")]


class StudioCog(commands.Cog):
    def __init__(self, bot: ImagineBot) -> None:
        self.bot = bot

    @app_commands.command(name="imagine", description="Make four images from a prompt (1 credit)")
    @app_commands.describe(
        prompt="What to draw, up to 400 characters",
        negative="What to keep out of the picture",
        size="Shape of the images",
        seed="Same seed + same prompt = same images",
        count="How many images (1–4)",
    )
    @app_commands.choices(size=SIZES)
    async def imagine(
        self,
        interaction: discord.Interaction,
        prompt: str,
        negative: str | None = None,
        size: app_commands.Choice[str] | None = None,
        seed: app_commands.Range[int, 0, MAX_SEED] | None = None,
        count: app_commands.Range[int, 1, 4] | None = None,
    ) -> None:
        options = ImagineOptions(
            negative=negative or "", size=size.value if size else "square", seed=seed, count=count
        )
        user = requester(interaction.user)
        await self.bot.delivery.start(
            interaction,
            lambda origin: self.bot.studio.imagine(user, prompt, options, origin=origin),
            prompt,
        )

    @app_commands.command(name="vary", description="Three variations of an image (1 credit)")
    @app_commands.describe(
        image="A PNG, JPEG or WebP image",
        strength="How far to stray from the image (0.05–1, default 0.6)",
    )
    async def vary(
        self,
        interaction: discord.Interaction,
        image: discord.Attachment,
        strength: app_commands.Range[float, 0.05, 1.0] | None = None,
    ) -> None:
        user = requester(interaction.user)

        async def submit(origin):
            data = await self.bot.delivery.read_attachment(image)
            return await self.bot.studio.vary(user, data, strength=strength, origin=origin)

        await self.bot.delivery.start(interaction, submit, f"Variations of {image.filename}")


async def setup(bot: ImagineBot) -> None:
    await bot.add_cog(StudioCog(bot))
