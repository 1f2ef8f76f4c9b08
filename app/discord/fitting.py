"""Images that fit Discord's upload limit: the PNG when it fits, else a JPEG that does.

Discord refuses a message whose file is over the interaction's ``attachment_size_limit``
(10 MiB on a server without boosts). A 2×2 grid of four 1024² images is 6–12 MiB as a
PNG, a 2048² upscale up to 12 MiB: those go as a high-quality JPEG of the same pixels
(lower quality, then fewer pixels, only as far as needed), and the message says so.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from app.discord import limits

QUALITIES = (95, 90, 85, 80, 70)
SCALES = (0.75, 0.5, 0.35, 0.25)


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str
    lossy: bool  # a JPEG copy: the PNG was over the limit


def upload_limit(known: int | None) -> int:
    """The interaction's limit, or Discord's default where none is known."""
    return known if known and known > 0 else limits.UPLOAD


def fit(png: bytes, stem: str, limit: int) -> Upload:
    """``stem``.png when it is within ``limit`` bytes, else ``stem``.jpg that is (CPU-bound:
    run it in a thread)."""
    if len(png) <= limit:
        return Upload(png, f"{stem}.png", lossy=False)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    for quality in QUALITIES:
        jpeg = _jpeg(image, quality)
        if len(jpeg) <= limit:
            return Upload(jpeg, f"{stem}.jpg", lossy=True)
    for scale in SCALES:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        jpeg = _jpeg(image.resize(size, Image.Resampling.LANCZOS), QUALITIES[-1])
        if len(jpeg) <= limit:
            return Upload(jpeg, f"{stem}.jpg", lossy=True)
    raise ValueError(f"no JPEG of this image fits in {limit} bytes")


def mebibytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=True)
    return buffer.getvalue()
