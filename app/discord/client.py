"""The Discord client: a commands.Bot that owns the studio runtime and loads the cogs."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import signal

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from app.discord.delivery import Delivery
from app.discord.errors import words
from app.refills import RefillScheduler
from app.runtime import Runtime
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
API = "app.api.app"  # the HTTP adapter, loaded by name like the cogs (API_ENABLED=true)


def intents(settings: Settings) -> discord.Intents:
    wanted = discord.Intents.default()
    wanted.message_content = settings.message_content  # reply-to-edit reads replies' text
    return wanted


def point_at(settings: Settings) -> None:
    """Use another Discord-compatible endpoint (a local fake in tests, a proxy)."""
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    if settings.discord_gateway:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway)


class ImagineBot(commands.Bot):
    def __init__(self, settings: Settings) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(settings),
            allowed_mentions=discord.AllowedMentions.none(),  # echoed prompts never ping
            help_command=None,
            # Where Discord offers the slash commands: servers, and DMs only with ALLOW_DMS
            # (the studio refuses DM requests too, for clients that send them anyway).
            allowed_contexts=app_commands.AppCommandContext(
                guild=True, dm_channel=settings.allow_dms, private_channel=False
            ),
        )
        self.settings = settings
        self.runtime: Runtime | None = None
        self.delivery: Delivery
        self._delivered_pending = False
        self._closing: asyncio.Future | None = None
        self.refills: RefillScheduler | None = None
        self.api_runner = None  # the Images API's aiohttp runner, when API_ENABLED
        self.api_url: str | None = None  # where it listens (API_PORT=0 picks a free port)
        self.tree.on_error = self.on_app_command_error

    @property
    def studio(self) -> Studio:
        assert self.runtime is not None, "setup_hook has not run"
        return self.runtime.studio

    async def setup_hook(self) -> None:
        """Open the store, start the local worker, load the cogs, then follow the jobs."""
        self.runtime = await Runtime.start(self.settings)
        self.delivery = Delivery(self, self.runtime.studio)
        self.runtime.studio.member_roles = self.member_roles
        self.runtime.watcher.add_listener(self.delivery.deliver)
        for cog in COGS:
            await self.load_extension(cog)
        await self.runtime.watcher.start()
        self.refills = RefillScheduler(
            self.runtime.store,
            self.runtime.studio.credits,
            every_minutes=self.settings.refill_check_minutes,
        )
        await self.refills.start()
        if self.settings.api_enabled:
            await self._start_api()

    async def _start_api(self) -> None:
        """The Images API in this process: the same studio, and the same rate limit."""
        start_api = importlib.import_module(API).start_api
        self.api_runner, self.api_url = await start_api(
            self.studio,
            self.settings.api_host,
            self.settings.api_port,
            member_roles=self.key_roles,
        )
        log.info("Images API on %s/v1", self.api_url)

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
        """Stop following jobs first (no delivery on a closing connection), then Discord,
        then the worker (it finishes its job) and the store."""
        runtime, self.runtime = self.runtime, None
        if self.refills:
            self.refills.stop()
        if self.api_runner is not None:
            with contextlib.suppress(Exception):
                await self.api_runner.cleanup()
            self.api_runner = None
        if runtime:
            await runtime.watcher.stop()
        await super().close()
        if runtime:
            await runtime.stop()


def run_bot(settings: Settings) -> int:
    """Run until Ctrl-C or SIGTERM; both stop the worker and close the store cleanly."""
    point_at(settings)
    discord.utils.setup_logging()
    bot = ImagineBot(settings)

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with bot:
            running = asyncio.create_task(bot.start(settings.discord_token or ""))
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            await bot.close()
            await running  # re-raises a login or intents error

    try:
        asyncio.run(serve())
    except discord.LoginFailure:
        log.error("DISCORD_TOKEN was refused by Discord: copy the bot token again.")
        return 2
    except discord.PrivilegedIntentsRequired:
        log.error(
            "Discord refused the Message Content intent. Enable it in the developer portal "
            "(your application → Bot → Privileged Gateway Intents), or set "
            "MESSAGE_CONTENT=false to run without reply-to-edit."
        )
        return 2
    return 0


def sync_commands(settings: Settings, guild_id: int | None) -> int:
    """Publish the slash commands: explicit, not at every start (Discord rate-limits it)."""
    if not settings.discord_token:
        print("DISCORD_TOKEN is not set: sync needs the bot's token.")
        return 2
    point_at(settings)

    async def sync() -> int:
        bot = ImagineBot(settings.model_copy(update={"local_worker": False}))
        async with bot:
            await bot.login(settings.discord_token or "")  # runs setup_hook: loads the cogs
            guild = discord.Object(guild_id) if guild_id else None
            if guild:
                bot.tree.copy_global_to(guild=guild)
            synced = await bot.tree.sync(guild=guild)
            where = f"to guild {guild_id}" if guild else "globally"
            print(f"synced {len(synced)} commands {where}: {', '.join(c.name for c in synced)}")
        return 0

    return asyncio.run(sync())
