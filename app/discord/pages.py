"""How kept images look on Discord: /history and /collection pages, gallery posts, top lists.

Pages are ephemeral messages with one contact sheet and ◀ ▶ buttons whose custom_ids
carry the page, so paging works on any old message after a restart.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime

import discord
from PIL import Image, ImageDraw, ImageOps

from app.discord import render
from data import grids
from data.collections import Collection
from data.images import ImageFiles, ImageRecord
from data.shares import Ranked
from studio.gallery import share_url
from studio.library import COLLECTION_PAGE, HISTORY_PAGE, CollectionPage, Page

SHEET_FILENAME = "page.png"
THUMB = 96
GAP = grids.GAP
LABEL = 24  # the strip on the left of a history row, for its number
BACKGROUND = "#2b2d31"


def _thumbnail(png: bytes, side: int) -> Image.Image:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return ImageOps.contain(image, (side, side))


def _encode(sheet: Image.Image) -> bytes:
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def history_sheet(rows: Sequence[Sequence[bytes]], first_number: int) -> bytes:
    """One row of thumbnails per generation, numbered from ``first_number``."""
    columns = max(len(row) for row in rows)
    width = LABEL + columns * (THUMB + GAP)
    sheet = Image.new("RGB", (width, len(rows) * (THUMB + GAP) - GAP), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    for y, row in enumerate(rows):
        top = y * (THUMB + GAP)
        draw.text((6, top + THUMB // 2 - 6), str(first_number + y), fill="white")
        for x, png in enumerate(row):
            sheet.paste(_thumbnail(png, THUMB), (LABEL + x * (THUMB + GAP), top))
    return _encode(sheet)


def thumbnail_grid(pngs: Sequence[bytes], first_number: int, columns: int = 3) -> bytes:
    """Up to nine numbered thumbnails, three to a row."""
    side = THUMB + 32
    rows = (len(pngs) + columns - 1) // columns
    sheet = Image.new(
        "RGB",
        (columns * (side + GAP) - GAP, rows * (side + GAP) - GAP),
        BACKGROUND,
    )
    draw = ImageDraw.Draw(sheet)
    for index, png in enumerate(pngs):
        left, top = (index % columns) * (side + GAP), (index // columns) * (side + GAP)
        thumb = _thumbnail(png, side)
        sheet.paste(thumb, (left + (side - thumb.width) // 2, top + (side - thumb.height) // 2))
        label = str(first_number + index)
        right = draw.textbbox((left + 4, top + 2), label)[2]
        draw.rectangle((left, top, right + 4, top + 14), fill="black")
        draw.text((left + 4, top + 2), label, fill="white")
    return _encode(sheet)


def _when(timestamp: float) -> str:
    return discord.utils.format_dt(datetime.fromtimestamp(timestamp, UTC), "R")


def history_sheet_png(files: ImageFiles, page: Page[list[ImageRecord]]) -> bytes | None:
    """The page's contact sheet (reads the PNGs: run it off the event loop)."""
    if not page.items:
        return None
    rows = [[files.read(image) for image in generation] for generation in page.items]
    return history_sheet(rows, page.number * HISTORY_PAGE + 1)


def history_message(
    owner_id: int, page: Page[list[ImageRecord]], sheet: bytes | None, view: discord.ui.View
) -> dict:
    """The keyword arguments of a /history page: content, and the sheet and ``view``
    (its buttons: :func:`bot.discord.buttons.history_view`)."""
    if not page.items or sheet is None:
        return {"content": "Your history is empty: `/imagine` something first."}
    first = page.number * HISTORY_PAGE + 1
    lines = [f"**Your latest generations** · page {page.number + 1}/{page.count}"]
    for offset, generation in enumerate(page.items):
        head = generation[0]
        prompt = render.short(head.prompt or "variations", 80)
        count = f"{len(generation)} image{'s' if len(generation) != 1 else ''}"
        lines.append(f"`{first + offset}` **{prompt}** · {count} · {_when(head.created_at)}")
    lines.append("Press a number to open that result again, with its buttons.")
    return {
        "content": "\n".join(lines),
        "file": discord.File(io.BytesIO(sheet), filename=SHEET_FILENAME),
        "view": view,
    }


def collection_sheet_png(files: ImageFiles, shown: CollectionPage) -> bytes | None:
    """The page's numbered thumbnails (reads the PNGs: run it off the event loop)."""
    if not shown.page.items:
        return None
    first = shown.page.number * COLLECTION_PAGE + 1
    return thumbnail_grid([files.read(image) for image in shown.page.items], first)


def collection_message(
    shown: CollectionPage, sheet: bytes | None, view: discord.ui.View | None
) -> dict:
    """The keyword arguments of a /collection show page; ``view``: its ◀ ▶, if any."""
    collection, page = shown.collection, shown.page
    title = f"**{collection.name}** by <@{collection.owner_id}> · {_visibility(collection)}"
    if not page.items or sheet is None:
        return {"content": f"{title}\nNo images yet."}
    first = page.number * COLLECTION_PAGE + 1
    lines = [f"{title} · {collection.size} images · page {page.number + 1}/{page.count}"]
    for offset, image in enumerate(page.items):
        prompt = render.short(image.prompt or "variation", 70)
        lines.append(f"`{first + offset}` `{image.id}` {prompt}")
    message = {
        "content": "\n".join(lines),
        "file": discord.File(io.BytesIO(sheet), filename=SHEET_FILENAME),
    }
    if view is not None:
        message["view"] = view
    return message


def _visibility(collection: Collection) -> str:
    return "public" if collection.is_public else "private"


def collection_list(owner_id: int, found: Sequence[Collection], own: bool) -> str:
    if not found:
        if own:
            return "You have no collections yet: `/collection create` one, or press **Save**."
        return f"<@{owner_id}> has no public collections."
    head = "Your collections:" if own else f"Public collections of <@{owner_id}>:"
    rows = [f"• **{c.name}** · {c.size} images · {_visibility(c)}" for c in found]
    return "\n".join([head, *rows])


def collection_line(collection: Collection) -> str:
    return f"**{collection.name}** ({collection.size} images, {_visibility(collection)})"


# -- the gallery ---------------------------------------------------------------------------


def gallery_filename(image: ImageRecord) -> str:
    return f"imagine-{image.id}.png"


def gallery_embed(image: ImageRecord) -> discord.Embed:
    """The post's provenance: prompt, author, seed, model, size, and the image's id."""
    embed = discord.Embed(
        title=render.short(image.prompt or "Variation", render.TITLE_LIMIT),
        description=f"by <@{image.owner_id}>",
        colour=discord.Colour.blurple(),
        timestamp=datetime.fromtimestamp(image.created_at, UTC),
    )
    embed.add_field(name="Seed", value=str(image.seed))
    embed.add_field(name="Model", value=render.short(image.model, 100))
    embed.add_field(name="Size", value=f"{image.width}×{image.height}")
    if image.negative:
        embed.add_field(name="Negative", value=render.short(image.negative, 200), inline=False)
    if image.parent_id:
        embed.add_field(name="Made from", value=f"`{image.parent_id}`")
    embed.set_image(url=f"attachment://{gallery_filename(image)}")
    embed.set_footer(text=f"image {image.id} · react to vote · /gallery top")
    return embed


def top_list(ranked: Sequence[Ranked], period: str) -> str:
    span = {"week": "this week", "month": "this month", "all": "of all time"}[period]
    if not ranked:
        return f"Nothing has been shared to the gallery {span} yet."
    lines = [f"**Most liked {span}**"]
    for place, entry in enumerate(ranked, start=1):
        votes = f"{entry.votes} vote{'s' if entry.votes != 1 else ''}"
        prompt = render.short(entry.prompt or "variation", 80)
        lines.append(
            f"{place}. **{prompt}** by <@{entry.share.author_id}> · {votes} · "
            f"{share_url(entry.share)}"
        )
    return "\n".join(lines)
