"""The Images API served for real on 127.0.0.1 over the real runtime (store, queue, watcher),
and OpenAI's own client to talk to it."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest
from PIL import Image

from app.runtime import Runtime
from studio.requester import Requester


@dataclass
class Served:
    runtime: Runtime
    url: str
    clients: list = field(default_factory=list)

    async def key(self, user_id: int, guild_id: int | None = None, roles=frozenset()) -> str:
        from studio.api_keys import ApiKeys

        member = Requester(user_id, f"user{user_id}", guild_id, frozenset(roles))
        return (await ApiKeys.of(self.runtime.studio).create(member, "test")).secret

    def client(self, key: str):
        from openai import AsyncOpenAI

        client = AsyncOpenAI(base_url=f"{self.url}/v1", api_key=key, max_retries=0, timeout=120)
        self.clients.append(client)
        return client

    async def scalar(self, sql: str, *params):
        row = await self.runtime.store.fetchone(sql, params)
        return row[0]

    async def job_count(self) -> int:
        return await self.scalar("SELECT COUNT(*) FROM jobs")

    async def spent(self, user_id: int) -> int:
        """Credits taken minus credits given back, over the user's job rows."""
        return -await self.scalar(
            "SELECT COALESCE(SUM(delta), 0) FROM ledger WHERE user_id = ?"
            " AND kind IN ('spend', 'refund')",
            user_id,
        )


@asynccontextmanager
async def serving(settings) -> AsyncIterator[Served]:
    """The API over a runtime without a worker: jobs wait in the queue until a test runs one."""
    from app.api.app import start_api

    runtime = await Runtime.start(settings)
    await runtime.watcher.start()
    runner, url = await start_api(runtime.studio, "127.0.0.1", 0, shutdown_seconds=1)
    served = Served(runtime, url)
    try:
        yield served
    finally:
        for client in served.clients:
            await client.close()
        await runner.cleanup()
        await runtime.stop()


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def with_hole(size: int = 64) -> Image.Image:
    """An opaque noisy picture whose right half is fully transparent (the area to paint)."""
    picture = Image.effect_noise((size, size), 60).convert("RGBA")
    alpha = Image.new("L", (size, size), 255)
    alpha.paste(0, (size // 2, 0, size, size))
    picture.putalpha(alpha)
    return picture


@asynccontextmanager
async def working(served: Served, engine) -> AsyncIterator[None]:
    """A worker on the served runtime's queue while the block runs (the real engine)."""
    import asyncio

    from inference.worker import Worker

    stop = asyncio.Event()
    worker = asyncio.create_task(Worker(served.runtime.queue, engine).run(stop))
    try:
        yield
    finally:
        stop.set()
        await worker


async def job_rows(served: Served) -> list:
    """Every job row's stored Job and origin, oldest first."""
    import json

    from data.jobs import Job

    rows = await served.runtime.store.fetchall(
        "SELECT request, origin FROM jobs ORDER BY created_at, rowid"
    )
    return [(Job.model_validate_json(job), json.loads(origin or "null")) for job, origin in rows]


@pytest.fixture
def flux2_settings(tmp_path):
    """The default family's offline build (FLUX.2 [klein]: reference-image editing); one
    member makes each test's requests, more than 6 a minute."""
    from studio.settings import Settings

    return Settings(
        _env_file=None,
        data_dir=tmp_path / "flux2",
        model="tiny:flux2",
        local_worker=False,
        rate_limit_jobs=100,
    )


@pytest.fixture(scope="session")
def flux2_engine():
    import torch

    from inference.engine import Engine
    from inference.models import load_pipelines

    torch.set_num_threads(2)
    return Engine(load_pipelines("tiny:flux2", "cpu"))
