"""Floods: one user spamming requests hits a per-user rate limit that costs nothing."""

from __future__ import annotations

import re

from tests.e2e.conftest import (
    ALICE,
    BOB,
    Studio,
    bot_settings,
    button,
    imagine,
    start_bot,
    stop_bot,
)
from tests.fakediscord import CHANNEL_ID, FLAG_EPHEMERAL


async def test_the_rate_limit_covers_commands_buttons_and_replies_and_charges_nothing(
    fake, tmp_path
):
    settings = bot_settings(fake, tmp_path / "var", rate_limit_jobs=2, rate_limit_seconds=120)
    bot, task = await start_bot(fake, settings)
    studio = Studio(fake, bot, settings, task)
    try:
        result = await imagine(studio, ALICE, "a first try")  # request 1
        vary = await fake.click_button(result["id"], button(result, "imagine:vary:"), user_id=ALICE)
        assert (await vary.wait_callback()).type == 5  # request 2: accepted
        await vary.wait_original_edit()  # its status line: charged and queued

        spam = await fake.slash_command("imagine", {"prompt": "again"}, user_id=ALICE)
        refusal = (await spam.wait_callback()).json["data"]  # answered at once, not deferred
        assert refusal["flags"] & FLAG_EPHEMERAL
        match = re.search(r"Try again in (\d+) seconds? \(<t:\d+:T>\)", refusal["content"])
        assert match and 1 <= int(match[1]) <= 120, refusal["content"]
        assert "2 requests every 120 seconds" in refusal["content"]
        assert "Nothing was charged" in refusal["content"]

        reroll = await fake.click_button(
            result["id"], button(result, "imagine:reroll:"), user_id=ALICE
        )
        assert "Slow down" in (await reroll.wait_callback()).json["data"]["content"]

        mark = len(fake.calls)
        await fake.user_message("1 a red hat --region top", user_id=ALICE, reply_to=result["id"])
        answer = await fake.wait_for_call(
            lambda c: c.method == "POST" and c.path == f"/channels/{CHANNEL_ID}/messages",
            since=mark,
        )
        assert "Slow down" in answer.json["content"]

        other = await fake.slash_command("imagine", {"prompt": "mine"}, user_id=BOB)
        assert (await other.wait_callback()).type == 5  # someone else is not limited

        assert await studio.balance(ALICE) == settings.welcome_credits - 2
        (alice_jobs,) = await bot.studio.store.fetchone(
            "SELECT COUNT(*) FROM jobs WHERE user_id = ?", (ALICE,)
        )
        assert alice_jobs == 2

    finally:
        await stop_bot(bot, task)
