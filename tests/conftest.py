"""Shared fixtures: settings on a temporary DATA_DIR with the tiny model, a store, the engine."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
for _name in ("DISCORD_TOKEN", "MODEL", "DATA_DIR", "DATABASE", "QUEUE", "IMAGE_SIZE"):
    os.environ.pop(_name, None)  # tests never read a developer's environment


@pytest.fixture
def settings(tmp_path: Path):
    from bot.config import Settings

    return Settings(_env_file=None, data_dir=tmp_path / "var", model="tiny", local_worker=False)


@pytest.fixture
async def store(settings):
    from data.store import Store

    opened = await Store.open(settings.database_path)
    yield opened
    await opened.close()


@pytest.fixture(scope="session")
def tiny_pipelines():
    import torch

    from inference.models import load_pipelines

    torch.set_num_threads(2)
    return load_pipelines("tiny", "cpu")


@pytest.fixture(scope="session")
def engine(tiny_pipelines):
    from inference.engine import Engine

    return Engine(tiny_pipelines)


@pytest.fixture
def redis_url(tmp_path: Path):
    """The URL of a fresh, real redis-server that lives for one test."""
    from tests.redis_server import RedisServer

    server = RedisServer(tmp_path / "redis")
    yield server.url
    server.stop()


@asynccontextmanager
async def running_studio(settings, engine) -> AsyncIterator:
    """The bot's runtime (store, queue, watcher, studio) with an in-process worker."""
    import asyncio

    from bot.runtime import Runtime
    from inference.worker import Worker

    started = await Runtime.start(settings)
    await started.watcher.start()
    worker = Worker(started.queue, engine, worker_id="test-worker", poll_seconds=0.01)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        yield started
    finally:
        stop.set()
        await task
        await started.stop()
