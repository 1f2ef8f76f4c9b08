"""Style presets as a use-case: a server's named prompt prefix/suffix and negative prompt.

Admins add and remove them (/style add|remove|list); anyone applies one with
``/imagine … style:NAME``. The preset's text goes through the same content policy as the
prompt it wraps, because the studio screens the combined prompt.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from data import styles
from data.store import Store
from data.styles import Style
from studio.errors import (
    BadName,
    EmptyStyle,
    LimitReached,
    NegativePromptUnsupported,
    ServerOnly,
    StyleExists,
    StyleNotFound,
)
from studio.settings import Settings
from studio.text import clean_text

if TYPE_CHECKING:
    from studio.studio import Studio

MAX_NAME = 32
MAX_STYLES = 100  # per server (Discord's autocomplete shows 25 at a time)
_NAME = re.compile(r"^[\w][\w \-.']*$")


class Styles:
    def __init__(
        self, settings: Settings, store: Store, clock: Callable[[], float] = time.time
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock

    @classmethod
    def of(cls, studio: Studio) -> Styles:
        return cls(studio.settings, studio.store, studio.clock)

    async def add(
        self,
        guild_id: int | None,
        name: str,
        *,
        prefix: str = "",
        suffix: str = "",
        negative: str = "",
        by: int,
    ) -> Style:
        """A new preset; refuses a taken name, an empty preset and overlong text."""
        guild_id = _server(guild_id)
        name = check_name(name)
        style = Style(
            guild_id,
            name,
            self._text(prefix, "prefix"),
            self._text(suffix, "suffix"),
            self._text(negative, "negative prompt"),
        )
        if not (style.prefix or style.suffix or style.negative):
            raise EmptyStyle
        NegativePromptUnsupported.check(self.settings, style.negative)  # it would do nothing
        async with self.store.transaction() as db:
            if await styles.count(db, guild_id) >= MAX_STYLES:
                raise LimitReached("styles", MAX_STYLES, server=True)
            if not await styles.add(db, style, by, self.clock()):
                raise StyleExists(name)
        return style

    async def remove(self, guild_id: int | None, name: str) -> None:
        async with self.store.transaction() as db:
            if not await styles.remove(db, _server(guild_id), name.strip()):
                raise StyleNotFound(name.strip())

    async def list(self, guild_id: int | None) -> list[Style]:
        if guild_id is None:
            return []
        async with self.store.read() as db:
            return await styles.of_guild(db, guild_id)

    async def get(self, guild_id: int | None, name: str) -> Style:
        guild_id = _server(guild_id)
        async with self.store.read() as db:
            style = await styles.get(db, guild_id, name.strip())
        if style is None:
            raise StyleNotFound(name.strip())
        return style

    async def names(self, guild_id: int | None, typed: str, limit: int = 25) -> list[str]:
        """Names for autocomplete: those starting with what was typed, then containing it."""
        typed = typed.strip().lower()
        every = [style.name for style in await self.list(guild_id)]
        first = [n for n in every if n.lower().startswith(typed)]
        rest = [n for n in every if typed in n.lower() and n not in first]
        return (first + rest)[:limit]

    def _text(self, text: str, what: str) -> str:
        limit = self.settings.max_prompt_length
        return clean_text(text, limit, required=False, what=f"style's {what}")


def apply(style: Style, prompt: str, negative: str) -> tuple[str, str]:
    """The prompt wrapped in the preset's prefix and suffix; the negatives joined."""
    wrapped = ", ".join(part for part in (style.prefix, prompt, style.suffix) if part)
    negatives = ", ".join(part for part in (negative, style.negative) if part)
    return wrapped, negatives


def check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise BadName("style")
    if len(name) > MAX_NAME:
        raise BadName("style", MAX_NAME)
    if not _NAME.match(name):
        raise BadName("style", allowed="letters, digits, spaces, - . and '")
    return name


def _server(guild_id: int | None) -> int:
    if guild_id is None:
        raise ServerOnly("styles")
    return guild_id
