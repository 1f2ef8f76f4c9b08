"""/settings as a use-case: a member's and a server's stored defaults, and how they combine.

Resolution, most specific first: what the request says → the member's own defaults →
the server's defaults (set by its admins) → the bot's settings. Every stored value starts
unset, so nobody sees a change until someone opens /settings.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from data import preferences
from data.origins import Privacy
from data.preferences import FIELDS, Defaults
from data.store import Store
from studio import aspect
from studio.errors import (
    BadCount,
    NegativePromptUnsupported,
    UnknownChoice,
    UnknownSize,
)
from studio.recent import ChangeBell, Recent
from studio.settings import Settings
from studio.text import clean_text

if TYPE_CHECKING:
    from studio.requester import Requester


UNSET: Any = object()  # "leave this field as it is" in an update


@dataclass(frozen=True)
class Effective:
    """Every default resolved: what a request that says nothing gets."""

    shape: str
    count: int
    negative: str
    remix: bool
    privacy: str


ScreenText = Callable[[int, int | None, str], Awaitable[None]]


class Preferences:
    """Reads and changes the stored defaults; validates every value before it is stored."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Callable[[], float] = time.time,
        screen: ScreenText | None = None,
        bell: ChangeBell | None = None,
    ) -> None:
        self.settings = settings
        self.bell = bell  # None: no other process to tell
        self.store = store
        self.clock = clock
        # The content policy for a stored negative prompt (user, server, text); None: none.
        self.screen = screen
        # Every Discord request reads its defaults before it may answer (studio/recent.py)
        self._resolved: Recent[tuple[int, int | None], Effective] = Recent()

    def base(self) -> Defaults:
        """The bot's settings as the lowest level."""
        return Defaults(
            shape="square",
            count=self.settings.images_per_prompt,
            negative="",
            remix=False,
            privacy=Privacy.PUBLIC,
        )

    async def effective(self, user_id: int, guild_id: int | None) -> Effective:
        return await self._resolved.get(
            (user_id, guild_id), lambda: self._read_effective(user_id, guild_id)
        )

    def clear(self) -> None:
        """Forget every resolved default (another process changed some)."""
        self._resolved.clear()

    def forget(self, user_id: int) -> None:
        """Drop what is kept in memory for a member (/forget-me erased their rows)."""
        self._resolved.forget_where(lambda key: key[0] == user_id)

    async def _read_effective(self, user_id: int, guild_id: int | None) -> Effective:
        async with self.store.read() as db:
            mine = await preferences.member(db, user_id)
            server = await preferences.guild(db, guild_id) if guild_id is not None else Defaults()
        merged = mine.over(server.over(self.base()))
        return Effective(
            shape=merged.shape or "square",
            count=merged.count or self.settings.images_per_prompt,
            negative=merged.negative or "",
            remix=bool(merged.remix),
            privacy=merged.privacy or Privacy.PUBLIC,
        )

    async def for_user(self, user: Requester) -> Effective:
        return await self.effective(user.id, user.guild_id)

    async def member(self, user_id: int) -> Defaults:
        async with self.store.read() as db:
            return await preferences.member(db, user_id)

    async def guild(self, guild_id: int) -> Defaults:
        async with self.store.read() as db:
            return await preferences.guild(db, guild_id)

    async def update_member(self, user_id: int, **changes: Any) -> Defaults:
        """Change some of a member's defaults (None clears one: the server's applies again).
        A negative prompt passes the content policy first (the bot's terms): a blocked one
        is not stored and nothing changes."""
        await self._screen_negative(user_id, None, changes)
        async with self.store.transaction() as db:
            current = await preferences.member(db, user_id)
            updated = self._apply(current, changes)
            await preferences.put_member(db, user_id, updated, self.clock())
        await self._changed()
        return updated

    async def update_guild(self, guild_id: int, by: int, **changes: Any) -> Defaults:
        """An admin changes the server's defaults (the caller checks the permission); a
        negative prompt passes that server's content policy first."""
        await self._screen_negative(by, guild_id, changes)
        async with self.store.transaction() as db:
            current = await preferences.guild(db, guild_id)
            updated = self._apply(current, changes)
            await preferences.put_guild(db, guild_id, updated, by, self.clock())
        await self._changed()
        return updated

    async def _changed(self) -> None:
        self._resolved.clear()
        if self.bell is not None:
            await self.bell.ring()

    async def _screen_negative(
        self, user_id: int, guild_id: int | None, changes: dict[str, Any]
    ) -> None:
        value = changes.get("negative")
        if self.screen is None or value is None or value is UNSET:
            return
        if text := self.check("negative", value):
            await self.screen(user_id, guild_id, text)

    def _apply(self, current: Defaults, changes: dict[str, Any]) -> Defaults:
        unknown = set(changes) - set(FIELDS)
        if unknown:
            raise UnknownChoice("setting", sorted(unknown)[0], list(FIELDS))
        values = {
            name: self.check(name, value) for name, value in changes.items() if value is not UNSET
        }
        return replace(current, **values)

    def check(self, name: str, value: Any) -> Any:
        """The value to store for one setting, or a BadRequest (with its code) naming the fault."""
        if value is None:
            return None
        if name == "shape":
            return self.check_shape(str(value))
        if name == "count":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
                raise BadCount
            return value
        if name == "negative":
            limit = self.settings.max_prompt_length
            text = clean_text(str(value), limit, required=False, what="negative prompt")
            NegativePromptUnsupported.check(self.settings, text)  # it would do nothing
            return text or None
        if name == "remix":
            if not isinstance(value, bool):
                raise UnknownChoice("remix", value, ["on", "off"])
            return value
        if name == "privacy":
            if value not in set(Privacy):
                raise UnknownChoice("privacy", value, list(Privacy))
            return value
        raise UnknownChoice("setting", name, list(FIELDS))

    def check_shape(self, shape: str) -> str:
        """A size name (square, portrait, landscape) or a ratio W:H from 1:4 to 4:1."""
        shape = shape.strip().lower()
        if shape in self.settings.sizes:
            return shape
        if aspect.is_ratio(shape):
            width, height = aspect.parse_ratio(shape)
            return f"{width:g}:{height:g}"
        raise UnknownSize(shape, list(self.settings.sizes), what="shape")
