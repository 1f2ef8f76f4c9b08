"""Answering with images: wait for a request's jobs, then ``url`` links or ``b64_json``.

A ``url`` is ``/v1/results/<token>.<png|jpeg|webp>``: 32 random bytes, stored with the
image id and an expiry (60 minutes by default, as OpenAI's), served by the studio itself
without the key (like OpenAI's signed links), in the format the request asked for. The
images themselves live in the studio's history either way: a client that disconnects
before the answer loses nothing.
With images in a bucket and ``STORAGE_SIGNED_LINKS``, a PNG ``url`` the API need not scale
is the bucket's own presigned link with the same lifetime instead.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import time
from collections.abc import Callable
from urllib.parse import urlencode

from app.api.errors import NO_RETRY, ApiError, policy_violation
from app.api.formats import EXTENSIONS, Encoding, encode
from app.api.schemas import ImageData
from data import api_keys, images
from data.api_keys import LinkRow
from data.images import ImageFiles, ImageRecord
from data.store import Store
from studio.watcher import JobHandle, JobOutcome, JobWatcher

PNG = Encoding()


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
        withheld = next((outcome.withheld for outcome in outcomes if outcome.withheld), None)
        if withheld:
            raise policy_violation(
                f"The images were withheld by the content filter ({withheld}); "
                "the credits were refunded."
            )
        errors = [outcome.error or "" for outcome in outcomes]
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
        encoding: Encoding = PNG,
    ) -> list[ImageData]:
        if response_format == "b64_json":
            images = await asyncio.gather(
                *(asyncio.to_thread(self.encoded, record, size, encoding) for record in records)
            )
            return [ImageData(b64_json=base64.b64encode(image).decode()) for image in images]
        now = self.clock()
        signed = await asyncio.gather(
            *(asyncio.to_thread(self._signed, record, size, encoding) for record in records)
        )
        if all(signed):  # the bucket serves them itself: no token, no bytes through here
            return [ImageData(url=url) for url in signed]
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
        query = (
            f"?{urlencode({'quality': encoding.compression})}" if encoding.compression < 100 else ""
        )
        return [
            ImageData(url=f"{base_url}/v1/results/{link.token}.{encoding.format}{query}")
            for link in links
        ]

    async def link_image(self, file: str, quality: int = 100) -> tuple[bytes, Encoding] | None:
        """The image behind a result link (``<token>.<format>``), or None once it expired
        (or the image was erased, or the name is not one we make)."""
        token, _, extension = file.rpartition(".")
        if extension not in EXTENSIONS or not token:
            return None
        encoding = Encoding(EXTENSIONS[extension], quality)  # type: ignore[arg-type]
        async with self.store.read() as db:
            link = await api_keys.get_link(db, token, self.clock())
            record = await images.get(db, link.image_id) if link else None
        if link is None or record is None:
            return None
        image = await asyncio.to_thread(self.encoded, record, (link.width, link.height), encoding)
        return image, encoding

    def _signed(
        self, image: ImageRecord, size: tuple[int, int] | None, encoding: Encoding
    ) -> str | None:
        """A URL signed by the image store (STORAGE_SIGNED_LINKS) when the stored PNG is
        the answer as it is; None when the API must serve (scale, convert) it."""
        if encoding.format != "png" or size not in (None, (image.width, image.height)):
            return None
        return self.files.signed_url(image.path, self.link_seconds)

    def encoded(
        self, image: ImageRecord, size: tuple[int, int] | None, encoding: Encoding
    ) -> bytes:
        return encode(self.files.read(image), encoding, size)
