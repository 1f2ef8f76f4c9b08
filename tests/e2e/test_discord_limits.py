"""Discord's real limits, enforced by the fake, and what the bot does at each of them:
the embed total, the upload limit, forum tags, a missing permission, closed DMs, a
refused privileged intent, and the 3 seconds to the first answer; and credit packs
bought while the bot was away."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from data.origins import Privacy
from studio.studio import Requester
from studio.styles import MAX_STYLES, Styles
from tests.e2e.answers import answer, channel_option, is_ephemeral
from tests.e2e.conftest import (
    ALICE,
    BOB,
    RESULT_TIMEOUT,
    Studio,
    bot_settings,
    button,
    imagine,
    start_bot,
    stop_bot,
    wait_until,
)
from tests.fakediscord import APPLICATION_ID, FLAG_EPHEMERAL, OWNER_ID
from tests.fakediscord import payloads as p
from tests.fakediscord.rules import embed_size

FORUM = 3002
MODERATOR = 503
PACK_SKU = 777


def is_grid(call) -> bool:
    return bool(call.files) and call.files[0].filename.startswith("grid.")


async def test_style_list_at_its_maximum_stays_under_the_embed_total(studio: Studio):
    styles = Styles.of(studio.bot.studio)
    longest = "w" * studio.settings.max_prompt_length
    for n in range(MAX_STYLES):
        await styles.add(
            studio.fake.guild_id, f"style {n:03d}", prefix=longest, suffix=longest, by=OWNER_ID
        )
    inter = await studio.fake.slash_command("style", subcommand="list", user_id=BOB)
    shown = await answer(inter)  # the fake refuses embeds over 6,000 characters (50035)
    [embed] = shown["embeds"]
    assert embed_size(embed) <= 6000
    assert embed["footer"]["text"].startswith(f"…and {MAX_STYLES - len(embed['fields'])} more")


async def test_a_grid_over_the_upload_limit_is_reduced_and_u1_says_how_to_get_the_png(
    studio: Studio,
):
    fake = studio.fake
    fake.attachment_size_limit = 6 * 1024  # what interactions announce; the fake holds to it
    inter = await fake.slash_command("imagine", {"prompt": "a field of static"}, user_id=ALICE)
    followup = await inter.wait_followup(is_grid, timeout=RESULT_TIMEOUT)
    assert followup.ok, followup
    grid = followup.files[0]
    assert grid.filename == "grid.jpg" and len(grid.data) <= fake.attachment_size_limit
    message = followup.response
    assert "The grid is reduced to fit Discord's upload limit" in message["content"]
    assert message["embeds"][0]["image"]["url"].endswith("grid.jpg")

    opened = await fake.click_button(message["id"], button(message, "imagine:open:"), user_id=ALICE)
    assert (await opened.wait_callback()).type == 5  # deferred before reading and encoding
    image = await answer(opened)
    [attachment] = image["attachments"]
    image_id = button(message, "imagine:open:").rsplit(":", 1)[1]
    if attachment["filename"].endswith(".jpg"):  # the 64² PNG did not fit either
        assert f"python -m bot export {image_id}" in image["content"]
    assert attachment["size"] <= fake.attachment_size_limit


async def test_u1_and_history_reopen_defer_before_their_work(studio: Studio):
    fake = studio.fake
    result = await imagine(studio, ALICE, "a lighthouse", count=2)
    opened = await fake.click_button(result["id"], button(result, "imagine:open:"), user_id=ALICE)
    assert (await opened.wait_callback()).type == 5
    assert (await answer(opened))["attachments"][0]["filename"].endswith(".png")

    history = await answer(await fake.slash_command("history", user_id=ALICE))
    reopen = next(i for i in _ids(history) if i.startswith("imagine:reopen:"))
    again = await fake.click_button(history["id"], reopen, user_id=ALICE)
    deferred = await again.wait_callback()
    assert deferred.type == 5 and deferred.json["data"]["flags"] & FLAG_EPHEMERAL
    shown = await answer(again)
    assert shown["embeds"][0]["title"] == "a lighthouse"


def _ids(message: dict) -> list[str]:
    return [c["custom_id"] for row in message["components"] for c in row["components"]]


async def _forum_gallery(studio: Studio, **forum) -> None:
    await studio.fake.add_forum_channel(FORUM, "ai-art", **forum)
    inter = await studio.fake.slash_command(
        "gallery",
        subcommand="channel",
        user_id=OWNER_ID,
        **channel_option(studio.fake, "channel", FORUM),
    )
    assert "forum" in (await answer(inter))["content"]


async def _share_first(studio: Studio, prompt: str) -> tuple[str, dict]:
    result = await imagine(studio, ALICE, prompt, count=1)
    share = button(result, "imagine:share:")
    shared = await answer(await studio.fake.click_button(result["id"], share, user_id=ALICE))
    return share.rsplit(":", 1)[1], shared


async def test_share_applies_a_tag_where_the_forum_requires_one(studio: Studio):
    staff = p.forum_tag_payload(9001, "Staff pick", moderated=True)
    art = p.forum_tag_payload(9002, "AI art")
    photo = p.forum_tag_payload(9003, "Photo")
    await _forum_gallery(studio, tags=[staff, art, photo], require_tag=True)
    _, shared = await _share_first(studio, "a tagged heron")
    assert "Shared to the gallery" in shared["content"], shared["content"]
    [thread] = studio.fake.threads_of(FORUM)
    assert thread["applied_tags"] == ["9002"]  # not the moderated one: the bot may not apply it

    bot = studio.bot  # GALLERY_FORUM_TAG names the tag to use (any case)
    bot.settings = bot.settings.model_copy(update={"gallery_forum_tag": "photo"})
    await _share_first(studio, "a configured heron")
    assert [t["applied_tags"] for t in studio.fake.threads_of(FORUM)] == [["9002"], ["9003"]]


async def test_a_refused_take_down_keeps_the_post_up_and_says_why(studio: Studio):
    fake = studio.fake
    await _forum_gallery(studio)
    image_id, _ = await _share_first(studio, "a stubborn post")
    [thread] = fake.threads_of(FORUM)
    fake.bot_denied[FORUM] = p.PERM_MANAGE_THREADS  # Discord: 403 50013 on DELETE
    fake.permission_overrides[MODERATOR] = p.EVERYONE_PERMISSIONS | p.PERM_MANAGE_MESSAGES

    remove = f"imagine:unshare:{image_id}"
    refused = await answer(await fake.click_button(thread["id"], remove, user_id=MODERATOR))
    assert "Manage Threads" in refused["content"] and is_ephemeral(refused)
    assert fake.threads_of(FORUM) == [thread]  # still up on Discord …
    status = "SELECT status FROM shares WHERE image_id = ?"
    assert tuple(await studio.bot.studio.store.fetchone(status, (image_id,))) == ("live",)
    top = await answer(await fake.slash_command("gallery", {"period": "all"}, subcommand="top"))
    assert f"/{thread['id']}/{thread['id']}" in top["content"]  # … and listed as up

    del fake.bot_denied[FORUM]  # the admin fixed it; the owner removes it from #general
    removed = await answer(
        await fake.slash_command(
            "gallery", {"image": image_id}, subcommand="unshare", user_id=OWNER_ID
        )
    )
    assert removed["content"].startswith("Removed from the gallery")
    assert fake.threads_of(FORUM) == []
    assert tuple(await studio.bot.studio.store.fetchone(status, (image_id,))) == ("removed",)


async def test_a_dm_result_for_someone_whose_dms_are_closed_arrives_ephemerally(studio: Studio):
    fake = studio.fake
    await studio.bot.studio.preferences.update_member(BOB, privacy=Privacy.DM)
    fake.close_dms(BOB)  # Discord: 403 50007 Cannot send messages to this user
    inter = await fake.slash_command(
        "imagine", {"prompt": "a sealed letter", "count": 1}, user_id=BOB
    )
    made = await inter.wait_followup(is_grid, timeout=RESULT_TIMEOUT)
    assert made.ok and made.json["flags"] & FLAG_EPHEMERAL
    refused = fake.calls_matching("POST", rf"/channels/{fake.dm_channel(BOB)['id']}/messages")
    assert refused and refused[0].status == 403 and refused[0].response["code"] == 50007


def _entitlement(entitlement_id: int, user_id: int, sku: int = PACK_SKU, consumed=False) -> dict:
    return {
        "id": str(entitlement_id),
        "sku_id": str(sku),
        "application_id": str(APPLICATION_ID),
        "user_id": str(user_id),
        "type": 8,
        "deleted": False,
        "consumed": consumed,
    }


async def test_packs_bought_while_away_are_granted_once_at_start_and_on_resume(fake, tmp_path):
    fake.entitlements = [
        _entitlement(9101, BOB),
        _entitlement(9102, ALICE, consumed=True),  # granted and consumed long ago
        _entitlement(9103, ALICE, sku=555),  # another product
    ]
    settings = bot_settings(fake, tmp_path / "var", credit_pack_sku_id=PACK_SKU, local_worker=False)
    bot, task = await start_bot(fake, settings)
    try:
        await wait_until(lambda: 9101 in fake.consumed)
        balance = bot.studio.balance
        assert await balance(Requester(BOB)) == 50 + 115
        assert await balance(Requester(ALICE)) == 50
        await fake.dispatch("ENTITLEMENT_CREATE", _entitlement(9101, BOB))  # the event, late
        await fake.sync()
        assert await balance(Requester(BOB)) == 50 + 115  # once

        fake.entitlements.append(_entitlement(9104, ALICE))  # bought during an outage
        await fake.disconnect_gateway()
        await fake.wait_resumed()
        await wait_until(lambda: 9104 in fake.consumed)
        assert await balance(Requester(ALICE)) == 50 + 115
        assert fake.consumed.count(9102) == fake.consumed.count(9103) == 0
    finally:
        await stop_bot(bot, task)


async def test_a_refused_message_content_intent_stops_the_bot_with_what_to_do(fake, tmp_path):
    fake.gateway.allowed_privileged = 0  # the portal's switch is off: close 4014
    data = tmp_path / "var"
    data.mkdir()
    env = {
        **os.environ,
        "DATA_DIR": str(data),
        "MODEL": "tiny",
        "LOCAL_WORKER": "false",
        "MESSAGE_CONTENT": "true",
        "DISCORD_TOKEN": "fake-token",
        "DISCORD_API_BASE": fake.api_base,
        "DISCORD_GATEWAY": str(fake.gateway_url),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=Path(__file__).parents[2],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 2, output.decode()
    assert fake.gateway.refused and fake.gateway.refused[0] & p.INTENT_MESSAGE_CONTENT
    assert "MESSAGE_CONTENT=false" in output.decode()
