"""Discord's size limits, and the one way every list message stays inside them.

From Discord's API reference (Message and Embed objects, "Embed Limits"): message content
at most 2,000 characters; an embed's title 256, description 4,096, 25 fields of name 256
and value 1,024, footer 2,048, and all embeds of a message 6,000 characters in total.
Uploads are limited per interaction (``attachment_size_limit``, 10 MiB without boosts).

A list that could outgrow a message (collections, the gallery's top, a server's terms,
credit history, styles, suspensions) keeps as many whole lines as fit and ends with
"…and N more", so Discord never answers 400 and the member sees what fits.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

CONTENT = 2000
EMBED_TOTAL = 6000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
UPLOAD = 10 * 1024 * 1024  # an interaction's attachment_size_limit when none is known


def more(hidden: int, hint: str = "") -> str:
    """The line that says how many entries did not fit."""
    return f"…and {hidden} more" + (f" ({hint})" if hint else "")


def fit_lines(
    head: Sequence[str],
    lines: Sequence[str],
    *,
    tail: Sequence[str] = (),
    limit: int = CONTENT,
    hint: str = "",
) -> str:
    """``head``, as many of ``lines`` as fit, "…and N more" when some did not, ``tail``:
    joined by newlines and never longer than ``limit``. A single over-long line is cut."""
    fixed = [*head, *tail]
    budget = limit - sum(len(line) + 1 for line in fixed)
    kept: list[str] = []
    for index, line in enumerate(lines):
        left = len(lines) - index - 1
        reserve = len(more(left, hint)) + 1 if left else 0
        if len(line) + 1 + reserve <= budget:
            kept.append(line)
            budget -= len(line) + 1
            continue
        hidden = len(lines) - index
        note = more(hidden, hint)
        while kept and len(note) + 1 > budget:  # make room for the note itself
            budget += len(kept.pop()) + 1
            hidden += 1
            note = more(hidden, hint)
        kept.append(note)
        break
    text = "\n".join([*head, *kept, *tail])
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fit_joined(items: Sequence[str], budget: int, *, separator: str = ", ") -> str:
    """``items`` joined by ``separator`` in at most ``budget`` characters, the last of
    them "…and N more" when some did not fit."""
    kept: list[str] = []
    used = 0
    for index, item in enumerate(items):
        left = len(items) - index - 1
        cost = len(item) + (len(separator) if kept else 0)
        reserve = len(separator) + len(more(left)) if left else 0
        if used + cost + reserve <= budget:
            kept.append(item)
            used += cost
            continue
        kept.append(more(len(items) - index))
        break
    return separator.join(kept)


def embed_total(embed: discord.Embed) -> int:
    """The characters Discord counts against the 6,000 of a message's embeds."""
    return len(embed)
