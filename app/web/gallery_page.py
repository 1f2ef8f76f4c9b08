"""A server's gallery as a web page: read-only, paged, what its gallery channel shows, and
the public collections its members made public there.

Read from the database at every request: an image unshared, removed by a moderator or
forgotten (/forget-me), a collection made private or deleted, is gone from the next page
load, and its picture from the next request for it. A server's admins may turn the page
off (``/gallery web off``): then neither the shared images nor the collections show.
"""

from __future__ import annotations

import asyncio
import io
import re
from html import escape

from aiohttp import web
from PIL import Image

from app.web.editor import static_text
from data.images import ImageRecord
from studio.errors import StudioError
from studio.gallery import Gallery, WebPage
from studio.public_collections import CollectionsPage, CollectionWebPage, PublicCollections
from studio.studio import Studio

THUMBNAIL_SIDE = 512  # the page shows them 2–6 a row; sharp on a phone's 3× screen
PLACEHOLDER = re.compile(r"\{(\w+)\}")
MAX_ID = 2**63 - 1  # the stores' BIGINT: a longer number is no id of ours

KEY = web.AppKey("gallery_studio", Studio)


def _number(request: web.Request, name: str) -> int:
    """An id from the path (a server's, a collection's): a 64-bit integer, or no page."""
    text = request.match_info[name]
    if not text.isdigit() or len(text) > 19 or int(text) > MAX_ID:
        raise web.HTTPNotFound()
    return int(text)


def _page_number(request: web.Request) -> int:
    text = request.query.get("page", "1")
    return int(text) if text.isdigit() and len(text) < 6 else 1


def _refused(error: StudioError) -> web.Response:
    html = static_text("refused.html").replace("{message}", escape(str(error)))
    return web.Response(text=html, content_type="text/html", status=404)


def _html(text: str) -> web.Response:
    return web.Response(text=text, content_type="text/html")


async def gallery(request: web.Request) -> web.Response:
    guild_id = _number(request, "guild_id")
    try:
        shown = await Gallery.of(request.app[KEY]).web_page(guild_id, _page_number(request))
    except StudioError as error:
        return _refused(error)
    return _html(render(guild_id, shown))


async def collections(request: web.Request) -> web.Response:
    guild_id = _number(request, "guild_id")
    public = PublicCollections.of(request.app[KEY])
    try:
        shown = await public.page(guild_id, _page_number(request))
    except StudioError as error:
        return _refused(error)
    return _html(render_collections(guild_id, shown))


async def collection(request: web.Request) -> web.Response:
    guild_id, collection_id = _number(request, "guild_id"), _number(request, "collection_id")
    public = PublicCollections.of(request.app[KEY])
    try:
        shown = await public.collection(guild_id, collection_id, _page_number(request))
    except StudioError as error:
        return _refused(error)
    return _html(render_collection(guild_id, shown))


async def thumbnail(request: web.Request) -> web.Response:
    studio = request.app[KEY]
    try:
        image = await Gallery.of(studio).web_image(
            _number(request, "guild_id"), request.match_info["image_id"]
        )
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


# -- the HTML: every text from members is escaped --------------------------------------------


def _fill(**values: str) -> str:
    """gallery.html with its ``{placeholders}`` filled in one pass (a prompt that reads
    ``{pager}`` stays text)."""
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], static_text("gallery.html"))


def _tabs(guild_id: int, current: str) -> str:
    tabs = {
        "Shared images": f"/gallery/{guild_id}",
        "Collections": f"/gallery/{guild_id}/collections",
    }
    links = []
    for name, href in tabs.items():
        here = ' aria-current="page"' if name == current else ""
        links.append(f'<a href="{href}"{here}>{name}</a>')
    return "".join(links)


def _pager(page: int, pages: int) -> str:
    parts = []
    if page > 1:
        parts.append(f'<a rel="prev" href="?page={page - 1}">◀ Newer</a>')
    parts.append(f"<span>Page {page} of {pages}</span>")
    if page < pages:
        parts.append(f'<a rel="next" href="?page={page + 1}">Older ▶</a>')
    return " ".join(parts)


def _img(guild_id: int, image_id: str, width: int, height: int, prompt: str) -> str:
    return (
        f'<img src="/gallery/{guild_id}/images/{escape(image_id)}.png" loading="lazy" '
        f'width="{width}" height="{height}" alt="{escape(prompt)}">'
    )


def _card(guild_id: int, image_id: str, width: int, height: int, prompt: str, meta: str) -> str:
    return (
        f'<figure class="card" data-image="{escape(image_id)}">'
        f"{_img(guild_id, image_id, width, height, prompt)}"
        f'<figcaption><p class="prompt">{escape(prompt) or "(no prompt)"}</p>{meta}'
        "</figcaption></figure>"
    )


def _of(guild_id: int, image: ImageRecord, meta: str = "") -> str:
    return _card(guild_id, image.id, image.width, image.height, image.prompt, meta)


def _images(count: int) -> str:
    return f"{count} image{'s' if count != 1 else ''}"


def render(guild_id: int, shown: WebPage) -> str:
    """The shared images: prompt, author, votes."""
    cards = []
    for item in shown.items:
        votes = f"{item.votes} vote{'s' if item.votes != 1 else ''}"
        meta = (
            f'<p class="meta"><span class="author">{escape(item.author) or "someone"}</span>'
            f' · <span class="votes">{votes}</span></p>'
        )
        share = item.share
        cards.append(_card(guild_id, share.image_id, item.width, item.height, item.prompt, meta))
    body = "".join(cards) or '<p class="empty">Nothing is shared in this gallery yet.</p>'
    return _fill(
        tabs=_tabs(guild_id, "Shared images"),
        heading="",
        kind="gallery",
        cards=body,
        pager=_pager(shown.page, shown.pages),
    )


def render_collections(guild_id: int, shown: CollectionsPage) -> str:
    """The public collections: name, owner, how many images, the latest few."""
    items = []
    for card in shown.cards:
        listed = card.listed
        strip = "".join(_img(guild_id, i.id, i.width, i.height, i.prompt) for i in card.preview)
        items.append(
            f'<article class="collection" data-collection="{listed.collection.id}">'
            f'<h2><a href="/gallery/{guild_id}/collections/{listed.collection.id}">'
            f"{escape(listed.collection.name)}</a></h2>"
            f'<p class="meta"><span class="owner">{escape(listed.owner) or "someone"}</span>'
            f" · {_images(listed.shown)}</p>"
            f'<div class="strip">{strip}</div></article>'
        )
    body = "".join(items) or '<p class="empty">No collection is public in this server yet.</p>'
    return _fill(
        tabs=_tabs(guild_id, "Collections"),
        heading="",
        kind="collections",
        cards=body,
        pager=_pager(shown.page, shown.pages),
    )


def render_collection(guild_id: int, shown: CollectionWebPage) -> str:
    """One public collection's images, with its name and owner above them."""
    listed = shown.listed
    heading = (
        f'<div class="heading"><h2 class="name">{escape(listed.collection.name)}</h2>'
        f'<p class="meta">by <span class="owner">{escape(listed.owner) or "someone"}</span>'
        f" · {_images(listed.shown)}</p></div>"
    )
    cards = "".join(_of(guild_id, image) for image in shown.images)
    body = cards or '<p class="empty">Nothing in this collection is shown here.</p>'
    return _fill(
        tabs=_tabs(guild_id, "Collections"),
        heading=heading,
        kind="gallery",
        cards=body,
        pager=_pager(shown.page, shown.pages),
    )
