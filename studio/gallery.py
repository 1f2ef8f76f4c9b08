"""A server's gallery: which channel, who shared what (once), votes, top lists, take-downs.

Independent of Discord: the posting itself is in :mod:`bot.discord.gallery_posts`. An image is
shared by its author only, once per server; its post keeps its provenance (prompt, seed,
model, author). The author can unshare (and share again later); a moderator's removal
is final, and takes the image out of the gallery only, never out of its owner's history.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from data import collections, images, shares, users
from data.images import ImageRecord
from data.shares import GalleryChannel, Ranked, Share, ShareStatus, Shown
from data.store import Store
from studio.errors import (
    BadRequest,
    ImageNotFound,
    NotFound,
    NotInGallery,
    NotYours,
    RemovedFromGallery,
    ServerOnly,
    ShareInProgress,
    UnknownChoice,
)

if TYPE_CHECKING:
    from studio.studio import Studio

DAY = 24 * 60 * 60
PERIODS: dict[str, float | None] = {"week": 7 * DAY, "month": 30 * DAY, "all": None}
TOP_SIZE = 10
WEB_PAGE_SIZE = 24  # thumbnails per gallery web page (4 rows of 6, 12 rows of 2 on a phone)


def jump_url(guild_id: int, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def share_url(share: Share) -> str:
    return jump_url(share.guild_id, share.channel_id or 0, share.message_id or 0)


class NoGalleryChannel(BadRequest):
    """Nobody has chosen this server's gallery channel yet."""

    code = "no_gallery_channel"

    def __init__(self) -> None:
        super().__init__("This server has no gallery channel yet; an admin can set one.")


class AlreadyShared(BadRequest):
    """The image is live in this server's gallery already; ``share`` says where."""

    code = "already_shared"
    fields = ("share",)

    def __init__(self, share: Share) -> None:
        self.share = share
        super().__init__(f"This image is already in the gallery: {share_url(share)}")


@dataclass(frozen=True)
class Slot:
    """A reserved share: post ``image`` in ``channel``, then publish or abandon ``share``."""

    share: Share
    image: ImageRecord
    channel: GalleryChannel


class GalleryPageOff(NotFound):
    """The server turned its gallery's web page off (or never had a gallery)."""

    code = "gallery_page_off"

    def __init__(self) -> None:
        super().__init__("This server's gallery is not shown on the web.")


@dataclass(frozen=True)
class WebPage:
    """One page of a server's gallery on the web (``page`` counts from 1)."""

    items: list[Shown]
    page: int
    pages: int


@dataclass(frozen=True)
class TakeDown:
    share: Share
    by_moderator: bool


class Gallery:
    def __init__(self, store: Store, *, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    @classmethod
    def of(cls, studio: Studio) -> Gallery:
        return cls(studio.store, clock=studio.clock)

    async def set_channel(
        self, guild_id: int, channel_id: int, is_forum: bool, admin_id: int
    ) -> None:
        """Choose where this server's shared images are posted.

        Args:
            guild_id: the server.
            channel_id: a text channel, or a forum channel (one post per image).
            is_forum: whether ``channel_id`` is a forum.
            admin_id: who chose it, kept with the setting.
        """
        async with self.store.transaction() as db:
            await shares.set_channel(db, guild_id, channel_id, is_forum, admin_id, self.clock())

    async def reserve(
        self, guild_id: int | None, user_id: int, user_name: str, image_id: str
    ) -> Slot:
        """Claim the image's place in this server's gallery, or say why not.

        Args:
            guild_id: the server (None, a DM, is refused).
            user_id: who shares; only the image's author may.
            user_name: their display name (made a user if new).
            image_id: the image.

        Returns:
            The reserved slot: post it, then :meth:`publish` or :meth:`abandon` it.

        Raises:
            StudioError: ``image_not_found``, ``no_gallery_channel``, ``already_shared``
                (with the live share), ``not_yours``, ``removed_from_gallery``,
                ``share_in_progress``.
        """
        if guild_id is None:
            raise ServerOnly("sharing")
        now = self.clock()
        async with self.store.transaction() as db:
            image = await images.get(db, image_id)
            if image is None:
                raise ImageNotFound(image_id)
            if image.owner_id != user_id:
                raise NotYours("share")
            channel = await shares.channel_of(db, guild_id)
            if channel is None:
                raise NoGalleryChannel
            await users.ensure_user(db, user_id, user_name, now)
            share = await shares.reserve(db, guild_id, image_id, user_id, now)
            if share is None:
                taken = await shares.get(db, guild_id, image_id)
                assert taken is not None
                if taken.status is ShareStatus.LIVE:
                    raise AlreadyShared(taken)
                if taken.status is ShareStatus.REMOVED:
                    raise RemovedFromGallery
                raise ShareInProgress
        return Slot(share, image, channel)

    async def publish(self, slot: Slot, channel_id: int, message_id: int) -> Share:
        """The post is out: the reserved share goes live with the post's ids."""
        async with self.store.transaction() as db:
            await shares.publish(db, slot.share.id, channel_id, message_id)
            published = await shares.get(db, slot.share.guild_id, slot.image.id)
        assert published is not None
        return published

    async def abandon(self, slot: Slot) -> None:
        """The post could not be sent: free the slot so a later click can try again."""
        async with self.store.transaction() as db:
            await shares.drop(db, slot.share.id)

    async def live_share(self, guild_id: int | None, image_id: str) -> Share | None:
        """The image's live post in this server's gallery (where to check moderation)."""
        async with self.store.read() as db:
            share = await shares.get(db, guild_id or 0, image_id)
        return share if share is not None and share.status is ShareStatus.LIVE else None

    async def take_down(
        self, guild_id: int | None, image_id: str, actor_id: int, is_moderator: bool
    ) -> TakeDown:
        """The author unshares (may share again); a moderator removes (for good).

        Args:
            guild_id: the server whose gallery.
            image_id: the shared image.
            actor_id: who asks; the author may always unshare.
            is_moderator: whether the adapter found the actor may moderate the post.

        Raises:
            StudioError: ``not_in_gallery`` when not live here; ``not_yours`` for others.
        """
        async with self.store.transaction() as db:
            share = _may_take_down(
                await shares.get(db, guild_id or 0, image_id), image_id, actor_id, is_moderator
            )
            if share.author_id == actor_id:
                await shares.drop(db, share.id)
                return TakeDown(share, by_moderator=False)
            await shares.mark_removed(db, share.id, actor_id, self.clock())
            return TakeDown(share, by_moderator=True)

    async def check_take_down(
        self, guild_id: int | None, image_id: str, actor_id: int, is_moderator: bool
    ) -> Share:
        """What ``take_down`` would take down, changing nothing: an adapter deletes the
        post first, and a post it could not delete stays listed as up."""
        async with self.store.read() as db:
            share = await shares.get(db, guild_id or 0, image_id)
        return _may_take_down(share, image_id, actor_id, is_moderator)

    async def post_deleted(self, message_id: int) -> bool:
        """Someone deleted a live gallery post on Discord (not through us): treat it as a
        moderator's removal. True if it was a gallery post.

        Every message deleted on the server comes here: a read answers the many that are
        no gallery post without taking the store's write lock."""
        async with self.store.read() as db:
            if await shares.live_by_message(db, message_id) is None:
                return False
        async with self.store.transaction() as db:
            share = await shares.live_by_message(db, message_id)
            if share is None:
                return False
            await shares.mark_removed(db, share.id, None, self.clock())
            return True

    async def reacted(self, message_id: int, user_id: int, emoji: str) -> bool:
        """Count a reaction on a gallery post (not the author's own); True if counted."""
        async with self.store.transaction() as db:
            share = await shares.live_by_message(db, message_id)
            if share is None or share.author_id == user_id:
                return False
            await shares.vote(db, message_id, user_id, emoji, self.clock())
            return True

    async def unreacted(self, message_id: int, user_id: int | None, emoji: str | None) -> None:
        async with self.store.transaction() as db:
            await shares.unvote(db, message_id, user_id, emoji)

    # -- the gallery's web page: exactly what the channel shows, read at every request ----

    async def web_page(self, guild_id: int, page: int) -> WebPage:
        """A page of the server's live shares, newest first; an unshared or removed image
        is gone from the next request on.

        Raises:
            GalleryPageOff: the server turned its gallery page off.
        """
        async with self.store.read() as db:
            if not await shares.web_enabled(db, guild_id):
                raise GalleryPageOff()
            total = await shares.live_count(db, guild_id)
            pages = max(1, -(-total // WEB_PAGE_SIZE))
            page = min(max(1, page), pages)
            items = await shares.live_page(db, guild_id, WEB_PAGE_SIZE, (page - 1) * WEB_PAGE_SIZE)
        return WebPage(items, page, pages)

    async def web_image(self, guild_id: int, image_id: str) -> ImageRecord:
        """An image the server's gallery page may show: live there, or shown in one of its
        public collections (:mod:`studio.public_collections`), now, page on.

        Raises:
            NotInGallery: not (or no longer) on that page; GalleryPageOff: the page is off.
        """
        async with self.store.read() as db:
            if not await shares.web_enabled(db, guild_id):
                raise GalleryPageOff()
            share = await shares.get(db, guild_id, image_id)
            live = share is not None and share.status is ShareStatus.LIVE
            shown = live or await collections.shown_in(db, guild_id, image_id)
            record = await images.get(db, image_id)
        if not shown or record is None:
            raise NotInGallery(image_id)
        return record

    async def web_shown(self, guild_id: int) -> bool:
        async with self.store.read() as db:
            return await shares.web_enabled(db, guild_id)

    async def show_on_web(self, guild_id: int, on: bool, by: int) -> bool:
        """Turn the server's gallery page on or off; True when that changed something."""
        async with self.store.transaction() as db:
            return await shares.set_web_enabled(db, guild_id, on, by, self.clock())

    async def top(self, guild_id: int | None, period: str) -> list[Ranked]:
        """The most liked images shared in the last week, month, or ever."""
        if guild_id is None:
            raise ServerOnly("gallery")
        if period not in PERIODS:
            raise UnknownChoice("period", period, list(PERIODS))
        span = PERIODS[period]
        since = 0.0 if span is None else self.clock() - span
        async with self.store.read() as db:
            return await shares.top(db, guild_id, since, TOP_SIZE)


def _may_take_down(share: Share | None, image_id: str, actor_id: int, is_moderator: bool) -> Share:
    """The live share, when ``actor_id`` may take it down; else a refusal."""
    if share is None or share.status is not ShareStatus.LIVE:
        raise NotInGallery(image_id)
    if share.author_id != actor_id and not is_moderator:
        raise NotYours("unshare")
    return share
