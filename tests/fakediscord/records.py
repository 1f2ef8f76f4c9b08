"""What the fake remembers: REST calls, injected faults, interactions, and a way to wait."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

if TYPE_CHECKING:
    from .server import FakeDiscord

T = TypeVar("T")

RETRYABLE = frozenset({429, 500, 502, 503, 504, 524})


class UploadedFile(NamedTuple):
    """One ``files[n]`` part of a multipart request."""

    filename: str
    data: bytes
    content_type: str


@dataclass
class RestCall:
    """One HTTP request as the fake saw it, with the answer it gave."""

    index: int
    method: str
    path: str  # without /api/v10, e.g. "/channels/3000/messages"
    query: dict[str, str]
    json: Any  # the JSON body, or the parsed payload_json part of a multipart body
    files: list[UploadedFile]
    headers: dict[str, str]
    time: float  # time.monotonic() when the request arrived
    status: int = 0
    response: Any = None  # the JSON answered, None for empty answers
    fault: bool = False  # answered by fail_next() rather than the route

    @property
    def type(self) -> int | None:
        """The interaction callback type (``{"type": 5}``), for callback calls."""
        return self.json.get("type") if isinstance(self.json, dict) else None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def matches(self, method: str | None, path_regex: str) -> bool:
        same_method = method in (None, "*") or self.method == method.upper()
        return same_method and re.search(path_regex, self.path) is not None

    def __repr__(self) -> str:
        names = [upload.filename for upload in self.files]
        return f"<RestCall #{self.index} {self.method} {self.path} -> {self.status} files={names}>"


@dataclass
class Fault:
    """An answer that fail_next() forces onto the next matching call(s)."""

    method: str | None
    path_regex: str
    status: int
    body: Any
    headers: dict[str, str]
    times: int


class Notifier:
    """Lets tests wait for a condition over state that route handlers change."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(
        self, check: Callable[[], T | None], timeout: float, what: str | Callable[[], str]
    ) -> T:
        """Return check()'s first non-None result; TimeoutError names what was awaited."""
        deadline = time.monotonic() + timeout
        while True:
            result = check()
            if result is not None:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                described = what() if callable(what) else what
                raise TimeoutError(f"timed out after {timeout}s waiting for {described}")
            event = self._event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)


@dataclass(eq=False)
class FakeInteraction:
    """An interaction the fake dispatched, with what the bot answered to it."""

    fake: FakeDiscord = field(repr=False)
    id: int
    token: str
    type: int  # 2 command, 3 component, 4 autocomplete, 5 modal submit
    payload: dict = field(repr=False)
    channel_id: int
    user_id: int
    dispatched_at: float  # time.monotonic() just before the dispatch frame went out
    first_call: int  # len(fake.calls) at dispatch: earlier calls cannot belong to it
    message_id: int | None = None  # the message a component sits on
    original_id: int | None = None  # the message behind @original
    response_type: int | None = None  # the accepted callback type
    modal: dict | None = field(default=None, repr=False)  # data of a type 9 callback
    choices: list[dict] | None = None  # data.choices of a type 8 callback
    expired: bool = False

    @property
    def callback_path(self) -> str:
        return f"/interactions/{self.id}/{self.token}/callback"

    @property
    def webhook_path(self) -> str:
        return f"/webhooks/{self.fake.application_id}/{self.token}"

    def callbacks(self) -> list[RestCall]:
        """Every callback attempt, faults and refusals included."""
        return [c for c in self._own_calls() if c.method == "POST" and c.path == self.callback_path]

    async def wait_callback(self, timeout: float = 10) -> RestCall:
        """The callback call that got a final answer (not a retried 429/5xx); check ``.ok``."""
        return await self.fake.wait_for_call(
            lambda c: c.path == self.callback_path and c.status not in RETRYABLE,
            timeout=timeout,
            since=self.first_call,
            what=f"the callback of interaction {self.id}",
        )

    @property
    def callback_latency(self) -> float | None:
        """Seconds from the dispatch to the first callback request, None before it."""
        calls = self.callbacks()
        return calls[0].time - self.dispatched_at if calls else None

    def followups(self) -> list[RestCall]:
        """Successful followup sends, in order."""
        return [
            c
            for c in self._own_calls()
            if c.method == "POST" and c.path == self.webhook_path and c.ok
        ]

    async def wait_followup(
        self, predicate: Callable[[RestCall], bool] | None = None, timeout: float = 10
    ) -> RestCall:
        """The first successful followup (matching predicate); ``.response`` is the message."""
        return await self.fake.wait_for_call(
            lambda c: (
                c.method == "POST"
                and c.path == self.webhook_path
                and c.ok
                and (predicate is None or predicate(c))
            ),
            timeout=timeout,
            since=self.first_call,
            what=f"a followup of interaction {self.id}",
        )

    def original_edits(self) -> list[RestCall]:
        """Successful ``PATCH .../messages/@original`` calls, in order."""
        path = f"{self.webhook_path}/messages/@original"
        return [c for c in self._own_calls() if c.method == "PATCH" and c.path == path and c.ok]

    async def wait_original_edit(
        self, predicate: Callable[[RestCall], bool] | None = None, timeout: float = 10
    ) -> RestCall:
        path = f"{self.webhook_path}/messages/@original"
        return await self.fake.wait_for_call(
            lambda c: (
                c.method == "PATCH"
                and c.path == path
                and c.ok
                and (predicate is None or predicate(c))
            ),
            timeout=timeout,
            since=self.first_call,
            what=f"an edit of @original of interaction {self.id}",
        )

    def original_message(self) -> dict | None:
        """The stored message behind @original (the deferred/sent reply), if any."""
        return self.fake.messages.get(self.original_id) if self.original_id else None

    def _own_calls(self) -> list[RestCall]:
        return self.fake.calls[self.first_call :]
