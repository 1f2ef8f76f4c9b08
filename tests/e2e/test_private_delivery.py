"""Issue 25, item 1: a private result whose interaction token expired, for a member whose
DMs are closed (403 50007), is never posted in the channel: it waits in /history and the
channel only says where, without the prompt, the images or the buttons."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.answers import answer
from tests.e2e.conftest import (
    ALICE,
    BOB,
    RESULT_TIMEOUT,
    bot_settings,
    runtime_of,
    start_bot,
    stop_bot,
    wait_until,
)
from tests.fakediscord import CHANNEL_ID, FLAG_EPHEMERAL

SECRET = "a secret garden behind the blue door"


def channel_posts(fake) -> list:
    return [
        c
        for c in fake.calls
        if c.method == "POST" and c.path == f"/channels/{CHANNEL_ID}/messages" and c.ok
    ]


def dm_refusals(fake) -> list:
    return [c for c in fake.calls if c.status == 403 and (c.response or {}).get("code") == 50007]


def nothing_private_in(call) -> None:
    body = call.json or {}
    assert not call.files and not body.get("embeds") and not body.get("components")
    assert SECRET not in str(body)


@pytest.mark.parametrize("privacy", ["ephemeral", "dm"])
async def test_an_expired_private_result_for_closed_dms_waits_in_history(fake, tmp_path, privacy):
    settings = bot_settings(fake, tmp_path / "var")
    bot, task = await start_bot(fake, settings)
    try:
        await bot.studio.preferences.update_member(ALICE, privacy=privacy)
        fake.close_dms(ALICE)
        inter = await fake.slash_command("imagine", {"prompt": SECRET}, user_id=ALICE)
        await inter.wait_callback()
        fake.expire_token(inter)  # a long queue: the token is gone when the result is ready
        notice = await fake.wait_for_call(
            lambda c: c.method == "POST" and c.path == f"/channels/{CHANNEL_ID}/messages",
            timeout=RESULT_TIMEOUT,
        )
        assert notice.ok
        assert notice.json["content"].startswith(f"<@{ALICE}> your private result")
        assert "`/history`" in notice.json["content"]
        assert notice.json["allowed_mentions"] == {"parse": [], "users": [ALICE]}
        nothing_private_in(notice)
        assert dm_refusals(fake), "a DM was tried first"
        grids = [c for c in fake.calls if c.files and c.files[0].filename == "grid.jpg" and c.ok]
        assert grids == []  # the result was shown nowhere

        async def delivered() -> bool:
            (at,) = await bot.studio.store.fetchone("SELECT delivered_at FROM jobs")
            return at is not None

        await wait_until(delivered)
        history = await fake.slash_command("history", user_id=ALICE)
        page = await answer(history)  # deferred first: the page's thumbnails take a moment
        assert page["flags"] & FLAG_EPHEMERAL
        assert SECRET[:40] in str(page)  # it is there, for her eyes only
        assert all(SECRET not in str(c.json) for c in channel_posts(fake))
    finally:
        await stop_bot(bot, task)


async def test_a_failed_private_request_is_not_named_in_the_channel(fake, tmp_path, engine):
    from inference.worker import Worker

    settings = bot_settings(fake, tmp_path / "var", local_worker=False)
    bot, task = await start_bot(fake, settings)
    stop = asyncio.Event()
    worker = None
    try:
        await bot.studio.preferences.update_member(BOB, privacy="dm")
        fake.close_dms(BOB)
        inter = await fake.slash_command("imagine", {"prompt": SECRET}, user_id=BOB)
        await inter.wait_original_edit(lambda c: "queued" in c.json.get("content", ""))
        fake.expire_token(inter)
        async with bot.studio.store.transaction() as db:  # the worker will fail to read it
            await db.execute(
                "UPDATE queue SET payload = json_set(payload, '$.kind', 'vary',"
                " '$.init_image', 'eA==')"
            )
        worker = asyncio.create_task(Worker(runtime_of(bot).queue, engine).run(stop))
        notice = await fake.wait_for_call(
            lambda c: c.method == "POST" and c.path == f"/channels/{CHANNEL_ID}/messages",
            timeout=RESULT_TIMEOUT,
        )
        assert notice.ok
        assert "failed" in notice.json["content"] and "refunded" in notice.json["content"]
        nothing_private_in(notice)
    finally:
        stop.set()
        if worker is not None:
            await worker
        await stop_bot(bot, task)
