"""/api-key: members make, list and revoke their keys for the Images API (all ephemeral).

A key acts as its member on the server where it was made: that server's credits, access
roles, terms and suspensions apply to what it asks for.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from app.discord.people import requester
from data.api_keys import ApiKeyRow
from studio.api_keys import MAX_NAME, ApiKeys, KeyNeedsServer

if TYPE_CHECKING:
    from app.discord.client import ImagineBot


def key_line(row: ApiKeyRow) -> str:
    made = discord.utils.format_dt(datetime.fromtimestamp(row.created_at, UTC), "d")
    used = (
        discord.utils.format_dt(datetime.fromtimestamp(row.last_used_at, UTC), "R")
        if row.last_used_at
        else "never used"
    )
    where = f"server {row.guild_id}" if row.guild_id else "no server"
    name = discord.utils.escape_markdown(row.name) if row.name else "unnamed"
    return f"`{row.id}` · {name} · {where} · made {made} · {used}"


class ApiKeysCog(
    commands.GroupCog,
    group_name="api-key",
    group_description="Keys for the OpenAI-compatible Images API",
):
    def __init__(self, bot: ImagineBot) -> None:
        self.bot = bot
        super().__init__()

    @property
    def keys(self) -> ApiKeys:
        return ApiKeys.of(self.bot.studio)

    def base_url(self) -> str:
        settings = self.bot.settings
        if settings.api_public_url:
            return settings.api_public_url.rstrip("/") + "/v1"
        return f"http://{settings.api_host}:{settings.api_port}/v1"

    @app_commands.command(name="create", description="A new API key (shown once, only to you)")
    @app_commands.describe(name="A label to tell your keys apart")
    async def create(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 0, MAX_NAME] | None = None,
    ) -> None:
        # A key acts on its server, under its rules: made in a DM it would escape them.
        # Checked here, on the interaction: discord.py ignores guild_only on a subcommand.
        if interaction.guild_id is None:
            raise KeyNeedsServer(
                "Make API keys in a server: a key acts as you on the server where you make "
                "it, under that server's rules. Run `/api-key create` there."
            )
        made = await self.keys.create(requester(interaction.user), name)
        await interaction.response.send_message(
            f"Your API key (shown once, keep it secret):\n```\n{made.secret}\n```\n"
            "It acts as you on this server: its credits, roles and rules apply. "
            f"Base URL: `{self.base_url()}` (any OpenAI client: set `base_url` and `api_key`). "
            f"Revoke it with `/api-key revoke {made.row.id}`.",
            ephemeral=True,
        )

    @app_commands.command(name="list", description="Your API keys (their ids, never secrets)")
    async def list(self, interaction: discord.Interaction) -> None:
        active = [row for row in await self.keys.list(interaction.user.id) if row.active]
        text = (
            "Your API keys:\n" + "\n".join(key_line(row) for row in active)
            if active
            else "You have no API keys; make one with `/api-key create`."
        )
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="revoke", description="Stop an API key at once")
    @app_commands.describe(key="The key's id from /api-key list (or the key itself)")
    async def revoke(self, interaction: discord.Interaction, key: str) -> None:
        row = await self.keys.revoke(interaction.user.id, key)
        await interaction.response.send_message(
            f"Revoked `{row.id}`: it stops working now.", ephemeral=True
        )


async def setup(bot: ImagineBot) -> None:
    await bot.add_cog(ApiKeysCog(bot))
