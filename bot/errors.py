"""Errors a user can cause. Each carries one short sentence meant for that user."""

from __future__ import annotations

import errno
import sqlite3
from datetime import datetime

SORRY = "Something went wrong on our side. Nothing was charged; please try again."


class StudioError(Exception):
    """A request the studio refuses; ``str(error)`` is what the user reads. Nothing changed."""


class BadRequest(StudioError):
    pass


class ImageRejected(StudioError):
    pass


class NotFound(StudioError):
    pass


class Unavailable(StudioError):
    """Generation cannot run at all (the model failed to load): refuse before charging."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"Image generation is unavailable right now: {reason}. Nothing was charged; "
            "a server admin needs to look at the bot's log."
        )


class NoAccess(StudioError):
    """The server lets only some roles use the bot, and the user has none of them."""

    def __init__(self, role_ids: list[int]) -> None:
        self.role_ids = role_ids
        roles = ", ".join(f"<@&{role}>" for role in role_ids)
        super().__init__(
            f"On this server Imagine is open to members with these roles: {roles}. "
            "Ask a moderator for access."
        )


class DirectMessagesOff(StudioError):
    """A request from a DM while ``ALLOW_DMS`` is off: no server's rules could apply there."""

    code = "direct_messages_off"

    def __init__(self) -> None:
        super().__init__(
            "Imagine works in servers only: use it in a channel of a server you share with "
            "the bot. Nothing was charged."
        )


class NotEnoughCredits(StudioError):
    def __init__(self, balance: int, cost: int, next_refill: datetime, refill_amount: int) -> None:
        self.balance = balance
        self.cost = cost
        self.next_refill = next_refill
        super().__init__(
            f"You need {cost} credit{'s' if cost != 1 else ''} and have {balance}. "
            f"{refill_amount} free credits arrive on {next_refill:%B %-d, %Y}."
        )


class ContentBlocked(StudioError):
    """The content policy refused a prompt or an upload; names the category (and term)."""

    def __init__(self, message: str, category: str, term: str | None = None) -> None:
        self.category = category
        self.term = term
        super().__init__(message)


class Suspended(StudioError):
    """The user is suspended from the studio on this server until ``until`` (a timestamp)."""

    def __init__(self, message: str, until: float) -> None:
        self.until = until
        super().__init__(message)


def explain_failure(error: BaseException) -> str:
    """What a user reads when our side failed before the request was recorded.

    The charge and the job row share one transaction, so a failure before its commit
    changed nothing: the message can say so.
    """
    text = str(error).lower()
    if isinstance(error, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return (
            "The studio is too busy to take your request (its database is locked). "
            "Nothing was charged; try again in a minute."
        )
    disk_full = isinstance(error, OSError) and error.errno == errno.ENOSPC
    if disk_full or (isinstance(error, sqlite3.OperationalError) and "disk is full" in text):
        return (
            "The studio's disk is full, so it cannot take requests. Nothing was charged; "
            "a server admin needs to free some space."
        )
    return SORRY
