"""The controls under one opened image (Upscale, Vary Subtle/Strong, Zoom Out, pan), the
remix modal and private results: through the fake Discord, with a real worker process."""

from __future__ import annotations

import io

from PIL import Image

from data.jobs import Job
from tests.e2e.conftest import (
    ALICE,
    BOB,
    RESULT_TIMEOUT,
    Studio,
    button,
    custom_ids,
    ephemeral_answer,
    imagine,
    is_result,
    start_bot,
    stop_bot,
)
from tests.fakediscord import FLAG_EPHEMERAL

CONTROLS = (
    "upscale",
    "upcreative",
    "varysubtle",
    "varystrong",
    "zoom15",
    "zoom2",
    "panleft",
    "panright",
    "panup",
    "pandown",
    "save",
    "share",
    "edit",
)


async def last_job(studio: Studio, user_id: int) -> tuple[str, Job, str | None]:
    row = await studio.bot.studio.store.fetchone(
        "SELECT kind, request, source_image_id FROM jobs WHERE user_id = ?"
        " ORDER BY created_at DESC LIMIT 1",
        (user_id,),
    )
    return row[0], Job.model_validate_json(row[1]), row[2]


def grid_size(call) -> tuple[int, int]:
    return Image.open(io.BytesIO(call.files[0].data)).size


async def open_image(studio: Studio, result: dict, user_id: int, position: int = 1) -> dict:
    """Click U<position>; the opened image's message, with its controls."""
    opened = await studio.fake.click_button(
        result["id"], button(result, "imagine:open:", position), user_id=user_id
    )
    assert (await opened.wait_callback()).type == 4
    return studio.fake.message(opened.original_id)


async def click(studio: Studio, message: dict, action: str, user_id: int):
    return await studio.fake.click_button(
        message["id"], button(message, f"imagine:{action}:"), user_id=user_id
    )


async def test_upscale_vary_zoom_and_pan_cost_what_they_say(studio: Studio):
    settings = studio.settings
    result = await imagine(studio, ALICE, "a lighthouse", count=1)
    single = await open_image(studio, result, ALICE)
    image_id = button(result, "imagine:open:").rsplit(":", 1)[1]
    assert [i.rsplit(":", 1)[0] for i in custom_ids(single)] == [
        f"imagine:{action}" for action in CONTROLS
    ]
    assert all(i.endswith(image_id) for i in custom_ids(single))
    spent = settings.generation_cost
    await stop_bot(studio.bot, studio.bot_task)  # the controls outlive the process
    studio.bot, studio.bot_task = await start_bot(studio.fake, studio.settings)

    upscale = await click(studio, single, "upscale", BOB)  # anyone may; they pay
    made = await upscale.wait_followup(is_result, timeout=RESULT_TIMEOUT)
    assert grid_size(made) == (128, 128)
    assert "upscaled" in made.response["embeds"][0]["description"]
    kind, job, source = await last_job(studio, BOB)
    assert (kind, source, job.strength) == ("upscale", image_id, settings.upscale_subtle_strength)
    assert await studio.balance(BOB) == settings.welcome_credits - settings.upscale_cost

    zoom = await click(studio, single, "zoom2", ALICE)
    made = await zoom.wait_followup(is_result, timeout=RESULT_TIMEOUT)
    kind, job, _ = await last_job(studio, ALICE)
    assert (kind, job.width, job.height, job.prompt) == ("edit", 128, 128, "a lighthouse")
    pan = await click(studio, single, "panleft", ALICE)
    await pan.wait_followup(is_result, timeout=RESULT_TIMEOUT)
    kind, job, _ = await last_job(studio, ALICE)
    assert (kind, job.width, job.height) == ("edit", 96, 64)
    strong = await click(studio, single, "varystrong", ALICE)
    await strong.wait_followup(is_result, timeout=RESULT_TIMEOUT)
    kind, job, _ = await last_job(studio, ALICE)
    assert (kind, job.strength) == ("vary", settings.vary_strong_strength)
    spent += 3 * settings.edit_cost
    assert await studio.balance(ALICE) == settings.welcome_credits - spent

    # Refusals are clear and free: over the pixel limit, and more than the balance.
    jobs = await studio.job_count()
    settings.upscale_max_pixels = 100 * 100  # the running bot reads its settings live
    too_big = await click(studio, single, "upcreative", ALICE)
    assert "would make 128×128 pixels; the limit is 0.0 megapixels" in await ephemeral_answer(
        too_big
    )
    settings.upscale_max_pixels, settings.upscale_cost = 2048 * 2048, 1000
    poor = await click(studio, single, "upscale", ALICE)
    assert "You need 1000 credits" in await ephemeral_answer(poor)
    assert await studio.job_count() == jobs
    assert await studio.balance(ALICE) == settings.welcome_credits - spent


async def test_remix_opens_the_prompt_in_a_modal_even_after_a_restart(studio: Studio):
    fake = studio.fake
    await studio.bot.studio.preferences.update_member(ALICE, remix=True)
    result = await imagine(studio, ALICE, "a purple mammoth", count=2)
    await stop_bot(studio.bot, studio.bot_task)
    studio.bot, studio.bot_task = await start_bot(fake, studio.settings)

    v2 = await fake.click_button(result["id"], button(result, "imagine:vary:", 2), user_id=ALICE)
    callback = await v2.wait_callback()
    assert callback.type == 9  # a modal, not a job
    field = v2.modal["components"][0]["components"][0]
    assert field["value"] == "a purple mammoth" and field["custom_id"] == "prompt"
    assert await studio.job_count() == 1

    blocked = await fake.submit_modal(
        v2.modal["custom_id"], {"prompt": "a gory battle"}, user_id=ALICE
    )
    assert (await blocked.wait_callback()).type == 5
    await ephemeral_answer(blocked)
    assert await studio.job_count() == 1  # the policy refused it: nothing charged

    again = await fake.click_button(result["id"], button(result, "imagine:vary:", 2), user_id=ALICE)
    await again.wait_callback()
    remixed = await fake.submit_modal(
        again.modal["custom_id"], {"prompt": "a green mammoth"}, user_id=ALICE
    )
    made = (await remixed.wait_followup(is_result, timeout=RESULT_TIMEOUT)).response
    assert made["embeds"][0]["title"] == "a green mammoth"
    kind, job, source = await last_job(studio, ALICE)
    assert (kind, job.prompt) == ("vary", "a green mammoth")
    assert source == button(result, "imagine:vary:", 2).rsplit(":", 1)[1]

    # Bob has remix off: his 🔄 runs at once, with the old prompt.
    reroll = await fake.click_button(result["id"], button(result, "imagine:reroll:"), user_id=BOB)
    assert (await reroll.wait_callback()).type == 5
    await reroll.wait_followup(is_result, timeout=RESULT_TIMEOUT)
    assert (await last_job(studio, BOB))[1].prompt == "a purple mammoth"


async def test_private_results_go_only_to_their_owner(studio: Studio):
    fake = studio.fake
    prefs = studio.bot.studio.preferences
    await prefs.update_member(ALICE, privacy="ephemeral")
    await prefs.update_member(BOB, privacy="dm")

    mine = await fake.slash_command("imagine", {"prompt": "a secret", "count": 1}, user_id=ALICE)
    deferred = await mine.wait_callback()
    assert deferred.json["data"]["flags"] & FLAG_EPHEMERAL  # the status line too
    made = await mine.wait_followup(is_result, timeout=RESULT_TIMEOUT)
    assert made.json["flags"] & FLAG_EPHEMERAL

    dm = await fake.slash_command("imagine", {"prompt": "a letter", "count": 1}, user_id=BOB)
    channel = int(fake.dm_channel(BOB)["id"])
    posted = await fake.wait_for_message(
        lambda m: int(m["channel_id"]) == channel and m.get("embeds"), timeout=RESULT_TIMEOUT
    )
    assert posted["embeds"][0]["title"] == "a letter"
    note = await dm.wait_original_edit(lambda c: "direct messages" in c.json.get("content", ""))
    assert note.ok
    in_the_open = [
        m
        for m in fake.bot_messages(fake.channel_id)
        if m.get("embeds") and not int(m.get("flags") or 0) & FLAG_EPHEMERAL
    ]
    assert in_the_open == []  # neither result was posted where others see it
