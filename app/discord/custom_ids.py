"""Stable custom_ids of every button: old messages keep working after a restart.

``imagine:<action>:<image id>``, and for paged lists ``imagine:<action>:<key>:<page>``
(the key is the owner of a history or the id of a collection). ``template`` gives the
regular expression the cogs' DynamicItems match, ``build`` the id rendering puts on a
message; both come from the same action names so they cannot drift apart.
"""

from __future__ import annotations

VARY = "vary"  # V1–V4, and Vary under an opened image
OPEN = "open"  # U1–U4: the full-size PNG
REROLL = "reroll"  # 🔄
SAVE = "save"  # one image
SAVE_ALL = "saveall"  # every image of a result
SHARE = "share"
REOPEN = "reopen"  # a /history entry: its result again, with its buttons
UNSHARE = "unshare"  # under a gallery post: its author unshares, a moderator removes
EDIT = "edit"  # under an opened image: a short-lived link to the web editor
HISTORY = "history"  # ◀ ▶ of /history (key: the owner)
COLLECTION = "collection"  # ◀ ▶ of /collection show (key: the collection)
# Under one opened image (issue 15's controls):
UPSCALE_SUBTLE = "upscale"  # Upscale (Subtle): 2×, a light detail pass
UPSCALE_CREATIVE = "upcreative"  # Upscale (Creative): 2×, a stronger one
VARY_SUBTLE = "varysubtle"  # Vary (Subtle)
VARY_STRONG = "varystrong"  # Vary (Strong)
ZOOM_15 = "zoom15"  # Zoom Out 1.5×
ZOOM_2 = "zoom2"  # Zoom Out 2×
PAN_LEFT, PAN_RIGHT, PAN_UP, PAN_DOWN = "panleft", "panright", "panup", "pandown"  # ⬅ ➡ ⬆ ⬇
CONTROLS = (
    UPSCALE_SUBTLE,
    UPSCALE_CREATIVE,
    VARY_SUBTLE,
    VARY_STRONG,
    ZOOM_15,
    ZOOM_2,
    PAN_LEFT,
    PAN_RIGHT,
    PAN_UP,
    PAN_DOWN,
)


ACTIONS = (VARY, OPEN, REROLL, SAVE, SAVE_ALL, SHARE, EDIT, *CONTROLS)


def template(action: str) -> str:
    return rf"imagine:{action}:(?P<image_id>[0-9a-f]{{12}})"


def build(action: str, image_id: str) -> str:
    return f"imagine:{action}:{image_id}"


def page_template(action: str) -> str:
    return rf"imagine:{action}:(?P<key>[0-9]{{1,20}}):(?P<page>[0-9]{{1,5}})"


def build_page(action: str, key: int, page: int) -> str:
    return f"imagine:{action}:{key}:{page}"


def malformed_template() -> str:
    """One of our actions with an argument that is not an image id (a tampered button)."""
    actions = "|".join(ACTIONS)
    return rf"imagine:(?:{actions}):(?![0-9a-f]{{12}}$)(?P<argument>.*)"
