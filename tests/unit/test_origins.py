"""Typed origins: stored as JSON with a ``kind``, read back as the same type."""

import json

import pytest
from pydantic import ValidationError

from data import job_records, users
from data.jobs import Job, JobKind
from data.origins import (
    DiscordOrigin,
    HttpOrigin,
    Privacy,
    TerminalOrigin,
    dump_origin,
    load_origin,
)
from data.store import Store


@pytest.mark.parametrize(
    "origin",
    [
        DiscordOrigin(
            application_id=5, token="t0k", channel_id=9, guild_id=77, user_id=1, created_at=3.5
        ),
        DiscordOrigin(channel_id=9, user_id=1, reply_to=44, created_at=2.0),
        HttpOrigin(api_key_id="key_1", request_id="req_abc", created_at=1.0),
        TerminalOrigin(created_at=4.0),
    ],
)
def test_each_origin_round_trips_with_its_kind(origin):
    text = dump_origin(origin)
    assert json.loads(text)["kind"] == origin.kind
    assert load_origin(text) == origin
    assert type(load_origin(text)) is type(origin)


def test_rows_from_before_kinds_are_discord_origins():
    legacy = {"channel_id": 9, "guild_id": None, "user_id": 1, "reply_to": 4, "created_at": 2.0}
    origin = load_origin(json.dumps(legacy))
    assert isinstance(origin, DiscordOrigin) and origin.reply_to == 4
    assert load_origin(None) is None


def test_an_unknown_kind_or_field_is_refused():
    with pytest.raises(ValidationError):
        load_origin(json.dumps({"kind": "carrier-pigeon", "created_at": 1}))
    with pytest.raises(ValidationError):
        load_origin(json.dumps({"kind": "http", "api_key_id": "k", "created_at": 1}))


async def test_a_job_row_keeps_its_typed_origin(tmp_path):
    store = await Store.open(tmp_path / "db.sqlite")
    job = Job(id="j1", kind=JobKind.GENERATE, seed=1, n=1, width=64, height=64, steps=1, guidance=1)
    origin = HttpOrigin(api_key_id="key_1", request_id="req_1", created_at=1.0, guild_id=7)
    try:
        async with store.transaction() as db:
            await users.ensure_user(db, 1, "alice", 1.0)
            await job_records.insert(
                db, job, user_id=1, cost=1, source_image_id=None, origin=origin, now=1.0
            )
        async with store.read() as db:
            record = await job_records.get(db, "j1")
    finally:
        await store.close()
    assert record.origin == origin and record.origin.guild_id == 7


def test_every_origin_has_the_common_fields_the_core_reads():
    public = DiscordOrigin(channel_id=9, user_id=1, created_at=1.0)
    private = DiscordOrigin(channel_id=9, user_id=1, created_at=1.0, privacy=Privacy.EPHEMERAL)
    by_dm = DiscordOrigin(channel_id=9, user_id=1, created_at=1.0, privacy=Privacy.DM)
    http = HttpOrigin(api_key_id="key_1", request_id="req_1", created_at=1.0, guild_id=7)
    terminal = TerminalOrigin()
    assert [o.shown_in for o in (public, private, by_dm, http, terminal)] == [
        9,
        None,
        None,
        None,
        None,
    ]
    assert [o.ledger_tag for o in (public, http, terminal)] == [None, "API", None]
    assert [o.guild_id for o in (public, http, terminal)] == [None, 7, None]


def test_the_core_never_names_an_adapters_origin():
    """Each adapter reads its own kind; the core (studio/) only the common fields."""
    import ast
    from pathlib import Path

    import studio

    kinds = {"DiscordOrigin", "HttpOrigin", "TerminalOrigin"}
    found = []
    for path in sorted(Path(studio.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = {a.name for a in node.names} if isinstance(node, ast.ImportFrom) else set()
            if isinstance(node, ast.Name):
                names = {node.id}
            found += [f"{path.name}:{node.lineno} {name}" for name in names & kinds]
    assert not found, found


@pytest.mark.parametrize(
    ("origin", "seen_by_others"),
    [
        (DiscordOrigin(channel_id=9, user_id=1, created_at=1.0), True),
        (DiscordOrigin(channel_id=9, user_id=1, created_at=1.0, privacy=Privacy.EPHEMERAL), False),
        (DiscordOrigin(channel_id=9, user_id=1, created_at=1.0, privacy=Privacy.DM), False),
        (HttpOrigin(api_key_id="key_1", request_id="req_1", created_at=1.0), False),
    ],
)
async def test_only_a_result_shown_in_a_channel_is_visible_from_there(
    tmp_path, origin, seen_by_others
):
    """A button clicked in channel 9 reaches another member's image only when the result
    was shown to everyone there (``shown_in``), never a private or an API one."""
    from data import images
    from data.images import ImageRecord
    from studio.library import visible_to

    store = await Store.open(tmp_path / "db.sqlite")
    job = Job(id="j1", kind=JobKind.GENERATE, seed=1, n=1, width=64, height=64, steps=1, guidance=1)
    image = ImageRecord(
        "3f9a0c12be47", "j1", 1, 1, "x.png", "a fox", "", 1, "tiny", 64, 64, None, 1.0
    )
    try:
        async with store.transaction() as db:
            await users.ensure_user(db, 1, "alice", 1.0)
            await job_records.insert(
                db, job, user_id=1, cost=1, source_image_id=None, origin=origin, now=1.0
            )
            await images.insert(db, image)
        async with store.read() as db:
            assert await visible_to(db, 1, image, None)  # its owner, anywhere
            assert await visible_to(db, 2, image, 9) is seen_by_others
            assert not await visible_to(db, 2, image, 10)  # another channel
            assert not await visible_to(db, 2, image, None)
    finally:
        await store.close()
