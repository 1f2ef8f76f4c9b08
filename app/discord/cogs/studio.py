"""Slash commands: /imagine, /vary and /credits. Parse, call the studio, render."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from app.discord.cogs.styles import style_names
from app.discord.people import requester
from studio.studio import MAX_SEED, ImagineOptions

if TYPE_CHECKING:
    from app.discord.client import ImagineBot

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
        ratio="Any aspect ratio W:H from 1:4 to 4:1, e.g. 3:2 or 9:16",
        style="One of the server's style presets (/style list)",
    )
    @app_commands.choices(size=SIZES)
    @app_commands.autocomplete(style=style_names)
    async def imagine(
        self,
        interaction: discord.Interaction,
        prompt: str,
        negative: str | None = None,
        size: app_commands.Choice[str] | None = None,
        seed: app_commands.Range[int, 0, MAX_SEED] | None = None,
        count: app_commands.Range[int, 1, 4] | None = None,
        ratio: app_commands.Range[str, 3, 15] | None = None,
        style: app_commands.Range[str, 1, 32] | None = None,
    ) -> None:
        options = ImagineOptions(
            negative=negative,
            size=size.value if size else None,
            seed=seed,
            count=count,
            ratio=ratio,
            style=style,
        )
        user = requester(interaction.user)
        studio = self.bot.studio
        title = prompt
        if ratio:  # the echo says the size made (the ratio is checked before anything runs)
            width, height = studio.size_of(ratio)
            title = f"{prompt} ({ratio} → {width}×{height})"
        await self.bot.delivery.start(
            interaction,
            lambda origin: studio.imagine(user, prompt, options, origin=origin),
            title,
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
