"""Canvas geometry for edits: masks from alpha, from a drawing or a named region; outpainting.

Masks follow the OpenAI images-edit convention turned into diffusers' one: white = paint
here, black = keep. Sizes stay multiples of 8, which every Stable Diffusion VAE needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageStat

from studio.errors import BadExtent, BadFrame, CanvasTooLarge, EmptyMask, UnknownChoice

ALIGN = 8

REGIONS = (
    "left",
    "right",
    "top",
    "bottom",
    "center",
    "top-left",
    "top-right",
    "bottom-left",
    "bottom-right",
)
DIRECTIONS = ("left", "right", "up", "down", "all")
ZOOMS = (1.5, 2.0)


def align(value: float) -> int:
    return max(ALIGN, round(value / ALIGN) * ALIGN)


@dataclass(frozen=True)
class Canvas:
    """An image to edit and the mask of where to paint."""

    image: Image.Image
    mask: Image.Image


def fitted_size(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """The size :func:`fit` gives an image of ``size``."""
    scale = min(1.0, longest / max(size))
    return align(size[0] * scale), align(size[1] * scale)


def fit(image: Image.Image, longest: int) -> Image.Image:
    """Scale down so the longest side is at most ``longest``; sides become multiples of 8."""
    size = fitted_size(image.size, longest)
    return image if size == image.size else image.resize(size, Image.Resampling.LANCZOS)


def mask_from_alpha(image: Image.Image) -> Image.Image | None:
    """Transparent pixels are the area to edit (OpenAI semantics); None when nothing is."""
    if "A" not in image.getbands():
        return None
    mask = image.getchannel("A").point(lambda a: 255 if a < 128 else 0)
    return mask if mask.getbbox() else None


def mask_from_drawing(mask: Image.Image, size: tuple[int, int]) -> Image.Image:
    """A separate black/white mask, scaled to the image: white (or transparent) = edit."""
    if "A" in mask.getbands() and mask.getchannel("A").getextrema()[0] < 128:
        alpha_mask = mask_from_alpha(mask)
        if alpha_mask is not None:
            return alpha_mask.resize(size, Image.Resampling.NEAREST)
    grey = mask.convert("L").resize(size, Image.Resampling.NEAREST)
    binary = grey.point(lambda v: 255 if v >= 128 else 0)
    if not binary.getbbox():
        raise EmptyMask
    return binary


def region_mask(size: tuple[int, int], region: str) -> Image.Image:
    """A mask covering a named part of the picture (halves, quarters or the centre)."""
    width, height = size
    half_w, half_h = width // 2, height // 2
    boxes = {
        "left": (0, 0, half_w, height),
        "right": (half_w, 0, width, height),
        "top": (0, 0, width, half_h),
        "bottom": (0, half_h, width, height),
        "center": (width // 4, height // 4, width - width // 4, height - height // 4),
        "top-left": (0, 0, half_w, half_h),
        "top-right": (half_w, 0, width, half_h),
        "bottom-left": (0, half_h, half_w, height),
        "bottom-right": (half_w, half_h, width, height),
    }
    if region not in boxes:
        raise UnknownChoice("region", region, list(REGIONS))
    mask = Image.new("L", size, 0)
    left, top, right, bottom = boxes[region]
    ImageDraw.Draw(mask).rectangle((left, top, right - 1, bottom - 1), fill=255)
    return mask


def extend(image: Image.Image, direction: str, pixels: int | None, max_side: int) -> Canvas:
    """Grow the canvas on one side (or all); only the new area is masked."""
    if direction not in DIRECTIONS:
        raise UnknownChoice("direction", direction, list(DIRECTIONS))
    width, height = image.size
    if pixels is not None and pixels <= 0:
        raise BadExtent
    grow_x = align(pixels if pixels is not None else width / 2)
    grow_y = align(pixels if pixels is not None else height / 2)
    left = grow_x if direction in ("left", "all") else 0
    right = grow_x if direction in ("right", "all") else 0
    top = grow_y if direction in ("up", "all") else 0
    bottom = grow_y if direction in ("down", "all") else 0
    return _pad(image, (left, top, right, bottom), max_side)


MAX_GROWTH = 1.0  # the frame may grow each side by up to the image's own width or height


def grow(image: Image.Image, frame: tuple[float, float, float, float], max_side: int) -> Canvas:
    """Outpaint a frame dragged outward: ``frame`` is how far each side (left, top, right,
    bottom) moves out, as a fraction of the image's width or height (0 to 1)."""
    if any(not 0 <= side <= MAX_GROWTH for side in frame):
        raise BadFrame("range")
    left, top, right, bottom = frame
    width, height = image.size
    borders = tuple(
        align(fraction * length) if fraction > 0 else 0
        for fraction, length in ((left, width), (top, height), (right, width), (bottom, height))
    )
    if not any(borders):
        raise BadFrame("inward")
    return _pad(image, borders, max_side)  # type: ignore[arg-type]


def zoom_out(image: Image.Image, factor: float, max_side: int) -> Canvas:
    """Shrink the picture into a canvas ``factor`` times larger, centred; paint the frame."""
    if factor not in ZOOMS:
        raise UnknownChoice("zoom", factor, [str(z) for z in ZOOMS])
    width, height = image.size
    new_w, new_h = align(width * factor), align(height * factor)
    left, top = (new_w - width) // 2, (new_h - height) // 2
    return _pad(image, (left, top, new_w - width - left, new_h - height - top), max_side)


def _pad(image: Image.Image, borders: tuple[int, int, int, int], max_side: int) -> Canvas:
    left, top, right, bottom = borders
    width, height = image.size
    size = (width + left + right, height + top + bottom)
    if max(size) > max_side:
        raise CanvasTooLarge(size[0], size[1], max_side)
    mean = tuple(int(c) for c in ImageStat.Stat(image.convert("RGB")).mean)
    canvas = Image.new("RGB", size, mean)
    canvas.paste(image.convert("RGB"), (left, top))
    mask = Image.new("L", size, 255)
    mask.paste(0, (left, top, left + width, top + height))
    return Canvas(canvas, mask)
