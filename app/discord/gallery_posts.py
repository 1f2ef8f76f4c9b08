"""Posting shared images to the gallery channel and taking posts down again, on Discord.

A text channel gets a message; a forum channel gets a post (a thread) per image, named
after its prompt. The share is reserved before posting and published with the post's
ids after, so a double click never posts twice and a failed post can be retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections.abc import Callable, Iterator

import discord

from app.discord import fitting, pages, render
from app.discord.visible_mark import VisibleMarks
from data.images import ImageFiles, ImageRecord
from data.shares import Share
from studio.errors import BadRequest
from studio.gallery import Gallery, Slot

log = logging.getLogger(__name__)

VOTE_EMOJI = "❤️"
THREAD_NAME_LIMIT = 100


class NoGalleryAccess(Exception):
    """The gallery channel is gone or the bot may not post there."""


async def share(
    client: discord.Client,
    gallery: Gallery,
    files: ImageFiles,
    guild_id: int | None,
    user: discord.abc.User,
    image_id: str,
    view: Callable[[ImageRecord], discord.ui.View],
    tag_name: str | None = None,
) -> Share:
    """Post the image once in this server's gallery; returns the live share.

    ``view`` makes the buttons under the post (:func:`bot.discord.buttons.gallery_view`);
    ``tag_name``: the forum tag to apply where the forum has it (GALLERY_FORUM_TAG).
    """
    slot = await gallery.reserve(guild_id, user.id, user.display_name, image_id)
    try:
        marks = VisibleMarks(gallery.store)
        channel_id, message = await _post(client, files, slot, view(slot.image), marks, tag_name)
    except BaseException:
        await asyncio.shield(gallery.abandon(slot))
        raise
    published = await gallery.publish(slot, channel_id, message.id)
    with contextlib.suppress(discord.HTTPException):
        await message.add_reaction(VOTE_EMOJI)  # shows people how to vote
    return published


async def _post(
    client: discord.Client,
    files: ImageFiles,
    slot: Slot,
    view: discord.ui.View,
    marks: VisibleMarks,
    tag_name: str | None,
) -> tuple[int, discord.Message]:
    image = slot.image
    stored = await asyncio.to_thread(files.read, image)
    (png,) = await marks.copies(slot.channel.guild_id, [stored])  # the server's signature
    guild = client.get_guild(slot.channel.guild_id)
    limit = fitting.upload_limit(guild.filesize_limit if guild else None)
    stem = pages.gallery_filename(image).removesuffix(".png")
    upload = await fitting.fitted(png, stem, limit)  # a 2048² PNG may not fit
    kwargs = {
        "embed": pages.gallery_embed(image, upload.filename),
        "file": discord.File(io.BytesIO(upload.data), filename=upload.filename),
        "view": view,
        "allowed_mentions": discord.AllowedMentions.none(),
    }
    try:
        channel = client.get_channel(slot.channel.channel_id) or await client.fetch_channel(
            slot.channel.channel_id
        )
        if isinstance(channel, discord.ForumChannel):
            name = render.short(image.prompt or "Variation", THREAD_NAME_LIMIT)
            tags = forum_tags(channel, tag_name)
            created = await channel.create_thread(name=name, applied_tags=tags, **kwargs)
            return created.thread.id, created.message
        if not isinstance(channel, discord.abc.Messageable):
            raise NoGalleryAccess
        message = await channel.send(**kwargs)
        return channel.id, message
    except (discord.NotFound, discord.Forbidden) as error:
        log.warning("cannot post to gallery channel %s: %s", slot.channel.channel_id, error)
        raise NoGalleryAccess from error


_taking_down: set[int] = set()  # posts we are deleting ourselves: not someone else's removal


@contextlib.contextmanager
def taking_down(share: Share) -> Iterator[None]:
    """While we delete a post and record it, its delete event is ours, not a moderator's
    removal through Discord (which would remove the image for good)."""
    post = share.message_id
    if post is not None:
        _taking_down.add(post)
    try:
        yield
    finally:
        _taking_down.discard(post or 0)


def ours(post_id: int) -> bool:
    """Whether a deleted message or thread is a post we are taking down right now."""
    return post_id in _taking_down


class PostNotRemoved(BadRequest):
    """Discord refused to delete a gallery post: it stays up, and listed as up."""

    code = "gallery_post_not_removed"


def forum_tags(forum: discord.ForumChannel, configured: str | None) -> list[discord.ForumTag]:
    """The tag a gallery post gets: the configured one (GALLERY_FORUM_TAG) where the forum
    has it, else, for a forum that requires a tag, the first the bot may apply (a
    moderated tag needs Manage Threads); none otherwise."""
    if configured:
        wanted = configured.strip().casefold()
        named = [tag for tag in forum.available_tags if tag.name.casefold() == wanted]
        if named:
            return named[:1]
    if not forum.flags.require_tag:
        return []
    manages = forum.permissions_for(forum.guild.me).manage_threads
    usable = [tag for tag in forum.available_tags if manages or not tag.moderated]
    return usable[:1]


async def take_down(client: discord.Client, share: Share) -> None:
    """Delete a gallery post; gone already is fine. A refusal (a missing permission)
    raises PostNotRemoved with the reason, so the studio keeps the share live.

    A forum post's starter message has its thread's id: then the whole thread goes.
    """
    if share.channel_id is None or share.message_id is None:
        return
    forum_post = share.message_id == share.channel_id
    try:
        if forum_post:
            thread = client.get_channel(share.channel_id) or await client.fetch_channel(
                share.channel_id
            )
            await thread.delete(reason="removed from the gallery")
        else:
            partial = client.get_partial_messageable(share.channel_id, guild_id=share.guild_id)
            await partial.get_partial_message(share.message_id).delete()
    except discord.NotFound:
        pass
    except discord.HTTPException as error:
        log.warning("could not delete gallery post %s: %s", share.message_id, error)
        raise PostNotRemoved(_why_not_removed(error, forum_post, share.channel_id)) from error


def _why_not_removed(error: discord.HTTPException, forum_post: bool, channel_id: int) -> str:
    where = f"<#{channel_id}>"
    if isinstance(error, discord.Forbidden):
        needed = "Manage Threads in the gallery forum" if forum_post else "access to it"
        reason = f"I lack a permission there (I need {needed})"
    else:
        reason = f"Discord answered {error.status} ({error.text or 'no reason given'})"
    return (
        f"I could not delete the gallery post {where}: {reason}. It stays in the gallery "
        "and still counts as shared; fix that and try again."
    )
