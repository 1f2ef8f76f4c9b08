"""A full PNG over Discord's upload limit: the member is told how to get it."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

from app import cli
from app.discord import full_size
from data import api_keys, images, job_records, users
from data.images import ImageRecord
from data.jobs import Job, JobKind
from data.store import Store
from studio.settings import Settings

MIB = 1024 * 1024


def upscaled() -> ImageRecord:
    return ImageRecord(
        "0123456789ab", "job", 1, 42, "images/01/0123456789ab.png", "a cat", "", 7,
        "tiny", 2048, 2048, None, time.time(),
    )  # fmt: skip


async def stored(store: Store) -> ImageRecord:
    """The image as the studio keeps it (links point at an image row)."""
    record = upscaled()
    job = Job(
        id="job", kind=JobKind.UPSCALE, prompt="a cat", seed=7, n=1, width=2048, height=2048,
        steps=2, guidance=0,
    )  # fmt: skip
    async with store.transaction() as db:
        await users.ensure_user(db, 42, "ada", 1.0)
        await job_records.insert(
            db, job, user_id=42, cost=1, source_image_id=None, origin=None, now=1.0
        )
        await images.insert(db, record)
    return record


async def test_with_a_public_images_api_the_note_links_the_png(tmp_path):
    store = await Store.open(tmp_path / "db.sqlite")
    try:
        settings = Settings(
            _env_file=None,
            data_dir=tmp_path,
            api_enabled=True,
            api_public_url="https://imagine.example/",
            api_url_minutes=30,
        )
        studio = SimpleNamespace(settings=settings, store=store, clock=time.time)
        note = await full_size.note(studio, await stored(store), 12 * MIB, 10 * MIB)
        assert "The full PNG is 12.0 MiB, over Discord's upload limit of 10.0 MiB" in note
        url = note.split("The PNG: ", 1)[1].split(" ", 1)[0]
        assert url.startswith("https://imagine.example/v1/results/") and url.endswith(".png")
        token = url.rsplit("/", 1)[1].removesuffix(".png")
        async with store.read() as db:
            link = await api_keys.get_link(db, token, time.time())
        assert link is not None and (link.image_id, link.width) == ("0123456789ab", 2048)
        assert "(for 30 minutes)" in note
    finally:
        await store.close()


async def test_without_it_the_note_names_the_operators_export_command(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path)
    studio = SimpleNamespace(settings=settings, store=None, clock=time.time)
    note = await full_size.note(studio, upscaled(), 12 * MIB, 10 * MIB)
    assert "`python -m bot export 0123456789ab`" in note


async def test_export_writes_the_stored_png_and_refuses_an_unknown_id(tmp_path, monkeypatch):
    store = await Store.open(tmp_path / "imagine.db")
    try:
        record = await stored(store)
    finally:
        await store.close()
    png = tmp_path / record.path
    png.parent.mkdir(parents=True)
    png.write_bytes(b"\x89PNG the stored bytes")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    out = tmp_path / "out.png"
    code = await asyncio.to_thread(cli.main, ["export", record.id, "--out", str(out)])
    assert code == 0 and out.read_bytes() == png.read_bytes()
    assert await asyncio.to_thread(cli.main, ["export", "ffffffffffff"]) == 1
