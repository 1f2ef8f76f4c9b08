"""/settings, /style and /imagine ratio:/style: through the fake Discord, end to end."""

from __future__ import annotations

import pytest

from data.jobs import Job
from tests.e2e.conftest import (
    ALICE,
    BOB,
    RESULT_TIMEOUT,
    Studio,
    bot_settings,
    custom_ids,
    ephemeral_answer,
    is_result,
    start_bot,
    stop_bot,
)
from tests.fakediscord import FLAG_EPHEMERAL, OWNER_ID


@pytest.fixture
async def studio(fake, tmp_path):
    """On the SD build with classifier-free guidance, so that negative prompts (defaults,
    presets) apply: FLUX.2, the default family, has none."""
    settings = bot_settings(fake, tmp_path / "var", model="tiny", guidance=7.5)
    bot, task = await start_bot(fake, settings)
    yield Studio(fake, bot, settings, task)
    if not task.done():
        await stop_bot(bot, task)


def fields(message: dict) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message["embeds"][0]["fields"]}


async def open_settings(studio: Studio, user_id: int, **options) -> dict:
    inter = await studio.fake.slash_command("settings", options or None, user_id=user_id)
    callback = await inter.wait_callback()
    assert callback.type == 4 and callback.json["data"]["flags"] & FLAG_EPHEMERAL
    return studio.fake.message(inter.original_id)


async def refusal(inter) -> str:
    """An immediate ephemeral answer (nothing was deferred)."""
    data = (await inter.wait_callback()).json["data"]
    assert data["flags"] & FLAG_EPHEMERAL
    return data["content"]


async def edited(inter) -> dict:
    """The /settings message after a change (an update-message callback)."""
    callback = await inter.wait_callback()
    assert callback.type == 7, callback.json
    return inter.fake.message(inter.message_id)


async def last_job(studio: Studio, user_id: int) -> Job:
    row = await studio.bot.studio.store.fetchone(
        "SELECT request FROM jobs WHERE user_id = ? ORDER BY created_at DESC LIMIT 1", (user_id,)
    )
    return Job.model_validate_json(row[0])


async def test_settings_change_a_members_defaults_and_survive_a_restart(studio: Studio):
    fake = studio.fake
    shown = await open_settings(studio, ALICE)
    assert fields(shown)["Images per prompt"] == "4 (server default)"
    assert "imagine:settings:me:count" in custom_ids(shown)

    inter = await fake.select_option(shown["id"], "imagine:settings:me:count", ["2"], user_id=ALICE)
    shown = await edited(inter)
    assert fields(shown)["Images per prompt"] == "2"

    text = await fake.click_button(shown["id"], "imagine:settings:me:text", user_id=ALICE)
    modal = (await text.wait_callback()).json["data"]
    assert modal["custom_id"] == "imagine:settings:me:modal"
    bad = await fake.submit_modal(
        "imagine:settings:me:modal",
        {"negative": "blurry", "shape": "9:1"},
        user_id=ALICE,
        message_id=int(shown["id"]),
    )
    assert "1:4 to 4:1" in await refusal(bad)
    assert (await studio.bot.studio.preferences.member(ALICE)).negative is None  # all or nothing
    again = await fake.click_button(shown["id"], "imagine:settings:me:text", user_id=ALICE)
    assert (await again.wait_callback()).type == 9  # a modal answers once: open it again
    good = await fake.submit_modal(
        "imagine:settings:me:modal",
        {"negative": "blurry", "shape": "16:9"},
        user_id=ALICE,
        message_id=int(shown["id"]),
    )
    shown = await edited(good)
    assert fields(shown)["Shape"] == "16:9" and fields(shown)["Negative prompt"] == "blurry"

    # Bob never opened /settings: his requests are as they always were.
    bob = await fake.slash_command("imagine", {"prompt": "a fox"}, user_id=BOB)
    await bob.wait_followup(is_result, timeout=RESULT_TIMEOUT)
    job = await last_job(studio, BOB)
    assert (job.n, job.width, job.height, job.negative_prompt) == (4, 64, 64, "")

    alice = await fake.slash_command("imagine", {"prompt": "a fox"}, user_id=ALICE)
    result = (await alice.wait_followup(is_result, timeout=RESULT_TIMEOUT)).response
    job = await last_job(studio, ALICE)
    assert (job.n, job.width, job.height, job.negative_prompt) == (2, 88, 48, "blurry")
    assert "88×48" in result["embeds"][0]["description"]

    # The old /settings message still works after a restart (DynamicItems).
    await stop_bot(studio.bot, studio.bot_task)
    studio.bot, studio.bot_task = await start_bot(fake, studio.settings)
    remix = await fake.click_button(shown["id"], "imagine:settings:me:remix", user_id=ALICE)
    shown = await edited(remix)
    assert fields(shown)["Remix"].startswith("on")
    reset = await fake.click_button(shown["id"], "imagine:settings:me:reset", user_id=ALICE)
    shown = await edited(reset)
    assert fields(shown)["Shape"] == "square (server default)"


async def test_server_defaults_are_for_admins_and_sit_under_members_own(studio: Studio):
    fake = studio.fake
    refused = await fake.slash_command("settings", {"server": True}, user_id=BOB)
    assert "Manage Server" in await refusal(refused)
    shown = await open_settings(studio, OWNER_ID, server=True)
    assert shown["embeds"][0]["title"].startswith("This server's defaults")
    inter = await fake.select_option(
        shown["id"], "imagine:settings:server:privacy", ["ephemeral"], user_id=OWNER_ID
    )
    assert fields(await edited(inter))["Results"] == "Only visible to me"
    # A member clicking the admin's message (say, forwarded) is refused; nothing changes.
    sneaky = await fake.select_option(
        shown["id"], "imagine:settings:server:count", ["1"], user_id=BOB
    )
    assert "Manage Server" in await refusal(sneaky)
    prefs = studio.bot.studio.preferences
    assert (await prefs.guild(fake.guild_id)).count is None
    assert (await prefs.effective(BOB, fake.guild_id)).privacy == "ephemeral"
    mine = await open_settings(studio, BOB)
    assert fields(mine)["Results"] == "Only visible to me (server default)"


async def test_styles_are_added_by_admins_and_applied_with_autocomplete(studio: Studio):
    fake = studio.fake
    denied = await fake.slash_command(
        "style", {"name": "Noir", "prefix": "film noir"}, subcommand="add", user_id=BOB
    )
    assert "Manage Server" in await refusal(denied)
    added = await fake.slash_command(
        "style",
        {"name": "Noir", "prefix": "film noir", "negative": "colour"},
        subcommand="add",
        user_id=OWNER_ID,
    )
    assert "Added the style **Noir**" in (await added.wait_callback()).json["data"]["content"]
    twice = await fake.slash_command(
        "style", {"name": "noir", "suffix": "x"}, subcommand="add", user_id=OWNER_ID
    )
    assert "exists" in await refusal(twice)

    listed = await fake.slash_command("style", subcommand="list", user_id=BOB)
    embed = (await listed.wait_callback()).json["data"]["embeds"][0]
    assert embed["fields"][0]["name"] == "Noir" and "film noir" in embed["fields"][0]["value"]

    typed = await fake.autocomplete("imagine", {"prompt": "a cat", "style": "no"}, "style")
    await typed.wait_callback()
    assert typed.choices == [{"name": "Noir", "value": "Noir"}]

    made = await fake.slash_command(
        "imagine", {"prompt": "a cat", "style": "Noir", "ratio": "3:2"}, user_id=ALICE
    )
    result = (await made.wait_followup(is_result, timeout=RESULT_TIMEOUT)).response
    echo = [c.json.get("content", "") for c in made.original_edits() if c.json]
    assert any("(3:2 → 72×48)" in text for text in echo)
    assert result["embeds"][0]["title"] == "film noir, a cat"
    job = await last_job(studio, ALICE)
    assert (job.width, job.height, job.negative_prompt) == (72, 48, "colour")

    wide = await fake.slash_command("imagine", {"prompt": "a cat", "ratio": "8:1"}, user_id=ALICE)
    assert "1:4 to 4:1" in await refusal(wide)
    gone = await fake.slash_command(
        "style", {"name": "Noir"}, subcommand="remove", user_id=OWNER_ID
    )
    assert "Removed" in (await gone.wait_callback()).json["data"]["content"]
    missing = await fake.slash_command(
        "imagine", {"prompt": "a cat", "style": "Noir"}, user_id=ALICE
    )
    assert "no style named" in await ephemeral_answer(missing)
    assert await studio.job_count() == 1
