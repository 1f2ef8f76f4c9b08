"""From a Discord result to a painted edit and back, through the fake Discord and the web
editor served beside the bot (API_ENABLED): the Edit button and /edit-link hand out a
private link; the edit made on the page is delivered to the channel as usual."""

from __future__ import annotations

import asyncio
import base64
import io

import aiohttp
from PIL import Image

from tests.e2e.conftest import (
    ALICE,
    BOB,
    RESULT_TIMEOUT,
    Studio,
    api_url_of,
    bot_settings,
    button,
    custom_ids,
    imagine,
    start_bot,
    stop_bot,
)
from tests.e2e.test_controls import open_image
from tests.fakediscord import FLAG_EPHEMERAL


def link_in(callback) -> str:
    """The editor link of an Edit answer: ephemeral, in a link button (not unfurled)."""
    data = callback.json["data"]
    assert data["flags"] & FLAG_EPHEMERAL
    (row,) = data["components"]
    (link_button,) = row["components"]
    assert link_button["style"] == 5 and "custom_id" not in link_button
    return link_button["url"]


def left_half_mask(size: tuple[int, int]) -> str:
    mask = Image.new("L", size, 0)
    mask.paste(255, (0, 0, size[0] // 2, size[1]))
    buffer = io.BytesIO()
    mask.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


async def test_edit_in_the_browser_from_a_discord_result_and_back(fake, tmp_path, engine):
    from inference.worker import Worker

    settings = bot_settings(
        fake, tmp_path / "var", local_worker=False, api_enabled=True, api_port=0
    )
    bot, task = await start_bot(fake, settings)
    stop = asyncio.Event()
    worker = asyncio.create_task(Worker(bot.studio.queue, engine, poll_seconds=0.01).run(stop))
    studio = Studio(fake, bot, settings, task)
    api_url = api_url_of(bot)
    jar = aiohttp.CookieJar(unsafe=True)  # the server is 127.0.0.1: keep its cookie
    try:
        result = await imagine(studio, ALICE, "a lighthouse", count=1)
        single = await open_image(studio, result, ALICE)
        image_id = button(result, "imagine:open:").rsplit(":", 1)[1]
        assert f"imagine:edit:{image_id}" in custom_ids(single)
        clicked = await fake.click_button(single["id"], f"imagine:edit:{image_id}", user_id=ALICE)
        url = link_in(await clicked.wait_callback())
        assert url.startswith(f"{api_url}/edit/")

        before = await studio.balance(ALICE)
        token = url.rsplit("/", 1)[1]
        async with aiohttp.ClientSession(cookie_jar=jar) as browser:
            opened = await browser.post(f"{api_url}/web/edit/{token}/open", json={})
            assert opened.status == 200
            shown = (await opened.json())["image"]
            body = {
                "prompt": "a red door",
                "mask": left_half_mask((shown["width"], shown["height"])),
            }
            answer = await browser.post(f"{api_url}/web/edit/{token}/edit", json=body)
            assert answer.status == 200, await answer.text()

        def delivered(message: dict) -> bool:  # the edit's result, posted in the channel
            return (
                is_result_message(message)
                and message["content"] == f"<@{ALICE}>"
                and message["id"] != result["id"]
            )

        posted = await fake.wait_for_message(delivered, timeout=RESULT_TIMEOUT)
        assert int(posted["channel_id"]) == fake.channel_id
        assert len([i for i in custom_ids(posted) if i.startswith("imagine:vary:")]) == 3
        assert await studio.balance(ALICE) == before - settings.edit_cost

        typed = await fake.slash_command("edit-link", {"image": image_id}, user_id=ALICE)
        assert link_in(await typed.wait_callback()).startswith(f"{api_url}/edit/")
        seen = await fake.slash_command("edit-link", {"image": image_id}, user_id=BOB)
        assert link_in(await seen.wait_callback())  # shown in this channel: Bob may edit it too
        gone = await fake.slash_command("edit-link", {"image": "0123456789ab"}, user_id=BOB)
        refusal = (await gone.wait_callback()).json["data"]
        assert refusal["flags"] & FLAG_EPHEMERAL
        assert refusal["content"] == "That image no longer exists."
        garbage = await fake.slash_command("edit-link", {"image": "nope"}, user_id=ALICE)
        assert "not an image id" in (await garbage.wait_callback()).json["data"]["content"]
    finally:
        stop.set()
        await worker
        await stop_bot(bot, task)


def is_result_message(message: dict) -> bool:
    return any(a["filename"] == "grid.jpg" for a in message.get("attachments", []))


async def test_without_an_http_server_edit_says_how_to_turn_the_editor_on(fake, tmp_path, engine):
    from inference.worker import Worker

    settings = bot_settings(fake, tmp_path / "var", local_worker=False)  # API_ENABLED off
    bot, task = await start_bot(fake, settings)
    stop = asyncio.Event()
    worker = asyncio.create_task(Worker(bot.studio.queue, engine, poll_seconds=0.01).run(stop))
    try:
        result = await imagine(Studio(fake, bot, settings, task), ALICE, "a lighthouse", count=1)
        single = await open_image(Studio(fake, bot, settings, task), result, ALICE)
        image_id = button(result, "imagine:open:").rsplit(":", 1)[1]
        clicked = await fake.click_button(single["id"], f"imagine:edit:{image_id}", user_id=ALICE)
        answer = (await clicked.wait_callback()).json["data"]
        assert answer["flags"] & FLAG_EPHEMERAL and "API_ENABLED=true" in answer["content"]
    finally:
        stop.set()
        await worker
        await stop_bot(bot, task)
