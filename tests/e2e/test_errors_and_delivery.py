"""Refusals a user can cause, /credits, and results that outlive the interaction token."""

from __future__ import annotations

import io

from PIL import Image

from tests.e2e.conftest import (
    ALICE,
    BOB,
    RESULT_TIMEOUT,
    Studio,
    bot_settings,
    ephemeral_answer,
    is_result,
    png,
    runtime_of,
    start_bot,
    stop_bot,
)
from tests.fakediscord import CHANNEL_ID, FLAG_EPHEMERAL


async def test_vary_refuses_bad_uploads_and_charges_nothing(studio: Studio):
    fake = studio.fake
    gif = io.BytesIO()
    Image.new("RGB", (8, 8)).save(gif, format="GIF")
    cases = [
        (("cat.gif", gif.getvalue(), "image/gif"), "Unsupported file (GIF)"),
        (("fake.png", b"<html>not an image</html>", "image/png"), "not an image"),
        (("cut.png", png(Image.new("RGB", (64, 64)))[:70], "image/png"), "damaged or truncated"),
    ]
    for attachment, expected in cases:
        inter = await fake.slash_command("vary", attachments={"image": attachment}, user_id=BOB)
        assert expected in await ephemeral_answer(inter)
    assert await studio.job_count() == 0
    assert await studio.balance(BOB) == studio.settings.welcome_credits


async def test_vary_an_upload_gives_three_variations(studio: Studio):
    picture = png(Image.effect_noise((80, 48), 40).convert("RGB"))
    inter = await studio.fake.slash_command(
        "vary",
        {"strength": 0.5},
        attachments={"image": ("photo.png", picture, "image/png")},
        user_id=BOB,
    )
    result = await inter.wait_followup(is_result, timeout=RESULT_TIMEOUT)
    buttons = [c for row in result.response["components"] for c in row["components"]]
    assert sum(b["custom_id"].startswith("imagine:vary:") for b in buttons) == 3
    assert await studio.balance(BOB) == studio.settings.welcome_credits - 1


async def test_credits_and_not_enough_credits(fake, tmp_path):
    settings = bot_settings(fake, tmp_path / "var", welcome_credits=1)
    bot, task = await start_bot(fake, settings)
    try:
        first = await fake.slash_command("imagine", {"prompt": "the only one"}, user_id=ALICE)
        await first.wait_followup(is_result, timeout=RESULT_TIMEOUT)
        second = await fake.slash_command("imagine", {"prompt": "one more"}, user_id=ALICE)
        refusal = await ephemeral_answer(second)
        assert "You need 1 credit and have 0. 15 free credits arrive on" in refusal
        credits = await fake.slash_command("credits", user_id=ALICE)
        answer = (await credits.wait_callback()).json["data"]
        assert answer["content"].startswith("You have **0** credits: 0 free, 0 paid.")
        assert answer["flags"] & FLAG_EPHEMERAL
    finally:
        await stop_bot(bot, task)


async def test_an_expired_token_posts_the_result_in_the_channel(studio: Studio):
    fake = studio.fake
    inter = await fake.slash_command("imagine", {"prompt": "@everyone look"}, user_id=ALICE)
    await inter.wait_callback()
    fake.expire_token(inter)
    posted = await fake.wait_for_call(
        lambda c: c.method == "POST" and c.path == f"/channels/{CHANNEL_ID}/messages" and c.files,
        timeout=RESULT_TIMEOUT,
    )
    assert posted.json["content"] == f"<@{ALICE}>"
    assert posted.json["allowed_mentions"] == {"parse": [], "users": [ALICE]}
    assert posted.json["embeds"][0]["title"] == "@everyone look"
    results = [c for c in fake.calls if c.files and c.files[0].filename == "grid.jpg" and c.ok]
    assert len(results) == 1  # posted once, not also as a followup


async def test_a_job_in_flight_over_a_restart_is_delivered(fake, tmp_path):
    settings = bot_settings(fake, tmp_path / "var")
    bot, task = await start_bot(fake, settings)
    await runtime_of(bot).worker.stop()  # no worker: the job waits in the queue
    inter = await fake.slash_command("imagine", {"prompt": "patience"}, user_id=ALICE)
    await inter.wait_original_edit(lambda c: "queued" in c.json.get("content", ""))
    await stop_bot(bot, task)
    assert not [c for c in fake.calls if c.files]

    bot, task = await start_bot(fake, settings)
    try:
        result = await inter.wait_followup(is_result, timeout=RESULT_TIMEOUT)
        assert result.response["content"] == f"<@{ALICE}>"
    finally:
        await stop_bot(bot, task)


async def test_a_failed_job_tells_the_user_and_refunds(fake, tmp_path, engine):
    import asyncio

    from inference.worker import Worker

    settings = bot_settings(fake, tmp_path / "var", local_worker=False)
    bot, task = await start_bot(fake, settings)
    stop = asyncio.Event()
    try:
        picture = png(Image.new("RGB", (64, 64), "white"))
        inter = await fake.slash_command(
            "vary", attachments={"image": ("white.png", picture, "image/png")}, user_id=BOB
        )
        await inter.wait_original_edit(lambda c: "queued" in c.json.get("content", ""))
        async with bot.studio.store.transaction() as db:  # the worker will find it unreadable
            await db.execute("UPDATE queue SET payload = json_set(payload, '$.init_image', 'eA==')")
        worker = asyncio.create_task(Worker(bot.studio.queue, engine).run(stop))
        answer = await inter.wait_followup(lambda c: "failed" in (c.json or {}).get("content", ""))
        assert "Your credit was refunded." in answer.json["content"]
        assert await Studio(fake, bot, settings, task).balance(BOB) == settings.welcome_credits
    finally:
        stop.set()
        await worker
        await stop_bot(bot, task)


async def test_without_the_content_intent_the_bot_explains(fake, tmp_path):
    settings = bot_settings(fake, tmp_path / "var", message_content=False)
    bot, task = await start_bot(fake, settings)
    try:
        inter = await fake.slash_command("imagine", {"prompt": "a quiet lake"}, user_id=ALICE)
        result = (await inter.wait_followup(is_result, timeout=RESULT_TIMEOUT)).response
        mark = len(fake.calls)
        await fake.user_message(
            "2 --region top", user_id=ALICE, reply_to=result["id"], ping_reply=False
        )  # no mention: Discord hides the text
        answer = await fake.wait_for_call(
            lambda c: c.method == "POST" and c.path == f"/channels/{CHANNEL_ID}/messages",
            since=mark,
        )
        assert "Message Content intent is off" in answer.json["content"]
        assert await Studio(fake, bot, settings, task).job_count() == 1
    finally:
        await stop_bot(bot, task)
