"""Where the web pages live on the HTTP server (beside the Images API's ``/v1``)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from app.web import editor, gallery_page
from app.web.headers import add_headers
from studio.edit_links import EditLinks
from studio.link_owners import LinkOwners
from studio.studio import Studio

STATIC = Path(__file__).parent / "static"


def install(app: web.Application, studio: Studio) -> None:
    """Add the editor and gallery pages to ``app`` (before it starts)."""
    app[editor.KEY] = editor.Editor(studio, EditLinks.of(studio), LinkOwners.of(studio))
    app[gallery_page.KEY] = studio
    app.on_response_prepare.append(add_headers)
    app.router.add_get("/edit/{token}", editor.page)
    app.router.add_post("/web/edit/{token}/open", editor.refusing(editor.open_link))
    app.router.add_get("/web/edit/{token}/image.png", editor.refusing(editor.image_png))
    app.router.add_post("/web/edit/{token}/edit", editor.refusing(editor.submit_edit))
    app.router.add_post("/web/edit/{token}/vary", editor.refusing(editor.submit_vary))
    app.router.add_post("/web/edit/{token}/upscale", editor.refusing(editor.submit_upscale))
    app.router.add_get("/web/edit/{token}/jobs/{job_id}/events", editor.refusing(editor.job_events))
    app.router.add_get("/gallery/{guild_id}", gallery_page.gallery)
    app.router.add_get("/gallery/{guild_id}/collections", gallery_page.collections)
    app.router.add_get("/gallery/{guild_id}/collections/{collection_id}", gallery_page.collection)
    app.router.add_get("/gallery/{guild_id}/images/{image_id}.png", gallery_page.thumbnail)
    app.router.add_static("/web/static/", STATIC, append_version=False)
