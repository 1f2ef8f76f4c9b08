"""Discord faults while results are posted: 429s with retry-after, 5xx, a webhook that is
gone, a gateway that drops and resumes. Every result reaches its user once."""

from __future__ import annotations

import asyncio
import re

from tests.e2e.audit import audit
from tests.e2e.conftest import (
    ALICE,
    BOB,
    RESULT_TIMEOUT,
    bot_settings,
    is_result,
    start_bot,
    stop_bot,
)
from tests.fakediscord import CHANNEL_ID

CAROL, DAVE = 503, 504


async def test_rate_limits_server_errors_a_lost_webhook_and_a_resume(fake, tmp_path):
    settings = bot_settings(fake, tmp_path / "var")
    bot, task = await start_bot(fake, settings)
    try:
        limited = await fake.slash_command("imagine", {"prompt": "rate limited"}, user_id=ALICE)
        failing = await fake.slash_command("imagine", {"prompt": "server errors"}, user_id=BOB)
        gone = await fake.slash_command("imagine", {"prompt": "webhook gone"}, user_id=CAROL)
        for inter in (limited, failing, gone):
            assert (await inter.wait_callback(timeout=30)).type == 5
        result = re.escape  # the result followup only; status edits go to .../@original
        fake.fail_next("POST", result(limited.webhook_path) + "$", 429, times=2, retry_after=0.5)
        fake.fail_next("POST", result(failing.webhook_path) + "$", 502, times=2)
        fake.fail_next(
            "POST",
            result(gone.webhook_path) + "$",
            404,
            {"message": "Unknown Webhook", "code": 10015},
        )

        await fake.disconnect_gateway()  # resumable: discord.py comes back with RESUME
        during = await fake.slash_command("imagine", {"prompt": "while away"}, user_id=DAVE)
        await fake.wait_resumed()
        assert (await during.wait_callback(timeout=30)).type == 5  # replayed, handled once

        for inter in (limited, failing, during):
            await inter.wait_followup(is_result, timeout=RESULT_TIMEOUT)
        posted = await fake.wait_for_call(
            lambda c: c.path == f"/channels/{CHANNEL_ID}/messages" and c.ok and is_result(c),
            timeout=RESULT_TIMEOUT,
        )
        assert posted.json["content"] == f"<@{CAROL}>"  # the fallback mentions its owner
        await asyncio.sleep(1)  # a late duplicate would show up here
    finally:
        await stop_bot(bot, task)

    faults = sum(call.fault for call in fake.calls) + 1  # + the dropped gateway
    assert faults == 6
    assert len(during.callbacks()) == 1
    report = audit(settings.database_path, fake)
    report.report("Discord 429s, 5xx, lost webhook, gateway resume", faults=faults)
    report.assert_clean()
    assert report.jobs == 4
