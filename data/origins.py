"""Where a request came from, and so where its answer goes: one typed origin per adapter.

A job row keeps its origin as JSON with a ``kind`` (``discord``, ``http``, ``terminal``),
so a job that finishes after a restart is still answered the way it was asked. The core
reads only what every origin has (the server whose rules apply, when it was made); each
adapter reads its own kind and leaves the others alone (Discord delivers ``discord``
origins, the Images API answers ``http`` ones, the terminal waits on its own handle).
Every origin has the same few common fields the core may read: ``guild_id``,
``created_at``, ``request_key`` (what the rate limit counts once), ``shown_in`` (the
channel whose members all saw the result) and ``ledger_tag`` (how the ledger names where a
request came from).
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Privacy(StrEnum):
    """Where a result goes (the member's /settings)."""

    PUBLIC = "public"  #: in the channel, as always
    EPHEMERAL = "ephemeral"  #: only visible to the member
    DM = "dm"  #: by direct message


class DiscordOrigin(BaseModel):
    """A slash command, a button or a reply on Discord.

    An interaction brings its ``application_id`` and ``token`` (valid 15 minutes: the
    result is a followup while it lives); a reply brings ``reply_to``, the message the
    result answers in the channel.
    """

    model_config = _FROZEN

    kind: Literal["discord"] = "discord"
    channel_id: int
    user_id: int
    created_at: float  # a timestamp: how old the token is, where recovery starts looking
    guild_id: int | None = None  # None: a DM
    application_id: int | None = None
    token: str | None = None
    reply_to: int | None = None
    # Where the result goes (the member's /settings): the channel, only them, or a DM.
    privacy: Privacy = Privacy.PUBLIC

    @property
    def request_key(self) -> str | None:
        """One interaction or one reply: what the rate limit counts once."""
        if self.token:
            return f"interaction:{self.token}"
        return f"reply:{self.reply_to}" if self.reply_to else None

    @property
    def shown_in(self) -> int | None:
        """The channel the result was posted in for all to see; None when it went only to
        the member (ephemeral, or by DM: /settings' privacy)."""
        return self.channel_id if self.privacy == Privacy.PUBLIC else None

    @property
    def ledger_tag(self) -> None:
        """Discord is the usual way in: its ledger rows carry no tag."""
        return None


class HttpOrigin(BaseModel):
    """A request to the HTTP Images API: which key asked, and the request's own id."""

    model_config = _FROZEN

    kind: Literal["http"] = "http"
    api_key_id: str
    request_id: str
    created_at: float
    guild_id: int | None = None  # the server whose rules apply, when the key belongs to one
    # The client's own end user (OpenAI's ``safety_identifier``/``user``), as it sent it.
    end_user: str | None = None

    @property
    def request_key(self) -> str:
        """One HTTP request (several jobs for ``n`` > 3): what the rate limit counts once."""
        return f"http:{self.request_id}"

    @property
    def shown_in(self) -> None:
        """An API answer goes to its client alone."""
        return None

    @property
    def ledger_tag(self) -> str:
        """The ledger marks what the Images API spent (``job … (API)``)."""
        return "API"


class TerminalOrigin(BaseModel):
    """``python -m bot imagine …``: the command waits on the job itself."""

    model_config = _FROZEN

    kind: Literal["terminal"] = "terminal"
    created_at: float = 0.0
    guild_id: None = None  # no server's rules apply in a terminal

    @property
    def request_key(self) -> None:
        """Every terminal command counts on its own."""
        return None

    @property
    def shown_in(self) -> None:
        return None

    @property
    def ledger_tag(self) -> None:
        return None


Origin = DiscordOrigin | HttpOrigin | TerminalOrigin

_ORIGIN: TypeAdapter[Origin] = TypeAdapter(Annotated[Origin, Field(discriminator="kind")])


def dump_origin(origin: Origin | None) -> str | None:
    """The JSON a job row keeps (None: no origin)."""
    return origin.model_dump_json() if origin is not None else None


def load_origin(text: str | None) -> Origin | None:
    """The origin a job row kept. Rows written before origins had a ``kind`` were Discord's."""
    if not text:
        return None
    raw = json.loads(text)
    if isinstance(raw, dict) and "kind" not in raw:
        raw = {**raw, "kind": "discord"}
    return _ORIGIN.validate_python(raw)
