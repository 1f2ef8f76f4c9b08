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
for _name in (
    "DISCORD_TOKEN", "MODEL", "DATA_DIR", "DATABASE", "QUEUE", "IMAGE_SIZE", "STORAGE",
    "S3_ENDPOINT_URL", "STORAGE_SIGNED_LINKS",
):  # fmt: skip
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


@pytest.fixture(scope="session")
def postgres_server():
    """One real PostgreSQL server for the test session (Debian's binaries); skipped, with
    the reason, only where PostgreSQL is not installed."""
    from tests.postgres_server import INSTALL_HINT, PostgresServer, binaries

    if binaries() is None:
        pytest.skip(INSTALL_HINT)
    server = PostgresServer()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A fresh, empty database on the session's PostgreSQL server."""
    return postgres_server.new_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_location(request, settings) -> Path | str:
    """Where a store lives, on each engine: a SQLite file or a PostgreSQL database."""
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_url")
    return settings.database_path


@pytest.fixture
async def any_store(store_location):
    """The store on each engine: the contract tests run on SQLite and on PostgreSQL."""
    from data.store import Store

    opened = await Store.open(store_location)
    yield opened
    await opened.close()


@pytest.fixture(scope="session")
def s3_server():
    """One local S3-compatible server for the session (moto's, on 127.0.0.1)."""
    from tests.s3_server import S3Server

    server = S3Server()
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(s3_server, monkeypatch) -> str:
    """A fresh bucket on the local S3 server, with credentials for it in the environment
    (boto3 reads them as it would on a real deployment); returns its name."""
    from tests.s3_server import CREDENTIALS

    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    return s3_server.new_bucket()


OpenQueue = Callable[..., Awaitable["JobQueue"]]


@pytest.fixture(params=["sqlite", "redis", "postgresql"])
async def queues(request, settings) -> AsyncIterator[OpenQueue]:
    """Opens queues on one backend; every one of them is closed after the test."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
    elif request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
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
    from inference.__main__ import open_result_storage
    from inference.worker import Worker

    started = await Runtime.start(settings)
    await started.watcher.start()
    storage = await open_result_storage(settings)  # as a worker process opens it
    worker = Worker(
        started.queue, engine, worker_id="test-worker", poll_seconds=0.01, storage=storage
    )
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        yield started
    finally:
        stop.set()
        await task
        await started.stop()
