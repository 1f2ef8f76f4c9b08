"""The result grid: a job's images side by side, as the bot posts them (2×2, a row of two,
or one). It lives in ``data/`` because both sides make it: the worker, from the decoded
images next to the GPU (no PNG decoding, on the CPU threads that encode the PNGs, while the
next batch paints), and the bot, from stored PNGs, for results that came without one (a
delivery after a restart)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image

BACKGROUND = "#2b2d31"  # Discord's dark theme, so the gaps disappear
GAP = 4  # pixels between images: the result grid, its previews and the contact sheets


def grid_png(images: Sequence[Image.Image], gap: int = GAP) -> bytes:
    """Up to four images on a 2×2 grid (one or two images: a single row), as PNG bytes."""
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
    sheet.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()
