"""/style add|remove|list: a server's named style presets, used with ``/imagine style:``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from studio.styles import Styles

if TYPE_CHECKING:
    from app.discord.client import ImagineBot


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def style_names(interaction: discord.Interaction, current: str) -> list[app_commands.Choice]:
    """Autocomplete: this server's style names matching what was typed."""
    bot: ImagineBot = interaction.client  # type: ignore[assignment]
    names = await Styles.of(bot.studio).names(interaction.guild_id, current)
    return [app_commands.Choice(name=name, value=name) for name in names]


class StylesCog(commands.Cog):
    style = app_commands.Group(
        name="style", description="The server's style presets for /imagine", guild_only=True
    )

    def __init__(self, bot: ImagineBot) -> None:
        self.bot = bot

    @property
    def styles(self) -> Styles:
        return Styles.of(self.bot.studio)

    @style.command(name="add", description="Add a style preset (admins)")
    @app_commands.describe(
        name="What members type after style:",
        prefix="Words put before the prompt",
        suffix="Words put after the prompt",
        negative="What to keep out of pictures in this style",
    )
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def add(
        self,
        interaction: discord.Interaction,
        name: str,
        prefix: str = "",
        suffix: str = "",
        negative: str = "",
    ) -> None:
        style = await self.styles.add(
            interaction.guild_id,
            name,
            prefix=prefix,
            suffix=suffix,
            negative=negative,
            by=interaction.user.id,
        )
        await interaction.response.send_message(
            f"Added the style **{style.name}**: `/imagine prompt:… style:{style.name}`.",
            ephemeral=True,
        )

    @style.command(name="remove", description="Remove a style preset (admins)")
    @app_commands.autocomplete(name=style_names)
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def remove(self, interaction: discord.Interaction, name: str) -> None:
        await self.styles.remove(interaction.guild_id, name)
        await interaction.response.send_message(
            f"Removed the style **{name.strip()}**.", ephemeral=True
        )

    @style.command(name="list", description="This server's style presets")
    async def list(self, interaction: discord.Interaction) -> None:
        every = await self.styles.list(interaction.guild_id)
        if not every:
            await interaction.response.send_message(
                "This server has no styles yet; admins add them with `/style add`.",
                ephemeral=True,
            )
            return
        embed = discord.Embed(title="Styles", colour=discord.Colour.blurple())
        for style in every[:25]:  # an embed holds 25 fields
            parts = []
            if style.prefix:
                parts.append(f"before: {_short(style.prefix)}")
            if style.suffix:
                parts.append(f"after: {_short(style.suffix)}")
            if style.negative:
                parts.append(f"never: {_short(style.negative)}")
            embed.add_field(name=style.name, value="\n".join(parts), inline=False)
        if len(every) > 25:
            embed.set_footer(text=f"and {len(every) - 25} more (type style: to search them)")
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: ImagineBot) -> None:
    await bot.add_cog(StylesCog(bot))
