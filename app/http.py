"""The one HTTP server: the Images API (``/v1``) and the web pages (editor, gallery),
assembled here because neither adapter may import the other."""

from __future__ import annotations

from aiohttp import web

from app.api.app import RolesLookup, start_api
from app.web import routes
from studio.studio import Studio


async def start_http(
    studio: Studio,
    host: str,
    port: int,
    *,
    member_roles: RolesLookup | None = None,
    shutdown_seconds: float = 10,
) -> tuple[web.AppRunner, str]:
    """Serve the API and the web pages on ``host:port``; returns the runner and its URL."""
    return await start_api(
        studio,
        host,
        port,
        member_roles=member_roles,
        shutdown_seconds=shutdown_seconds,
        install=[lambda app: routes.install(app, studio)],
    )
