"""How results look on Discord: the 2×2 grid, the embed, the status line, the preview.

The buttons under a result are in :mod:`bot.discord.buttons` (``result_view``)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import discord
from PIL import Image

from data import grids
from data.images import ImageRecord
from data.jobs import JobState
from studio.watcher import JobUpdate

GRID_STEM = "grid"
GRID_FILENAME = grids.FILENAME
GRID_NOTE = (
    "\n-# The grid is reduced to fit Discord's upload limit here. "
    "U1–U4 open each image at full quality."
)
PREVIEW_FILENAME = "preview.jpg"
TITLE_LIMIT = 256


def grid_jpeg(pngs: Sequence[bytes], gap: int = grids.GAP) -> bytes:
    """Up to four images on a 2×2 grid (one or two images: a single row). Workers send
    the grid with the result; this makes it from stored PNGs when none came."""
    return grids.grid_jpeg([Image.open(io.BytesIO(png)) for png in pngs], gap)


def status_line(prompt: str, update: JobUpdate | None) -> str:
    head = f"**{_short(prompt, 200)}**"
    if update is None:  # submitted, position not known yet: claim nothing
        return f"{head} — queued"
    if update.state is JobState.QUEUED:
        ahead = update.ahead
        return f"{head} — queued, {ahead} ahead of you" if ahead else f"{head} — queued, next up"
    if update.total_steps:
        return f"{head} — generating {round(100 * update.fraction)}%"
    return f"{head} — generating"


def preview_file(jpeg: bytes) -> discord.File:
    """A running job's rough preview, attached to its status line."""
    return discord.File(fp=io.BytesIO(jpeg), filename=PREVIEW_FILENAME)


def result_embed(
    images: Sequence[ImageRecord], user_id: int, kind: str, filename: str = GRID_FILENAME
) -> discord.Embed:
    first = images[0]
    what = {"generate": "", "vary": "Variations", "edit": "Edit", "upscale": "Upscaled"}.get(
        kind, ""
    )
    title = first.prompt or what or "Variations"
    embed = discord.Embed(title=_short(title, TITLE_LIMIT), colour=discord.Colour.blurple())
    details = [f"<@{user_id}>", f"{first.width}×{first.height}", f"seed {first.seed}"]
    if what:
        details.insert(1, what.lower())
    embed.description = " · ".join(details)
    embed.set_image(url=f"attachment://{filename}")
    embed.set_footer(text=f"{first.model} · reply to this message to edit an image")
    return embed


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


short = _short  # one truncation rule for every page (bot.discord.pages)


def private_notice(ok: bool, user_id: int, job_id: str) -> str:
    """The channel's only word on a private result it could not send privately (token
    expired, DMs closed): where to find it, with the job's short id and nothing of it."""
    reference = job_id[:8]
    if ok:
        return (
            f"<@{user_id}> your private result (request `{reference}`) is ready. I could not "
            "send it to you privately (your direct messages are closed), so it waits in "
            "`/history`."
        )
    return (
        f"<@{user_id}> one of your private requests (`{reference}`) failed. "
        "Your credit was refunded."
    )
