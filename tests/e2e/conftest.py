"""The real bot, a real worker process (``TEST_MODEL``: the default family's tiny build) and a
local fake Discord on 127.0.0.1."""

from __future__ import annotations

import asyncio
import inspect
import io
import os
import subprocess
import sys
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from app.api.server import HttpAdapter
from app.discord.client import DiscordAdapter, ImagineBot
from app.runtime import Runtime
from app.serve import http_adapter
from studio.settings import Settings
from studio.studio import Requester
from tests.conftest import TEST_MODEL
from tests.fakediscord import FLAG_EPHEMERAL, FakeDiscord

ALICE = 501
BOB = 502


@dataclass
class Studio:
    """What a test needs: the fake Discord, the bot (in this process) and its settings."""

    fake: FakeDiscord
    bot: ImagineBot
    settings: Settings
    bot_task: asyncio.Task

    async def balance(self, user_id: int) -> int:
        """The user's balance, as /credits would show it (welcome credits included)."""
        return await self.bot.studio.balance(Requester(user_id))

    async def job_count(self) -> int:
        (count,) = await self.bot.studio.store.fetchone("SELECT COUNT(*) FROM jobs")
        return count


def bot_settings(fake: FakeDiscord, data_dir: Path, **overrides) -> Settings:
    values = dict(
        _env_file=None,
        data_dir=data_dir,
        model=TEST_MODEL,
        discord_token="fake-token",
        discord_api_base=fake.api_base,
        discord_gateway=str(fake.gateway_url),
    )
    values.update(overrides)
    return Settings(**values)


_RUNNING: weakref.WeakKeyDictionary[ImagineBot, tuple[Runtime, HttpAdapter | None]] = (
    weakref.WeakKeyDictionary()
)


async def start_bot(fake: FakeDiscord, settings: Settings) -> tuple[ImagineBot, asyncio.Task]:
    """Start the studio as ``make run`` does (the runtime with the Discord adapter, and the
    HTTP one with API_ENABLED), in this process; the task ends once everything stopped."""
    bot_adapter = DiscordAdapter(settings, guild_ready_timeout=0.05)  # on_ready at once
    adapters: list = [bot_adapter]
    http = None
    if settings.api_enabled:  # the API and the web pages, as app/serve.py builds them
        http = http_adapter(settings, bot_adapter, shutdown_seconds=1)
        adapters.append(http)
    runtime = await Runtime.start(settings, member_roles=bot_adapter.member_roles)
    task = await start_and_wait(
        fake, lambda: asyncio.create_task(runtime.serve(adapters, asyncio.Event()))
    )
    assert bot_adapter.bot is not None
    _RUNNING[bot_adapter.bot] = (runtime, http)
    return bot_adapter.bot, task


def runtime_of(bot: ImagineBot) -> Runtime:
    """The runtime a test's bot runs in (its local worker, its queue)."""
    return _RUNNING[bot][0]


def api_url_of(bot: ImagineBot) -> str:
    """Where the Images API of that bot's process listens (API_ENABLED=true)."""
    http = _RUNNING[bot][1]
    assert http is not None and http.url is not None, "start the bot with api_enabled=True"
    return http.url


async def start_and_wait(fake: FakeDiscord, start):
    """Start a bot (in this process or another) and wait until its new session is live."""
    identified = len(fake.gateway.identify_payloads)
    started = start()
    await wait_until(lambda: len(fake.gateway.identify_payloads) > identified, timeout=60)
    await fake.sync(timeout=30)
    return started


async def stop_bot(bot: ImagineBot, task: asyncio.Task) -> None:
    await bot.close()
    await asyncio.wait_for(task, 30)


async def ephemeral_answer(inter) -> str:
    """A refusal: the thinking message is deleted and an ephemeral followup explains."""
    answer = await inter.wait_followup(lambda c: c.json and "content" in c.json)
    assert answer.json["flags"] & FLAG_EPHEMERAL
    return answer.json["content"]


@pytest.fixture
def engine(tiny_engines):
    """An in-process worker's engine for the model the e2e bot asks for (``TEST_MODEL``):
    a worker serves only its own model's jobs."""
    return tiny_engines(TEST_MODEL)


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
    running = Studio(fake, bot, settings, task)
    yield running
    # A test may have restarted the bot: stop the one running now, or its worker outlives us.
    if not running.bot_task.done():
        await stop_bot(running.bot, running.bot_task)


def run_bot_process(settings: Settings) -> subprocess.Popen:
    """``python -m bot run`` in its own process, configured through its environment."""
    env = {
        **os.environ,
        "DATA_DIR": str(settings.data_dir),
        "MODEL": settings.model,
        "DISCORD_TOKEN": "fake-token",
        "DISCORD_API_BASE": settings.discord_api_base,
        "DISCORD_GATEWAY": settings.discord_gateway,
    }
    log = open(settings.data_dir / "bot-process.log", "wb")  # noqa: SIM115 (lives with the process)
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        cwd=Path(__file__).parents[2],
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


async def wait_until(condition, timeout: float = 30, interval: float = 0.05):
    """Polls ``condition`` (a plain or an async function) until it holds — returns a truthy
    value, which is returned: a real condition, never a fixed sleep, so a slow, loaded
    machine only waits longer."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (value := await _outcome(condition)):
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(interval)
    return value


async def _outcome(condition):
    outcome = condition()
    return await outcome if inspect.isawaitable(outcome) else outcome


RESULT_TIMEOUT = 90  # the worker process loads torch first


def is_result(call) -> bool:
    return bool(call.files) and call.files[0].filename == "grid.jpg"


def custom_ids(message: dict) -> list[str]:
    return [c["custom_id"] for row in message["components"] for c in row["components"]]


def button(message: dict, prefix: str, position: int = 1) -> str:
    """The custom_id of e.g. the V2 button (prefix 'imagine:vary:', position 2)."""
    matching = [i for i in custom_ids(message) if i.startswith(prefix)]
    return matching[position - 1]


async def imagine(studio: Studio, user_id: int, prompt: str = "a purple mammoth", **options):
    """Run /imagine and return its result message."""
    inter = await studio.fake.slash_command(
        "imagine", {"prompt": prompt, **options}, user_id=user_id
    )
    return (await inter.wait_followup(is_result, timeout=RESULT_TIMEOUT)).response
