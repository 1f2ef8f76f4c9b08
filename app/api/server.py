"""The Images API as the runtime sees it: serves on ``start``, closes on ``stop``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from aiohttp import web

from app.api.app import Install, RolesLookup, start_api
from studio.settings import Settings
from studio.studio import Studio


class HttpAdapter:
    """Serve the API on ``API_HOST:API_PORT`` (0: any free port; :attr:`url` says which).

    ``member_roles``: a member's current roles on a key's server (the Discord adapter's
    lookup when the bot runs in this process). ``install``: what else the server serves
    (the composition root passes the web pages).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        member_roles: RolesLookup | None = None,
        shutdown_seconds: float = 10,
        install: Sequence[Install] = (),
    ) -> None:
        self.settings = settings
        self.install = install
        self.member_roles = member_roles
        self.shutdown_seconds = shutdown_seconds
        self.url: str | None = None
        self._runner: web.AppRunner | None = None
        self._stopped = asyncio.Event()

    async def start(self, studio: Studio) -> None:
        """Raises OSError when the port is taken (the root says which setting to change)."""
        self._runner, self.url = await start_api(
            studio,
            self.settings.api_host,
            self.settings.api_port,
            member_roles=self.member_roles,
            shutdown_seconds=self.shutdown_seconds,
            install=self.install,
        )

    async def wait(self) -> None:
        """An HTTP server never ends by itself."""
        await self._stopped.wait()

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            with contextlib.suppress(Exception):
                await runner.cleanup()
        self._stopped.set()
