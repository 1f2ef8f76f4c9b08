"""A server's public collections on its gallery page: which ones, and what of each it shows.

A collection is on the page of the server where its owner last made it public
(``/collection public`` there); made private, deleted, or its owner forgotten
(/forget-me), it is gone from the next request on. Of its images the page shows what was
published there: the owner's own, and images live in that server's gallery, never one a
moderator removed from it (the rule is in :mod:`data.collections`). Read at every request,
like the shared images; a server that turned its page off shows neither.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from data import collections, images, shares
from data.collections import Listed
from data.images import ImageRecord
from data.store import Store
from studio.errors import CollectionNotFound
from studio.gallery import WEB_PAGE_SIZE, GalleryPageOff

if TYPE_CHECKING:
    from studio.studio import Studio

COLLECTIONS_PER_PAGE = 8  # collections listed per page, each with a row of thumbnails
PREVIEW_SIZE = 4  # thumbnails shown of each listed collection


@dataclass(frozen=True)
class Card:
    """A listed collection and its latest images."""

    listed: Listed
    preview: list[ImageRecord]


@dataclass(frozen=True)
class CollectionsPage:
    """One page of the server's public collections (``page`` counts from 1)."""

    cards: list[Card]
    page: int
    pages: int


@dataclass(frozen=True)
class CollectionWebPage:
    """One page of one public collection's images (``page`` counts from 1)."""

    listed: Listed
    images: list[ImageRecord]
    page: int
    pages: int


def _pages(total: int, size: int, asked: int) -> tuple[int, int]:
    """The page to show (asked, kept in range) and how many there are (at least 1)."""
    pages = max(1, math.ceil(total / size))
    return min(max(1, asked), pages), pages


class PublicCollections:
    def __init__(self, store: Store) -> None:
        self.store = store

    @classmethod
    def of(cls, studio: Studio) -> PublicCollections:
        return cls(studio.store)

    async def page(self, guild_id: int, page: int) -> CollectionsPage:
        """The server's public collections that show anything, last made public first.

        Raises:
            GalleryPageOff: the server turned its gallery page off.
        """
        async with self.store.read() as db:
            if not await shares.web_enabled(db, guild_id):
                raise GalleryPageOff()
            total = await collections.public_count_in(db, guild_id)
            page, pages = _pages(total, COLLECTIONS_PER_PAGE, page)
            offset = (page - 1) * COLLECTIONS_PER_PAGE
            cards = []
            for listed in await collections.public_in(db, guild_id, COLLECTIONS_PER_PAGE, offset):
                ids = await collections.shown_image_ids(
                    db, guild_id, listed.collection.id, PREVIEW_SIZE, 0
                )
                cards.append(Card(listed, await images.get_many(db, ids)))
        return CollectionsPage(cards, page, pages)

    async def collection(self, guild_id: int, collection_id: int, page: int) -> CollectionWebPage:
        """A page of one public collection's shown images, last added first.

        Raises:
            GalleryPageOff: the server turned its gallery page off.
            CollectionNotFound: not public on this server (private, deleted, elsewhere).
        """
        async with self.store.read() as db:
            if not await shares.web_enabled(db, guild_id):
                raise GalleryPageOff()
            listed = await collections.public_one_in(db, guild_id, collection_id)
            if listed is None:
                raise CollectionNotFound(None)
            page, pages = _pages(listed.shown, WEB_PAGE_SIZE, page)
            ids = await collections.shown_image_ids(
                db, guild_id, collection_id, WEB_PAGE_SIZE, (page - 1) * WEB_PAGE_SIZE
            )
            records = await images.get_many(db, ids)
        return CollectionWebPage(listed, records, page, pages)
