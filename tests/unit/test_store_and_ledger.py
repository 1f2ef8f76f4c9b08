import asyncio
import sqlite3

import pytest

from data import ledger
from data.ledger import EntryKind, LedgerEntry
from data.store import BUSY_TIMEOUT_MS, Store, migration_scripts

TABLES = {"users", "ledger", "jobs", "images", "collections", "collection_items", "queue"}


async def test_migrations_build_every_table_from_an_empty_database(store: Store):
    rows = await store.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    assert {row["name"] for row in rows} >= TABLES
    (version,) = await store.fetchone("PRAGMA user_version")
    assert version == max(number for number, _ in migration_scripts())
    (mode,) = await store.fetchone("PRAGMA journal_mode")
    assert mode == "wal"


async def test_migrations_apply_once(store: Store):
    assert await store.migrate() == max(number for number, _ in migration_scripts())
    reopened = await Store.open(store.path)
    await reopened.close()


async def _add_user(store: Store, user_id: int = 7) -> None:
    async with store.transaction() as db:
        await db.execute("INSERT INTO users (id, name, created_at) VALUES (?, 'u', 0)", (user_id,))


async def test_balance_is_the_sum_and_keys_are_idempotent(store: Store):
    await _add_user(store)
    entries = [
        LedgerEntry(7, 50, EntryKind.FREE_GRANT, "welcome", "k1", 1.0),
        LedgerEntry(7, -1, EntryKind.SPEND, "job a", "k2", 2.0),
        LedgerEntry(7, -3, EntryKind.SPEND, "job b", "k3", 3.0),
    ]
    async with store.transaction() as db:
        assert [await ledger.append(db, e) for e in entries] == [True, True, True]
        assert await ledger.append(db, entries[1]) is False  # same key: written once
        assert await ledger.balance(db, 7) == 46
        assert [e.idem_key for e in await ledger.recent(db, 7)] == ["k3", "k2", "k1"]


async def test_ledger_rows_cannot_be_changed_or_deleted(store: Store):
    await _add_user(store)
    async with store.transaction() as db:
        await ledger.append(db, LedgerEntry(7, 5, EntryKind.ADMIN_GRANT, "gift", "g", 1.0))
    for statement in ("UPDATE ledger SET delta = 500", "DELETE FROM ledger"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            async with store.transaction() as db:
                await db.execute(statement)
    async with store.read() as db:
        assert await ledger.balance(db, 7) == 5


async def test_a_failed_transaction_writes_nothing(store: Store):
    await _add_user(store)
    with pytest.raises(RuntimeError):
        async with store.transaction() as db:
            await ledger.append(db, LedgerEntry(7, 5, EntryKind.ADMIN_GRANT, "gift", "g", 1.0))
            raise RuntimeError("crash half-way")
    async with store.read() as db:
        assert await ledger.balance(db, 7) == 0


async def test_the_data_folder_database_and_images_are_private(tmp_path):
    """Issue 19 item 10: prompts, interaction tokens and pictures are not world-readable."""
    import os
    import stat

    from data.images import ImageFiles

    def mode(path) -> int:
        return stat.S_IMODE(os.stat(path).st_mode)

    before = os.umask(0o022)  # the usual default: 0644 files, 0755 folders
    data_dir = tmp_path / "new" / "var"
    try:
        store = await Store.open(data_dir / "imagine.db")
        try:
            await store.migrate()
            assert mode(data_dir / "imagine.db-wal") == 0o600
            relative = ImageFiles(data_dir).write("0123456789ab", b"\x89PNG")
        finally:
            await store.close()
    finally:
        os.umask(before)

    assert mode(tmp_path / "new") == 0o700 and mode(data_dir) == 0o700
    assert mode(data_dir / "imagine.db") == 0o600
    assert mode(data_dir / "images") == 0o700 and mode(data_dir / relative) == 0o600


async def test_migration_0010_keeps_every_ledger_row_and_the_append_only_rule(tmp_path):
    """The ledger is rebuilt to allow the 'grant' pool; old rows, keys and triggers stay."""
    import sqlite3

    import aiosqlite

    from data.store import _split_sql

    path = tmp_path / "old.db"
    async with aiosqlite.connect(path) as db:  # a database at version 9, with rows
        for number, script in migration_scripts():
            if number <= 9:
                for statement in _split_sql(script):
                    await db.execute(statement)
        await db.execute("PRAGMA user_version = 9")
        await db.execute("INSERT INTO users (id, name, created_at) VALUES (1, 'u', 0)")
        await db.execute(
            "INSERT INTO ledger (user_id, delta, kind, reason, idem_key, created_at, pool, scope)"
            " VALUES (1, 20, 'admin_grant', 'old prize', 'admin:1', 0, 'paid', 0)"
        )
        await db.commit()
    store = await Store.open(path)
    try:
        rows = await store.fetchall("SELECT delta, kind, idem_key, pool, scope FROM ledger")
        assert [tuple(r) for r in rows] == [(20, "admin_grant", "admin:1", "paid", 0)]
        async with store.transaction() as db:
            await db.execute(
                "INSERT INTO ledger (user_id, delta, kind, reason, idem_key, created_at, pool,"
                " scope) VALUES (1, 5, 'admin_grant', 'new', 'admin:2', 1, 'grant', 77)"
            )
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            async with store.transaction() as db:
                await db.execute("DELETE FROM ledger")
    finally:
        await store.close()


@pytest.fixture
def trips(monkeypatch) -> list[str]:
    """What reaches aiosqlite's thread: each call there is a hand-over and back."""
    import aiosqlite

    seen: list[str] = []
    execute = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):
        seen.append(args[0] if args else getattr(fn, "__name__", "?"))
        return await execute(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return seen


async def test_only_what_may_wait_for_a_lock_goes_to_the_store_thread(store: Store, trips):
    """A hand-over to the store's thread costs more than the query it carries: queries and
    transactions (BEGIN and COMMIT included) run on the loop; a write outside a transaction
    may wait for another process's lock, and goes to the thread."""
    await _add_user(store)
    async with store.read() as db:
        row = await (await db.execute("SELECT id, name FROM users WHERE id = ?", (7,))).fetchone()
        rows = await (await db.execute("select id from users")).fetchall()
    assert tuple(row) == (7, "u") and row["name"] == "u" and [r["id"] for r in rows] == [7]
    async with store.transaction() as db:
        changed = await db.execute("UPDATE users SET name = 'v' WHERE id = ?", (7,))
        missed = await db.execute("UPDATE users SET name = 'v' WHERE id = ?", (8,))
        returned = await db.execute("UPDATE users SET name = 'v' WHERE id = 7 RETURNING id")
        assert [tuple(r) for r in await returned.fetchall()] == [(7,)]
    assert (changed.rowcount, missed.rowcount) == (1, 0)
    async with store.statement() as db:  # one write, atomic on its own
        again = await db.execute("UPDATE users SET name = 'w' WHERE id = ? AND name = 'v'", (7,))
    assert again.rowcount == 1
    assert tuple(await store.fetchone("SELECT name FROM users WHERE id = 7")) == ("w",)
    assert trips == []
    async with store.read() as db:  # autocommit: it takes the write lock itself
        await db.execute("UPDATE users SET name = 'x' WHERE id = 7")
    assert trips == ["UPDATE users SET name = 'x' WHERE id = 7"]


async def test_a_long_query_is_stopped_on_the_loop_and_run_on_the_thread(store: Store, trips):
    """A query past its step budget would hold up the event loop: it is stopped and run
    again on the store's thread, with the same rows, leaving the transaction it is in."""
    long = (
        "SELECT (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
        " SELECT count(*) FROM n)"
    )
    async with store.transaction() as db:
        await db.execute("INSERT INTO users (id, name, created_at) VALUES (9, 'n', 0)")
        short = await (await db.execute(long, (10,))).fetchone()
        counted_up = await (await db.execute(long, (200_000,))).fetchone()
    assert (short[0], counted_up[0]) == (10, 200_000)
    assert trips == [long]  # only the long one went there
    assert tuple(await store.fetchone("SELECT name FROM users WHERE id = 9")) == ("n",)
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        await store.fetchone("SELECT * FROM no_such_table")  # an error is not a budget


async def _write_behind(store: Store, name: str) -> tuple[asyncio.Task[None], asyncio.Event]:
    """A transaction that sets user 7's name, started while another connection holds the
    write lock; returned once the loop has turned 20 times, its BEGIN IMMEDIATE waiting on
    the store's thread: the task, and the event its body sets when it runs."""
    entered = asyncio.Event()

    async def write() -> None:
        async with store.transaction() as db:
            entered.set()
            await db.execute("UPDATE users SET name = ? WHERE id = 7", (name,))

    writing = asyncio.create_task(write())
    for _ in range(20):  # the loop turns while BEGIN IMMEDIATE waits on the thread
        await asyncio.sleep(0)
    return writing, entered


async def test_the_loop_runs_while_another_process_holds_the_write_lock(store: Store, trips):
    """A transaction waits for another connection's write lock on the store's thread, not
    on the event loop; queries meanwhile read the last commit (WAL) at once."""
    await _add_user(store)
    other = sqlite3.connect(store.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE users SET name = 'other' WHERE id = 7")
        writing, entered = await _write_behind(store, "mine")
        assert not entered.is_set() and not writing.done()
        other.execute("COMMIT")
        await asyncio.wait_for(writing, timeout=10)
    finally:
        other.close()
    assert tuple(await store.fetchone("SELECT name FROM users WHERE id = 7")) == ("mine",)
    assert trips == ["BEGIN IMMEDIATE"]
    assert tuple(await store.fetchone("PRAGMA busy_timeout")) == (BUSY_TIMEOUT_MS,)


async def test_a_request_cancelled_while_its_begin_waits_leaves_no_transaction(store: Store):
    """Cancelled while BEGIN IMMEDIATE waits on the thread for another process's lock: the
    thread still begins once the lock is free, and that transaction is ended before the
    store's lock is let go (else it would keep the write lock, and every later BEGIN fail)."""
    await _add_user(store)
    other = sqlite3.connect(store.path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        writing, entered = await _write_behind(store, "never")
        writing.cancel()
        for _ in range(20):
            await asyncio.sleep(0)
        other.execute("COMMIT")
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(writing, timeout=10)
        assert not entered.is_set()
        # A statement on the store's thread runs after the BEGIN queued there before it
        await store.fetchone("PRAGMA busy_timeout")
        other.execute("BEGIN IMMEDIATE")  # the write lock is free at once
        other.execute("ROLLBACK")
    finally:
        other.close()
    async with store.transaction() as db:
        await db.execute("UPDATE users SET name = 'next' WHERE id = 7")
    assert tuple(await store.fetchone("SELECT name FROM users WHERE id = 7")) == ("next",)


async def test_the_store_thread_checkpoints_the_wal(store: Store, trips, monkeypatch):
    """Commits on the loop only append to the WAL (SQLite's own checkpoints are off); every
    CHECKPOINT_EVERY commits the thread copies it into the database."""
    from data import store as store_module

    monkeypatch.setattr(store_module, "CHECKPOINT_EVERY", 3)
    assert tuple(await store.fetchone("PRAGMA wal_autocheckpoint")) == (0,)
    trips.clear()
    for user_id in range(1, 7):
        await _add_user(store, user_id)
    assert trips == ["PRAGMA wal_checkpoint(PASSIVE)"] * 2  # six commits
    reader = sqlite3.connect(store.path)
    try:
        assert reader.execute("SELECT count(*) FROM users").fetchone() == (6,)
    finally:
        reader.close()


async def test_a_commit_that_fails_rolls_back(store: Store):
    """A COMMIT refused (here a foreign key checked at commit) leaves no transaction open
    and nothing written; the store goes on."""
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        async with store.transaction() as db:
            await db.execute("PRAGMA defer_foreign_keys = ON")
            await db.execute(
                "INSERT INTO collections (owner_id, name, created_at) VALUES (404, 'c', 0)"
            )
    assert tuple(await store.fetchone("SELECT count(*) FROM collections")) == (0,)
    await _add_user(store)
    assert tuple(await store.fetchone("SELECT count(*) FROM users")) == (1,)


async def test_a_query_reads_the_last_commit_while_another_process_writes(store: Store):
    await _add_user(store)
    other = sqlite3.connect(store.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE users SET name = 'other' WHERE id = 7")
        assert tuple(await store.fetchone("SELECT name FROM users WHERE id = 7")) == ("u",)
    finally:
        other.execute("ROLLBACK")
        other.close()
