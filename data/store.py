"""The store: versioned migrations and serialised transactions on SQLite (the default) or
PostgreSQL (``DATABASE=postgresql://…``, :mod:`data.postgres_store`).

Every query in data/ is written once, in SQLite's dialect with ``?`` placeholders; the
PostgreSQL store translates the few differences (:mod:`data.sql_dialect`). Both engines
keep SQLite's one rule the code relies on: one write transaction at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from data import private
from data.sql_dialect import returns_rows

BUSY_TIMEOUT_MS = 10_000


POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class StoreUnavailable(Exception):
    """The database server a URL names cannot be reached or refuses us (PostgreSQL down,
    wrong host or password). An ordinary exception; the entry points print it as one
    sentence naming the setting."""


def redacted(url: str) -> str:
    """A URL fit to print: its password replaced by ***."""
    return re.sub(r"(//[^/:@]*:)[^/@]*@", r"\1***@", url)


def is_postgres(location: Path | str) -> bool:
    return str(location).startswith(POSTGRES_SCHEMES)


def migration_scripts(engine: str = "sqlite") -> list[tuple[int, str]]:
    """Every ``NNNN_name.sql`` of an engine, in version order: data/migrations for SQLite,
    data/migrations/postgresql for PostgreSQL (the same versions, one file each)."""
    folder = resources.files("data") / "migrations"
    if engine == "postgresql":
        folder = folder / "postgresql"
    scripts = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            scripts.append((int(entry.name.split("_", 1)[0]), entry.read_text("utf-8")))
    return sorted(scripts)


class Store:
    """What the rest of the program sees of a store: ``transaction()`` (all or nothing, one
    writer at a time), ``read()``, ``fetchone``/``fetchall``, ``migrate`` and ``close``.

    :meth:`open` picks the engine from the location: a ``postgresql://`` URL or a SQLite
    file path. ``IntegrityError`` is the engine's exception for a broken constraint.
    """

    IntegrityError: type[Exception] = sqlite3.IntegrityError
    engine = "sqlite"
    path: Path | None = None

    @classmethod
    async def open(cls, location: Path | str) -> Store:
        if is_postgres(location):
            from data.postgres_store import PostgresStore

            return await PostgresStore.connect(str(location))
        return await SqliteStore.open_file(Path(location))

    @property
    def location(self) -> Path | str:
        """What :meth:`open` takes to open this database again (another connection)."""
        raise NotImplementedError

    @property
    def bell_key(self) -> str:
        """What names this database for the queue's wake-ups (:mod:`data.doorbell`)."""
        raise NotImplementedError

    def json_equals(self, column: str, field: str) -> str:
        """SQL that is true where the JSON text in ``column`` has ``field`` equal to the
        parameter :meth:`json_value` makes."""
        return f"json_extract({column}, '$.{field}') = ?"

    def json_value(self, value: object) -> object:
        return value

    def json_number(self, column: str, field: str) -> str:
        return f"json_extract({column}, '$.{field}')"

    def json_text(self, column: str, field: str) -> str:
        """SQL for the text of ``field`` in the JSON of ``column``; '' when it is missing."""
        return f"COALESCE(json_extract({column}, '$.{field}'), '')"

    async def migrate(self) -> int:
        raise NotImplementedError

    def transaction(self) -> AbstractAsyncContextManager[Any]:
        raise NotImplementedError

    def read(self) -> AbstractAsyncContextManager[Any]:
        raise NotImplementedError

    def statement(self) -> AbstractAsyncContextManager[Any]:
        """The connection for one write that is atomic on its own (a single UPDATE with its
        condition): on PostgreSQL no BEGIN and COMMIT around it, one trip to the database,
        not three; on SQLite a transaction, whose BEGIN and COMMIT cost no trip."""
        raise NotImplementedError

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Any:
        raise NotImplementedError

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class RowsCursor:
    """What ``execute`` answers when the rows came with it (PostgreSQL, or a SQLite query
    in one trip), shaped like aiosqlite's cursor: ``fetchone``, ``fetchall``, ``rowcount``."""

    def __init__(self, rows: Sequence[Any], rowcount: int | None = None) -> None:
        self._rows = rows
        self.rowcount = len(rows) if rowcount is None else rowcount

    async def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    async def fetchall(self) -> list[Any]:
        return list(self._rows)


INLINE_QUERY_STEPS = 50_000
"""SQLite VM steps a query may take on the event loop (~0.7 ms here) before it is stopped
and run again on the store's thread. A lookup by key takes a few hundred."""

CHECKPOINT_EVERY = 100
"""Commits between two WAL checkpoints, run on the store's thread (they copy pages into the
database and sync it). A commit on the loop only appends to the WAL; SQLite's automatic
checkpoint, every 1,000 pages, would do that work on the loop."""

_QUERY = re.compile(r"\s*SELECT\b", re.IGNORECASE)


class _StepBudget:
    """SQLite's progress handler: stops a statement the loop runs once it passes
    ``INLINE_QUERY_STEPS``; statements on the store's thread run to their end."""

    def __init__(self) -> None:
        self.on_loop = False
        self.stopped = False

    def __call__(self) -> int:
        if self.on_loop:
            self.stopped = True
            return 1
        return 0


class SqliteConnection:
    """The store's SQLite connection as data/ uses it: ``execute`` and ``executemany``.

    A hand-over to aiosqlite's thread and back costs more CPU than a lookup by key
    (bench/scale_sim.py's bot made 22 per /imagine request), so what cannot wait runs on
    the event loop: a query (a WAL reader never waits for a writer; one that runs long is
    stopped and run again on the thread, see ``INLINE_QUERY_STEPS``), and the writes of a
    transaction, which holds the write lock from its ``BEGIN IMMEDIATE`` on. A write
    outside a transaction may wait for another process's lock: it goes to the thread.
    """

    def __init__(
        self,
        conn: aiosqlite.Connection,
        raw: sqlite3.Connection,
        budget: _StepBudget,
        *,
        holds_write_lock: bool,
    ) -> None:
        self._conn = conn
        self._raw = raw
        self._budget = budget
        self._holds_write_lock = holds_write_lock

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> Any:
        params = tuple(params)
        if _QUERY.match(sql):
            rows = self._query_on_loop(sql, params)
            if rows is None:
                rows = await self._conn.execute_fetchall(sql, params)
            return RowsCursor(list(rows))
        if self._holds_write_lock:
            cursor = self._raw.execute(sql, params)
            if cursor.description is None:
                return RowsCursor((), cursor.rowcount)
            return RowsCursor(cursor.fetchall())  # RETURNING
        if returns_rows(sql):
            return RowsCursor(list(await self._conn.execute_fetchall(sql, params)))
        return await self._conn.execute(sql, params)

    async def executemany(self, sql: str, params: Iterable[Iterable[Any]]) -> None:
        if self._holds_write_lock:
            self._raw.executemany(sql, params)
        else:
            await self._conn.executemany(sql, params)

    def _query_on_loop(self, sql: str, params: tuple[Any, ...]) -> list[Any] | None:
        """The rows, or None when the query ran past its budget (stopped: a stopped query
        leaves a transaction as it was; only a stopped write would roll it back)."""
        self._budget.on_loop = True
        try:
            return self._raw.execute(sql, params).fetchall()
        except sqlite3.OperationalError:
            if self._budget.stopped:
                return None
            raise
        finally:
            self._budget.on_loop = self._budget.stopped = False


async def _use_wal(conn: aiosqlite.Connection) -> None:
    """Switch a database to WAL, waiting for other processes that open it at the same time.

    Two processes switching a new file at once each hold a read lock and want the exclusive
    one; SQLite then refuses one of them at once, without its busy timeout (waiting could
    deadlock, sqlite3_busy_handler's documentation). Once the other has switched, trying
    again only reads the header.
    """
    deadline = asyncio.get_running_loop().time() + BUSY_TIMEOUT_MS / 1000
    pause = 0.005
    while True:
        try:
            await conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            busy = error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY
            if not busy or asyncio.get_running_loop().time() + pause > deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.1)


class SqliteStore(Store):
    """A SQLite database shared by the bot and the local worker (WAL mode).

    Statements run on the event loop or on aiosqlite's thread (:class:`SqliteConnection`),
    one at a time either way; coroutines could still interleave statements inside each
    other's transactions, so the lock makes each ``transaction()`` and each read a unit.
    What reaches the thread: a ``BEGIN IMMEDIATE`` that must wait for another process's
    write lock, a write outside a transaction, a query past its step budget, and a
    checkpoint every ``CHECKPOINT_EVERY`` commits.
    """

    def __init__(self, conn: aiosqlite.Connection, raw: sqlite3.Connection, path: Path) -> None:
        self._thread = conn
        budget = _StepBudget()
        raw.set_progress_handler(budget, INLINE_QUERY_STEPS)
        self._reads = SqliteConnection(conn, raw, budget, holds_write_lock=False)
        self._writes = SqliteConnection(conn, raw, budget, holds_write_lock=True)
        self._raw = raw
        self._commits = 0
        self._lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def open_file(cls, path: Path) -> SqliteStore:
        private.make_dir(path.parent)
        opened: list[sqlite3.Connection] = []

        def connect() -> sqlite3.Connection:  # on aiosqlite's thread; used on the loop too
            opened.append(sqlite3.connect(path, isolation_level=None, check_same_thread=False))
            return opened[0]

        conn = await aiosqlite.Connection(connect, iter_chunk_size=64)
        try:
            private.restrict(path)  # before WAL: -wal and -shm copy the database's mode
            conn.row_factory = aiosqlite.Row
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await _use_wal(conn)
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA wal_autocheckpoint = 0")  # the thread checkpoints
            await conn.execute("PRAGMA foreign_keys = ON")
            store = cls(conn, opened[0], path)
            await store.migrate()
        except BaseException:
            await conn.close()  # aiosqlite's thread would keep the process alive
            raise
        return store

    @property
    def location(self) -> Path:
        return self.path

    @property
    def bell_key(self) -> str:
        return str(self.path.resolve())

    async def migrate(self) -> int:
        """Apply the migrations this database has not seen; returns the schema version."""
        async with self.transaction() as db:
            (version,) = await (await db.execute("PRAGMA user_version")).fetchone()
            for number, script in migration_scripts():
                if number > version:
                    for statement in _split_sql(script):
                        await db.execute(statement)
                    await db.execute(f"PRAGMA user_version = {number}")
                    version = number
        return version

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteConnection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception: all or nothing."""
        async with self._lock:
            await self._begin()
            try:
                yield self._writes
                self._raw.execute("COMMIT")  # appends to the WAL: no sync, no checkpoint
            except BaseException:
                if self._raw.in_transaction:
                    self._raw.execute("ROLLBACK")
                raise
            self._commits += 1
            if self._commits % CHECKPOINT_EVERY == 0:
                await self._thread.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)")

    async def _begin(self) -> None:
        """BEGIN IMMEDIATE on the loop when no other connection holds the write lock (then
        nothing is waited for); else on the store's thread, where the busy timeout waits."""
        raw = self._raw
        raw.execute("PRAGMA busy_timeout = 0")
        try:
            raw.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                raise
        finally:
            raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        waiting = asyncio.ensure_future(self._thread.execute("BEGIN IMMEDIATE"))
        try:
            await asyncio.shield(waiting)
        except asyncio.CancelledError:
            # The thread begins anyway: end that transaction before the lock is let go, or
            # it would hold the write lock and the next BEGIN would find it open.
            with contextlib.suppress(sqlite3.Error):
                await waiting
                raw.execute("ROLLBACK")
            raise

    @asynccontextmanager
    async def read(self) -> AsyncIterator[SqliteConnection]:
        """The connection for reads, with no other coroutine's transaction half-done."""
        async with self._lock:
            yield self._reads

    def statement(self) -> AbstractAsyncContextManager[SqliteConnection]:
        """A transaction: its BEGIN and COMMIT cost no trip here (on the loop), and only a
        transaction's writes run on the loop (an autocommit write may wait for a lock)."""
        return self.transaction()

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        async with self.read() as db:
            return await (await db.execute(sql, params)).fetchone()

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        async with self.read() as db:
            return await (await db.execute(sql, params)).fetchall()

    async def close(self) -> None:
        await self._thread.close()


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies (BEGIN … END;) whole."""
    statements, current = [], []
    for line in script.splitlines():
        if line.strip().startswith("--") and not current:
            continue
        current.append(line)
        candidate = "\n".join(current)
        if candidate.rstrip().endswith(";") and sqlite3.complete_statement(candidate):
            statements.append(candidate.strip())
            current = []
    if "\n".join(current).strip():
        statements.append("\n".join(current).strip())
    return statements
