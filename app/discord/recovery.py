"""After a crash: was this result already posted? Discord's channel history knows.

The bot marks a job delivered right after Discord accepted its message. A crash between
the two leaves a job that looks undelivered although its message is in the channel; posting
it again at the restart would show the user the same result twice. Our result messages
carry the job's image ids in their buttons (and failure notices have a fixed text), so the
recent history of the origin channel tells the two cases apart.
"""

from __future__ import annotations

import logging

import discord

log = logging.getLogger(__name__)

HISTORY_LIMIT = 100  # messages looked at per job; only jobs unmarked at a restart are checked


def image_ids_of(message: discord.Message) -> set[str]:
    """The image ids in a message's button custom_ids (``imagine:<action>:<image id>``)."""
    found = set()
    for row in message.components:
        for item in getattr(row, "children", []):
            custom_id = getattr(item, "custom_id", None) or ""
            if custom_id.startswith("imagine:"):
                found.add(custom_id.rsplit(":", 1)[-1])
    return found


async def find_posted(
    channel: discord.abc.Messageable,
    author_id: int,
    since: float,
    image_ids: set[str],
    content: str,
) -> discord.Message | None:
    """Our message posted after ``since`` (a timestamp) that shows these images, or for a
    result without images, has exactly this content; None when there is none."""
    try:
        async for message in channel.history(limit=HISTORY_LIMIT):
            if message.created_at.timestamp() < since - 1:
                break
            if message.author.id != author_id:
                continue
            if image_ids and image_ids & image_ids_of(message):
                return message
            if not image_ids and message.content == content:
                return message
    except discord.HTTPException as error:
        log.warning("could not read the channel history to check a delivery (%s)", error)
    return None
