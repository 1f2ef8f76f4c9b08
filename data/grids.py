"""The result grid: a job's images side by side, as the bot posts them (2×2, a row of two,
or one). It lives in ``data/`` because both sides make it: the worker, from the decoded
images next to the GPU (no PNG decoding, on the CPU threads that encode the PNGs, while the
next batch paints), and the bot, from stored PNGs, for results that came without one (a
delivery after a restart).

The grid is a JPEG: it is what a member picks from, and U1–U4 post each image as its
lossless PNG. Four 1024² images (the default model's size) make a 6–12 MiB PNG grid, over
Discord's 10 MiB upload limit as often as not, and seconds of upload on a home uplink for
every job; the JPEG is about a tenth of that (0.24 MB for four 512² photos, 1.7 MB as PNG),
and every byte of it crosses the bot's sockets (bench/scale_sim.py)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image

BACKGROUND = "#2b2d31"  # Discord's dark theme, so the gaps disappear
GAP = 4  # pixels between images: the result grid, its previews and the contact sheets
QUALITY = 90  # JPEG quality of the grid: no visible loss at the size Discord shows it
FILENAME = "grid.jpg"


def grid_jpeg(images: Sequence[Image.Image], gap: int = GAP) -> bytes:
    """Up to four images on a 2×2 grid (one or two images: a single row), as JPEG bytes."""
    width, height = images[0].size
    columns = 1 if len(images) == 1 else 2
    rows = (len(images) + columns - 1) // columns
    size = (columns * width + (columns - 1) * gap, rows * height + (rows - 1) * gap)
    sheet = Image.new("RGB", size, BACKGROUND)
    for index, image in enumerate(images):
        x, y = index % columns, index // columns
        if image.size != (width, height):
            image = image.resize((width, height))
        sheet.paste(image.convert("RGB"), (x * (width + gap), y * (height + gap)))
    buffer = io.BytesIO()
    sheet.save(buffer, format="JPEG", quality=QUALITY)
    return buffer.getvalue()
