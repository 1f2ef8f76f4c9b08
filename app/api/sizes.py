"""OpenAI's ``size`` strings mapped onto the studio's shapes.

DALL·E 2's square sizes (256, 512, 1024) are made at the model's own square size and
scaled to the size asked for; the model's own sizes (its square, landscape and portrait)
are served as made, pixel for pixel.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.api.errors import bad_field

OPENAI_SQUARES = (256, 512, 1024)


@dataclass(frozen=True)
class Size:
    shape: str  # the studio's named size: square, portrait, landscape
    output: tuple[int, int] | None  # scale results to this; None: as the model made them


def sizes(shapes: dict[str, tuple[int, int]]) -> dict[str, Size]:
    """Every size string the API accepts, from the studio's named sizes."""
    accepted = {f"{side}x{side}": Size("square", (side, side)) for side in OPENAI_SQUARES}
    for shape, (width, height) in shapes.items():
        accepted[f"{width}x{height}"] = Size(shape, None)
    return accepted


def parse_size(value: str, shapes: dict[str, tuple[int, int]]) -> Size:
    accepted = sizes(shapes)
    if value not in accepted:
        raise bad_field("size", f"Invalid size {value!r}; use one of: {', '.join(accepted)}.")
    return accepted[value]


def output_size(value: str | None, shapes: dict[str, tuple[int, int]]) -> tuple[int, int] | None:
    """For edits and variations: the size to scale results to (None: as made)."""
    if value is None:
        return None
    size = parse_size(value, shapes)
    return size.output or shapes[size.shape]
