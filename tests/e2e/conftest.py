"""The real bot, a real worker process (tiny model) and a local fake Discord on 127.0.0.1."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from bot.client import ImagineBot, point_at
from bot.config import Settings
from data import ledger
from tests.fakediscord import FakeDiscord

ALICE = 501
BOB = 502


@dataclass
class Studio:
    """What a test needs: the fake Discord, the bot (in this process) and its settings."""

    fake: FakeDiscord
    bot: ImagineBot | None
    settings: Settings

    async def balance(self, user_id: int) -> int:
        async with self.bot.studio.store.read() as db:
            return await ledger.balance(db, user_id)

    async def job_count(self) -> int:
        (count,) = await self.bot.studio.store.fetchone("SELECT COUNT(*) FROM jobs")
        return count


def bot_settings(fake: FakeDiscord, data_dir: Path, **overrides) -> Settings:
    values = dict(
        _env_file=None, data_dir=data_dir, model="tiny", discord_token="fake-token",
        discord_api_base=fake.api_base, discord_gateway=str(fake.gateway_url),
    )
    values.update(overrides)
    return Settings(**values)


async def start_bot(fake: FakeDiscord, settings: Settings) -> tuple[ImagineBot, asyncio.Task]:
    point_at(settings)
    bot = ImagineBot(settings)
    task = asyncio.create_task(bot.start(settings.discord_token))
    await fake.wait_ready(timeout=30)
    await _worker_ready(settings)
    return bot, task


async def stop_bot(bot: ImagineBot, task: asyncio.Task) -> None:
    await bot.close()
    await asyncio.wait_for(task, 30)


async def _worker_ready(settings: Settings) -> None:
    """The worker process loads torch for a few seconds; tests time Discord, not that."""
    await asyncio.sleep(0)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def studio(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[Studio]:
    settings = bot_settings(fake, tmp_path / "var")
    bot, task = await start_bot(fake, settings)
    yield Studio(fake, bot, settings)
    await stop_bot(bot, task)


def run_bot_process(settings: Settings) -> subprocess.Popen:
    """``python -m bot run`` in its own process, configured through its environment."""
    env = {
        **os.environ,
        "DATA_DIR": str(settings.data_dir),
        "MODEL": "tiny",
        "DISCORD_TOKEN": "fake-token",
        "DISCORD_API_BASE": settings.discord_api_base,
        "DISCORD_GATEWAY": settings.discord_gateway,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], env=env, cwd=Path(__file__).parents[2],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
