"""Restarts: the bot killed with SIGKILL, a worker killed mid-job. Nothing is lost, nothing
is shown twice, every credit is spent on a delivered result or refunded."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
from pathlib import Path

import pytest

from tests.e2e.audit import audit, posts_per_image
from tests.e2e.conftest import (
    ALICE,
    BOB,
    RESULT_TIMEOUT,
    Studio,
    bot_settings,
    button,
    is_result,
    run_bot_process,
    runtime_of,
    start_and_wait,
    start_bot,
    stop_bot,
    wait_until,
)

CAROL = 503


def results_shown(fake) -> int:
    return sum(1 for c in fake.calls if c.ok and is_result(c))


def worker_pid(log: Path) -> int:
    """The local worker's pid, as the bot process logged it when it started the worker."""
    return int(re.search(rb"local worker started \(pid (\d+)\)", log.read_bytes())[1])


def process_gone(pid: int) -> bool:
    """Exited: no such process, or a zombie nobody has reaped yet."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status


def all_settled(database) -> bool:
    """Every job finished and marked delivered (recovery marks a result posted before a crash)."""
    with sqlite3.connect(database) as db:
        (open_jobs,) = db.execute(
            "SELECT COUNT(*) FROM jobs"
            " WHERE delivered_at IS NULL OR status NOT IN ('done', 'failed')"
        ).fetchone()
    return open_jobs == 0


async def test_sigkill_with_jobs_queued_and_running_loses_nothing(fake, tmp_path, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_JOBS", "100")
    settings = bot_settings(fake, tmp_path / "var")
    settings.data_dir.mkdir(parents=True)
    process = await start_and_wait(fake, lambda: run_bot_process(settings))
    interactions = []
    try:
        for n in range(6):
            user = (ALICE, BOB, CAROL)[n % 3]
            inter = await fake.slash_command("imagine", {"prompt": f"job {n}"}, user_id=user)
            assert (await inter.wait_callback(timeout=30)).type == 5
            interactions.append(inter)
        await fake.wait_for_call(lambda c: c.ok and is_result(c), timeout=RESULT_TIMEOUT)
        old_worker = worker_pid(settings.data_dir / "bot-process.log")
        process.send_signal(signal.SIGKILL)  # no cleanup at all: mid-delivery is fine too
        await asyncio.to_thread(process.wait, 30)
        # The dead bot's worker notices (its fork server went with the bot) and stops.
        await wait_until(lambda: process_gone(old_worker), timeout=30)
        shown_before = results_shown(fake)
        assert shown_before < 6, "every job finished before the kill; nothing was tested"

        process = await start_and_wait(fake, lambda: run_bot_process(settings))
        await wait_until(lambda: results_shown(fake) >= 6, timeout=RESULT_TIMEOUT * 2)
        # A result posted just before the kill counts as shown before the new bot has found
        # and marked it: wait for that too, or the audit below races the recovery.
        await wait_until(lambda: all_settled(settings.database_path), timeout=RESULT_TIMEOUT)
        first = next(c for c in fake.calls if c.ok and is_result(c)).response
        old = await fake.click_button(first["id"], button(first, "imagine:vary:"), user_id=BOB)
        await old.wait_followup(is_result, timeout=RESULT_TIMEOUT)  # an old button works
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait, 30)

    report = audit(settings.database_path, fake)
    report.report("bot SIGKILL with 6 jobs queued/running", faults=1)
    report.assert_clean()
    assert report.jobs == 7
    for inter in interactions:  # each request answered once, where it was asked
        assert len([c for c in inter.followups() if is_result(c)]) == 1


async def test_a_result_posted_just_before_a_crash_is_not_posted_again(fake, tmp_path):
    """The worst moment: Discord accepted the result, the bot died before marking it."""
    settings = bot_settings(fake, tmp_path / "var")
    bot, task = await start_bot(fake, settings)
    inter = await fake.slash_command("imagine", {"prompt": "just in time"}, user_id=ALICE)
    await inter.wait_followup(is_result, timeout=RESULT_TIMEOUT)
    await stop_bot(bot, task)
    with sqlite3.connect(settings.database_path) as db:  # as if the mark never happened
        db.execute("UPDATE jobs SET delivered_at = NULL")
    bot, task = await start_bot(fake, settings)
    try:
        await wait_until(lambda: fake.calls_matching("GET", r"/channels/\d+/messages"))

        async def marked() -> bool:  # recovery found the post and marked it, not posted again
            (delivered,) = await bot.studio.store.fetchone("SELECT delivered_at FROM jobs")
            return delivered is not None

        await wait_until(marked, timeout=RESULT_TIMEOUT)
    finally:
        await stop_bot(bot, task)
    report = audit(settings.database_path, fake)
    report.report("crash between posting and marking", faults=1)
    report.assert_clean()
    assert set(posts_per_image(fake).values()) == {1}


@pytest.mark.parametrize("privacy", ["ephemeral", "dm"])
async def test_a_private_result_sent_just_before_a_crash_is_not_sent_again(fake, tmp_path, privacy):
    """No channel history shows an ephemeral result; a DM is in another channel. Recovery
    looks where the result went: the deleted status line, the member's DMs."""
    settings = bot_settings(fake, tmp_path / "var")
    bot, task = await start_bot(fake, settings)

    async def marked() -> bool:
        (delivered,) = await bot.studio.store.fetchone("SELECT delivered_at FROM jobs")
        return delivered is not None

    await bot.studio.preferences.update_member(ALICE, privacy=privacy)
    await fake.slash_command("imagine", {"prompt": "just for me"}, user_id=ALICE)
    await wait_until(lambda: bot.studio.store.fetchone("SELECT 1 FROM jobs"))
    await wait_until(marked, timeout=RESULT_TIMEOUT)
    await stop_bot(bot, task)
    with sqlite3.connect(settings.database_path) as db:  # as if the mark never happened
        db.execute("UPDATE jobs SET delivered_at = NULL")
    bot, task = await start_bot(fake, settings)
    try:
        await wait_until(marked, timeout=RESULT_TIMEOUT)
    finally:
        await stop_bot(bot, task)
    assert list(posts_per_image(fake).values()) == [1] * 4  # each image shown once


async def test_a_worker_killed_mid_job_is_restarted_and_the_job_runs_again(
    fake, tmp_path, monkeypatch
):
    monkeypatch.setenv("LEASE_SECONDS", "3")  # the lost lease expires quickly
    # A job of a few seconds (the tiny model's most steps, a larger side): the kill must land
    # mid-job.
    settings = bot_settings(fake, tmp_path / "var", steps=150, image_size=96)
    bot, task = await start_bot(fake, settings)
    try:
        worker = runtime_of(bot).worker
        inter = await fake.slash_command("imagine", {"prompt": "interrupted"}, user_id=ALICE)
        await wait_until(
            lambda: bot.studio.store.fetchone("SELECT 1 FROM queue WHERE status = 'running'"), 60
        )  # claimed: the worker is painting it
        first_pid = worker.process.pid
        os.kill(first_pid, signal.SIGKILL)
        # a new worker starts (torch loads again), the lease expires, the job runs again
        result = await inter.wait_followup(is_result, timeout=RESULT_TIMEOUT * 2)
        assert result.response["content"] == f"<@{ALICE}>"
        assert worker.restarts == 1 and worker.process.pid != first_pid
        assert worker.process.returncode is None
        await asyncio.sleep(1)
        assert len([c for c in inter.followups() if is_result(c)]) == 1
    finally:
        await stop_bot(bot, task)
    report = audit(settings.database_path, fake)
    report.report("worker SIGKILL mid-job", faults=1)
    report.assert_clean()


async def test_a_model_that_cannot_load_keeps_the_bot_up_and_charges_nothing(fake, tmp_path):
    empty = tmp_path / "no-model-here"
    empty.mkdir()
    settings = bot_settings(fake, tmp_path / "var", model=str(empty))
    bot, task = await start_bot(fake, settings)
    studio = Studio(fake, bot, settings, task)
    try:
        await wait_until(lambda: runtime_of(bot).worker.unavailable is not None, timeout=90)
        inter = await fake.slash_command("imagine", {"prompt": "anything"}, user_id=ALICE)
        answer = await inter.wait_followup(lambda c: c.json and "content" in c.json)
        assert answer.json["content"].startswith("Image generation is unavailable right now")
        assert "Nothing was charged" in answer.json["content"]
        assert str(empty) not in answer.json["content"]  # no local paths for users
        credits = await fake.slash_command("credits", user_id=ALICE)  # the bot is still up
        assert "You have **50** credits" in (await credits.wait_callback()).json["data"]["content"]
        assert await studio.job_count() == 0
        assert runtime_of(bot).worker.restarts == 0  # the same MODEL would fail the same way
    finally:
        await stop_bot(bot, task)
