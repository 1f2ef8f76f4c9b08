"""Stable custom_ids of every button: old messages keep working after a restart.

The templates are the regular expressions the cogs' DynamicItems match; the builders are
what rendering puts on messages. Both live here so they cannot drift apart.
"""

from __future__ import annotations

IMAGE_ID = r"(?P<image_id>[0-9a-f]{12})"

VARY = rf"imagine:vary:{IMAGE_ID}"
UPSCALE = rf"imagine:open:{IMAGE_ID}"
REROLL = rf"imagine:reroll:{IMAGE_ID}"
SAVE = rf"imagine:save:{IMAGE_ID}"
SAVE_ALL = rf"imagine:saveall:{IMAGE_ID}"
SHARE = rf"imagine:share:{IMAGE_ID}"


def vary(image_id: str) -> str:
    return f"imagine:vary:{image_id}"


def upscale(image_id: str) -> str:
    return f"imagine:open:{image_id}"


def reroll(image_id: str) -> str:
    return f"imagine:reroll:{image_id}"


def save(image_id: str) -> str:
    return f"imagine:save:{image_id}"


def save_all(image_id: str) -> str:
    return f"imagine:saveall:{image_id}"


def share(image_id: str) -> str:
    return f"imagine:share:{image_id}"
