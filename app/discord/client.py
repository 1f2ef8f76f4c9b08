"""The Discord adapter: a commands.Bot over the started studio, loading the cogs, and
:class:`DiscordAdapter`, which the runtime starts and stops like any other adapter."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from app.discord.delivery import Delivery
from app.discord.errors import words
from studio.errors import StudioError, explain_failure
from studio.settings import Settings
from studio.studio import Studio

log = logging.getLogger(__name__)

COGS = (
    "app.discord.cogs.studio",
    "app.discord.cogs.buttons",
    "app.discord.cogs.edit",
    "app.discord.cogs.credits",
    "app.discord.cogs.access",
    "app.discord.cogs.moderation",
    "app.discord.cogs.history",
    "app.discord.cogs.collections",
    "app.discord.cogs.gallery",
    "app.discord.cogs.forget_me",
    "app.discord.cogs.settings",
    "app.discord.cogs.styles",
    "app.discord.cogs.provenance",
    "app.discord.cogs.api_keys",
)


def intents(settings: Settings) -> discord.Intents:
    """The events the bot listens to, and no others: a busy server's typing, voice and
    presence traffic would each be parsed and dropped (``Intents.default()`` asks for them)."""
    return discord.Intents(
        guilds=True,  # the servers and their channels
        guild_messages=True,  # reply-to-edit; deleted gallery posts (on_raw_message_delete)
        dm_messages=True,  # reply-to-edit in direct messages (ALLOW_DMS)
        guild_reactions=True,  # the gallery's votes
        message_content=settings.message_content,  # reply-to-edit reads replies' text
    )


def point_at(settings: Settings) -> None:
    """Use another Discord-compatible endpoint (a local fake in tests, a proxy)."""
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    if settings.discord_gateway:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway)


class ImagineBot(commands.Bot):
    def __init__(self, settings: Settings, studio: Studio, **shards: object) -> None:
        super().__init__(
            **shards,
            command_prefix=commands.when_mentioned,
            intents=intents(settings),
            allowed_mentions=discord.AllowedMentions.none(),  # echoed prompts never ping
            # No message cache: every listener takes raw events or the message in the
            # event, and a cache of 1,000 is searched one by one on each deletion.
            max_messages=None,
            help_command=None,
            # Where Discord offers the slash commands: servers, and DMs only with ALLOW_DMS
            # (the studio refuses DM requests too, for clients that send them anyway).
            allowed_contexts=app_commands.AppCommandContext(
                guild=True, dm_channel=settings.allow_dms, private_channel=False
            ),
        )
        self.settings = settings
        self.studio = studio
        self.delivery = Delivery(self, studio)
        self.web_url: Callable[[], str | None] = lambda: None  # the web pages' base URL
        self._delivered_pending = False
        self._closing: asyncio.Future | None = None
        self.tree.on_error = self.on_app_command_error

    async def setup_hook(self) -> None:
        """Load the cogs and listen for outcomes (the runtime follows jobs once every
        adapter listens)."""
        self.studio.watcher.add_listener(self.delivery.deliver)
        for cog in COGS:
            await self.load_extension(cog)

    async def key_roles(self, guild_id: int, user_id: int) -> frozenset[int] | None:
        """The roles an API key's member has now on the key's server (empty once they
        left it); None when the bot is not on that server, so the key's own roles apply.
        A Discord error propagates: the request is refused, not waved through."""
        if self.get_guild(guild_id) is None:
            return None
        return (await self.member_roles(user_id, [guild_id])).get(guild_id, frozenset())

    async def member_roles(self, user_id: int, guild_ids: list[int]) -> dict[int, frozenset[int]]:
        """The user's roles on those of ``guild_ids`` they are a member of (the studio's
        role rules for requests from DMs). A Discord error propagates: refused, not waved."""
        found: dict[int, frozenset[int]] = {}
        for guild_id in guild_ids:
            guild = self.get_guild(guild_id)
            if guild is None:  # the bot left that server: its rule binds no one here
                continue
            member = guild.get_member(user_id)
            if member is None:
                try:
                    member = await guild.fetch_member(user_id)
                except discord.NotFound:
                    continue
            found[guild_id] = frozenset(role.id for role in member.roles)
        return found

    async def on_ready(self) -> None:
        log.info("logged in as %s (%s)", self.user, self.user.id if self.user else "?")
        if not self._delivered_pending:
            self._delivered_pending = True
            await self.delivery.deliver_pending()

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Nothing a user types ends in a traceback: refusals are explained, bugs logged."""
        original = getattr(error, "original", error)
        if isinstance(original, StudioError):
            message = words(original)
        elif isinstance(error, app_commands.TransformerError | app_commands.CheckFailure):
            message = str(error)
        else:
            log.error(
                "command %s failed",
                interaction.command and interaction.command.name,
                exc_info=original,
            )
            message = explain_failure(original)
        try:
            await self.delivery.refuse(interaction, message)
        except discord.HTTPException:
            log.warning("could not tell the user about an error", exc_info=True)

    async def close(self) -> None:
        """Close once, however many callers ask (a signal, ``async with``, discord.py)."""
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._close_once())
        await asyncio.shield(self._closing)

    async def _close_once(self) -> None:
        """Stop following jobs first (no delivery on a closing connection), then Discord.
        The runtime stops the rest (the worker finishes its job, then the store)."""
        await self.studio.watcher.stop()  # idempotent; the runtime stops it first anyway
        await super().close()


class ShardedImagineBot(ImagineBot, commands.AutoShardedBot):
    """The bot holding SHARD_IDS of SHARD_COUNT shards (discord.py's AutoShardedBot: one
    gateway connection per shard); other processes hold the others."""


def make_bot(settings: Settings, studio: Studio) -> ImagineBot:
    """One process, one shard (the default), or this process's share of SHARD_COUNT."""
    if settings.shard_count is None:
        return ImagineBot(settings, studio)
    return ShardedImagineBot(
        settings,
        studio,
        shard_count=settings.shard_count,
        shard_ids=list(settings.shard_ids or range(settings.shard_count)),
    )


class DiscordAdapter:
    """The bot as the runtime sees it: logs in on ``start``, runs until closed.

    Its :meth:`member_roles` and :meth:`key_roles` are the studio's and the Images API's
    way to learn a member's roles; they answer None/nothing until the bot has started.
    """

    def __init__(self, settings: Settings, *, guild_ready_timeout: float | None = None) -> None:
        self.settings = settings
        self.guild_ready_timeout = guild_ready_timeout  # discord.py's default: 2 s
        self.bot: ImagineBot | None = None
        self._connection: asyncio.Task | None = None
        # Where members reach the web pages (the editor): the root links it to the HTTP
        # adapter; None while no HTTP server runs.
        self.web_url: Callable[[], str | None] = lambda: None

    @staticmethod
    def setup_logging() -> None:
        """discord.py's log format for the whole process (``run`` with a token)."""
        discord.utils.setup_logging()

    async def start(self, studio: Studio) -> None:
        point_at(self.settings)
        self.bot = make_bot(self.settings, studio)
        self.bot.web_url = self.web_url
        if self.guild_ready_timeout is not None:  # tests: on_ready without the wait
            self.bot._connection.guild_ready_timeout = self.guild_ready_timeout
        try:
            await self.bot.login(self.settings.discord_token or "")  # runs setup_hook
        except discord.LoginFailure:
            raise AdapterFailed(
                "DISCORD_TOKEN was refused by Discord: copy the bot token again."
            ) from None
        self._connection = asyncio.create_task(self.bot.connect(), name="discord")

    async def wait(self) -> None:
        """Until the connection ends; Discord's refusal of the intents is explained."""
        assert self._connection is not None, "start first"
        try:
            await asyncio.shield(self._connection)
        except discord.PrivilegedIntentsRequired:
            raise AdapterFailed(
                "Discord refused the Message Content intent. Enable it in the developer "
                "portal (your application → Bot → Privileged Gateway Intents), or set "
                "MESSAGE_CONTENT=false to run without reply-to-edit."
            ) from None

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.close()
        if self._connection is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await self._connection

    async def member_roles(self, user_id: int, guild_ids: list[int]) -> dict[int, frozenset[int]]:
        if self.bot is None:
            return {}
        return await self.bot.member_roles(user_id, guild_ids)

    async def key_roles(self, guild_id: int, user_id: int) -> frozenset[int] | None:
        if self.bot is None:
            return None
        return await self.bot.key_roles(guild_id, user_id)


class AdapterFailed(Exception):
    """The adapter cannot run as configured; the message says what to change."""


async def sync_commands(settings: Settings, studio: Studio, guild_id: int | None) -> int:
    """Publish the slash commands: explicit, not at every start (Discord rate-limits it)."""
    point_at(settings)
    bot = ImagineBot(settings, studio)
    async with bot:
        await bot.login(settings.discord_token or "")  # runs setup_hook: loads the cogs
        guild = discord.Object(guild_id) if guild_id else None
        if guild:
            bot.tree.copy_global_to(guild=guild)
        synced = await bot.tree.sync(guild=guild)
        where = f"to guild {guild_id}" if guild else "globally"
        print(f"synced {len(synced)} commands {where}: {', '.join(c.name for c in synced)}")
    return 0
