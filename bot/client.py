"""The Discord client: a commands.Bot that owns the studio runtime and loads the cogs."""

from __future__ import annotations

import asyncio
import logging

import discord
from discord.ext import commands

from bot.config import Settings
from bot.runtime import Runtime

log = logging.getLogger(__name__)

COGS: tuple[str, ...] = ()


def intents() -> discord.Intents:
    wanted = discord.Intents.default()
    wanted.message_content = True  # reply-to-edit reads the text of replies
    return wanted


class ImagineBot(commands.Bot):
    def __init__(self, settings: Settings, *, start_worker: bool = True) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.settings = settings
        self.start_worker = start_worker
        self.runtime: Runtime | None = None

    @property
    def studio(self):
        assert self.runtime is not None
        return self.runtime.studio

    async def setup_hook(self) -> None:
        """Open the store, start the local worker, load the cogs, then follow the jobs."""
        self.runtime = await Runtime.start(self.settings)
        for cog in COGS:
            await self.load_extension(cog)
        await self.runtime.watcher.start()

    async def close(self) -> None:
        await super().close()
        if self.runtime:
            await self.runtime.stop()
            self.runtime = None


def run_bot(settings: Settings) -> int:
    """Run until Ctrl-C or SIGTERM; both stop the worker and close the store cleanly."""
    bot = ImagineBot(settings)
    discord.utils.setup_logging()
    try:
        bot.run(settings.discord_token, log_handler=None)
    except discord.LoginFailure:
        log.error("DISCORD_TOKEN was refused by Discord: copy the bot token again.")
        return 2
    return 0


def sync_commands(settings: Settings, guild_id: int | None) -> int:
    """Publish the slash commands: explicit, not at every start (Discord rate-limits it)."""

    async def sync() -> int:
        bot = ImagineBot(settings.model_copy(update={"local_worker": False}))
        async with bot:
            await bot.login(settings.discord_token or "")
            await bot.setup_hook()
            guild = discord.Object(guild_id) if guild_id else None
            if guild:
                bot.tree.copy_global_to(guild=guild)
            synced = await bot.tree.sync(guild=guild)
            where = f"to guild {guild_id}" if guild else "globally"
            print(f"synced {len(synced)} commands {where}")
        return 0

    if not settings.discord_token:
        print("DISCORD_TOKEN is not set: sync needs the bot's token.")
        return 2
    return asyncio.run(sync())
