"""A locked database and a full disk: a clear message, and no half-written row or file."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import sqlite3
from types import SimpleNamespace

from data import images as image_files
from data import store as store_module
from tests.e2e.audit import audit
from tests.e2e.conftest import (
    ALICE,
    RESULT_TIMEOUT,
    Studio,
    bot_settings,
    ephemeral_answer,
    is_result,
    start_bot,
    stop_bot,
    wait_until,
)


async def test_a_locked_database_refuses_clearly_and_records_nothing(fake, tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 300)  # give up after 0.3 s, not 10
    settings = bot_settings(fake, tmp_path / "var", local_worker=False)
    bot, task = await start_bot(fake, settings)
    studio = Studio(fake, bot, settings, task)
    holder = sqlite3.connect(settings.database_path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
        inter = await fake.slash_command("imagine", {"prompt": "blocked"}, user_id=ALICE)
        answer = await ephemeral_answer(inter)
        assert answer.startswith("The studio is too busy to take your request")
        assert "Nothing was charged" in answer
        holder.execute("ROLLBACK")
        assert await studio.job_count() == 0
        rows = await bot.studio.store.fetchall("SELECT * FROM ledger WHERE user_id = ?", (ALICE,))
        assert rows == []  # not even the welcome grant: the whole transaction rolled back

        again = await fake.slash_command("imagine", {"prompt": "unblocked"}, user_id=ALICE)
        await again.wait_original_edit(lambda c: "queued" in c.json.get("content", ""))
        assert await studio.balance(ALICE) == settings.welcome_credits - 1
    finally:
        holder.close()
        await stop_bot(bot, task)


async def test_a_full_disk_keeps_the_result_until_it_can_be_stored(
    fake, tmp_path, monkeypatch, caplog
):
    settings = bot_settings(fake, tmp_path / "var")
    # The local worker (its own process) cannot write either: a file where the images go
    # fails its write as a full disk would, so it sends the images through the queue.
    in_the_way = settings.data_dir / "images"
    in_the_way.parent.mkdir(parents=True)
    in_the_way.write_text("in the way")
    bot, task = await start_bot(fake, settings)
    studio = Studio(fake, bot, settings, task)

    tries: list[str] = []

    def no_space(source, target):
        tries.append(str(target))
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    # data/images.py's os, with a disk that fills up when a file is moved into place
    monkeypatch.setattr(image_files, "os", SimpleNamespace(**{**vars(os), "replace": no_space}))
    try:
        inter = await fake.slash_command("imagine", {"prompt": "no room"}, user_id=ALICE)

        async def worker_finished() -> None:
            while (
                await bot.studio.store.fetchone("SELECT 1 FROM queue WHERE status = 'done'") is None
            ):
                await asyncio.sleep(0.1)

        await asyncio.wait_for(worker_finished(), RESULT_TIMEOUT)
        in_the_way.unlink()  # the bot's own writes now reach the full disk
        # several watcher ticks try, and fail, to store the images (a count, not a sleep:
        # a loaded machine may tick slowly)
        await wait_until(lambda: len(tries) >= 3, timeout=RESULT_TIMEOUT)
        (status,) = await bot.studio.store.fetchone("SELECT status FROM jobs")
        assert status == "queued"  # not finished: no half-stored job
        assert await bot.studio.store.fetchall("SELECT * FROM images") == []
        leftovers = list((settings.data_dir / "images").rglob("*"))
        assert not [p for p in leftovers if p.is_file()]  # no half-written files
        assert not [c for c in inter.followups() if is_result(c)]
        failures = [r for r in caplog.records if "cannot store the images" in r.getMessage()]
        assert len(failures) == 1 and failures[0].levelno == logging.ERROR  # said once

        monkeypatch.undo()  # space again
        await inter.wait_followup(is_result, timeout=RESULT_TIMEOUT)
        assert await studio.balance(ALICE) == settings.welcome_credits - 1
        await wait_until(lambda: bool(list((settings.data_dir / "images").rglob("*.png"))))
    finally:
        await stop_bot(bot, task)
    report = audit(settings.database_path, fake)
    report.report("disk full while storing a result", faults=1)
    report.assert_clean()


async def test_the_local_worker_stores_the_images_and_the_bot_only_posts_them(
    fake, tmp_path, monkeypatch
):
    """The local worker sees the bot's DATA_DIR: it writes the PNGs itself, the queue
    carries their paths and the grid, and the bot writes no image and no grid."""
    settings = bot_settings(fake, tmp_path / "var")
    written: list[str] = []
    write = image_files.ImageFiles.write_path

    def noted(files, relative, data):
        written.append(relative)
        write(files, relative, data)

    monkeypatch.setattr(image_files.ImageFiles, "write_path", noted)  # this process only
    bot, task = await start_bot(fake, settings)
    try:
        inter = await fake.slash_command("imagine", {"prompt": "a red fox"}, user_id=ALICE)
        result = await inter.wait_followup(is_result, timeout=RESULT_TIMEOUT)
        assert result.files and result.files[0].data[:3] == b"\xff\xd8\xff"  # the JPEG grid
        rows = await bot.studio.store.fetchall("SELECT path FROM images")
        assert len(rows) == settings.images_per_prompt and written == []
        stored = {
            str(p.relative_to(settings.data_dir))
            for p in settings.data_dir.rglob("*")
            if p.suffix in (".png", ".jpg")
        }
        assert stored == {path for (path,) in rows}  # no grid file, none left behind
    finally:
        await stop_bot(bot, task)
