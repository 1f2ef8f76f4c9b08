"""Shared fixtures: settings on a temporary DATA_DIR with the tiny model, a store, the engine."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from data.queue import JobQueue

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
# The model the end-to-end and command-line tests run on: the default model's family
# (FLUX.2 [klein]) in its offline build, unless a test names another. TEST_MODEL=tiny runs
# them on the SD build (`TEST_MODEL=tiny make test`); unit tests name their builds.
TEST_MODEL = os.environ.get("TEST_MODEL", "tiny:flux2")
for _name in ("DISCORD_TOKEN", "MODEL", "DATA_DIR", "DATABASE", "QUEUE", "IMAGE_SIZE"):
    os.environ.pop(_name, None)  # tests never read a developer's environment


@pytest.fixture
def settings(tmp_path: Path):
    from studio.settings import Settings

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
def tiny_engines(tiny_pipelines):
    """The engine of any tiny build (``tiny:flux2``, …), built on first use and kept for the
    whole session, so every test module shares one build per family."""
    import torch

    from inference.engine import Engine
    from inference.models import load_pipelines

    built = {"tiny": Engine(tiny_pipelines)}

    def engine_of(model: str) -> Engine:
        if model not in built:
            torch.set_num_threads(2)
            built[model] = Engine(load_pipelines(model, "cpu"))
        return built[model]

    return engine_of


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


OpenQueue = Callable[..., Awaitable["JobQueue"]]


@pytest.fixture(params=["sqlite", "redis"])
async def queues(request, settings) -> AsyncIterator[OpenQueue]:
    """Opens queues on one backend; every one of them is closed after the test."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
    else:
        settings.database_path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{settings.database_path}"
    from data.queue import open_queue

    opened: list[JobQueue] = []

    async def open_one(**options) -> JobQueue:
        opened.append(await open_queue(url, **options))
        return opened[-1]

    yield open_one
    for queue in opened:
        await queue.close()


@asynccontextmanager
async def running_studio(settings, engine) -> AsyncIterator:
    """The bot's runtime (store, queue, watcher, studio) with an in-process worker."""
    import asyncio

    from app.runtime import Runtime
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
