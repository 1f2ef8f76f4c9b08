"""Credits on Discord: /credits for everyone, /credits-admin for admins, credit-pack purchases.

Discord cannot invoke a command group's root, so the admin commands live in their own
group (``/credits-admin grant``, ``/credits-admin history``) beside ``/credits``.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from app.discord.people import requester
from data.ledger import LedgerEntry
from studio.errors import BadRequest
from studio.requester import Requester
from studio.wallet import CreditSummary, Wallet

if TYPE_CHECKING:
    from app.discord.client import ImagineBot

log = logging.getLogger(__name__)


def describe(summary: CreditSummary, who: str = "You have") -> str:
    balance = summary.balance
    refill = discord.utils.format_dt(summary.next_refill, "D")
    granted = f", {balance.granted} granted" if balance.granted else ""
    lines = [
        f"{who} **{balance.total}** credit{'s' if balance.total != 1 else ''}: "
        f"{balance.free} free, {balance.paid} paid{granted}.",
        f"Free credits expire {refill}, when {summary.refill_amount} new free credits arrive. "
        "Paid credits never expire.",
    ]
    if summary.recent:
        lines += ["", "Latest:", *(row_line(entry) for entry in summary.recent)]
    return "\n".join(lines)


def row_line(entry: LedgerEntry) -> str:
    when = discord.utils.format_dt(datetime.fromtimestamp(entry.created_at, UTC), "d")
    kind = entry.kind.replace("_", " ")
    return f"`{entry.delta:+d}` {entry.pool} · {kind} · {entry.reason} · {when}"


class CreditsCog(commands.Cog):
    admin = app_commands.Group(
        name="credits-admin",
        description="Give, take and audit credits",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    def __init__(self, bot: ImagineBot) -> None:
        self.bot = bot

    @property
    def wallet(self) -> Wallet:
        return Wallet.of(self.bot.studio)

    @app_commands.command(
        name="credits", description="Your credits, when they refill, and your latest use"
    )
    async def credits(self, interaction: discord.Interaction) -> None:
        summary = await self.wallet.summary(requester(interaction.user))
        await interaction.response.send_message(describe(summary), ephemeral=True)

    @admin.command(name="grant", description="Give credits (or take them, with a negative amount)")
    @app_commands.describe(
        user="Who",
        amount="Credits to give; negative to take",
        reason="Why",
        everywhere="Bot operators only: credits for every server, not just this one",
    )
    async def grant(
        self,
        interaction: discord.Interaction,
        user: discord.Member,
        amount: app_commands.Range[int, -100_000, 100_000],
        reason: str,
        everywhere: bool = False,
    ) -> None:
        """Granted credits are spent on this server only, unless an operator says otherwise."""
        if everywhere and interaction.user.id not in self.bot.settings.operator_ids:
            raise BadRequest(
                "Only the bot's operators can grant credits for every server; "
                "leave `everywhere` off to grant credits for this server."
            )
        target = requester(user)
        summary = await self.wallet.grant(
            target,
            amount,
            f"{reason} (by {interaction.user.display_name})",
            str(interaction.id),
            everywhere=everywhere,
        )
        await interaction.response.send_message(
            describe(summary, f"{user.mention} now has"),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @admin.command(name="history", description="Someone's latest credit changes")
    async def history(self, interaction: discord.Interaction, user: discord.Member) -> None:
        rows = await self.wallet.history(requester(user))
        text = "\n".join(row_line(r) for r in rows) or "No credit changes yet."
        await interaction.response.send_message(
            f"Credit history of {user.mention}:\n{text}",
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @commands.Cog.listener()
    async def on_entitlement_create(self, entitlement: discord.Entitlement) -> None:
        """A credit pack was bought: grant it once (keyed by entitlement), then consume it."""
        sku = self.bot.settings.credit_pack_sku_id
        if sku is None or entitlement.sku_id != sku or entitlement.user_id is None:
            return
        granted = await self.wallet.purchase(Requester(entitlement.user_id), entitlement.id)
        log.info(
            "credit pack %s for user %s: %s",
            entitlement.id,
            entitlement.user_id,
            "granted" if granted else "already granted",
        )
        if not entitlement.consumed:
            with contextlib.suppress(discord.HTTPException):
                await entitlement.consume()


async def setup(bot: ImagineBot) -> None:
    await bot.add_cog(CreditsCog(bot))
