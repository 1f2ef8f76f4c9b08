"""What users read when our side fails: specific for a locked database or a full disk."""

from __future__ import annotations

import errno
import sqlite3

from studio.errors import SORRY, explain_failure


def test_a_locked_database_and_a_full_disk_are_named():
    assert "database is locked" in explain_failure(sqlite3.OperationalError("database is locked"))
    full = explain_failure(sqlite3.OperationalError("database or disk is full"))
    assert full.startswith("The studio's disk is full")
    assert explain_failure(OSError(errno.ENOSPC, "No space left on device")) == full
    assert explain_failure(RuntimeError("a bug")) == SORRY


def test_a_postgresql_store_that_is_down_or_full_is_explained():
    import asyncpg

    gone = explain_failure(asyncpg.ConnectionDoesNotExistError("connection was closed"))
    assert "cannot reach its database" in gone and "Nothing was charged" in gone
    assert explain_failure(ConnectionRefusedError(111, "refused")) == gone
    assert explain_failure(asyncpg.TooManyConnectionsError("too many clients")) == gone
    full = explain_failure(asyncpg.DiskFullError("could not extend file"))
    assert full == explain_failure(OSError(errno.ENOSPC, "No space left on device"))
    assert all("Nothing was charged" in m for m in (full, SORRY))
