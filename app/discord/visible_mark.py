"""The visible signature: DALL·E 2's five colour squares, bottom right, on delivered copies.

Off by default; a server's admins switch it on (``/signature on``). It is drawn by the bot
on the copy it posts, never on the stored original, which edits, variations and the
Content Credentials rely on. Drawing changes pixels, so the copy cannot keep the
original's C2PA manifest (its hash would no longer match and verifiers would call it
tampered): the copy keeps the invisible watermark and the PNG text chunks, and drops
the manifest. The stored original keeps it (the CLI and the API deliver that file).
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable

from PIL import Image, ImageDraw
from PIL.PngImagePlugin import PngInfo

from data import visible_mark
from data.store import Store

# DALL·E 2's signature, left to right: yellow, cyan, green, red, blue.
COLOURS = ("#ffff66", "#42ffff", "#51da4c", "#ff6e3c", "#3c46ff")


def stamp(png: bytes) -> bytes:
    """``png`` with the colour squares in its bottom-right corner, text chunks kept."""
    image = Image.open(io.BytesIO(png))
    chunks = getattr(image, "text", {})
    text = {key: value for key, value in chunks.items() if isinstance(value, str)}
    marked = image.convert("RGB")
    side = max(3, round(min(marked.size) / 64))  # 16 px squares on a 1024² image, as DALL·E 2
    right, bottom = marked.width, marked.height
    draw = ImageDraw.Draw(marked)
    for index, colour in enumerate(COLOURS):
        left = right - (len(COLOURS) - index) * side
        draw.rectangle((left, bottom - side, left + side - 1, bottom - 1), fill=colour)
    info = PngInfo()
    for key, value in text.items():
        info.add_text(key, value)
    buffer = io.BytesIO()
    marked.save(buffer, format="PNG", pnginfo=info, compress_level=1)
    return buffer.getvalue()


class VisibleMarks:
    """Each server's switch, and the delivered copy it asks for."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    async def enabled(self, guild_id: int | None) -> bool:
        """Direct messages and the terminal have no server: never marked."""
        if guild_id is None:
            return False
        async with self.store.read() as db:
            return await visible_mark.enabled(db, guild_id)

    async def switch(self, guild_id: int, on: bool, by: int) -> bool:
        """Turn the signature on or off for a server; True when that changed something."""
        async with self.store.transaction() as db:
            return await visible_mark.set_enabled(db, guild_id, on, by, self.clock())

    async def copies(self, guild_id: int | None, pngs: list[bytes]) -> list[bytes]:
        """What to post in that server: the originals, or marked copies (off the loop)."""
        if not await self.enabled(guild_id):
            return pngs
        return await asyncio.to_thread(lambda: [stamp(png) for png in pngs])
