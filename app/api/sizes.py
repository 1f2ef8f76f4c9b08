"""OpenAI's ``size`` strings as the sizes this studio's model makes.

Every size of the spec (``auto``, ``1024x1024``, ``1536x1024``, ``1024x1536``,
``1792x1024``, ``1024x1792``, ``256x256``, ``512x512``) and any other ``WxH`` is read as an
aspect ratio and made at the model's own pixel budget with the sides its architecture needs
(:func:`studio.aspect.size_for_ratio` via ``Studio.size_of``): a model is at its best at its
own pixel count, and drawing 1792×1024 with a 1024² model would only cost time. ``auto`` is
the model's square. DALL·E 2's small squares (256, 512) are made at the model's square and
scaled down to the size asked, as a DALL·E 2 client expects its thumbnails. The response's
``size`` says what was made.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from app.api.errors import bad_field
from studio.aspect import MAX_RATIO, MIN_RATIO

AUTO = "auto"
SCALED_SQUARES = (256, 512)  # DALL·E 2's thumbnails: scaled down to the size asked
SPEC_SIZES = (AUTO, "1024x1024", "1536x1024", "1024x1536", "1792x1024", "1024x1792")
_SIZE = re.compile(r"^(\d{1,4})x(\d{1,4})$")


@dataclass(frozen=True)
class Size:
    ratio: str  # W:H for Studio.size_of
    output: tuple[int, int] | None  # scale results to this; None: as the model made them


def parse_size(value: str | None) -> Size:
    """The size asked for as a ratio to make and, for 256/512 squares, a size to scale to."""
    if value is None or value == AUTO:
        return Size("1:1", None)
    match = _SIZE.match(value.strip().lower())
    if not match:
        raise bad_field(
            "size", f"Invalid size {value!r}; use WIDTHxHEIGHT or one of: {', '.join(SPEC_SIZES)}."
        )
    width, height = int(match[1]), int(match[2])
    if width == 0 or height == 0 or not MIN_RATIO <= width / height <= MAX_RATIO:
        raise bad_field(
            "size", f"The size {value} is outside the aspect ratios this studio makes (1:4 to 4:1)."
        )
    divisor = math.gcd(width, height)
    ratio = f"{width // divisor}:{height // divisor}"
    if width == height and width in SCALED_SQUARES:
        return Size(ratio, (width, height))
    return Size(ratio, None)


def size_text(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"
