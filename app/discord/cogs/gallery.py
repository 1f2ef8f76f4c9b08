"""/gallery: the channel (admins), the top list, unsharing and removal, disk use (admins);
the Remove button under gallery posts; and the reactions that count as votes."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from app.discord import gallery_posts, limits, pages, web_links
from app.discord.buttons import take_down, took_down
from studio.edit_links import EditorOff
from studio.gallery import Gallery
from studio.library import Library, image_id_in

if TYPE_CHECKING:
    from app.discord.client import ImagineBot

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()
PERIODS = [app_commands.Choice(name=p, value=p) for p in ("week", "month", "all")]
ON_OFF = [app_commands.Choice(name=p, value=p) for p in ("on", "off")]


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


class GalleryCog(commands.Cog):
    gallery = app_commands.Group(
        name="gallery", description="The server's gallery of shared images", guild_only=True
    )

    def __init__(self, bot: ImagineBot) -> None:
        self.bot = bot

    @property
    def rules(self) -> Gallery:
        return Gallery.of(self.bot.studio)

    @gallery.command(name="web", description="Show the gallery as a web page, or not (admins)")
    @app_commands.describe(show="on (the default): a read-only web page of what is shared here")
    @app_commands.choices(show=ON_OFF)
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def web(self, interaction: discord.Interaction, show: app_commands.Choice[str]) -> None:
        assert interaction.guild_id is not None
        on = show.value == "on"
        await self.rules.show_on_web(interaction.guild_id, on, interaction.user.id)
        if not on:
            text = "The gallery's web page is off: it shows nothing from now on."
        else:
            try:
                url = f"{web_links.editor_base(self.bot)}/gallery/{interaction.guild_id}"
                text = f"The gallery's web page: {url}"
            except EditorOff:
                text = "The gallery may be shown on the web; this studio serves no web pages."
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @gallery.command(name="channel", description="Where Share posts images (admins)")
    @app_commands.describe(channel="A text channel, or a forum channel (one post per image)")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def channel(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | discord.ForumChannel,
    ) -> None:
        assert interaction.guild_id is not None
        is_forum = isinstance(channel, discord.ForumChannel)
        mine = channel.permissions_for(channel.guild.me)
        needed = mine.send_messages_in_threads if is_forum else mine.send_messages
        if not (needed and mine.attach_files and mine.embed_links):
            await interaction.response.send_message(
                f"I cannot post images in {channel.mention}: give me Send Messages, Attach "
                "Files and Embed Links there, then try again.",
                ephemeral=True,
            )
            return
        await self.rules.set_channel(
            interaction.guild_id, channel.id, is_forum, interaction.user.id
        )
        kind = "forum (one post per image)" if is_forum else "channel"
        await interaction.response.send_message(
            f"Shared images now go to the {kind} {channel.mention}.", ephemeral=True
        )

    @gallery.command(name="top", description="The most liked images of the gallery")
    @app_commands.describe(period="This week (default), this month, or all time")
    @app_commands.choices(period=PERIODS)
    async def top(
        self, interaction: discord.Interaction, period: app_commands.Choice[str] | None = None
    ) -> None:
        chosen = period.value if period else "week"
        ranked = await self.rules.top(interaction.guild_id, chosen)
        await interaction.response.send_message(
            pages.top_list(ranked, chosen), allowed_mentions=NO_PINGS
        )

    @gallery.command(
        name="unshare", description="Take an image out of the gallery (its author or a moderator)"
    )
    @app_commands.describe(image="The image's 12-character id (in the post's footer)")
    async def unshare(self, interaction: discord.Interaction, image: str) -> None:
        image_id = image_id_in(image)
        await interaction.response.defer(ephemeral=True, thinking=True)
        done = await take_down(self.bot, interaction, image_id)
        await interaction.followup.send(took_down(done), ephemeral=True)

    @gallery.command(name="disk", description="Disk used by images, per member (admins)")
    @app_commands.describe(user="One member (default: the biggest users)")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def disk(
        self, interaction: discord.Interaction, user: discord.User | None = None
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)  # may stat many files
        used = await Library.of(self.bot.studio).disk_use(user.id if user else None)
        if not used:
            text = "No images stored" + (f" for {user.mention}." if user else ".")
        else:
            rows = [f"<@{u.owner_id}> · {u.images} images · {human_bytes(u.bytes)}" for u in used]
            head = "Disk used by images:" if user is None else "Disk used:"
            text = limits.fit_lines([head], rows)
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)

    # -- votes -------------------------------------------------------------------------------

    def _is_me(self, user_id: int) -> bool:
        return self.bot.user is not None and user_id == self.bot.user.id

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        if payload.guild_id is None or self._is_me(payload.user_id):
            return
        await self.rules.reacted(payload.message_id, payload.user_id, str(payload.emoji))

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        if payload.guild_id is None:
            return
        await self.rules.unreacted(payload.message_id, payload.user_id, str(payload.emoji))

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        if payload.guild_id is None:  # a DM (a status line the result replaced): no gallery
            return
        if not gallery_posts.ours(payload.message_id):
            await self.rules.post_deleted(payload.message_id)

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        if not gallery_posts.ours(payload.thread_id):
            await self.rules.post_deleted(payload.thread_id)  # a forum post: starter id = thread id

    @commands.Cog.listener()
    async def on_raw_reaction_clear(self, payload: discord.RawReactionClearEvent) -> None:
        await self.rules.unreacted(payload.message_id, None, None)

    @commands.Cog.listener()
    async def on_raw_reaction_clear_emoji(
        self, payload: discord.RawReactionClearEmojiEvent
    ) -> None:
        await self.rules.unreacted(payload.message_id, None, str(payload.emoji))


async def setup(bot: ImagineBot) -> None:
    await bot.add_cog(GalleryCog(bot))
