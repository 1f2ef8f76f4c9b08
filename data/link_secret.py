"""The studio's own signing key for short-lived web links (the editor page).

One random 32-byte key per studio, in the data folder, readable by the studio's user
only (0600): whoever holds it can mint links for any member. Made on first use; a
deleted key makes every link out there invalid at once (a new one is made).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from data.private import FILE_MODE, make_dir

KEY_BYTES = 32


def load_or_create(path: Path) -> bytes:
    """The key at ``path``, made (0600, atomically: two processes agree) when missing."""
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        make_dir(path.parent)
        key = secrets.token_bytes(KEY_BYTES)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except FileExistsError:  # another process made it a moment ago: use theirs
            return load_or_create(path)
        with os.fdopen(descriptor, "wb") as file:
            file.write(key)
        return key
    if len(key) < KEY_BYTES:
        raise ValueError(f"{path} holds {len(key)} bytes; delete it and a new key is made")
    return key
