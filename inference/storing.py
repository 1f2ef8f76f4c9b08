"""Results written straight into the bot's image storage, so the queue carries paths.

A job's four PNGs are megabytes; through the queue they cross Redis (or the SQLite queue)
and the bot's event loop, which then writes them to the storage anyway. A worker that sees
the bot's storage itself (the same bucket, the same mounted folder, or the local worker's
own ``DATA_DIR``) writes them there and sends only their paths. Whether it sees it is not
guessed from the settings: the job carries the storage's name
(:meth:`data.images.ImageFiles.identity`) and the worker writes only where it reads that
name. Anything else (another name, no storage, a write that fails) sends the bytes, as
before.

The grid (a JPEG of a quarter to one MB, ``data.grids``) always travels in the result: it
is posted once and never kept, so a file of it would be written by the worker, read and
deleted by the bot (three trips to a bucket, two thread hops in the bot's loop) to carry
what one Redis reply carries.
"""

from __future__ import annotations

import asyncio
import logging
import time

from data.images import ImageFiles, new_image_id
from data.jobs import GeneratedImage, Job, Result

log = logging.getLogger(__name__)


REREAD_SECONDS = 30.0  # how often a job naming another storage makes the worker look again


class ResultStorage:
    """The bot's storage as a worker sees it, with the name read there.

    The name is read at start and again (at most every ``REREAD_SECONDS``) when a job names
    one this worker has not read: a worker started before the bot first named its storage
    (``docker compose up`` starts them together) writes there from then on."""

    def __init__(self, files: ImageFiles) -> None:
        self.files = files
        self.name: str | None = None
        self._read_at = 0.0

    @classmethod
    async def open(cls, files: ImageFiles) -> ResultStorage:
        """The storage and its name; unnamed (no bot has used it yet) or unreadable, the
        bytes travel until a job names it and the name can be read."""
        storage = cls(files)
        await storage._read()
        return storage

    def serves(self, job: Job) -> bool:
        return self.name is not None and job.storage == self.name

    async def put(self, job: Job, result: Result) -> Result:
        """The result with its PNGs written to the storage, or as it was when the job asks
        for another storage or a write fails (the bytes then travel)."""
        if not result.images:
            return result
        if job.storage is not None and not self.serves(job):
            await self._read_again()
        if not self.serves(job):
            return result
        try:
            return await asyncio.to_thread(self._write, result)
        except Exception as error:  # a full disk, an unreachable bucket: the bytes travel
            log.warning("job %s: its images travel through the queue (%s)", job.id, error)
            return result

    async def _read_again(self) -> None:
        if time.monotonic() - self._read_at >= REREAD_SECONDS:
            await self._read()

    async def _read(self) -> None:
        self._read_at = time.monotonic()
        try:
            self.name = await asyncio.to_thread(self.files.identity)
        except OSError as error:
            log.warning("could not read the name of %s (%s)", self.files.where, error)

    async def drop(self, result: Result) -> None:
        """Delete what :meth:`put` wrote for a result the queue did not take."""
        if result.stored_paths:
            await asyncio.to_thread(self.files.remove_all, result.stored_paths)

    def _write(self, result: Result) -> Result:
        """All of a result's images, or none of them."""
        image_ids = [new_image_id() for _ in result.images]
        paths = self.files.write_all(image_ids, [image.png for image in result.images])
        images = [
            GeneratedImage(seed=image.seed, image_id=image_id, path=path)
            for image, image_id, path in zip(result.images, image_ids, paths, strict=True)
        ]
        return result.model_copy(update={"images": images})
