"""The store on PostgreSQL (``DATABASE=postgresql://…``) through asyncpg.

Several bot, API and worker processes on several machines share one database. Every
``transaction()`` takes one transaction-scoped advisory lock first, so write transactions
run one at a time across all of them, as on SQLite (``BEGIN IMMEDIATE``): the read-then-
write steps in the code (a balance checked before a charge, a collection's cap, a queue
turn) keep the guarantees they were written for. Reads run in parallel, each in a
snapshot. Queries keep SQLite's dialect; :mod:`data.sql_dialect` translates them.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import asyncpg

from data.sql_dialect import returns_rows, status_count, to_postgres
from data.store import RowsCursor, Store, StoreUnavailable, migration_scripts, redacted

# pg_advisory_xact_lock keys: one for every write transaction, one for migrations.
WRITE_LOCK = 0x1A6_0001
MIGRATION_LOCK = 0x1A6_0002
POOL_SIZE = 10


class PostgresConnection:
    """One pooled connection, spoken to in SQLite's dialect (``?``, ``INSERT OR IGNORE``).

    Records answer by position and by column name, like ``aiosqlite.Row``."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> RowsCursor:
        query = to_postgres(sql)
        args = tuple(params)
        if returns_rows(query):
            rows = await self._conn.fetch(query, *args)
            return RowsCursor(rows)
        return RowsCursor([], status_count(await self._conn.execute(query, *args)))

    async def executemany(self, sql: str, params: Iterable[Iterable[Any]]) -> None:
        await self._conn.executemany(to_postgres(sql), [tuple(p) for p in params])


def _numeric(text: str) -> int | float:
    """SUM over integers is NUMERIC in PostgreSQL; the code expects SQLite's int."""
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


async def _setup(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "numeric", schema="pg_catalog", encoder=str, decoder=_numeric, format="text"
    )


class PostgresStore(Store):
    IntegrityError = asyncpg.IntegrityConstraintViolationError
    engine = "postgresql"

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self._pool = pool
        self._lock = asyncio.Lock()  # this process's writers queue here, not on connections
        self.url = url

    @classmethod
    async def connect(cls, url: str) -> PostgresStore:
        try:
            pool = await asyncpg.create_pool(url, min_size=1, max_size=POOL_SIZE, init=_setup)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            raise StoreUnavailable(
                f"Configuration error: the PostgreSQL store {redacted(url)} cannot be used"
                f" ({error}). Start PostgreSQL there, or fix DATABASE (and QUEUE) in the"
                " environment or in .env."
            ) from None
        store = cls(pool, url)
        try:
            await store.migrate()
        except BaseException:
            await pool.close()
            raise
        return store

    @property
    def location(self) -> str:
        return self.url

    @property
    def bell_key(self) -> str:
        # Wake-ups reach the processes of this machine; others fall back to polling.
        return "postgresql:" + hashlib.sha1(self.url.encode()).hexdigest()

    def json_equals(self, column: str, field: str) -> str:
        return f"({column}::jsonb -> '{field}') = ?::jsonb"

    def json_value(self, value: object) -> object:
        import json

        return json.dumps(value)

    def json_number(self, column: str, field: str) -> str:
        return f"({column}::jsonb ->> '{field}')::numeric"

    def json_text(self, column: str, field: str) -> str:
        return f"COALESCE({column}::jsonb ->> '{field}', '')"

    async def migrate(self) -> int:
        """Apply the PostgreSQL migrations this database has not seen, one process at a time."""
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version"
                " (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            version = await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version")
            for number, script in migration_scripts("postgresql"):
                if number > version:
                    await conn.execute(script)
                    await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", number)
                    version = number
        return version

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresConnection]:
        """A write transaction, alone across every process on this database."""
        async with self._lock, self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK)
            yield PostgresConnection(conn)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[PostgresConnection]:
        """Reads that see one snapshot (repeatable read), beside any writer."""
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
            yield PostgresConnection(conn)

    @asynccontextmanager
    async def statement(self) -> AsyncIterator[PostgresConnection]:
        """Autocommit: the statement's own row locks make it atomic, beside any writer."""
        async with self._pool.acquire() as conn:
            yield PostgresConnection(conn)

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> asyncpg.Record | None:
        return await self._pool.fetchrow(to_postgres(sql), *tuple(params))

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[asyncpg.Record]:
        return list(await self._pool.fetch(to_postgres(sql), *tuple(params)))

    async def close(self) -> None:
        await self._pool.close()
