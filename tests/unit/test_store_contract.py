"""The store's contract on both engines: every data/ module's queries answer the same on
SQLite and on PostgreSQL (a real server from Debian's packages, tests/postgres_server.py)."""

from __future__ import annotations

import asyncio

import pytest

from data import (
    access,
    collections,
    erasure,
    images,
    job_records,
    ledger,
    link_claims,
    moderation,
    preferences,
    shares,
    styles,
    users,
    visible_mark,
)
from data.images import ImageRecord
from data.jobs import Job, JobKind
from data.ledger import EntryKind, LedgerEntry, Pool
from data.moderation import Block
from data.store import Store, migration_scripts

ALICE, BOB = 11, 2**62  # Discord ids are 64-bit
GUILD = 2**60 + 7


@pytest.fixture
def store(any_store: Store) -> Store:
    return any_store


async def tables(store: Store) -> set[str]:
    if store.engine == "postgresql":
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    return {row[0] for row in await store.fetchall(sql)}


async def columns(store: Store, table: str) -> set[str]:
    if store.engine == "postgresql":
        rows = await store.fetchall(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ?",
            (table,),
        )
    else:
        rows = await store.fetchall(f"SELECT name FROM pragma_table_info('{table}')")
    return {row[0] for row in rows} - {"rowid"}


def test_both_engines_have_the_same_migration_versions():
    sqlite = [number for number, _ in migration_scripts("sqlite")]
    postgres = [number for number, _ in migration_scripts("postgresql")]
    assert sqlite == postgres and sqlite


async def test_both_engines_build_the_same_tables_and_columns(settings, postgres_url):
    on_sqlite = await Store.open(settings.database_path)
    on_postgres = await Store.open(postgres_url)
    try:
        names = await tables(on_sqlite)
        assert names - {"sqlite_sequence"} == await tables(on_postgres) - {"schema_version"}
        for table in sorted(names - {"sqlite_sequence"}):
            assert await columns(on_sqlite, table) == await columns(on_postgres, table), table
    finally:
        await on_sqlite.close()
        await on_postgres.close()


async def test_migrations_apply_once_even_from_two_processes_at_once(postgres_url):
    latest = max(number for number, _ in migration_scripts("postgresql"))
    first, second = await asyncio.gather(Store.open(postgres_url), Store.open(postgres_url))
    try:
        assert await first.migrate() == latest == await second.migrate()
        (applied,) = await first.fetchone("SELECT COUNT(*) FROM schema_version")
        assert applied == len(migration_scripts("postgresql"))
    finally:
        await first.close()
        await second.close()


async def _people(store: Store) -> None:
    async with store.transaction() as db:
        assert await users.ensure_user(db, ALICE, "alice", 1.0)
        assert await users.ensure_user(db, BOB, "bob", 1.0)
        assert not await users.ensure_user(db, BOB, "bobby", 2.0)  # renamed, not new


def _job(job_id: str) -> Job:
    return Job(
        id=job_id, kind=JobKind.GENERATE, prompt="owls", seed=1, n=2, width=64, height=64,
        steps=2, guidance=0,
    )  # fmt: skip


def _image(image_id: str, job_id: str, position: int, owner: int, **extra) -> ImageRecord:
    fields = dict(
        id=image_id, job_id=job_id, position=position, owner_id=owner, path=f"{image_id}.png",
        prompt="owls", negative="", seed=position, model="tiny", width=64, height=64,
        parent_id=None, created_at=float(position),
    )  # fmt: skip
    return ImageRecord(**(fields | extra))


async def _made(store: Store, owner: int, job_id: str, *image_ids: str) -> None:
    async with store.transaction() as db:
        await job_records.insert(
            db, _job(job_id), user_id=owner, cost=1, source_image_id=None, origin=None, now=5.0
        )
        for position, image_id in enumerate(image_ids, 1):
            await images.insert(db, _image(image_id, job_id, position, owner))
        assert await job_records.finish(db, job_id, "done", None, 6.0)
        assert not await job_records.finish(db, job_id, "failed", "again", 7.0)


async def test_ledger_sums_pools_keeps_keys_once_and_stays_append_only(store: Store):
    await _people(store)
    async with store.transaction() as db:
        rows = [
            LedgerEntry(BOB, 50, EntryKind.FREE_GRANT, "welcome", "w", 1.0, Pool.FREE),
            LedgerEntry(BOB, 115, EntryKind.PURCHASE, "pack", "p", 2.0, Pool.PAID),
            LedgerEntry(BOB, 5, EntryKind.ADMIN_GRANT, "gift", "g", 3.0, Pool.GRANT, GUILD),
            LedgerEntry(BOB, -3, EntryKind.SPEND, "job", "job:a:1", 4.0, Pool.FREE),
        ]
        assert [await ledger.append(db, row) for row in rows] == [True] * 4
        assert not await ledger.append(db, rows[0])
        assert await ledger.balances(db, BOB) == ledger.Balance(free=47, paid=115)
        assert await ledger.balance(db, BOB, GUILD) == 5
        assert [e.idem_key for e in await ledger.with_key_prefix(db, "job:a:")] == ["job:a:1"]
        assert await ledger.accounts(db) == [(BOB, 0)]
        assert await ledger.first_entry_time(db, BOB, EntryKind.PURCHASE) == 2.0
    statements = ["UPDATE ledger SET delta = 500", "DELETE FROM ledger"]
    if store.engine == "postgresql":
        statements.append("TRUNCATE ledger CASCADE")
    for statement in statements:
        with pytest.raises(store.IntegrityError, match="append-only"):
            async with store.transaction() as db:
                await db.execute(statement)
    async with store.read() as db:
        assert await ledger.balance(db, BOB) == 162


async def test_a_failed_transaction_writes_nothing(store: Store):
    await _people(store)
    with pytest.raises(RuntimeError):
        async with store.transaction() as db:
            await ledger.append(db, LedgerEntry(ALICE, 5, EntryKind.ADMIN_GRANT, "x", "x", 1.0))
            raise RuntimeError("crash half-way")
    with pytest.raises(store.IntegrityError):  # a broken constraint rolls back the rest too
        async with store.transaction() as db:
            await ledger.append(db, LedgerEntry(ALICE, 5, EntryKind.ADMIN_GRANT, "y", "y", 1.0))
            await db.execute("INSERT INTO users (id, name, created_at) VALUES (?, '', 0)", (BOB,))
    async with store.read() as db:
        assert await ledger.balance(db, ALICE) == 0


async def test_writers_from_two_connections_take_turns(store: Store):
    """A read-then-write (count, then insert the next number) never interleaves."""
    await _people(store)
    other = await Store.open(store.location)

    async def next_row(on: Store, i: int) -> None:
        async with on.transaction() as db:
            (count,) = await (await db.execute("SELECT COUNT(*) FROM ledger")).fetchone()
            entry = LedgerEntry(ALICE, 1, EntryKind.ADMIN_GRANT, str(i), f"n{count}", 1.0)
            assert await ledger.append(db, entry), "two writers saw the same count"

    try:
        await asyncio.gather(*(next_row((store, other)[i % 2], i) for i in range(30)))
    finally:
        await other.close()
    async with store.read() as db:
        assert await ledger.balance(db, ALICE) == 30


async def test_jobs_and_images_round_trip(store: Store):
    await _people(store)
    await _made(store, BOB, "j1", "aa0000000001", "aa0000000002")
    await _made(store, BOB, "j2", "aa0000000003")
    async with store.transaction() as db:
        record = await job_records.get(db, "j1")
        assert (record.user_id, record.status, record.cost) == (BOB, "done", 1)
        assert [r.id for r in await job_records.undelivered(db)] == ["j1", "j2"]
        assert await job_records.mark_delivered(db, "j1", 8.0)
        assert not await job_records.mark_delivered(db, "j1", 9.0)
        assert await job_records.open_count(db, BOB) == 0
        found = await images.get_many(db, ["aa0000000003", "nope", "aa0000000001"])
        assert [i.id for i in found] == ["aa0000000003", "aa0000000001"]
        assert [[i.position for i in job] for job in await images.generations(db, BOB, 5)] == [
            [1],
            [1, 2],
        ]  # newest job first; same created_at: insertion order breaks the tie
        assert len(await images.unmeasured(db, None)) == 3
        assert await images.unmeasured(db, ALICE) == []
        await images.set_bytes(db, {"aa0000000001": 100, "aa0000000002": 50})
        (use,) = await images.disk_use(db, None, 10)
        assert (use.owner_id, use.name, use.images, use.bytes) == (BOB, "bobby", 3, 150)
        assert await images.disk_use(db, ALICE, 10) == []


async def test_a_single_statement_marks_a_delivery_once_even_when_two_race(store: Store):
    """``statement()``: one atomic write without BEGIN and COMMIT (the watcher marks each
    delivery so); two at once, one wins, and a transaction beside it is not disturbed."""
    await _people(store)
    await _made(store, BOB, "j1", "aa0000000001")

    async def mark(at: float) -> bool:
        async with store.statement() as db:
            return await job_records.mark_delivered(db, "j1", at)

    assert sorted(await asyncio.gather(mark(8.0), mark(9.0))) == [False, True]
    with pytest.raises(RuntimeError):
        async with store.transaction() as db:  # rolled back: the mark stays
            await db.execute("UPDATE jobs SET delivered_at = NULL WHERE id = ?", ("j1",))
            raise RuntimeError("rolled back")
    async with store.read() as db:
        assert (await job_records.get(db, "j1")).delivered_at in (8.0, 9.0)


async def test_collections_are_case_blind_capped_and_ordered(store: Store):
    await _people(store)
    await _made(store, BOB, "j1", "bb0000000001", "bb0000000002")
    async with store.transaction() as db:
        made = await collections.create(db, BOB, "Cats", 1.0)
        assert isinstance(made, int)
        assert await collections.ensure(db, BOB, "cATS", 2.0) == made
        assert (await collections.by_name(db, BOB, "cats")).name == "Cats"
        await collections.create(db, BOB, "birds", 1.0)
        assert [c.name for c in await collections.of_owner(db, BOB)] == ["birds", "Cats"]
        ids = ["bb0000000001", "bb0000000002"]
        assert await collections.add_within_cap(db, BOB, made, [*ids, ids[0]], 2, 3.0) == 2
        assert await collections.add_within_cap(db, BOB, made, ids, 2, 3.0) == 0
        assert await collections.image_ids(db, made, 10, 0) == ids[::-1]  # last added first
        await collections.set_public(db, made, True)
        assert await collections.in_public_collection(db, ids[0])
        assert await collections.remove(db, made, ids[0])
        assert (await collections.by_id(db, made)).size == 1


async def test_a_servers_gallery_page_shows_its_public_collections(store: Store):
    """A collection is on the page of the server where it was made public; of its images
    only the owner's own and those live in that gallery, never one removed there."""
    await _people(store)
    await _made(store, BOB, "j1", "ee0000000001", "ee0000000002")
    await _made(store, ALICE, "j2", "ee0000000003", "ee0000000004", "ee0000000005")
    own, live, unshared, removed = "ee0000000001", "ee0000000003", "ee0000000004", "ee0000000005"
    async with store.transaction() as db:
        for image_id, message_id in ((live, 2**55 + 10), (removed, 2**55 + 11)):
            share = await shares.reserve(db, GUILD, image_id, ALICE, 1.0)
            await shares.publish(db, share.id, 9, message_id)
        await shares.mark_removed(db, (await shares.get(db, GUILD, removed)).id, BOB, 2.0)
        picks = await collections.create(db, BOB, "Picks", 1.0)
        await collections.add(db, picks, [own, live, unshared, removed], 2.0)
        others = await collections.create(db, BOB, "Others", 1.0)
        await collections.add(db, others, [unshared], 2.0)  # nothing of it may show
        later = await collections.create(db, BOB, "Later", 1.0)
        await collections.add(db, later, ["ee0000000002"], 2.0)
        assert await collections.public_count_in(db, GUILD) == 0  # private so far

        await collections.set_public(db, picks, True, guild_id=GUILD, now=5.0)
        await collections.set_public(db, others, True, guild_id=GUILD, now=5.0)
        await collections.set_public(db, later, True, guild_id=GUILD, now=6.0)
        listed = await collections.public_in(db, GUILD, 10, 0)
        assert [(c.collection.name, c.owner, c.shown, c.collection.size) for c in listed] == [
            ("Later", "bobby", 1, 1),  # last made public first
            ("Picks", "bobby", 2, 4),
        ]
        assert await collections.public_count_in(db, GUILD) == 2
        assert [c.collection.name for c in await collections.public_in(db, GUILD, 1, 1)] == [
            "Picks"
        ]
        assert await collections.shown_image_ids(db, GUILD, picks, 10, 0) == [live, own]
        assert await collections.shown_image_ids(db, GUILD, picks, 1, 1) == [own]
        assert (await collections.public_one_in(db, GUILD, picks)).shown == 2
        assert [await collections.shown_in(db, GUILD, i) for i in (own, live, unshared)] == [
            True,
            True,
            False,
        ]
        assert not await collections.shown_in(db, GUILD, removed)
        elsewhere = GUILD + 1  # nothing of it on another server's page
        assert await collections.public_in(db, elsewhere, 10, 0) == []
        assert await collections.public_one_in(db, elsewhere, picks) is None
        assert await collections.shown_image_ids(db, elsewhere, picks, 10, 0) == []
        assert not await collections.shown_in(db, elsewhere, own)

        await collections.set_public(db, later, False)  # private: gone at once
        assert await collections.public_one_in(db, GUILD, later) is None
        assert await collections.shown_image_ids(db, GUILD, later, 10, 0) == []
        await collections.set_public(db, later, True, now=7.0)  # public from a DM: no page
        assert (await collections.by_id(db, later)).is_public
        assert await collections.public_one_in(db, GUILD, later) is None
        assert [c.collection.name for c in await collections.public_in(db, GUILD, 10, 0)] == [
            "Picks"
        ]
        assert await collections.remove(db, picks, own)  # an image taken out: gone too
        assert not await collections.shown_in(db, GUILD, own)
        await erasure.erase_user(db, ALICE)  # her images leave Bob's collection
        assert await collections.public_count_in(db, GUILD) == 0
        await collections.add(db, picks, [own], 8.0)
        assert await collections.public_count_in(db, GUILD) == 1
        await erasure.erase_user(db, BOB)  # /forget-me: his collections go
        assert await collections.public_in(db, GUILD, 10, 0) == []


async def test_an_editor_link_is_claimed_once_until_it_expires(store: Store):
    async with store.transaction() as db:
        assert await link_claims.claim(db, "link-a", "browser-1", 100.0) == "browser-1"
        assert await link_claims.claim(db, "link-a", "browser-2", 100.0) == "browser-1"
        assert await link_claims.claim(db, "link-b", "browser-2", 200.0) == "browser-2"
        assert await link_claims.owner_of(db, "link-c") is None
        assert await link_claims.forget_expired(db, 100.0) == 1
        assert await link_claims.owner_of(db, "link-a") is None
        assert await link_claims.owner_of(db, "link-b") == "browser-2"


async def test_gallery_shares_votes_and_ranking(store: Store):
    await _people(store)
    await _made(store, BOB, "j1", "cc0000000001", "cc0000000002")
    async with store.transaction() as db:
        await shares.set_channel(db, GUILD, 2**61, True, ALICE, 1.0)
        await shares.set_channel(db, GUILD, 2**61 + 1, False, ALICE, 2.0)
        assert (await shares.channel_of(db, GUILD)).channel_id == 2**61 + 1
        first = await shares.reserve(db, GUILD, "cc0000000001", BOB, 3.0)
        second = await shares.reserve(db, GUILD, "cc0000000002", BOB, 4.0)
        assert await shares.reserve(db, GUILD, "cc0000000001", BOB, 5.0) is None  # taken
        await shares.publish(db, first.id, 9, 2**55 + 1)
        await shares.publish(db, second.id, 9, 2**55 + 2)
        for voter in (ALICE, BOB, 3):
            await shares.vote(db, 2**55 + 2, voter, "👍", 6.0)
        await shares.vote(db, 2**55 + 2, ALICE, "👍", 6.0)  # the same event twice
        await shares.vote(db, 2**55 + 1, ALICE, "🔥", 6.0)
        ranked = await shares.top(db, GUILD, 0.0, 10)
        assert [(r.share.image_id, r.votes) for r in ranked] == [
            ("cc0000000002", 3),
            ("cc0000000001", 1),
        ]
        await shares.unvote(db, 2**55 + 2, BOB, None)
        await shares.unvote(db, 2**55 + 2, None, "👍")
        assert [r.votes for r in await shares.top(db, GUILD, 0.0, 10)] == [1, 0]
        page = await shares.live_page(db, GUILD, 10, 0)
        assert [(s.share.image_id, s.author, s.votes) for s in page] == [
            ("cc0000000002", "bobby", 0),
            ("cc0000000001", "bobby", 1),
        ]  # newest first
        assert await shares.live_count(db, GUILD) == 2
        assert await shares.web_enabled(db, GUILD)
        assert await shares.set_web_enabled(db, GUILD, False, ALICE, 8.0)
        assert not await shares.set_web_enabled(db, GUILD, False, ALICE, 9.0)
        assert not await shares.web_enabled(db, GUILD)
        await shares.mark_removed(db, first.id, ALICE, 7.0)
        assert not await shares.is_live(db, "cc0000000001")
        assert (await shares.live_by_message(db, 2**55 + 2)).image_id == "cc0000000002"


async def test_moderation_rules_terms_strikes_and_suspensions(store: Store):
    async with store.transaction() as db:
        assert await moderation.rules(db, GUILD) == moderation.GuildRules()
        await moderation.set_rules(db, GUILD, {"block_faces": True, "mod_log_channel_id": 2**61}, 1)
        await moderation.set_rules(db, GUILD, {"diversify_people": False}, 2.0)
        rules = await moderation.rules(db, GUILD)
        assert (rules.mod_log_channel_id, rules.block_faces, rules.diversify_people) == (
            2**61,
            True,
            False,
        )
        assert await moderation.add_term(db, GUILD, "gore", "block", ALICE, 1.0)
        assert not await moderation.add_term(db, GUILD, "gore", "block", ALICE, 1.0)
        assert await moderation.guilds_with_blocked_terms(db) == [GUILD]
        assert await moderation.remove_term(db, GUILD, "gore") == 1
        for at in (10.0, 20.0):
            await moderation.record_block(db, Block(GUILD, BOB, "prompt", "violence", "x", "p", at))
        await moderation.record_block(db, Block(GUILD, BOB, "output", "nudity", "", "", 30.0))
        assert await moderation.strikes_since(db, GUILD, BOB, 15.0) == 1
        assert await moderation.last_suspension_end(db, GUILD, BOB) == 0.0
        await moderation.suspend(db, GUILD, BOB, 500.0, "strikes", 100.0)
        await moderation.suspend(db, GUILD, BOB, 300.0, "strikes", 100.0)
        assert (await moderation.active_suspension(db, GUILD, BOB, 200.0)).until == 500.0
        assert (await moderation.active_suspension_anywhere(db, BOB, 200.0)).until == 500.0
        assert len(await moderation.active_suspensions(db, GUILD, 200.0)) == 2
        assert await moderation.lift(db, GUILD, BOB, ALICE, 250.0) == 2
        assert await moderation.last_suspension_end(db, GUILD, BOB) == 250.0


async def test_settings_styles_access_and_the_visible_mark(store: Store):
    async with store.transaction() as db:
        mine = preferences.Defaults(shape="portrait", count=2, remix=True)
        await preferences.put_member(db, BOB, mine, 1.0)
        await preferences.put_member(db, BOB, mine.__class__(count=3), 2.0)
        assert await preferences.member(db, BOB) == preferences.Defaults(count=3)
        await preferences.put_guild(db, GUILD, preferences.Defaults(privacy="dm"), ALICE, 1.0)
        assert (await preferences.guild(db, GUILD)).privacy == "dm"

        style = styles.Style(GUILD, "Noir", "film noir,", "", "colour")
        assert await styles.add(db, style, ALICE, 1.0)
        assert not await styles.add(db, styles.Style(GUILD, "NOIR", "", "", ""), ALICE, 1.0)
        assert (await styles.get(db, GUILD, "noir")).prefix == "film noir,"
        assert await styles.count(db, GUILD) == 1
        assert await styles.remove(db, GUILD, "nOiR")

        assert await access.allow(db, GUILD, 2**58, ALICE, 1.0)
        assert not await access.allow(db, GUILD, 2**58, ALICE, 1.0)
        assert await access.allowed_roles(db, GUILD) == [2**58]
        assert await access.guilds_with_rules(db) == [GUILD]
        assert await access.revoke(db, GUILD, 2**58)

        assert not await visible_mark.enabled(db, GUILD)
        await visible_mark.set_enabled(db, GUILD, True, ALICE, 1.0)
        await visible_mark.set_enabled(db, GUILD, False, ALICE, 2.0)
        assert not await visible_mark.enabled(db, GUILD)


async def test_forgetting_a_user_removes_their_rows_and_keeps_the_ledger(store: Store):
    await _people(store)
    await _made(store, BOB, "j1", "dd0000000001")
    await _made(store, ALICE, "j2", "dd0000000002")
    async with store.transaction() as db:
        await images.insert(
            db, _image("dd0000000003", "j2", 2, ALICE, parent_id="dd0000000001")
        )  # Alice's variation of Bob's image
        await ledger.append(db, LedgerEntry(BOB, 5, EntryKind.ADMIN_GRANT, "gift", "g", 1.0))
        shelf = await collections.create(db, ALICE, "mine", 1.0)
        await collections.add(db, shelf, ["dd0000000001", "dd0000000002"], 2.0)
        assert await erasure.open_jobs(db, BOB) == 0
        assert await erasure.erase_user(db, BOB) == ["dd0000000001.png"]
    async with store.read() as db:
        assert await images.get(db, "dd0000000001") is None
        assert (await images.get(db, "dd0000000003")).parent_id is None
        assert await collections.image_ids(db, shelf, 10, 0) == ["dd0000000002"]
        assert await job_records.get(db, "j1") is None
        assert await ledger.balance(db, BOB) == 5


async def test_the_studio_runs_whole_on_postgresql(settings, engine, postgres_url):
    """DATABASE=postgresql://…: store and queue in PostgreSQL, an image made and saved."""
    from studio.studio import ImagineOptions, Requester
    from tests.conftest import running_studio

    on_postgres = settings.model_copy(update={"database": postgres_url})
    assert on_postgres.queue_url == postgres_url  # the embedded queue follows the store
    async with running_studio(on_postgres, engine) as runtime:
        assert runtime.store.engine == "postgresql"
        member = Requester(BOB, "bob")
        made = await (
            await runtime.studio.imagine(member, "owls", ImagineOptions(count=2))
        ).outcome()
        assert len(made.images) == 2
        assert await runtime.studio.save(member, [made.images[0].id]) == 1
        (queued,) = await runtime.store.fetchone("SELECT COUNT(*) FROM queue")
        (jobs,) = await runtime.store.fetchone("SELECT COUNT(*) FROM jobs WHERE status = 'done'")
        assert jobs == 1 and queued == 0  # the queue forgot the job once its outcome was stored
    assert not (settings.data_dir / "imagine.db").exists()  # nothing went to SQLite


def test_database_names_its_engine_or_says_what_is_wrong(tmp_path):
    from data.settings import SettingsError, load_settings
    from studio.settings import Settings

    url = "postgresql://imagine:secret@db:5432/imagine"
    on_postgres = load_settings(Settings, _env_file=None, data_dir=tmp_path, database=url)
    assert on_postgres.database_location == url and on_postgres.queue_url == url
    on_file = load_settings(Settings, _env_file=None, data_dir=tmp_path)
    assert on_file.database_location == tmp_path / "imagine.db"
    assert on_file.queue_url == f"sqlite:///{tmp_path / 'imagine.db'}"
    with pytest.raises(SettingsError, match=r"DATABASE is invalid.*mysql:// is not a store"):
        load_settings(Settings, _env_file=None, data_dir=tmp_path, database="mysql://db/x")


def test_sqlite_statements_in_postgresql_s_dialect():
    from data.sql_dialect import returns_rows, status_count, to_postgres

    assert to_postgres("SELECT '?', x FROM t WHERE a = ? AND b IN (?, ?)") == (
        "SELECT '?', x FROM t WHERE a = $1 AND b IN ($2, $3)"
    )
    assert to_postgres("INSERT OR IGNORE INTO t (a) VALUES (?)") == (
        "INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING"
    )
    assert to_postgres("insert or ignore into t (a) values (?) RETURNING a") == (
        "INSERT INTO t (a) values ($1) ON CONFLICT DO NOTHING RETURNING a"
    )
    assert returns_rows("UPDATE q SET a = 1 RETURNING id") and not returns_rows("DELETE FROM q")
    assert (status_count("INSERT 0 1"), status_count("UPDATE 12")) == (1, 12)


async def test_a_postgresql_server_that_cannot_be_reached_is_one_sentence(postgres_server):
    from data.store import StoreUnavailable, redacted
    from tests.redis_server import free_port

    nowhere = f"postgresql://imagine:hunter2@127.0.0.1:{free_port()}/imagine"
    with pytest.raises(StoreUnavailable, match=r"imagine:\*\*\*@127.0.0.1.*fix DATABASE") as e:
        await Store.open(nowhere)
    assert "hunter2" not in str(e.value)
    wrong_db = postgres_server.url("no_such_database")
    with pytest.raises(StoreUnavailable, match="no_such_database"):
        await Store.open(wrong_db)
    assert redacted("redis://:pw@host:6379/0") == "redis://:***@host:6379/0"
    assert redacted("sqlite:///var/imagine.db") == "sqlite:///var/imagine.db"


def test_the_cli_prints_an_unreachable_store_as_one_sentence(tmp_path):
    import os
    import subprocess
    import sys

    from tests.redis_server import free_port

    url = f"postgresql://imagine:hunter2@127.0.0.1:{free_port()}/imagine"
    env = dict(os.environ, DATABASE=url, DATA_DIR=str(tmp_path), MODEL="tiny")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "queue"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "hunter2" not in done.stderr
    assert "the PostgreSQL store postgresql://imagine:***@" in done.stderr
