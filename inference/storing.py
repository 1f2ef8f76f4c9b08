"""Results written straight into the bot's image storage, so the queue carries paths.

A job's four PNGs and its grid are megabytes; through the queue they cross Redis (or the
SQLite queue) and the bot's event loop, which then writes them to the storage anyway. A
worker that sees the bot's storage itself (the same bucket, the same mounted folder, or the
local worker's own ``DATA_DIR``) writes them there and sends only their paths. Whether it
sees it is not guessed from the settings: the job carries the storage's name
(:meth:`data.images.ImageFiles.identity`) and the worker writes only where it reads that
name. Anything else (another name, no storage, a write that fails) sends the bytes, as
before.
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

    def __init__(self, files: ImageFiles, name: str | None) -> None:
        self.files = files
        self.name = name
        self._read_at = time.monotonic()

    @classmethod
    async def open(cls, files: ImageFiles) -> ResultStorage:
        """The storage and its name; unnamed (no bot has used it yet) or unreadable, the
        worker sends bytes until it is started again."""
        try:
            name = await asyncio.to_thread(files.identity)
        except OSError as error:
            log.warning("results travel in the queue: %s is unreadable (%s)", files.where, error)
            name = None
        return cls(files, name)

    def serves(self, job: Job) -> bool:
        return self.name is not None and job.storage == self.name

    async def put(self, job: Job, result: Result) -> Result:
        """The result with its PNGs and grid written to the storage, or as it was when the
        job asks for another storage or a write fails (the bytes then travel)."""
        if not result.images:
            return result
        if job.storage is not None and not self.serves(job):
            await self._read_again()
        if not self.serves(job):
            return result
        try:
            return await asyncio.to_thread(self._write, job, result)
        except Exception as error:  # a full disk, an unreachable bucket: the bytes travel
            log.warning("job %s: its images travel through the queue (%s)", job.id, error)
            return result

    async def _read_again(self) -> None:
        if time.monotonic() - self._read_at < REREAD_SECONDS:
            return
        self._read_at = time.monotonic()
        try:
            self.name = await asyncio.to_thread(self.files.identity)
        except OSError as error:
            log.warning("could not read the name of %s (%s)", self.files.where, error)

    async def drop(self, result: Result) -> None:
        """Delete what :meth:`put` wrote for a result the queue did not take."""
        if result.stored_paths:
            await asyncio.to_thread(self._remove, result.stored_paths)

    def _write(self, job: Job, result: Result) -> Result:
        written: list[str] = []
        try:
            images = []
            for image in result.images:
                image_id = new_image_id()
                written.append(self.files.write(image_id, image.png))
                images.append(GeneratedImage(seed=image.seed, image_id=image_id, path=written[-1]))
            grid_path = None
            if result.grid is not None:
                grid_path = self.files.grid_path(job.id)
                self.files.write_path(grid_path, result.grid)
                written.append(grid_path)
        except OSError:
            self._remove(written)  # all of a result's files, or none of them
            raise
        return result.model_copy(update={"images": images, "grid": None, "grid_path": grid_path})

    def _remove(self, paths: list[str]) -> None:
        for path in paths:
            try:
                self.files.remove(path)
            except OSError:
                log.warning("could not delete %s from %s", path, self.files.where)
