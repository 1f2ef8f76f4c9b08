"""Cleaning text people type (prompts, reasons): one rule for every use-case."""

from __future__ import annotations

import unicodedata

from studio.errors import BadRequest


def clean_text(text: str | None, limit: int, *, required: bool = True) -> str:
    """Trim, drop invisible format characters, refuse control characters and overlong text.

    Args:
        text: what the person typed (None: nothing).
        limit: the most characters allowed after cleaning.
        required: refuse empty text (a prompt) instead of returning ``""`` (a reason).

    Raises:
        BadRequest: control characters, nothing left when ``required``, or too long.
    """
    text = (text or "").replace("\n", " ").replace("\t", " ")
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise BadRequest("The prompt contains control characters; remove them and try again.")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = " ".join(text.split())
    if required and not text:
        raise BadRequest("Write a prompt: describe the image you want.")
    if len(text) > limit:
        raise BadRequest(f"The prompt is {len(text)} characters long; the limit is {limit}.")
    return text
