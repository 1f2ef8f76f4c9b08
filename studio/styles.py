"""Style presets as a use-case: a server's named prompt prefix/suffix and negative prompt.

Admins add and remove them (/style add|remove|list); anyone applies one with
``/imagine … style:NAME``. The preset's text goes through the same content policy as the
prompt it wraps, because the studio screens the combined prompt.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING

from data import styles
from data.store import Store
from data.styles import Style
from studio.errors import BadRequest, NegativePromptUnsupported, NotFound
from studio.settings import Settings

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
            raise BadRequest("Give the style a prefix, a suffix or a negative prompt.")
        NegativePromptUnsupported.check(self.settings, style.negative)  # it would do nothing
        async with self.store.transaction() as db:
            if await styles.count(db, guild_id) >= MAX_STYLES:
                raise BadRequest(f"This server has {MAX_STYLES} styles; remove one first.")
            if not await styles.add(db, style, by, self.clock()):
                raise BadRequest(f"A style named **{name}** exists; remove it first.")
        return style

    async def remove(self, guild_id: int | None, name: str) -> None:
        async with self.store.transaction() as db:
            if not await styles.remove(db, _server(guild_id), name.strip()):
                raise NotFound(f"This server has no style named **{name.strip()}**.")

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
            raise NotFound(f"This server has no style named **{name.strip()}**; see `/style list`.")
        return style

    async def names(self, guild_id: int | None, typed: str, limit: int = 25) -> list[str]:
        """Names for autocomplete: those starting with what was typed, then containing it."""
        typed = typed.strip().lower()
        every = [style.name for style in await self.list(guild_id)]
        first = [n for n in every if n.lower().startswith(typed)]
        rest = [n for n in every if typed in n.lower() and n not in first]
        return (first + rest)[:limit]

    def _text(self, text: str, what: str) -> str:
        text = (text or "").replace("\n", " ").replace("\t", " ")
        if any(unicodedata.category(ch) == "Cc" for ch in text):
            raise BadRequest(f"The style's {what} contains control characters; remove them.")
        text = " ".join("".join(ch for ch in text if unicodedata.category(ch) != "Cf").split())
        limit = self.settings.max_prompt_length
        if len(text) > limit:
            raise BadRequest(f"The style's {what} is {len(text)} characters; the limit is {limit}.")
        return text


def apply(style: Style, prompt: str, negative: str) -> tuple[str, str]:
    """The prompt wrapped in the preset's prefix and suffix; the negatives joined."""
    wrapped = ", ".join(part for part in (style.prefix, prompt, style.suffix) if part)
    negatives = ", ".join(part for part in (negative, style.negative) if part)
    return wrapped, negatives


def check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise BadRequest("Name the style.")
    if len(name) > MAX_NAME:
        raise BadRequest(f"A style name is at most {MAX_NAME} characters.")
    if not _NAME.match(name):
        raise BadRequest("A style name uses letters, digits, spaces, - . and ' only.")
    return name


def _server(guild_id: int | None) -> int:
    if guild_id is None:
        raise BadRequest("Style presets belong to a server; use this command in one.")
    return guild_id
