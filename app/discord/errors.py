"""Discord's words for the studio's coded errors: mentions, timestamps, slash commands.

The core writes plain sentences; where Discord can say more (a role mention, a live
timestamp, the command that fixes it) this table writes it from the error's typed fields.
One entry per code; an error without one reads as its plain sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from studio.errors import (
    CollectionExists,
    CollectionNotFound,
    ConflictingEditOptions,
    EveryoneRole,
    GalleryUnreachable,
    KeyNotFound,
    LimitReached,
    NoAccess,
    NotAddable,
    NotAnImageId,
    NotInCollection,
    RateLimited,
    StudioError,
    StyleExists,
    StyleNotFound,
)
from studio.gallery import NoGalleryChannel
from studio.library import CollectionFull


def _plural(count: float, word: str) -> str:
    return f"{count:g} {word}{'s' if count != 1 else ''}"


# The command that makes room, by what ran out (LimitReached.what).
_MAKE_ROOM = {
    "styles": "`/style remove`",
    "collections": "`/collection delete`",
    "keys": "`/api-key revoke`",
}


def _limit(e: LimitReached) -> str:
    command = _MAKE_ROOM.get(e.what)
    return f"{e} Use {command}." if command else str(e)


def _collection_not_found(e: CollectionNotFound) -> str:
    if e.name is None:
        return str(e)
    if e.yours:
        return f"You have no collection named **{e.name}**; see `/collection list`."
    return f"There is no collection **{e.name}**."


def _edit_options(e: ConflictingEditOptions) -> str:
    """The reply syntax (``--region``) for the options an edit reply can name."""
    plain = {"mask": "a mask", "frame": "a frame"}  # not reply options: the editor's
    named = [plain.get(o, f"--{o}") for o in e.options]
    if "mask" not in e.options:
        return str(e)
    return f"Pick one of: {', '.join(named[:-1])} or {named[-1]}."


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
    StyleExists.code: lambda e: f"A style named **{e.name}** exists; remove it first.",
    StyleNotFound.code: lambda e: (
        f"This server has no style named **{e.name}**; see `/style list`."
    ),
    CollectionExists.code: lambda e: f"You already have a collection named **{e.name}**.",
    CollectionNotFound.code: _collection_not_found,
    NotAddable.code: lambda e: f"There is no image `{e.image_id}` you can add.",
    NotInCollection.code: lambda e: f"`{e.image_id}` is not in **{e.collection}**.",
    NotAnImageId.code: lambda e: (
        "That is not an image id: use the 12-character id shown under the image "
        f"(e.g. `{e.EXAMPLE}`)."
    ),
    KeyNotFound.code: lambda e: (
        f"You have no active key `{e.key_id}`; `/api-key list` shows their ids."
    ),
    LimitReached.code: _limit,
    ConflictingEditOptions.code: _edit_options,
}


def words(error: StudioError) -> str:
    """What a Discord user reads for ``error``."""
    write = WORDS.get(error.code)
    return write(error) if write is not None else str(error)
