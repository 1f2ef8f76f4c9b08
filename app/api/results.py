"""Answering with images: wait for a request's jobs, then ``url`` links or ``b64_json``.

A ``url`` is ``/v1/results/<token>.png``: 32 random bytes, stored with the image id and an
expiry (60 minutes by default, as OpenAI's), served by the studio itself without the key
(like OpenAI's signed links). The images themselves live in the studio's history either
way: a client that disconnects before the answer loses nothing.
"""

from __future__ import annotations

import asyncio
import base64
import io
import secrets
import time
from collections.abc import Callable

from PIL import Image

from app.api.errors import NO_RETRY, ApiError, policy_violation
from app.api.schemas import ImageData
from data import api_keys, images
from data.api_keys import LinkRow
from data.images import ImageFiles, ImageRecord
from data.store import Store
from studio.watcher import WITHHELD, JobHandle, JobOutcome, JobWatcher

WITHHELD_START = WITHHELD.split("{", 1)[0]


def scaled_png(png: bytes, size: tuple[int, int] | None) -> bytes:
    """The PNG at ``size`` (Lanczos), or as it is when it already has that size."""
    if size is None:
        return png
    image = Image.open(io.BytesIO(png))
    if image.size == size:
        return png
    buffer = io.BytesIO()
    image.convert("RGB").resize(size, Image.Resampling.LANCZOS).save(buffer, format="PNG")
    return buffer.getvalue()


class Results:
    def __init__(
        self,
        store: Store,
        files: ImageFiles,
        watcher: JobWatcher,
        *,
        link_minutes: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.files = files
        self.watcher = watcher
        self.link_seconds = link_minutes * 60
        self.clock = clock

    async def collect(self, handles: list[JobHandle], n: int) -> list[ImageRecord]:
        """The first ``n`` images of the jobs, in order, once all of them are finished.

        A job that failed was refunded by the watcher; when no job produced an image the
        client gets the reason (a withheld result is a content-policy refusal).
        """
        outcomes: list[JobOutcome] = await asyncio.shield(
            asyncio.gather(*(handle.outcome() for handle in handles))
        )
        for outcome in outcomes:  # the answer goes out now, over HTTP
            await self.watcher.mark_delivered(outcome.job.id)
        produced = [record for outcome in outcomes if outcome.ok for record in outcome.images]
        if produced:
            return produced[:n]
        errors = [outcome.error or "" for outcome in outcomes]
        withheld = next((e for e in errors if e.startswith(WITHHELD_START)), None)
        if withheld:
            reason = withheld.removeprefix("the images were ")
            raise policy_violation(f"The images were {reason}; the credits were refunded.")
        raise ApiError(
            500,
            f"The generation failed ({errors[0]}); the credits were refunded.",
            type="server_error",
            code="generation_failed",
            headers=NO_RETRY,
        )

    async def render(
        self,
        records: list[ImageRecord],
        response_format: str,
        size: tuple[int, int] | None,
        base_url: str,
    ) -> list[ImageData]:
        if response_format == "b64_json":
            pngs = await asyncio.gather(
                *(asyncio.to_thread(self._png, record, size) for record in records)
            )
            return [ImageData(b64_json=base64.b64encode(png).decode()) for png in pngs]
        now = self.clock()
        links = [
            LinkRow(
                token=secrets.token_urlsafe(32),
                image_id=record.id,
                width=(size or (record.width, record.height))[0],
                height=(size or (record.width, record.height))[1],
                expires_at=now + self.link_seconds,
            )
            for record in records
        ]
        async with self.store.transaction() as db:
            await api_keys.drop_expired_links(db, now)
            for link in links:
                await api_keys.insert_link(db, link)
        return [ImageData(url=f"{base_url}/v1/results/{link.token}.png") for link in links]

    async def link_png(self, token: str) -> bytes | None:
        """The PNG behind a result link, or None once it expired (or the image was erased)."""
        async with self.store.read() as db:
            link = await api_keys.get_link(db, token, self.clock())
            record = await images.get(db, link.image_id) if link else None
        if link is None or record is None:
            return None
        return await asyncio.to_thread(self._png, record, (link.width, link.height))

    def _png(self, image: ImageRecord, size: tuple[int, int] | None) -> bytes:
        return scaled_png(self.files.read(image), size)
