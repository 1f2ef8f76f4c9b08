"""Any aspect ratio (``3:2``, ``9:16``, … from 1:4 to 4:1) as a size the model can make.

A model makes its best pictures at about its own pixel count (512² for sd-turbo), and
its VAE needs sides in multiples of 8 (some families want 16). So a ratio is not scaled
from a side: it keeps the pixel budget, ``w × h ≈ budget`` with ``w / h ≈ ratio``, and
both sides are rounded to the multiple. Pure functions: the budget and the multiple are
parameters, so a per-model table can feed them.
"""

from __future__ import annotations

import math
import re

from studio.errors import BadAspectRatio

MIN_RATIO = 1 / 4
MAX_RATIO = 4.0
_RATIO = re.compile(r"^\s*(\d{1,4}(?:\.\d{1,3})?)\s*[:x×/]\s*(\d{1,4}(?:\.\d{1,3})?)\s*$")


def parse_ratio(text: str) -> tuple[float, float]:
    """``"3:2"`` → (3.0, 2.0); raises BadAspectRatio for anything else or outside 1:4…4:1."""
    match = _RATIO.match(text or "")
    if not match:
        raise BadAspectRatio(text or "", "unreadable")
    width, height = float(match[1]), float(match[2])
    if width <= 0 or height <= 0:
        raise BadAspectRatio(text, "zero")
    if not MIN_RATIO - 1e-9 <= width / height <= MAX_RATIO + 1e-9:
        raise BadAspectRatio(text, "range")
    return width, height


def is_ratio(text: str) -> bool:
    return bool(_RATIO.match(text or ""))


def size_for_ratio(
    ratio: tuple[float, float], pixel_budget: int, multiple: int = 8, max_side: int = 2048
) -> tuple[int, int]:
    """Width and height with ``w / h`` close to the ratio and ``w × h`` close to the budget.

    Args:
        ratio: (width, height) parts, e.g. (3, 2); validated by :func:`parse_ratio`.
        pixel_budget: the pixels of the model's native picture (512 × 512 for sd-turbo).
        multiple: both sides are multiples of this (the VAE's and the model's needs).
        max_side: no side is longer (the job contract's limit).
    """
    if pixel_budget < multiple * multiple:
        raise ValueError("pixel_budget must hold at least one multiple × multiple tile")
    value = ratio[0] / ratio[1]
    scale = min(
        1.0, max_side / max(math.sqrt(pixel_budget * value), math.sqrt(pixel_budget / value))
    )
    budget = pixel_budget * scale * scale
    width, height = math.sqrt(budget * value), math.sqrt(budget / value)
    # Each side rounds down or up to the multiple: of the four sizes, take the one that
    # misses the ratio and the budget least (the ratio counts twice: it is what was asked).
    candidates = [
        (w, h)
        for w in _neighbours(width, multiple, max_side)
        for h in _neighbours(height, multiple, max_side)
    ]
    return min(
        candidates,
        key=lambda size: (
            2 * abs(math.log(size[0] / size[1] / value)) + abs(math.log(size[0] * size[1] / budget))
        ),
    )


def _neighbours(side: float, multiple: int, max_side: int) -> set[int]:
    low = max(multiple, math.floor(side / multiple) * multiple)
    high = min(
        max(multiple, math.ceil(side / multiple) * multiple), max_side // multiple * multiple
    )
    return {low, max(low, high)}
