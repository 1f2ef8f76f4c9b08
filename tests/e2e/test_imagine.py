"""/imagine through the fake Discord: deferral, status, the result with its buttons, credits."""

from __future__ import annotations

import io
import re

from PIL import Image

from tests.e2e.conftest import (
    ALICE,
    RESULT_TIMEOUT,
    Studio,
    bot_settings,
    custom_ids,
    is_result,
    start_bot,
    stop_bot,
    wait_until,
)
from tests.fakediscord import FLAG_EPHEMERAL


async def test_imagine_defers_shows_status_and_posts_the_grid_with_buttons(studio: Studio):
    fake = studio.fake
    inter = await fake.slash_command("imagine", {"prompt": "a purple mammoth"}, user_id=ALICE)
    callback = await inter.wait_callback()
    assert callback.type == 5 and inter.callback_latency < 3

    result = await inter.wait_followup(is_result, timeout=RESULT_TIMEOUT)
    message = result.response
    assert message["content"] == f"<@{ALICE}>"
    assert result.json["allowed_mentions"] == {"parse": [], "users": [ALICE]}
    embed = message["embeds"][0]
    assert embed["title"] == "a purple mammoth" and "seed" in embed["description"]
    ids = custom_ids(message)
    assert [i.split(":")[1] for i in ids] == ["open"] * 4 + ["vary"] * 4 + [
        "reroll",
        "saveall",
        "share",
    ]
    assert all(re.fullmatch(r"imagine:\w+:[0-9a-f]{12}", i) for i in ids)
    statuses = [c.json.get("content", "") for c in inter.original_edits()]
    assert any("queued" in s or "generating" in s for s in statuses)
    assert await studio.balance(ALICE) == studio.settings.welcome_credits - 1


async def test_a_long_job_shows_a_preview_on_its_status_line(fake, tmp_path, monkeypatch):
    """With PREVIEW_DECODER set, the local worker's previews reach the status line (the
    tiny TAESD-class decoder decodes SD latents: this runs on the SD build)."""
    monkeypatch.setenv("PREVIEW_DECODER", "tiny")  # the worker process reads its environment
    monkeypatch.setenv("PREVIEW_SECONDS", "0.2")
    settings = bot_settings(fake, tmp_path / "var", model="tiny", steps=30, image_size=64)
    bot, task = await start_bot(fake, settings)
    try:
        inter = await fake.slash_command("imagine", {"prompt": "a slow sunrise"}, user_id=ALICE)
        edit = await inter.wait_original_edit(
            lambda c: any(f.filename == "preview.jpg" for f in c.files), timeout=RESULT_TIMEOUT
        )
        assert "generating" in edit.json["content"]
        (preview,) = edit.files
        assert Image.open(io.BytesIO(preview.data)).format == "JPEG"
        await inter.wait_followup(is_result, timeout=RESULT_TIMEOUT)
        await wait_until(lambda: inter.original_message() is None, timeout=10)  # status line gone
    finally:
        await stop_bot(bot, task)


async def test_imagine_refusals_are_ephemeral_and_free(studio: Studio):
    fake = studio.fake
    cases = [
        ({"prompt": "   "}, "Write a prompt"),
        ({"prompt": "x" * 401}, "the limit is 400"),
        ({"prompt": "a bell \x07 rings"}, "control characters"),
    ]
    for options, expected in cases:
        inter = await fake.slash_command("imagine", options, user_id=ALICE)
        answer = await inter.wait_followup(lambda c: c.json and "content" in c.json)
        assert expected in answer.json["content"]
        assert answer.json["flags"] & FLAG_EPHEMERAL
    assert await studio.job_count() == 0
    assert await studio.balance(ALICE) == studio.settings.welcome_credits
