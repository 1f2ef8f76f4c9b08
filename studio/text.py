"""Cleaning text people type (prompts, reasons): one rule for every use-case."""

from __future__ import annotations

import unicodedata

from studio.errors import ControlCharacters, EmptyPrompt, TextTooLong


def clean_text(text: str | None, limit: int, *, required: bool = True, what: str = "prompt") -> str:
    """Trim, drop invisible format characters, refuse control characters and overlong text.

    Args:
        text: what the person typed (None: nothing).
        limit: the most characters allowed after cleaning.
        required: refuse empty text (a prompt) instead of returning ``""`` (a reason).
        what: the text's name in a refusal (``prompt``, ``negative prompt``…).

    Raises:
        ControlCharacters, EmptyPrompt (nothing left when ``required``), TextTooLong.
    """
    text = (text or "").replace("\n", " ").replace("\t", " ")
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise ControlCharacters(what)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = " ".join(text.split())
    if required and not text:
        raise EmptyPrompt
    if len(text) > limit:
        raise TextTooLong(what, len(text), limit)
    return text
