"""The web pages over a real studio: the runtime (store, queue, watcher), a worker with the
default family's offline build (``tiny:flux2``) and the HTTP server, all on one event loop
in a background thread, so the tests drive headless Chromium with Playwright's sync API.

Chromium is Debian's (``/usr/bin/chromium``, installed by ``make chromium``); Playwright's
own browser downloads are never used. Without it the browser tests skip and say why.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")
GUILD, CHANNEL = 500, 501
START_TIMEOUT = 120
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """Debian's chromium (CHROMIUM overrides), or None."""
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return found if Path(found).is_file() and os.access(found, os.X_OK) else None


@dataclass
class LiveStudio:
    """A studio served on 127.0.0.1 from its own thread; ``run`` calls into its loop."""

    loop: asyncio.AbstractEventLoop
    runtime: Any
    url: str

    def run(self, work: Coroutine[Any, Any, T], timeout: float = 240) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(work, self.loop)
        return future.result(timeout)

    @property
    def studio(self):
        return self.runtime.studio

    def scalar(self, sql: str, *params):
        async def query():
            row = await self.runtime.store.fetchone(sql, params)
            return row[0]

        return self.run(query())


@pytest.fixture(scope="session")
def flux2_pipelines():
    return load_flux2()


@contextmanager
def serving(data_dir: Path, pipelines, **overrides: Any) -> Iterator[LiveStudio]:
    """A studio with a worker and its HTTP server, on a loop in a thread, until the end."""
    from app.api.app import start_api
    from app.runtime import Runtime
    from app.web import routes
    from inference.engine import Engine
    from inference.worker import Worker
    from studio.settings import Settings

    values = {"model": "tiny:flux2", "local_worker": False, **overrides}
    settings = Settings(_env_file=None, data_dir=data_dir, **values)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="studio-loop", daemon=True)
    thread.start()
    stop = asyncio.Event()

    async def start():
        runtime = await Runtime.start(settings)
        await runtime.watcher.start()

        async def roles(user_id: int, guild_ids: list[int]) -> dict[int, frozenset[int]]:
            return {guild_id: frozenset() for guild_id in guild_ids}  # everyone is a member

        runtime.studio.member_roles = roles
        worker = Worker(runtime.queue, Engine(pipelines), worker_id="web", poll_seconds=0.01)
        task = asyncio.create_task(worker.run(stop))
        runner, url = await start_api(
            runtime.studio, "127.0.0.1", 0, shutdown_seconds=1, install=[routes.install]
        )
        return runtime, task, runner, url

    runtime, task, runner, url = asyncio.run_coroutine_threadsafe(start(), loop).result(
        START_TIMEOUT
    )
    served = LiveStudio(loop, runtime, url)
    try:
        yield served
    finally:

        async def finish():
            stop.set()
            await task
            await runner.cleanup()
            await runtime.stop()

        served.run(finish(), timeout=60)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@pytest.fixture(scope="module")
def live_studio(tmp_path_factory, flux2_pipelines) -> Iterator[LiveStudio]:
    with serving(tmp_path_factory.mktemp("web") / "var", flux2_pipelines) as live:
        yield live


def load_flux2():
    import torch

    from inference.models import load_pipelines

    torch.set_num_threads(2)
    return load_pipelines("tiny:flux2", "cpu")


@pytest.fixture(scope="module")
def browser():
    """One headless Debian Chromium for the browser tests (Playwright gives it a new,
    temporary user-data dir); each test opens its own contexts (cookie jars).

    Module-scoped on purpose: Playwright's sync API holds an event loop on this thread
    while it runs, and the async tests of other modules need the thread's loop free."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium at /usr/bin/chromium: `make chromium` installs Debian's package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()
