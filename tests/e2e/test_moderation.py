"""Moderation through the fake Discord: refusals with their category, suspensions, /mod."""

from __future__ import annotations

import asyncio

import skimage.data
from PIL import Image

from data import job_records
from tests.e2e.conftest import ALICE, BOB, Studio, bot_settings, png, start_bot, stop_bot
from tests.e2e.test_errors_and_delivery import ephemeral_answer
from tests.fakediscord import OWNER_ID

MOD_LOG = 3001


async def test_a_blocked_imagine_names_the_category_and_charges_nothing(studio: Studio):
    before = await studio.balance(ALICE)
    inter = await studio.fake.slash_command(
        "imagine", {"prompt": "a n 4 k e d giant"}, user_id=ALICE
    )
    answer = await ephemeral_answer(inter)
    assert "blocked by the content policy: sexual content (“naked”)" in answer
    assert "Nothing was charged" in answer
    assert await studio.balance(ALICE) == before
    assert await studio.job_count() == 0


async def test_a_face_upload_is_refused(studio: Studio):
    astronaut = png(Image.fromarray(skimage.data.astronaut()))
    inter = await studio.fake.slash_command(
        "vary", attachments={"image": ("me.png", astronaut, "image/png")}, user_id=BOB
    )
    assert "realistic human faces are not allowed" in await ephemeral_answer(inter)
    assert await studio.job_count() == 0
    assert await studio.balance(BOB) == studio.settings.welcome_credits


async def test_repeated_blocks_suspend_and_a_moderator_lifts_it(fake, tmp_path):
    settings = bot_settings(fake, tmp_path / "var", strike_limit=2, local_worker=False)
    bot, task = await start_bot(fake, settings)
    try:
        await fake.add_text_channel(MOD_LOG, "mod-log")
        await fake.sync()
        mod_log = await fake.slash_command(
            "mod",
            subcommand="log-channel",
            user_id=OWNER_ID,
            extra_options=[{"name": "channel", "type": 7, "value": str(MOD_LOG)}],
            resolved={"channels": {str(MOD_LOG): {**fake.channel(MOD_LOG), "permissions": "0"}}},
        )
        assert f"<#{MOD_LOG}>" in (await mod_log.wait_callback()).json["data"]["content"]

        block = await fake.slash_command(
            "mod", {"term": "Mammoth*"}, subcommand="block", user_id=OWNER_ID
        )
        assert "“mammoth*” are now blocked" in (await block.wait_callback()).json["data"]["content"]

        first = await fake.slash_command("imagine", {"prompt": "two m4mm0ths"}, user_id=ALICE)
        assert "a term this server blocks (“mammoth”)" in await ephemeral_answer(first)
        reported = await fake.wait_for_message(
            lambda m: m["channel_id"] == str(MOD_LOG) and "two m4mm0ths" in m["content"]
        )
        assert f"<@{ALICE}>" in reported["content"] and not reported.get("attachments")

        second = await fake.slash_command("imagine", {"prompt": "a gory battle"}, user_id=ALICE)
        assert "you are suspended until" in await ephemeral_answer(second)
        await fake.wait_for_message(
            lambda m: m["channel_id"] == str(MOD_LOG) and "Suspended until" in m["content"]
        )
        third = await fake.slash_command("imagine", {"prompt": "a purple mammal"}, user_id=ALICE)
        assert "You are suspended from Imagine" in await ephemeral_answer(third)

        listed = await fake.slash_command("mod", subcommand="suspensions", user_id=OWNER_ID)
        assert f"<@{ALICE}> until" in (await listed.wait_callback()).json["data"]["content"]
        member = {
            "extra_options": [{"name": "user", "type": 6, "value": str(ALICE)}],
            "resolved": {
                "users": {str(ALICE): fake.user(ALICE)},
                "members": {str(ALICE): fake.member(ALICE, with_user=False, permissions=True)},
            },
        }
        lift = await fake.slash_command("mod", subcommand="lift", user_id=OWNER_ID, **member)
        assert "can use Imagine again" in (await lift.wait_callback()).json["data"]["content"]
        fourth = await fake.slash_command("imagine", {"prompt": "a purple mammal"}, user_id=ALICE)
        await fourth.wait_original_edit(lambda c: "queued" in c.json.get("content", ""))
        studio = Studio(fake, bot, settings, task)
        assert await studio.balance(ALICE) == settings.welcome_credits - 1
    finally:
        await stop_bot(bot, task)


async def test_mod_commands_are_for_moderators(studio: Studio):
    fake = studio.fake
    group = studio.bot.tree.get_command("mod")
    assert group.default_permissions.manage_guild and group.guild_only
    check = await fake.slash_command(
        "mod", {"prompt": "a bloody mary"}, subcommand="check", user_id=OWNER_ID
    )
    assert (await check.wait_callback()).json["data"]["content"] == "Allowed."


async def test_a_flagged_result_is_not_posted_and_is_refunded(fake, tmp_path):
    from data.jobs import GeneratedImage, Result
    from studio.moderation import ImageChecker

    settings = bot_settings(fake, tmp_path / "var", local_worker=False)
    bot, task = await start_bot(fake, settings)
    try:
        # Without its skin gate the detector reads the colour wheel as nudity: a real
        # detection standing in for a generated image that shows some.
        bot.studio.moderator.images = ImageChecker(min_skin=0.0)
        inter = await fake.slash_command("imagine", {"prompt": "a colour wheel"}, user_id=BOB)
        await inter.wait_original_edit(lambda c: "queued" in c.json.get("content", ""))
        claim = await bot.studio.queue.claim("test-worker", 60)
        wheel = png(Image.fromarray(skimage.data.colorwheel()))
        images = [GeneratedImage(png=wheel, seed=s) for s in range(claim.job.n)]
        result = Result(
            job_id=claim.job.id, model="tiny", width=370, height=371, images=images, seconds=1
        )
        await bot.studio.queue.complete(claim.job.id, "test-worker", result)
        answer = await inter.wait_followup(
            lambda c: "withheld" in (c.json or {}).get("content", "")
        )
        assert "withheld by the content filter (nudity)" in answer.json["content"]
        assert "Your credit was refunded." in answer.json["content"]
        assert not [c for c in fake.calls if c.files]  # no image went to Discord
        studio = Studio(fake, bot, settings, task)
        assert await studio.balance(BOB) == settings.welcome_credits
    finally:
        await stop_bot(bot, task)


async def test_a_blocked_reply_edit_is_answered_and_costs_nothing(studio: Studio):
    fake = studio.fake
    picture = png(Image.effect_noise((64, 64), 40).convert("RGB"))
    posted = await fake.user_message(
        "look", user_id=ALICE, attachments=[("n.png", picture, "image/png")]
    )
    mark = len(fake.calls)
    await fake.user_message(
        f"<@{fake.application_id}> add a swastika", user_id=ALICE, reply_to=posted["id"]
    )
    answer = await fake.wait_for_call(
        lambda c: c.method == "POST" and c.path.endswith("/messages") and c.json, since=mark
    )
    assert "blocked by the content policy: hate (“swastika”)" in answer.json["content"]
    assert await studio.job_count() == 0
    assert await studio.balance(ALICE) == studio.settings.welcome_credits


async def test_a_moderator_turns_on_people_diversity(fake, tmp_path):
    settings = bot_settings(fake, tmp_path / "var", local_worker=False)
    bot, task = await start_bot(fake, settings)
    try:
        shown = await fake.slash_command("mod", subcommand="diversity", user_id=OWNER_ID)
        assert "People diversity: **off**" in (await shown.wait_callback()).json["data"]["content"]
        turned = await fake.slash_command(
            "mod", {"enabled": True}, subcommand="diversity", user_id=OWNER_ID
        )
        answer = (await turned.wait_callback()).json["data"]["content"]
        assert "People diversity: **on**" in answer and "per image" in answer

        await fake.slash_command("imagine", {"prompt": "a portrait of a doctor"}, user_id=ALICE)
        store = bot.studio.store
        for _ in range(200):
            row = await store.fetchone("SELECT id FROM jobs")
            if row:
                break
            await asyncio.sleep(0.05)
        async with store.read() as db:
            job = (await job_records.get(db, row[0])).job
        assert job.prompt == "a portrait of a doctor"
        assert len(job.image_prompts) == job.n == settings.images_per_prompt
        assert all(p.endswith(" doctor") and p != job.prompt for p in job.image_prompts)
    finally:
        await stop_bot(bot, task)
