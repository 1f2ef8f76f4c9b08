"""Errors a user can cause. Each carries a stable code, typed fields, and one short sentence
in plain text meant for that user."""

from __future__ import annotations

import errno
import math
import sqlite3
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

import asyncpg

if TYPE_CHECKING:
    from studio.settings import Settings

SORRY = "Something went wrong on our side. Nothing was charged; please try again."


class StudioError(Exception):
    """A request the studio refuses. Nothing changed.

    ``code`` is stable and machine-readable (the CLI and the Images API show it); the typed
    attributes a subclass lists in ``fields`` carry the details (a balance, role ids, when
    to retry). ``str(error)`` is plain text with no adapter's markup: each adapter may
    write its own words from the code and the fields (Discord: :mod:`app.discord.errors`,
    the Images API: :mod:`app.api.errors`).
    """

    code: ClassVar[str] = "refused"
    fields: ClassVar[tuple[str, ...]] = ()

    def details(self) -> dict[str, Any]:
        """The typed fields by name, ready for JSON (an API error body, a log line)."""
        return {name: getattr(self, name) for name in self.fields}


class BadRequest(StudioError):
    """The request itself is wrong. The base of the specific refusals below (each with its
    own code: ``prompt_empty``, ``unknown_size``, ``too_many_jobs``…); the core raises
    those, so ``except BadRequest`` catches them all and a client can tell them apart."""

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


# -- bad requests: the request's own text and numbers --------------------------------------


class EmptyPrompt(BadRequest):
    """A prompt with nothing left once cleaned (blank, or only invisible characters)."""

    code = "prompt_empty"

    def __init__(self) -> None:
        super().__init__("Write a prompt: describe the image you want.")


class TextTooLong(BadRequest):
    """A prompt, a negative prompt or a style's text past ``MAX_PROMPT_LENGTH``."""

    code = "text_too_long"
    fields = ("what", "length", "limit")

    def __init__(self, what: str, length: int, limit: int) -> None:
        self.what, self.length, self.limit = what, length, limit
        super().__init__(f"The {what} is {length} characters long; the limit is {limit}.")


class ControlCharacters(BadRequest):
    """Text with control characters (a pasted terminal escape, a NUL byte)."""

    code = "control_characters"
    fields = ("what",)

    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(f"The {what} contains control characters; remove them and try again.")


class UnreadableScript(BadRequest):
    """A prompt in a script the content policy cannot read yet (refused, no strike):
    ``script`` names it, ``languages`` what the policy reads."""

    code = "unreadable_script"
    fields = ("what", "script", "languages")

    def __init__(self, what: str, script: str, languages: str) -> None:
        self.what, self.script, self.languages = what, script, languages
        super().__init__(
            f"This {what} has words in the {script} script, which the content policy cannot "
            f"read yet; write it in {languages}. Nothing was charged."
        )


class UnknownSize(BadRequest):
    """A size that is neither one of the studio's named sizes nor a ratio W:H."""

    code = "unknown_size"
    fields = ("size", "sizes")

    def __init__(self, size: str, sizes: list[str], what: str = "size") -> None:
        self.size, self.sizes = size, list(sizes)
        super().__init__(f"Unknown {what} {size!r}; use {', '.join(sizes)} or a ratio like 3:2.")


class BadAspectRatio(BadRequest):
    """A ratio W:H that cannot be read (``problem`` "unreadable"), has a side of 0 ("zero")
    or is outside ``low``…``high`` ("range")."""

    code = "bad_aspect_ratio"
    fields = ("ratio", "problem", "low", "high")
    _SENTENCES: ClassVar[dict[str, str]] = {
        "unreadable": "{ratio!r} is not an aspect ratio; write it as W:H, e.g. 3:2 or 9:16.",
        "zero": "Both sides of an aspect ratio must be more than 0, e.g. 3:2.",
        "range": "The aspect ratio {ratio} is out of range; use {low} to {high}.",
    }

    def __init__(self, ratio: str, problem: str, low: str = "1:4", high: str = "4:1") -> None:
        self.ratio, self.problem, self.low, self.high = ratio.strip(), problem, low, high
        super().__init__(self._SENTENCES[problem].format(ratio=self.ratio, low=low, high=high))


class BadParameter(BadRequest):
    """A Midjourney-style parameter at the end of a prompt (``studio/parameters.py``) that
    cannot be read: unknown (``problem`` "unknown"), without its value ("empty"), or a
    seed that is not a whole number ("seed")."""

    code = "bad_parameter"
    fields = ("parameter", "problem")
    _SENTENCES: ClassVar[dict[str, str]] = {
        "unknown": (
            "{parameter} is not a parameter this studio reads; it reads --ar W:H, --no "
            "words to avoid and --seed N at the end of a prompt."
        ),
        "empty": "{parameter} needs a value after it, e.g. --ar 16:9, --no text, --seed 7.",
        "seed": "--seed takes a whole number, e.g. --seed 1234.",
    }

    def __init__(self, parameter: str, problem: str) -> None:
        self.parameter, self.problem = parameter, problem
        super().__init__(self._SENTENCES[problem].format(parameter=parameter))


class OutOfRange(BadRequest):
    """A number outside what the studio takes; ``name`` says which (the subclasses)."""

    code = "out_of_range"
    fields = ("low", "high")

    def __init__(self, sentence: str, low: float, high: float) -> None:
        self.low, self.high = low, high
        super().__init__(sentence)


class BadCount(OutOfRange):
    """How many images one request makes (1 to 4)."""

    code = "bad_count"

    def __init__(self, low: int = 1, high: int = 4) -> None:
        super().__init__(f"Ask for {low} to {high} images.", low, high)


class BadStrength(OutOfRange):
    """A variation's strength (how far it may move from its source)."""

    code = "bad_strength"

    def __init__(self, low: float, high: float) -> None:
        super().__init__(f"Strength must be between {low:g} and {high:g}.", low, high)


class BadSeed(OutOfRange):
    code = "bad_seed"

    def __init__(self, high: int) -> None:
        super().__init__(f"The seed must be between 0 and {high}.", 0, high)


class BadAmount(OutOfRange):
    """Credits to grant or take: not zero, and no more than the member has."""

    code = "bad_amount"

    def __init__(self, low: int = 0, high: int | None = None) -> None:
        if high is None:
            super().__init__("Give a non-zero amount (negative takes credits away).", low, math.inf)
        else:
            super().__init__(
                f"They have {high} credits within your reach; you can take at most that.",
                low,
                high,
            )


class BadExtent(OutOfRange):
    """An outpaint that grows the canvas by zero or fewer pixels."""

    code = "bad_extent"

    def __init__(self) -> None:
        super().__init__("Extend by a positive number of pixels.", 1, math.inf)


class UnknownChoice(BadRequest):
    """A value that must be one of a few (a region, a direction, a period, a setting)."""

    code = "unknown_choice"
    fields = ("what", "value", "choices")

    _SENTENCES: ClassVar[dict[str, str]] = {
        "remix": "Remix is on or off.",
        "zoom": "Zoom must be one of {choices}.",
        "privacy": "Results go to one of: {choices}.",
    }

    def __init__(self, what: str, value: object, choices: list[str]) -> None:
        self.what, self.value, self.choices = what, value, [str(c) for c in choices]
        sentence = self._SENTENCES.get(what, "Unknown {what} {value!r}; use one of: {choices}.")
        super().__init__(sentence.format(what=what, value=value, choices=", ".join(self.choices)))


class ConflictingEditOptions(BadRequest):
    """Two ways of choosing what to repaint at once (a mask and a region; panning and
    zooming out), or none where one is needed: the studio does exactly one."""

    code = "conflicting_edit_options"
    fields = ("options",)

    def __init__(self, options: list[str]) -> None:
        self.options = list(options)
        *others, last = self.options
        if self.options == ["direction", "zoom"]:  # an outpaint's arrows and zoom buttons
            super().__init__("Pan in one direction or zoom out, not both.")
        else:
            super().__init__(f"Pick one of: {', '.join(others)} or {last}.")


class BadReferences(BadRequest):
    """Reference images (further input images of an edit) the studio cannot use:
    ``problem`` "unsupported" (the model edits one image at a time), "too_many" (more than
    ``limit`` images in all) or "with_mask" (references condition a whole-image edit)."""

    code = "bad_references"
    fields = ("problem", "limit")

    def __init__(self, problem: str, *, limit: int | None = None, model: str = "") -> None:
        self.problem, self.limit = problem, limit
        sentences = {
            "unsupported": f"This studio's model ({model}) edits one image at a time; several "
            "input images need a model that takes reference images, like FLUX.2 [klein].",
            "too_many": f"Send at most {limit} images to edit together.",
            "with_mask": "Further images condition a whole-image edit: send them without a "
            "mask or transparent area.",
        }
        super().__init__(sentences[problem])


class BadFrame(BadRequest):
    """An outpaint frame (the web editor's) with a side grown past the picture's own size
    (``problem`` "range") or not grown at all ("inward")."""

    code = "bad_frame"
    fields = ("problem",)
    _SENTENCES: ClassVar[dict[str, str]] = {
        "range": "Each side of the frame may grow by 0 to 100% of the picture.",
        "inward": "Drag the frame outward to make room to paint.",
    }

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(self._SENTENCES[problem])


class EmptyMask(BadRequest):
    code = "empty_mask"

    def __init__(self) -> None:
        super().__init__("The mask is all black: paint the area to edit white.")


class CanvasTooLarge(BadRequest):
    """An outpaint whose canvas would pass the longest side allowed."""

    code = "canvas_too_large"
    fields = ("width", "height", "max_side")

    def __init__(self, width: int, height: int, max_side: int) -> None:
        self.width, self.height, self.max_side = width, height, max_side
        super().__init__(
            f"The canvas would be {width}×{height}; the limit is {max_side} pixels a side."
        )


# -- bad requests: names, and what exists --------------------------------------------------


class NotAnImageId(BadRequest):
    code = "not_an_image_id"
    fields = ("text",)
    EXAMPLE: ClassVar[str] = "3f9a0c12be47"

    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__(
            "That is not an image id: use the 12-character id shown under the image "
            f"(e.g. {self.EXAMPLE})."
        )


class BadName(BadRequest):
    """A name (a ``collection``'s, a ``style``'s, a ``key``'s) or a moderation ``term``
    that is empty, longer than ``limit``, or made of characters it may not use
    (``problem``: "empty", "too_long", "characters")."""

    code = "bad_name"
    fields = ("what", "problem", "limit")
    _EMPTY: ClassVar[dict[str, str]] = {
        "style": "Name the style.",
        "term": "Give a word or phrase with letters or digits.",
    }

    def __init__(self, what: str, limit: int | None = None, *, allowed: str | None = None) -> None:
        self.what, self.limit = what, limit
        noun = what if what == "term" else f"{what} name"
        if allowed is not None:
            self.problem, sentence = "characters", f"A {noun} uses {allowed} only."
        elif limit is not None:
            self.problem, sentence = "too_long", f"A {noun} is at most {limit} characters."
        else:
            self.problem = "empty"
            sentence = self._EMPTY.get(what, f"Give the {what} a name.")
        super().__init__(sentence)


class LimitReached(BadRequest):
    """The member (or the server, for styles) has the most ``what`` allowed."""

    code = "limit_reached"
    fields = ("what", "limit")

    def __init__(
        self, what: str, limit: int, *, server: bool = False, undo: str = "remove"
    ) -> None:
        self.what, self.limit = what, limit
        whose = "This server has" if server else "You have"
        super().__init__(f"{whose} {limit} {what}, the most allowed; {undo} one first.")


class CollectionExists(BadRequest):
    code = "collection_exists"
    fields = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"You already have a collection named {name}.")


class StyleExists(BadRequest):
    code = "style_exists"
    fields = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"A style named {name} exists; remove it first.")


class EmptyStyle(BadRequest):
    """A style preset with no text at all: applying it would change nothing."""

    code = "style_empty"

    def __init__(self) -> None:
        super().__init__("Give the style a prefix, a suffix or a negative prompt.")


class TermExists(BadRequest):
    """The term is on one of the server's lists already (``kind``: block or allow)."""

    code = "term_exists"
    fields = ("term", "kind")

    def __init__(self, term: str, kind: str) -> None:
        self.term, self.kind = term, kind
        super().__init__(f"“{term}” is already on this server's {kind} list.")


class TermNotListed(BadRequest):
    code = "term_not_listed"
    fields = ("term",)

    def __init__(self, term: str) -> None:
        self.term = term
        super().__init__(f"“{term}” is not on this server's lists.")


# -- bad requests: where and who -----------------------------------------------------------


class ServerOnly(BadRequest):
    """Something that belongs to a server, asked for outside one (a DM, the terminal)."""

    code = "server_only"
    fields = ("feature",)
    _SENTENCES: ClassVar[dict[str, str]] = {
        "roles": "Imagine cannot check your roles from a DM; use it in a server.",
        "styles": "Style presets belong to a server; use them in one.",
        "sharing": "Sharing works in a server: its gallery channel shows the image.",
        "gallery": "Galleries belong to servers: ask in a server.",
    }

    def __init__(self, feature: str) -> None:
        self.feature = feature
        super().__init__(self._SENTENCES.get(feature, f"{feature.capitalize()} needs a server."))


class NotYours(BadRequest):
    """An action only an image's author (or, to take it down, a moderator) may take."""

    code = "not_yours"
    fields = ("action",)
    _SENTENCES: ClassVar[dict[str, str]] = {
        "share": "Only the person who made this image can share it.",
        "unshare": "Only the image's author or a moderator can take it out of the gallery.",
    }

    def __init__(self, action: str) -> None:
        self.action = action
        super().__init__(self._SENTENCES[action])


class RemovedFromGallery(BadRequest):
    code = "removed_from_gallery"

    def __init__(self) -> None:
        super().__init__(
            "A moderator removed this image from the gallery; it cannot be shared again."
        )


class ShareInProgress(BadRequest):
    code = "share_in_progress"

    def __init__(self) -> None:
        super().__init__("This image is being shared right now.")


class JobsStillRunning(BadRequest):
    """Forgetting a member while their jobs run would leave results with no owner."""

    code = "jobs_still_running"

    def __init__(self) -> None:
        super().__init__(
            "You have requests still running; wait for them to finish, then try again."
        )


class ImageRejected(StudioError):
    """An upload that is not a usable image (too big, unreadable, not downloadable)."""

    code = "image_rejected"


class NotFound(StudioError):
    """What the request points at does not exist (any more)."""

    code = "not_found"


class ImageNotFound(NotFound):
    code = "image_not_found"
    fields = ("image_id",)

    def __init__(self, image_id: str) -> None:
        self.image_id = image_id
        super().__init__("That image no longer exists.")


class NotInHistory(NotFound):
    """An image that is not (or no longer) one of the member's own generations."""

    code = "not_in_history"
    fields = ("image_id",)

    def __init__(self, image_id: str) -> None:
        self.image_id = image_id
        super().__init__("That generation is no longer in your history.")


class NotAddable(NotFound):
    """An image a member may not add to a collection (missing, or private to another)."""

    code = "image_not_addable"
    fields = ("image_id",)

    def __init__(self, image_id: str) -> None:
        self.image_id = image_id
        super().__init__(f"There is no image {image_id} you can add.")


class NotInCollection(NotFound):
    code = "not_in_collection"
    fields = ("image_id", "collection")

    def __init__(self, image_id: str, collection: str) -> None:
        self.image_id, self.collection = image_id, collection
        super().__init__(f"{image_id} is not in {collection}.")


class JobNotFound(NotFound):
    """A request (job) that is not the member's own, or does not exist."""

    code = "job_not_found"
    fields = ("job_id",)

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        super().__init__("That request does not exist.")


class NotInGallery(NotFound):
    code = "not_in_gallery"
    fields = ("image_id",)

    def __init__(self, image_id: str) -> None:
        self.image_id = image_id
        super().__init__("That image is not in this server's gallery.")


class CollectionNotFound(NotFound):
    """No such collection, or another member's private one (told apart from neither).
    ``name`` is None when it was asked for by id (a page button); ``yours`` when the asker
    is its owner."""

    code = "collection_not_found"
    fields = ("name", "yours")

    def __init__(self, name: str | None, *, yours: bool = False) -> None:
        self.name, self.yours = name, yours
        if name is None:
            sentence = "That collection is not there any more."
        elif yours:
            sentence = f"You have no collection named {name}."
        else:
            sentence = f"There is no collection {name}."
        super().__init__(sentence)


class StyleNotFound(NotFound):
    code = "style_not_found"
    fields = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"This server has no style named {name}.")


class KeyNotFound(NotFound):
    code = "key_not_found"
    fields = ("key_id",)

    def __init__(self, key_id: str) -> None:
        self.key_id = key_id
        super().__init__(f"You have no active key {key_id!r}; list yours to see their ids.")


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


# PostgreSQL (DATABASE=postgresql://…) gone, restarting, or out of connections.
_DATABASE_UNREACHABLE = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.InterfaceError,
    ConnectionRefusedError,
)


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
    if isinstance(error, _DATABASE_UNREACHABLE):
        return (
            "The studio cannot reach its database right now. Nothing was charged; "
            "try again in a minute."
        )
    disk_full = isinstance(error, OSError) and error.errno == errno.ENOSPC
    disk_full = disk_full or isinstance(error, asyncpg.DiskFullError)
    if disk_full or (isinstance(error, sqlite3.OperationalError) and "disk is full" in text):
        return (
            "The studio's disk is full, so it cannot take requests. Nothing was charged; "
            "a server admin needs to free some space."
        )
    return SORRY
