"""Errors a user can cause. Each carries a stable code, typed fields, and one short sentence
in plain text meant for that user."""

from __future__ import annotations

import errno
import math
import sqlite3
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from studio.settings import Settings

SORRY = "Something went wrong on our side. Nothing was charged; please try again."


class StudioError(Exception):
    """A request the studio refuses. Nothing changed.

    ``code`` is stable and machine-readable (the CLI and the Images API show it); the typed
    attributes a subclass lists in ``fields`` carry the details (a balance, role ids, when
    to retry). ``str(error)`` is plain text with no adapter's markup: each adapter may
    write its own words from the code and the fields (Discord: :mod:`bot.discord.errors`).
    """

    code: ClassVar[str] = "refused"
    fields: ClassVar[tuple[str, ...]] = ()

    def details(self) -> dict[str, Any]:
        """The typed fields by name, ready for JSON (an API error body, a log line)."""
        return {name: getattr(self, name) for name in self.fields}


class BadRequest(StudioError):
    """The request itself is wrong (empty prompt, unknown size, too many open jobs)."""

    code = "bad_request"


class EveryoneRole(BadRequest):
    """A server's @everyone role named as a role to allow: that is no restriction."""

    code = "everyone_role"

    def __init__(self) -> None:
        super().__init__("@everyone already means everyone; open access to everyone instead.")


class TooLarge(BadRequest):
    """An upscale whose result would pass UPSCALE_MAX_PIXELS or the longest side allowed."""

    code = "too_large"
    fields = ("width", "height", "max_pixels", "max_side")

    def __init__(
        self, source: tuple[int, int], result: tuple[int, int], max_pixels: int, max_side: int
    ) -> None:
        self.width, self.height = result
        self.max_pixels = max_pixels
        self.max_side = max_side
        super().__init__(
            f"Upscaling this {source[0]}×{source[1]} image would make {self.width}×{self.height}"
            f" pixels; the limit is {max_pixels / 1e6:.1f} megapixels and {max_side} a side."
        )


class NegativePromptUnsupported(BadRequest):
    """The model ignores negative prompts (no classifier-free guidance): refused, never
    dropped silently, so the user knows the words to avoid did nothing."""

    code = "negative_prompt_unsupported"

    def __init__(self, model_title: str, guided_family: bool) -> None:
        why = (
            "runs without classifier-free guidance here, so a negative prompt would change nothing"
            if guided_family
            else "does not use negative prompts"
        )
        super().__init__(
            f"This studio's model ({model_title}) {why}. Leave the negative prompt empty and "
            "describe what you want in the prompt instead."
        )

    @classmethod
    def check(cls, settings: Settings, negative: str | None) -> None:
        """Refuse a negative prompt the served model would ignore: typed with a request,
        kept in /settings or in a style preset alike."""
        if negative and not settings.negative_prompt_works:
            raise cls(settings.family.title, settings.family.negative_prompt)


class TooManyJobs(BadRequest):
    """The user already has ``limit`` unfinished requests (the in-flight limit)."""

    code = "too_many_jobs"
    fields = ("busy", "limit")

    def __init__(self, busy: int, limit: int) -> None:
        self.busy = busy
        self.limit = limit
        super().__init__(
            f"You have {busy} unfinished request{'s' if busy != 1 else ''} (the limit"
            f" is {limit}); wait for one to finish, then try again."
        )


class ImageRejected(StudioError):
    """An upload that is not a usable image (too big, unreadable, not downloadable)."""

    code = "image_rejected"


class NotFound(StudioError):
    """What the request points at does not exist (any more)."""

    code = "not_found"


class Unavailable(StudioError):
    """Generation cannot run at all (the model failed to load): refuse before charging."""

    code = "unavailable"
    fields = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(
            f"Image generation is unavailable right now: {reason}. Nothing was charged; "
            "a server admin needs to look at the bot's log."
        )


class NoAccess(StudioError):
    """The server lets only some roles use the bot, and the user has none of them."""

    code = "no_access"
    fields = ("role_ids",)

    def __init__(self, role_ids: list[int]) -> None:
        self.role_ids = role_ids
        super().__init__(
            "On this server Imagine is open to members with certain roles. "
            "Ask a moderator for access."
        )


class AdminsOnly(StudioError):
    """Someone without Manage Server touched a server's defaults (``/settings server``).

    Defined here, not in its cog: discord.py loads a cog anew at every start, and an error
    class made twice would be two classes with one code."""

    code = "admins_only"

    def __init__(self) -> None:
        super().__init__("Only the server's admins (Manage Server) change its defaults.")


class DirectMessagesOff(StudioError):
    """A request from a DM while ``ALLOW_DMS`` is off: no server's rules could apply there."""

    code = "direct_messages_off"

    def __init__(self) -> None:
        super().__init__(
            "Imagine works in servers only: use it in a channel of a server you share with "
            "the bot. Nothing was charged."
        )


class NotEnoughCredits(StudioError):
    """The request costs more than the user's balance where they are."""

    code = "not_enough_credits"
    fields = ("balance", "cost", "next_refill", "refill_amount")

    def __init__(self, balance: int, cost: int, next_refill: datetime, refill_amount: int) -> None:
        self.balance = balance
        self.cost = cost
        self.next_refill = next_refill
        self.refill_amount = refill_amount
        super().__init__(
            f"You need {cost} credit{'s' if cost != 1 else ''} and have {balance}. "
            f"{refill_amount} free credits arrive on {next_refill:%B %-d, %Y}."
        )


class ContentBlocked(StudioError):
    """The content policy refused a prompt or an upload; names the category (and term)."""

    code = "content_blocked"
    fields = ("category", "term")

    def __init__(self, message: str, category: str, term: str | None = None) -> None:
        self.category = category
        self.term = term
        super().__init__(message)


class Suspended(StudioError):
    """The user is suspended from the studio on this server until ``until`` (a timestamp)."""

    code = "suspended"
    fields = ("until",)

    def __init__(self, message: str, until: float) -> None:
        self.until = until
        super().__init__(message)


class RateLimited(StudioError):
    """Too many new requests in a short time; ``retry_at`` (a timestamp) is when to come back.

    Checked before anything is charged or queued, by whichever adapter starts jobs.
    """

    code = "rate_limited"
    fields = ("jobs", "seconds", "retry_after", "retry_at")

    def __init__(self, jobs: int, seconds: float, retry_after: float) -> None:
        self.jobs = jobs
        self.seconds = seconds
        self.retry_after = retry_after
        self.wait = max(1, math.ceil(retry_after))  # whole seconds, as users read them
        self.retry_at = int(time.time() + self.wait)
        super().__init__(
            f"Slow down: you can start {jobs} request{'s' if jobs != 1 else ''} every "
            f"{seconds:g} seconds. Try again in {self.wait} second{'s' if self.wait != 1 else ''}"
            ". Nothing was charged."
        )


class GalleryUnreachable(StudioError):
    """The server's gallery channel is gone, or the bot may not post there."""

    code = "gallery_unreachable"

    def __init__(self) -> None:
        super().__init__(
            "I cannot post in this server's gallery channel (deleted, or I lack "
            "permissions there); ask an admin to set it again."
        )


class PostFailed(StudioError):
    """The chat platform did not take a post (a gallery post): try again."""

    code = "post_failed"

    def __init__(self, where: str) -> None:
        self.where = where
        super().__init__(f"{where} did not take the gallery post; try again.")


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
