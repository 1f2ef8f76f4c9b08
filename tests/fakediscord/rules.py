"""What Discord refuses, as the fake refuses it: embed sizes, upload sizes, forum tags,
and missing permissions, each with Discord's status and JSON error code.

Sources: Discord's API reference (Message resource "Embed Limits"; Channel resource
"Start Thread in Forum or Media Channel", REQUIRE_TAG; Interaction
``attachment_size_limit``) and its JSON error codes (40005, 40067, 50013, 50035).
"""

from __future__ import annotations

from typing import Any

from . import payloads as p
from .records import UploadedFile


class ApiError(Exception):
    """A Discord-style error answer raised from deep inside a route."""

    def __init__(self, status: int, message: str, code: int, errors: dict | None = None) -> None:
        super().__init__(f"{status} {message} ({code})")
        self.status = status
        self.body: dict[str, Any] = {"message": message, "code": code}
        if errors is not None:
            self.body["errors"] = errors


EMBED_TOTAL = 6000
EMBED_LIMITS = {"title": 256, "description": 4096, "footer": 2048, "author": 256}
FIELD_NAME, FIELD_VALUE, FIELDS, EMBEDS = 256, 1024, 25, 10


def invalid_form(field: str, code: str, message: str) -> ApiError:
    errors = {field: {"_errors": [{"code": code, "message": message}]}}
    return ApiError(400, "Invalid Form Body", 50035, errors)


def embed_size(embed: dict) -> int:
    """The characters Discord counts: title, description, field names and values,
    footer text and author name."""
    size = len(embed.get("title") or "") + len(embed.get("description") or "")
    size += len((embed.get("footer") or {}).get("text") or "")
    size += len((embed.get("author") or {}).get("name") or "")
    for field in embed.get("fields") or []:
        size += len(field.get("name") or "") + len(field.get("value") or "")
    return size


def check_embeds(embeds: list[dict] | None) -> None:
    """400 50035 as Discord answers an embed over its limits (6,000 in all, per message)."""
    embeds = embeds or []
    if len(embeds) > EMBEDS:
        raise invalid_form("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    for embed in embeds:
        for key, limit in EMBED_LIMITS.items():
            value = embed.get(key)
            text = (
                value.get("text" if key == "footer" else "name")
                if isinstance(value, dict)
                else value
            )
            if text and len(text) > limit:
                raise invalid_form(
                    f"embeds.{key}", "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."
                )
        fields = embed.get("fields") or []
        if len(fields) > FIELDS:
            raise invalid_form("embeds.fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer.")
        for field in fields:
            if (
                len(field.get("name") or "") > FIELD_NAME
                or len(field.get("value") or "") > FIELD_VALUE
            ):
                raise invalid_form("embeds.fields", "BASE_TYPE_MAX_LENGTH", "Field too long.")
    if sum(embed_size(embed) for embed in embeds) > EMBED_TOTAL:
        raise invalid_form(
            "embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
        )


def check_uploads(files: list[UploadedFile], limit: int) -> None:
    """413 40005 for a file over the upload limit (the interaction's attachment_size_limit)."""
    if any(len(upload.data) > limit for upload in files):
        raise ApiError(413, "Request entity too large", 40005)


def check_forum_tags(forum: dict, applied: list | None) -> None:
    """A forum with REQUIRE_TAG refuses a post without one of its tags (400 40067); tags
    that are not the forum's are refused as a bad form."""
    known = {str(tag["id"]) for tag in forum.get("available_tags") or []}
    applied = [str(tag) for tag in applied or []]
    if any(tag not in known for tag in applied) or len(applied) > 5:
        raise invalid_form("applied_tags", "BASE_TYPE_CHOICES", "Not a tag of this forum.")
    if int(forum.get("flags") or 0) & p.CHANNEL_REQUIRE_TAG and not applied:
        raise ApiError(400, "A tag is required to create a forum post in this channel", 40067)


def missing_permissions() -> ApiError:
    return ApiError(403, "Missing Permissions", 50013)
