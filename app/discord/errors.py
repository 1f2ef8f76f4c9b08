"""Discord's words for the studio's coded errors: mentions, timestamps, slash commands.

The core writes plain sentences; where Discord can say more (a role mention, a live
timestamp, the command that fixes it) this table writes it from the error's typed fields.
One entry per code; an error without one reads as its plain sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from studio.errors import (
    EveryoneRole,
    GalleryUnreachable,
    NoAccess,
    RateLimited,
    StudioError,
)
from studio.gallery import NoGalleryChannel
from studio.library import CollectionFull


def _plural(count: float, word: str) -> str:
    return f"{count:g} {word}{'s' if count != 1 else ''}"


WORDS: dict[str, Callable[[Any], str]] = {
    NoAccess.code: lambda e: (
        "On this server Imagine is open to members with these roles: "
        f"{', '.join(f'<@&{role}>' for role in e.role_ids)}. Ask a moderator for access."
    ),
    RateLimited.code: lambda e: (
        f"Slow down: you can start {e.jobs} request{'s' if e.jobs != 1 else ''} every "
        f"{e.seconds:g} seconds. Try again in {_plural(e.wait, 'second')} "
        f"(<t:{e.retry_at}:T>). Nothing was charged."
    ),
    GalleryUnreachable.code: lambda e: (
        "I cannot post in this server's gallery channel (deleted, or I lack "
        "permissions there); ask an admin to set it again with `/gallery channel`."
    ),
    NoGalleryChannel.code: lambda e: (
        "This server has no gallery channel yet; an admin can set one with `/gallery channel`."
    ),
    CollectionFull.code: lambda e: (
        f"Your collections are full: {e.cap:,} images is the most you can keep. "
        "Remove some with `/collection remove` first."
    ),
    EveryoneRole.code: lambda e: "@everyone already means everyone; use /access open instead.",
}


def words(error: StudioError) -> str:
    """What a Discord user reads for ``error``."""
    write = WORDS.get(error.code)
    return write(error) if write is not None else str(error)
