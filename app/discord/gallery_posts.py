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
from collections.abc import Callable

import discord

from app.discord import pages, render
from app.discord.visible_mark import VisibleMarks
from data.images import ImageFiles, ImageRecord
from data.shares import Share
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
) -> Share:
    """Post the image once in this server's gallery; returns the live share.

    ``view`` makes the buttons under the post (:func:`bot.discord.buttons.gallery_view`).
    """
    slot = await gallery.reserve(guild_id, user.id, user.display_name, image_id)
    try:
        marks = VisibleMarks(gallery.store)
        channel_id, message = await _post(client, files, slot, view(slot.image), marks)
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
) -> tuple[int, discord.Message]:
    image = slot.image
    stored = await asyncio.to_thread(files.read, image)
    (png,) = await marks.copies(slot.channel.guild_id, [stored])  # the server's signature
    kwargs = {
        "embed": pages.gallery_embed(image),
        "file": discord.File(io.BytesIO(png), filename=pages.gallery_filename(image)),
        "view": view,
        "allowed_mentions": discord.AllowedMentions.none(),
    }
    try:
        channel = client.get_channel(slot.channel.channel_id) or await client.fetch_channel(
            slot.channel.channel_id
        )
        if isinstance(channel, discord.ForumChannel):
            name = render.short(image.prompt or "Variation", THREAD_NAME_LIMIT)
            created = await channel.create_thread(name=name, **kwargs)
            return created.thread.id, created.message
        if not isinstance(channel, discord.abc.Messageable):
            raise NoGalleryAccess
        message = await channel.send(**kwargs)
        return channel.id, message
    except (discord.NotFound, discord.Forbidden) as error:
        log.warning("cannot post to gallery channel %s: %s", slot.channel.channel_id, error)
        raise NoGalleryAccess from error


async def take_down(client: discord.Client, share: Share) -> None:
    """Delete a gallery post; gone already is fine.

    A forum post's starter message has its thread's id: then the whole thread goes.
    """
    if share.channel_id is None or share.message_id is None:
        return
    try:
        if share.message_id == share.channel_id:
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
