"""How results look on Discord: the 2×2 grid, the embed, the buttons, the status line."""

from __future__ import annotations

import io
from collections.abc import Sequence

import discord
from PIL import Image

from bot import custom_ids
from bot.watcher import JobUpdate
from data import grids
from data.images import ImageRecord

GRID_FILENAME = "grid.png"
PREVIEW_FILENAME = "preview.jpg"
TITLE_LIMIT = 256


def grid_png(pngs: Sequence[bytes], gap: int = 4) -> bytes:
    """Up to four images on a 2×2 grid (one or two images: a single row). Workers send
    the grid with the result; this makes it from stored PNGs when none came."""
    return grids.grid_png([Image.open(io.BytesIO(png)) for png in pngs], gap)


def status_line(prompt: str, update: JobUpdate | None) -> str:
    head = f"**{_short(prompt, 200)}**"
    if update is None:  # submitted, position not known yet: claim nothing
        return f"{head} — queued"
    if update.state == "queued":
        ahead = update.ahead
        return f"{head} — queued, {ahead} ahead of you" if ahead else f"{head} — queued, next up"
    if update.total_steps:
        return f"{head} — generating {round(100 * update.fraction)}%"
    return f"{head} — generating"


def preview_file(jpeg: bytes) -> discord.File:
    """A running job's rough preview, attached to its status line."""
    return discord.File(fp=io.BytesIO(jpeg), filename=PREVIEW_FILENAME)


def result_embed(images: Sequence[ImageRecord], user_id: int, kind: str) -> discord.Embed:
    first = images[0]
    what = {"generate": "", "vary": "Variations", "edit": "Edit"}.get(kind, "")
    title = first.prompt or what or "Variations"
    embed = discord.Embed(title=_short(title, TITLE_LIMIT), colour=discord.Colour.blurple())
    details = [f"<@{user_id}>", f"{first.width}×{first.height}", f"seed {first.seed}"]
    if what:
        details.insert(1, what.lower())
    embed.description = " · ".join(details)
    embed.set_image(url=f"attachment://{GRID_FILENAME}")
    embed.set_footer(text=f"{first.model} · reply to this message to edit an image")
    return embed


def result_view(images: Sequence[ImageRecord]) -> discord.ui.View:
    """U1–U4 open an image, V1–V4 vary it, 🔄 runs the job again, Save, Share."""
    view = discord.ui.View(timeout=None)
    first = images[0].id
    primary = discord.ButtonStyle.primary
    for image in images:
        view.add_item(_button(custom_ids.OPEN, image.id, 0, label=f"U{image.position}"))
    for image in images:
        view.add_item(
            _button(custom_ids.VARY, image.id, 1, label=f"V{image.position}", style=primary)
        )
    view.add_item(_button(custom_ids.REROLL, first, 1, emoji="🔄"))
    view.add_item(_button(custom_ids.SAVE_ALL, first, 2, label="Save"))
    view.add_item(_button(custom_ids.SHARE, first, 2, label="Share"))
    return view


def single_view(image: ImageRecord) -> discord.ui.View:
    """Buttons under one opened image: vary it, save it, share it."""
    view = discord.ui.View(timeout=None)
    view.add_item(
        _button(custom_ids.VARY, image.id, label="Vary", style=discord.ButtonStyle.primary)
    )
    view.add_item(_button(custom_ids.SAVE, image.id, label="Save"))
    view.add_item(_button(custom_ids.SHARE, image.id, label="Share"))
    return view


def _button(action: str, image_id: str, row: int | None = None, **look) -> discord.ui.Button:
    return discord.ui.Button(custom_id=custom_ids.build(action, image_id), row=row, **look)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


short = _short  # one truncation rule for every page (bot.pages)
