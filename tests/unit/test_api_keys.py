"""API keys and result links on the real store: hashed, checked in constant time, revoked
at once, erased with their member; links expire."""

from __future__ import annotations

import pytest

from data import api_keys, erasure, images, job_records
from data.api_keys import LinkRow
from data.images import ImageRecord
from data.jobs import Job, JobKind
from studio.api_keys import MAX_KEYS, ApiKeys, InvalidKey, digest
from studio.errors import BadRequest, NotFound
from studio.requester import Requester

ALICE = Requester(11, "alice", guild_id=77, role_ids=frozenset({5, 6}))


@pytest.fixture
def store(any_store):
    """Every test here runs on SQLite and on PostgreSQL."""
    return any_store


async def test_a_key_is_stored_as_its_digest_and_acts_as_its_member_there(store):
    keys = ApiKeys(store)
    made = await keys.create(ALICE, "  my   script ")
    assert made.secret.startswith(f"imk_{made.row.id}_")
    found = await keys.authenticate(made.secret)
    assert (found.user_id, found.guild_id, found.role_ids) == (11, 77, frozenset({5, 6}))
    assert found.name == "my script" and found.user_name == "alice"
    (stored,) = await store.fetchone("SELECT secret_sha256 FROM api_keys")
    assert bytes(stored) == digest(made.secret) and made.secret.encode() not in bytes(stored)

    for wrong in (None, "", "imk_short", made.secret[:-1] + "x", made.secret.upper()):
        with pytest.raises(InvalidKey):
            await keys.authenticate(wrong)


async def test_revoking_by_id_or_by_the_whole_key_stops_it_and_only_the_owner_can(store):
    keys = ApiKeys(store)
    first, second = await keys.create(ALICE), await keys.create(ALICE)
    with pytest.raises(NotFound):
        await keys.revoke(99, first.row.id)  # someone else's key
    await keys.revoke(ALICE.id, first.row.id)
    await keys.revoke(ALICE.id, second.secret)  # pasted back whole
    for made in (first, second):
        with pytest.raises(InvalidKey, match="revoked"):
            await keys.authenticate(made.secret)
    with pytest.raises(NotFound):
        await keys.revoke(ALICE.id, first.row.id)  # once
    assert [k.active for k in await keys.list(ALICE.id)] == [False, False]


async def test_names_and_the_number_of_keys_are_bounded(store):
    keys = ApiKeys(store)
    with pytest.raises(BadRequest, match="at most 60"):
        await keys.create(ALICE, "x" * 61)
    for _ in range(MAX_KEYS):
        await keys.create(ALICE)
    with pytest.raises(BadRequest, match="revoke one first"):
        await keys.create(ALICE)
    replaced = await keys.replace_named(Requester(0, "console"), "make run")
    again = await keys.replace_named(Requester(0, "console"), "make run")
    with pytest.raises(InvalidKey):
        await keys.authenticate(replaced.secret)
    assert (await keys.authenticate(again.secret)).id == again.row.id


async def test_links_expire_and_forgetting_a_member_erases_keys_and_links(store, settings):
    keys = ApiKeys(store)
    made = await keys.create(ALICE)
    job = Job(
        id="job1", kind=JobKind.GENERATE, prompt="p", seed=1, n=1, width=64, height=64,
        steps=2, guidance=0,
    )  # fmt: skip
    record = ImageRecord(
        id="img1", job_id="job1", position=1, owner_id=ALICE.id, path="x.png", prompt="p",
        negative="", seed=1, model="tiny", width=64, height=64, parent_id=None, created_at=1.0,
    )  # fmt: skip
    async with store.transaction() as db:
        await job_records.insert(
            db, job, user_id=ALICE.id, cost=1, source_image_id=None, origin=None, now=1.0
        )
        await images.insert(db, record)
        await api_keys.insert_link(db, LinkRow("tok", "img1", 256, 256, expires_at=100.0))
    async with store.read() as db:
        assert (await api_keys.get_link(db, "tok", 99.0)).image_id == "img1"
        assert await api_keys.get_link(db, "tok", 100.0) is None  # expired
    async with store.transaction() as db:
        await erasure.erase_user(db, ALICE.id)
    with pytest.raises(InvalidKey):
        await keys.authenticate(made.secret)
    (links,) = await store.fetchone("SELECT COUNT(*) FROM api_links")
    assert links == 0
