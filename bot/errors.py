"""Errors a user can cause. Each carries one short sentence meant for that user."""

from __future__ import annotations

from datetime import datetime


class StudioError(Exception):
    """A request the studio refuses; ``str(error)`` is what the user reads. Nothing changed."""


class BadRequest(StudioError):
    pass


class ImageRejected(StudioError):
    pass


class NotFound(StudioError):
    pass


class NoAccess(StudioError):
    """The server lets only some roles use the bot, and the user has none of them."""

    def __init__(self, role_ids: list[int]) -> None:
        self.role_ids = role_ids
        roles = ", ".join(f"<@&{role}>" for role in role_ids)
        super().__init__(
            f"On this server Imagine is open to members with these roles: {roles}. "
            "Ask a moderator for access."
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
