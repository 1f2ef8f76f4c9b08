"""What people keep: their history, their collections, their disk use, and forgetting it all.

Independent of Discord. Every read of a collection checks who is looking: a private
collection exists only for its owner (others get the same answer as for a missing one).
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from data import collections, erasure, images, job_records, shares, users
from data.collections import Collection
from data.images import DiskUse, ImageFiles, ImageRecord
from data.queue import JobQueue
from data.shares import Share, ShareStatus
from data.store import Store
from studio.errors import (
    BadName,
    BadRequest,
    CollectionExists,
    CollectionNotFound,
    ImageNotFound,
    JobsStillRunning,
    LimitReached,
    NotAddable,
    NotAnImageId,
    NotInCollection,
    NotInHistory,
)
from studio.requester import Requester
from studio.settings import Settings

if TYPE_CHECKING:
    from studio.preferences import Preferences
    from studio.studio import Studio

log = logging.getLogger(__name__)

HISTORY_PAGE = 5  # generations per /history page
COLLECTION_PAGE = 9  # thumbnails per /collection show page (3×3)
MAX_NAME = 40
MAX_COLLECTIONS = 100

_IMAGE_ID = re.compile(r"(?<![0-9a-f])[0-9a-f]{12}(?![0-9a-f])")

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int  # 0-based
    count: int  # pages in all (at least 1)


@dataclass(frozen=True)
class CollectionPage:
    collection: Collection
    page: Page[ImageRecord]


@dataclass(frozen=True)
class Forgotten:
    images: int
    files: int
    shares: list[Share]  # their gallery posts, for the caller to delete on Discord


def image_id_in(text: str) -> str:
    """An image id from what people paste: the id, a file name ``imagine-<id>.png``, a
    button's custom_id."""
    found = _IMAGE_ID.search(text.strip().lower())
    if found is None:
        raise NotAnImageId(text)
    return found.group(0)


def clean_name(name: str) -> str:
    name = " ".join("".join(ch for ch in name if unicodedata.category(ch)[0] != "C").split())
    if not name:
        raise BadName("collection")
    if len(name) > MAX_NAME:
        raise BadName("collection", MAX_NAME)
    return name


def _page(items: list[T], number: int, size: int) -> Page[T]:
    count = max(1, math.ceil(len(items) / size))
    number = min(max(number, 0), count - 1)
    return Page(items[number * size : (number + 1) * size], number, count)


class Library:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        files: ImageFiles,
        *,
        clock: Callable[[], float] = time.time,
        queue: JobQueue | None = None,
        preferences: Preferences | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.files = files
        self.clock = clock
        self.queue = queue  # /forget-me also clears what the queue keeps (Redis outlives jobs)
        self.preferences = preferences  # and the /settings it keeps in memory

    @classmethod
    def of(cls, studio: Studio) -> Library:
        """The library over the studio's store and files (cheap: make one per request)."""
        return cls(
            studio.settings,
            studio.store,
            studio.files,
            clock=studio.clock,
            queue=studio.queue,
            preferences=studio.preferences,
        )

    # -- history ---------------------------------------------------------------------------

    async def history(self, user_id: int, page: int) -> Page[list[ImageRecord]]:
        """One page of the user's latest generations (HISTORY_LIMIT in all), newest first."""
        async with self.store.read() as db:
            made = await images.generations(db, user_id, self.settings.history_limit)
        return _page(made, page, HISTORY_PAGE)

    async def reopen(self, user_id: int, image_id: str) -> list[ImageRecord]:
        """Every image of the generation ``image_id`` belongs to, for its owner only."""
        async with self.store.read() as db:
            record = await images.get(db, image_id)
            if record is None or record.owner_id != user_id:
                raise NotInHistory(image_id)
            return await images.of_job(db, record.job_id)

    # -- collections -----------------------------------------------------------------------

    async def save(
        self,
        user: Requester,
        image_ids: list[str],
        collection: str = "Saved",
        *,
        seen_in: int | None = None,
    ) -> int:
        """Add images the user may see to one of their collections (made if new); returns
        how many were new there.

        Args:
            user: who saves (made a user if new).
            image_ids: the images, in order; ones already in the collection are skipped.
            collection: the collection's name; Save buttons use **Saved**.
            seen_in: the channel of the button clicked (see :func:`visible_to`).

        Raises:
            ImageNotFound: an image the user may not see answers like a missing one.
            CollectionFull: the user's collections would pass ``COLLECTION_CAP``.
        """
        now = self.clock()
        async with self.store.transaction() as db:
            for image_id in image_ids:
                record = await images.get(db, image_id)
                if record is None or not await visible_to(db, user.id, record, seen_in):
                    raise ImageNotFound(image_id)
            await users.ensure_user(db, user.id, user.name, now)
            collection_id = await collections.ensure(db, user.id, collection, now)
            cap = self.settings.collection_cap
            added = await collections.add_within_cap(
                db, user.id, collection_id, image_ids, cap, now
            )
            if added is None:
                raise CollectionFull(cap)
            return added

    async def create(self, user_id: int, user_name: str, name: str) -> Collection:
        name = clean_name(name)
        now = self.clock()
        async with self.store.transaction() as db:
            await users.ensure_user(db, user_id, user_name, now)
            if existing := await collections.by_name(db, user_id, name):
                raise CollectionExists(existing.name)
            if len(await collections.of_owner(db, user_id)) >= MAX_COLLECTIONS:
                raise LimitReached("collections", MAX_COLLECTIONS)
            await collections.create(db, user_id, name, now)
            return await self._own(db, user_id, name)

    async def rename(self, user_id: int, name: str, new_name: str) -> Collection:
        new_name = clean_name(new_name)
        async with self.store.transaction() as db:
            collection = await self._own(db, user_id, name)
            other = await collections.by_name(db, user_id, new_name)
            if other is not None and other.id != collection.id:
                raise CollectionExists(other.name)
            await collections.rename(db, collection.id, new_name)
            return await self._own(db, user_id, new_name)

    async def delete(self, user_id: int, name: str) -> Collection:
        """Delete a collection (its images stay in your history)."""
        async with self.store.transaction() as db:
            collection = await self._own(db, user_id, name)
            await collections.delete(db, collection.id)
            return collection

    async def set_public(
        self, user_id: int, name: str, public: bool, guild_id: int | None = None
    ) -> Collection:
        """Public (anyone may ``show`` it) or private again. Made public in a server
        (``guild_id``), it is also on that server's gallery page, and only there."""
        async with self.store.transaction() as db:
            collection = await self._own(db, user_id, name)
            await collections.set_public(
                db, collection.id, public, guild_id=guild_id, now=self.clock()
            )
            return await self._own(db, user_id, name)

    async def add(self, user_id: int, name: str, image_ref: str) -> tuple[Collection, bool]:
        """Add an image you can see (yours, shared in a gallery, or in a public collection);
        returns the collection and whether the image was new there."""
        image_id = image_id_in(image_ref)
        cap = self.settings.collection_cap
        async with self.store.transaction() as db:
            collection = await self._own(db, user_id, name)
            record = await images.get(db, image_id)
            if record is None or not await self._visible(db, user_id, record):
                raise NotAddable(image_id)
            added = await collections.add_within_cap(
                db, user_id, collection.id, [image_id], cap, self.clock()
            )
            if added is None:
                raise CollectionFull(cap)
            return await self._own(db, user_id, name), added == 1

    async def remove(self, user_id: int, name: str, image_ref: str) -> Collection:
        image_id = image_id_in(image_ref)
        async with self.store.transaction() as db:
            collection = await self._own(db, user_id, name)
            if not await collections.remove(db, collection.id, image_id):
                raise NotInCollection(image_id, collection.name)
            return await self._own(db, user_id, name)

    async def list_collections(self, viewer_id: int, owner_id: int) -> list[Collection]:
        """The owner's collections that the viewer may see (all of them for the owner)."""
        async with self.store.read() as db:
            return await collections.of_owner(db, owner_id, public_only=viewer_id != owner_id)

    async def show(self, viewer_id: int, owner_id: int, name: str, page: int = 0) -> CollectionPage:
        async with self.store.read() as db:
            found = await collections.by_name(db, owner_id, clean_name(name))
        return await self._show(viewer_id, found, page, name)

    async def show_page(self, viewer_id: int, collection_id: int, page: int) -> CollectionPage:
        async with self.store.read() as db:
            found = await collections.by_id(db, collection_id)
        return await self._show(viewer_id, found, page, None)

    async def _show(
        self, viewer_id: int, found: Collection | None, page: int, asked: str | None
    ) -> CollectionPage:
        """``asked``: the name asked for (None: asked by id, from a page button)."""
        if found is None or (found.owner_id != viewer_id and not found.is_public):
            raise CollectionNotFound(asked)  # a private collection: as if it did not exist
        count = max(1, math.ceil(found.size / COLLECTION_PAGE))
        number = min(max(page, 0), count - 1)
        async with self.store.read() as db:
            ids = await collections.image_ids(
                db, found.id, COLLECTION_PAGE, number * COLLECTION_PAGE
            )
            records = await images.get_many(db, ids)
        return CollectionPage(found, Page(records, number, count))

    async def _own(self, db, user_id: int, name: str) -> Collection:
        name = clean_name(name)
        found = await collections.by_name(db, user_id, name)
        if found is None:
            raise CollectionNotFound(name, yours=True)
        return found

    @staticmethod
    async def _visible(db, viewer_id: int, record: ImageRecord) -> bool:
        return await visible_to(db, viewer_id, record)

    # -- storage ---------------------------------------------------------------------------

    async def disk_use(self, owner_id: int | None = None, limit: int = 15) -> list[DiskUse]:
        """PNG bytes per user; sizes not yet recorded are measured once and stored."""
        async with self.store.read() as db:
            pending = await images.unmeasured(db, owner_id)
        if pending:
            sizes = await asyncio.to_thread(self._measure, pending)
            async with self.store.transaction() as db:
                await images.set_bytes(db, sizes)
        async with self.store.read() as db:
            return await images.disk_use(db, owner_id, limit)

    def _measure(self, pending: list[tuple[str, str]]) -> dict[str, int]:
        return {image_id: self.files.size(path) for image_id, path in pending}

    async def forget(self, user_id: int) -> Forgotten:
        """Delete the user's images (files and rows), jobs, collections and shares."""
        async with self.store.transaction() as db:
            if await erasure.open_jobs(db, user_id):
                raise JobsStillRunning
            posted = [
                s for s in await shares.of_author(db, user_id) if s.status is ShareStatus.LIVE
            ]
            paths = await erasure.erase_user(db, user_id)
        if self.queue is not None:  # finished jobs' payloads, results and dead letters
            await self.queue.forget_user(user_id)
        if self.preferences is not None:
            self.preferences.forget(user_id)
        removed = await asyncio.to_thread(self._delete_files, paths)
        return Forgotten(len(paths), removed, posted)

    def _delete_files(self, paths: list[str]) -> int:
        """Delete the files (the rows are gone already); one that cannot be deleted now is
        logged and the others still go."""
        removed = 0
        for path in paths:
            try:
                removed += self.files.delete(path)
            except OSError:
                log.exception("could not delete %s from %s", path, self.files.where)
        return removed


async def visible_to(
    db, viewer_id: int, record: ImageRecord, channel_id: int | None = None
) -> bool:
    """May the viewer see (save, open) this image? Their own, live in a gallery, in a public
    collection, or, for a button clicked in ``channel_id``, posted in that very channel.
    Anything else (a DM result, an ephemeral one) is private: a forged custom_id must not
    reach it."""
    if record.owner_id == viewer_id:
        return True
    if await shares.is_live(db, record.id):
        return True
    if await collections.in_public_collection(db, record.id):
        return True
    if channel_id is None:
        return False
    made_by = await job_records.get(db, record.job_id)
    origin = made_by.origin if made_by is not None else None
    # an ephemeral or DM result (/settings) was shown in no channel: it stays private
    return origin is not None and origin.shown_in == channel_id


class CollectionFull(BadRequest):
    """Saving would take the user's collections past their cap."""

    code = "collection_full"
    fields = ("cap",)

    def __init__(self, cap: int) -> None:
        self.cap = cap
        super().__init__(
            f"Your collections are full: {cap:,} images is the most you can keep. "
            "Remove some first."
        )
