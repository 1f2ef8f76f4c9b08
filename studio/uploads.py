"""Checks for images users upload: real formats, bounded bytes, pixels and shape, first frame
only, turned upright (EXIF orientation) and brought to 8 bits per channel.

Decoding is CPU work (tenths of a second for 4096²): callers run it in a thread.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from studio.errors import ImageRejected

ACCEPTED_FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP"}
MAX_ASPECT = 4.0  # longest side / shortest side: beyond it a fit to the model is a sliver
WIDE_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")  # 16-bit grey PNGs


def check_size(size: int, max_bytes: int) -> None:
    """Refuse a file by its size alone, before anything downloads or decodes it."""
    if size > max_bytes:
        raise ImageRejected(
            f"The file is {size / 2**20:.1f} MB; the limit is {max_bytes / 2**20:.0f} MB."
        )


def open_upload(data: bytes, *, max_bytes: int, max_pixels: int) -> Image.Image:
    """Decode an upload safely, or raise ImageRejected with the reason a user can act on."""
    if not data:
        raise ImageRejected("The file is empty.")
    check_size(len(data), max_bytes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise ImageRejected(
                    f"Unsupported file ({image.format}): send a PNG, JPEG or WebP image."
                )
            width, height = image.size
            if width * height > max_pixels:
                raise ImageRejected(
                    f"The image is {width}×{height}; the limit is {max_pixels:,} pixels."
                )
            if max(width, height) > MAX_ASPECT * max(1, min(width, height)):
                raise ImageRejected(
                    f"The image is {width}×{height}: its sides may differ at most "
                    f"{MAX_ASPECT:g}:1. Crop it closer to a square and send it again."
                )
            image.seek(0)  # first frame of an animation
            image.load()
            image = ImageOps.exif_transpose(image)  # phone photos: upright, not sideways
    except ImageRejected:
        raise
    except UnidentifiedImageError:
        raise ImageRejected("That file is not an image: send a PNG, JPEG or WebP.") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected("The image is too large to open safely.") from None
    except (OSError, SyntaxError, ValueError):
        raise ImageRejected("The image file is damaged or truncated.") from None
    if image.mode in WIDE_MODES:  # convert("RGB") would clip 16-bit values to white
        image = _to_8_bits(image)
    mode = "RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB"
    return image.convert(mode)


def _to_8_bits(image: Image.Image) -> Image.Image:
    """A 16-bit grey PNG (Pillow: I;16, or I in older versions) scaled to 8 bits
    (65535 → 255), not clipped."""
    return image.convert("I").point(lambda value: value * (255 / 65535)).convert("L")
