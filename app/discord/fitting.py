"""Images that fit Discord's upload limit: the file as made when it fits, else a JPEG that
does.

Discord refuses a message whose file is over the interaction's ``attachment_size_limit``
(10 MiB on a server without boosts). A 2048² upscale is up to 12 MiB as a PNG: it goes as
a high-quality JPEG of the same pixels (lower quality, then fewer pixels, only as far as
needed), and the message says so. The result grid is a JPEG already (``data.grids``); it
is reduced the same way for a smaller limit.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass

from PIL import Image

from app.discord import limits

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
QUALITIES = (95, 90, 85, 80, 70)
SCALES = (0.75, 0.5, 0.35, 0.25)


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str
    reduced: bool  # a JPEG made to fit: the file as made was over the limit


def upload_limit(known: int | None) -> int:
    """The interaction's limit, or Discord's default where none is known."""
    return known if known and known > 0 else limits.UPLOAD


async def fitted(made: bytes, stem: str, limit: int) -> Upload:
    """:func:`fit` from the event loop: a file within the limit (nearly every one) is taken
    as it is, there; only one to re-encode goes to a thread (a hop costs more CPU than the
    length check it would run)."""
    if len(made) <= limit:
        return _as_made(made, stem)
    return await asyncio.to_thread(fit, made, stem, limit)


def fit(made: bytes, stem: str, limit: int) -> Upload:
    """``made`` (a PNG or a JPEG) as ``stem``.png or .jpg when it is within ``limit`` bytes,
    else ``stem``.jpg that is (CPU-bound: run it in a thread)."""
    if len(made) <= limit:
        return _as_made(made, stem)
    image = Image.open(io.BytesIO(made)).convert("RGB")
    for quality in QUALITIES:
        jpeg = _jpeg(image, quality)
        if len(jpeg) <= limit:
            return Upload(jpeg, f"{stem}.jpg", reduced=True)
    for scale in SCALES:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        jpeg = _jpeg(image.resize(size, Image.Resampling.LANCZOS), QUALITIES[-1])
        if len(jpeg) <= limit:
            return Upload(jpeg, f"{stem}.jpg", reduced=True)
    raise ValueError(f"no JPEG of this image fits in {limit} bytes")


def _as_made(made: bytes, stem: str) -> Upload:
    extension = "png" if made.startswith(PNG_SIGNATURE) else "jpg"
    return Upload(made, f"{stem}.{extension}", reduced=False)


def mebibytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=True)
    return buffer.getvalue()
