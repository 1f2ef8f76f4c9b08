"""The way to a full PNG that Discord cannot carry (over the upload limit where it is asked).

With the Images API on and a public URL set, the member gets an expiring link to the PNG
(the API's own ``/v1/results/<token>.png``, valid API_URL_MINUTES); otherwise the note
names the operator's command that writes it to a file.
"""

from __future__ import annotations

import secrets

from app.discord import fitting
from data import api_keys
from data.api_keys import LinkRow
from data.images import ImageRecord
from studio.studio import Studio


async def note(studio: Studio, image: ImageRecord, size: int, limit: int) -> str:
    """What the member reads under a JPEG copy of ``image`` (whose PNG is ``size`` bytes)."""
    head = (
        f"-# The full PNG is {fitting.mebibytes(size)}, over Discord's upload limit of "
        f"{fitting.mebibytes(limit)} here, so this copy is a JPEG."
    )
    link = await _link(studio, image)
    if link is not None:
        minutes = round(studio.settings.api_url_minutes)
        return f"{head}\n-# The PNG: {link} (for {minutes} minutes)."
    return f"{head}\n-# The bot's operator can save the PNG: `python -m bot export {image.id}`."


async def _link(studio: Studio, image: ImageRecord) -> str | None:
    """An expiring link to the PNG through the Images API, where it is served publicly."""
    settings = studio.settings
    if not (settings.api_enabled and settings.api_public_url):
        return None
    now = studio.clock()
    link = LinkRow(
        token=secrets.token_urlsafe(32),
        image_id=image.id,
        width=image.width,
        height=image.height,
        expires_at=now + settings.api_url_minutes * 60,
    )
    async with studio.store.transaction() as db:
        await api_keys.insert_link(db, link)
    return f"{settings.api_public_url.rstrip('/')}/v1/results/{link.token}.png"
