"""Checks for images users upload: real formats, bounded bytes and pixels, first frame only."""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError

from bot.errors import ImageRejected

ACCEPTED_FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP"}


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
            image.seek(0)  # first frame of an animation
            image.load()
    except ImageRejected:
        raise
    except UnidentifiedImageError:
        raise ImageRejected("That file is not an image: send a PNG, JPEG or WebP.") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected("The image is too large to open safely.") from None
    except (OSError, SyntaxError, ValueError):
        raise ImageRejected("The image file is damaged or truncated.") from None
    mode = "RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB"
    return image.convert(mode)
