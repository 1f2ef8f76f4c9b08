"""Buttons under results: V1–V4, 🔄, U1–U4, Save, Share; and a V2 click after a restart."""

from __future__ import annotations

import asyncio
import io
import re

from PIL import Image

from app.discord.client import point_at
from tests.e2e.conftest import (
    ALICE,
    BOB,
    RESULT_TIMEOUT,
    Studio,
    button,
    imagine,
    is_result,
    run_bot_process,
    start_and_wait,
    stop_bot,
)
from tests.fakediscord import FLAG_EPHEMERAL


async def test_vary_button_bills_and_belongs_to_whoever_clicks(studio: Studio):
    result = await imagine(studio, ALICE)
    inter = await studio.fake.click_button(
        result["id"], button(result, "imagine:vary:", 3), user_id=BOB
    )
    assert (await inter.wait_callback()).type == 5
    varied = (await inter.wait_followup(is_result, timeout=RESULT_TIMEOUT)).response
    assert varied["content"] == f"<@{BOB}>"
    image_id = button(result, "imagine:vary:", 3).rsplit(":", 1)[1]
    rows = await studio.bot.studio.store.fetchall(
        "SELECT user_id, kind, source_image_id FROM jobs WHERE kind = 'vary'"
    )
    assert [tuple(r) for r in rows] == [(BOB, "vary", image_id)]
    assert await studio.balance(BOB) == studio.settings.welcome_credits - 1
    assert await studio.balance(ALICE) == studio.settings.welcome_credits - 1
    grid = Image.open(io.BytesIO(varied_grid(studio, varied)))
    assert grid.size == (64 * 2 + 4, 64 * 2 + 4)  # three variations on a 2×2 grid


def varied_grid(studio: Studio, message: dict) -> bytes:
    call = next(
        c for c in studio.fake.calls if c.response and c.response.get("id") == message["id"]
    )
    return call.files[0].data


async def test_reroll_open_save_and_share(studio: Studio):
    fake = studio.fake
    result = await imagine(studio, ALICE, "a lighthouse", seed=7)

    reroll = await fake.click_button(result["id"], button(result, "imagine:reroll:"), user_id=ALICE)
    again = (await reroll.wait_followup(is_result, timeout=RESULT_TIMEOUT)).response
    assert again["embeds"][0]["title"] == "a lighthouse"
    # a new seed (not "seed 7": a random one may start with 7, "seed 763206300")
    assert not re.search(r"\bseed 7\b", again["embeds"][0]["description"])

    opened = await fake.click_button(result["id"], button(result, "imagine:open:", 2), user_id=BOB)
    assert (await opened.wait_callback()).type == 5  # deferred: reading and encoding take time
    sent = await opened.wait_followup()
    assert sent.files[0].filename.endswith(".png")
    assert Image.open(io.BytesIO(sent.files[0].data)).size == (64, 64)

    saved = await fake.click_button(result["id"], button(result, "imagine:saveall:"), user_id=ALICE)
    answer = await saved.wait_callback()
    assert "Saved 4 images" in answer.json["data"]["content"]
    assert answer.json["data"]["flags"] & FLAG_EPHEMERAL
    twice = await fake.click_button(result["id"], button(result, "imagine:saveall:"), user_id=ALICE)
    assert "Already in your collection" in (await twice.wait_callback()).json["data"]["content"]

    share = await fake.click_button(result["id"], button(result, "imagine:share:"), user_id=ALICE)
    assert (await share.wait_callback()).type == 5  # posting may take a moment
    refusal = (await share.wait_followup()).response
    assert "no gallery channel yet" in refusal["content"]
    assert refusal["flags"] & FLAG_EPHEMERAL


async def test_a_tampered_button_is_refused(studio: Studio):
    result = await imagine(studio, ALICE)
    message = studio.fake.message(int(result["id"]))
    message["components"][1]["components"][0]["custom_id"] = "imagine:vary:0123456789ab"
    inter = await studio.fake.click_button(result["id"], "imagine:vary:0123456789ab", user_id=BOB)
    answer = await inter.wait_callback()
    assert "no longer exists" in answer.json["data"]["content"]
    assert answer.json["data"]["flags"] & FLAG_EPHEMERAL
    assert await studio.balance(BOB) == studio.settings.welcome_credits


async def test_v2_works_after_the_bot_restarts_in_a_new_process(studio: Studio):
    fake = studio.fake
    result = await imagine(studio, ALICE)
    v2 = button(result, "imagine:vary:", 2)
    await stop_bot(studio.bot, studio.bot_task)
    process = await start_and_wait(fake, lambda: run_bot_process(studio.settings))
    try:
        inter = await fake.click_button(result["id"], v2, user_id=BOB)
        assert (await inter.wait_callback(timeout=30)).type == 5
        varied = (await inter.wait_followup(is_result, timeout=RESULT_TIMEOUT)).response
        assert varied["content"] == f"<@{BOB}>"
    finally:
        process.terminate()  # SIGTERM: a clean shutdown (the fake must keep answering)
        await asyncio.to_thread(process.wait, 30)
    output = (studio.settings.data_dir / "bot-process.log").read_text()
    assert process.returncode == 0, output
    point_at(studio.settings)
    import sqlite3

    with sqlite3.connect(studio.settings.database_path) as db:
        row = db.execute("SELECT kind, source_image_id, status FROM jobs WHERE user_id = ?", (BOB,))
        assert row.fetchall() == [("vary", v2.rsplit(":", 1)[1], "done")]
