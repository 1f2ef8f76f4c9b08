"""The Images API served for real on 127.0.0.1 over the real runtime (store, queue, watcher),
and OpenAI's own client to talk to it."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

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
