"""/mod for a server's moderators, and the mod-log channel where every block is reported.

The commands change only this server's settings (terms, image rules, mod log) and its
suspensions; the shipped policy lists stay as they are. The mod log shows the prompt, the
user and the category of each block, never a flagged image.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from app.discord import limits, render
from data.moderation import Suspension, Term
from studio.errors import BadRequest
from studio.moderation import BlockEvent, Moderator
from studio.moderation.service import when

if TYPE_CHECKING:
    from app.discord.client import ImagineBot

log = logging.getLogger(__name__)

SOURCES = {"prompt": "prompt", "upload": "upload", "output": "generated image"}


def _on_off(value: bool) -> str:
    return "blocked" if value else "allowed"


class ModerationCog(commands.Cog):
    mod = app_commands.Group(
        name="mod",
        description="Content policy settings and suspensions for this server",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    def __init__(self, bot: ImagineBot) -> None:
        self.bot = bot
        self._posts: set[asyncio.Task] = set()

    @property
    def moderator(self) -> Moderator:
        moderator = self.bot.studio.moderator
        assert moderator is not None, "the bot always runs with moderation"
        return moderator

    async def cog_load(self) -> None:
        self.moderator.add_listener(self.report)

    async def cog_unload(self) -> None:
        self.moderator.remove_listener(self.report)  # the studio outlives the bot

    # -- the mod log ---------------------------------------------------------------------

    async def report(self, event: BlockEvent) -> None:
        """Post one block to the server's mod-log channel, if it set one, in the background:
        the user's refusal does not wait for the mod log."""
        if event.mod_log_channel_id is None:
            return
        task = asyncio.create_task(self._post(event))
        self._posts.add(task)
        task.add_done_callback(self._posts.discard)

    async def _post(self, event: BlockEvent) -> None:
        channel = self.bot.get_channel(event.mod_log_channel_id)
        try:
            if channel is None:
                channel = await self.bot.fetch_channel(event.mod_log_channel_id)
            await channel.send(_log_line(event), allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as error:
            log.warning("could not post to mod log %s: %s", event.mod_log_channel_id, error)

    # -- terms ---------------------------------------------------------------------------

    @mod.command(name="block", description="Block a word or phrase in prompts on this server")
    @app_commands.describe(term="A word or phrase; end it with * to match any ending")
    async def block(self, interaction: discord.Interaction, term: str) -> None:
        stored = await self.moderator.add_term(
            interaction.guild_id, term, "block", interaction.user.id
        )
        await _reply(interaction, f"Prompts with “{stored}” are now blocked on this server.")

    @mod.command(name="allow", description="Let a phrase through that the policy would block")
    @app_commands.describe(term="A harmless phrase, e.g. 'blood orange'")
    async def allow(self, interaction: discord.Interaction, term: str) -> None:
        stored = await self.moderator.add_term(
            interaction.guild_id, term, "allow", interaction.user.id
        )
        await _reply(interaction, f"“{stored}” is now allowed on this server.")

    @mod.command(name="unlist", description="Remove one of this server's blocked or allowed terms")
    async def unlist(self, interaction: discord.Interaction, term: str) -> None:
        stored = await self.moderator.remove_term(interaction.guild_id, term)
        await _reply(interaction, f"“{stored}” is no longer on this server's lists.")

    @mod.command(name="terms", description="This server's own blocked and allowed terms")
    async def terms(self, interaction: discord.Interaction) -> None:
        await _reply(interaction, terms_text(await self.moderator.terms(interaction.guild_id)))

    @mod.command(name="check", description="What the policy says about a prompt here (no strike)")
    async def check(self, interaction: discord.Interaction, prompt: str) -> None:
        decision = await self.moderator.evaluate_prompt(interaction.guild_id, prompt)
        verdict = f"Blocked: {decision.reason}."
        await _reply(interaction, "Allowed." if decision.allowed else verdict)

    # -- settings ------------------------------------------------------------------------

    @mod.command(name="log-channel", description="Where blocks are reported (empty: nowhere)")
    async def log_channel(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        await self.moderator.set_rules(
            interaction.guild_id, mod_log_channel_id=channel.id if channel else None
        )
        text = f"Blocks are now reported in {channel.mention}." if channel else "Mod log off."
        await _reply(interaction, text)

    @mod.command(name="images", description="Refuse uploads with faces or nudity on this server")
    @app_commands.describe(
        faces="Refuse uploads that show realistic human faces",
        nudity="Refuse uploads, and withhold results, that show nudity",
    )
    async def images(
        self,
        interaction: discord.Interaction,
        faces: bool | None = None,
        nudity: bool | None = None,
    ) -> None:
        changes = {
            name: value
            for name, value in (("block_faces", faces), ("block_nudity", nudity))
            if value is not None
        }
        if changes:
            await self.moderator.set_rules(interaction.guild_id, **changes)
        rules = await self.moderator.image_rules(interaction.guild_id)
        await _reply(
            interaction,
            f"Uploads with faces: **{_on_off(rules.block_faces)}**. "
            f"Nudity: **{_on_off(rules.block_nudity)}**.",
        )

    @mod.command(
        name="diversity", description="Add a random gender and ethnicity to unnamed people"
    )
    @app_commands.describe(
        enabled="For prompts that describe a person without them, pick them at random per image"
    )
    async def diversity(
        self, interaction: discord.Interaction, enabled: bool | None = None
    ) -> None:
        if enabled is not None:
            await self.moderator.set_rules(interaction.guild_id, diversify_people=enabled)
        on = await self.moderator.diversifies(interaction.guild_id)
        await _reply(
            interaction,
            f"People diversity: **{'on' if on else 'off'}**. "
            + (
                "A prompt that describes a person without their gender or ethnicity gets them"
                " at random, chosen per image."
                if on
                else "Prompts are drawn as written."
            ),
        )

    # -- suspensions ---------------------------------------------------------------------

    @mod.command(name="suspensions", description="Who is suspended on this server, and until when")
    async def suspensions(self, interaction: discord.Interaction) -> None:
        await _reply(
            interaction, suspensions_text(await self.moderator.suspensions(interaction.guild_id))
        )

    @mod.command(name="lift", description="End someone's suspension now")
    async def lift(self, interaction: discord.Interaction, user: discord.Member) -> None:
        if not await self.moderator.lift(interaction.guild_id, user.id, interaction.user.id):
            raise BadRequest(f"{user.mention} is not suspended.")
        await _reply(interaction, f"{user.mention} can use Imagine again.")


def terms_text(found: Sequence[Term]) -> str:
    """/mod terms: both lists, each with half a message (any number of terms fits)."""
    half = limits.CONTENT // 2 - 40
    lines = []
    for kind, label in (("block", "Blocked"), ("allow", "Allowed")):
        terms = [f"`{t.term}`" for t in found if t.kind == kind]
        listed = limits.fit_joined(terms, half) if terms else "—"
        lines.append(f"**{label}** ({len(terms)}): {listed}")
    return "\n".join(lines)


def suspensions_text(active: Sequence[Suspension]) -> str:
    """/mod suspensions: one line each, as many as fit in a message."""
    if not active:
        return "Nobody is suspended."
    lines = [
        f"<@{s.user_id}> until {when(s.until)} ({render.short(s.reason, 200)})" for s in active
    ]
    return limits.fit_lines([f"**Suspended** ({len(active)}):"], lines)


def _log_line(event: BlockEvent) -> str:
    block = event.block
    source = SOURCES.get(block.source, block.source)
    term = f" (“{block.term}”)" if block.term else ""
    lines = [f"🚫 Blocked {source} from <@{block.user_id}>: **{event.label}**{term}"]
    if block.prompt:
        lines.append("> " + block.prompt[:900].replace("\n", " "))
    if event.suspended_until is not None:
        lines.append(f"Suspended until {when(event.suspended_until)}.")
    return "\n".join(lines)


async def _reply(interaction: discord.Interaction, text: str) -> None:
    await interaction.response.send_message(
        text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
    )


async def setup(bot: ImagineBot) -> None:
    await bot.add_cog(ModerationCog(bot))
