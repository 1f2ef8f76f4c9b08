"""A server's gallery as a web page: read-only, paged, what its gallery channel shows.

Read from the database at every request: an image unshared, removed by a moderator or
forgotten (/forget-me) is gone from the next page load, and its picture from the next
request for it. A server's admins may turn the page off (``/gallery web off``).
"""

from __future__ import annotations

import asyncio
import io
from html import escape

from aiohttp import web
from PIL import Image

from app.web.editor import static_text
from studio.errors import StudioError
from studio.gallery import Gallery, WebPage
from studio.studio import Studio

THUMBNAIL_SIDE = 512  # the page shows them 2–6 a row; sharp on a phone's 3× screen

KEY = web.AppKey("gallery_studio", Studio)


def _guild(request: web.Request) -> int:
    text = request.match_info["guild_id"]
    if not text.isdigit() or len(text) > 20:
        raise web.HTTPNotFound()
    return int(text)


def _page_number(request: web.Request) -> int:
    text = request.query.get("page", "1")
    return int(text) if text.isdigit() and len(text) < 6 else 1


async def gallery(request: web.Request) -> web.Response:
    guild_id = _guild(request)
    try:
        shown = await Gallery.of(request.app[KEY]).web_page(guild_id, _page_number(request))
    except StudioError as error:
        html = static_text("refused.html").replace("{message}", escape(str(error)))
        return web.Response(text=html, content_type="text/html", status=404)
    return web.Response(text=render(guild_id, shown), content_type="text/html")


async def thumbnail(request: web.Request) -> web.Response:
    studio = request.app[KEY]
    try:
        image = await Gallery.of(studio).web_image(_guild(request), request.match_info["image_id"])
    except StudioError:
        raise web.HTTPNotFound() from None
    png = await asyncio.to_thread(_thumbnail, studio.files.read(image))
    return web.Response(body=png, content_type="image/png")


def _thumbnail(png: bytes) -> bytes:
    image = Image.open(io.BytesIO(png))
    image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def render(guild_id: int, shown: WebPage) -> str:
    """The page's HTML; every text from members is escaped."""
    cards = []
    for item in shown.items:
        image_id = escape(item.share.image_id)
        votes = f"{item.votes} vote{'s' if item.votes != 1 else ''}"
        cards.append(
            f'<figure class="card" data-image="{image_id}">'
            f'<img src="/gallery/{guild_id}/images/{image_id}.png" loading="lazy" '
            f'width="{item.width}" height="{item.height}" alt="{escape(item.prompt)}">'
            f'<figcaption><p class="prompt">{escape(item.prompt) or "(no prompt)"}</p>'
            f'<p class="meta"><span class="author">{escape(item.author) or "someone"}</span>'
            f' · <span class="votes">{votes}</span></p></figcaption></figure>'
        )
    body = "".join(cards) or '<p class="empty">Nothing is shared in this gallery yet.</p>'
    pager = []
    if shown.page > 1:
        pager.append(f'<a rel="prev" href="?page={shown.page - 1}">◀ Newer</a>')
    pager.append(f"<span>Page {shown.page} of {shown.pages}</span>")
    if shown.page < shown.pages:
        pager.append(f'<a rel="next" href="?page={shown.page + 1}">Older ▶</a>')
    return static_text("gallery.html").replace("{cards}", body).replace("{pager}", " ".join(pager))
