"""/access: a server's moderators decide which roles may use the bot (phased access)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from app.discord.people import requester
from studio.access import Access

if TYPE_CHECKING:
    from app.discord.client import ImagineBot


def describe(role_ids: list[int]) -> str:
    if not role_ids:
        return "Every member of this server may use Imagine."
    roles = ", ".join(f"<@&{role}>" for role in role_ids)
    return f"Only members with one of these roles may use Imagine: {roles}."


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)  # server admins; they can widen it
class AccessCog(
    commands.GroupCog,
    group_name="access",
    group_description="Which roles may use Imagine on this server",
):
    """Every answer is ephemeral and pings no one."""

    def __init__(self, bot: ImagineBot) -> None:
        self.bot = bot
        super().__init__()

    @property
    def rules(self) -> Access:
        return Access.of(self.bot.studio)

    @app_commands.command(name="allow", description="Let members with this role use Imagine")
    async def allow(self, interaction: discord.Interaction, role: discord.Role) -> None:
        assert interaction.guild_id is not None
        added = await self.rules.allow(interaction.guild_id, role.id, requester(interaction.user))
        note = "" if added else f"{role.mention} was already allowed. "
        await self._answer(interaction, note)

    @app_commands.command(name="revoke", description="Stop letting this role use Imagine")
    async def revoke(self, interaction: discord.Interaction, role: discord.Role) -> None:
        assert interaction.guild_id is not None
        removed = await self.rules.revoke(interaction.guild_id, role.id)
        note = "" if removed else f"{role.mention} was not on the list. "
        await self._answer(interaction, note)

    @app_commands.command(name="open", description="Let every member use Imagine again")
    async def open(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        await self.rules.open_to_everyone(interaction.guild_id)
        await self._answer(interaction, "")

    @app_commands.command(name="show", description="Who may use Imagine on this server")
    async def show(self, interaction: discord.Interaction) -> None:
        await self._answer(interaction, "")

    async def _answer(self, interaction: discord.Interaction, note: str) -> None:
        assert interaction.guild_id is not None
        roles = await self.rules.roles(interaction.guild_id)
        await interaction.response.send_message(
            note + describe(roles),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )


async def setup(bot: ImagineBot) -> None:
    await bot.add_cog(AccessCog(bot))
