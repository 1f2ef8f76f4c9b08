"""Result images in the format a request asked for: PNG (lossless, the default), JPEG or
WebP at its ``output_compression`` (0–100, where 100 is the best quality, as OpenAI's)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Literal

from PIL import Image

OutputFormat = Literal["png", "jpeg", "webp"]
MEDIA_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
EXTENSIONS = {"png": "png", "jpeg": "jpeg", "jpg": "jpeg", "webp": "webp"}


@dataclass(frozen=True)
class Encoding:
    format: OutputFormat = "png"
    compression: int = 100  # JPEG/WebP quality (PNG is lossless: it has no such knob)

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]


def encode(png: bytes, encoding: Encoding, size: tuple[int, int] | None = None) -> bytes:
    """The image (a PNG, or any picture Pillow reads) at ``size`` in ``encoding``; a PNG
    that needs neither scaling nor converting comes back as it is (metadata kept)."""
    image = Image.open(io.BytesIO(png))
    if encoding.format == "png" and image.format == "PNG" and size in (None, image.size):
        return png
    if size is not None and image.size != size:
        image = image.convert("RGB").resize(size, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    if encoding.format == "png":
        image.save(buffer, format="PNG")
    elif encoding.format == "jpeg":
        image.convert("RGB").save(buffer, format="JPEG", quality=_quality(encoding))
    else:
        image.save(buffer, format="WEBP", quality=_quality(encoding))
    return buffer.getvalue()


def _quality(encoding: Encoding) -> int:
    return max(1, min(100, encoding.compression))  # Pillow's scale is 1–100 (JPEG ≤ 95 useful)
