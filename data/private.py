"""The studio's files are its own user's only: the database holds prompts and interaction
tokens (``jobs.origin``), the images are people's pictures. On a shared machine the default
umask (0644 files, 0755 folders) would let every local user read them.

Folders we create are 0700, the database and image files 0600. Existing folders are left
as the operator made them (``chmod -R go= DATA_DIR`` tightens an old install); the
database file is tightened at every start, since SQLite gives its -wal and -shm files the
database file's mode.
"""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
UMASK = 0o077  # for the processes' other files (the local worker inherits it)


def make_dir(path: Path) -> None:
    """Create ``path`` and its missing parents as 0700; existing folders are kept as is."""
    missing = []
    current = Path(path)
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        os.chmod(folder, DIR_MODE)  # mkdir's mode is masked by the umask; be exact


def restrict(path: Path) -> None:
    """Make an existing file readable and writable by its owner only."""
    os.chmod(path, FILE_MODE)
