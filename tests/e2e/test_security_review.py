"""Issue 19 (security review) through the fake Discord: credits minted by a server's admins
stay on that server; DMs are no way around a server's rules; reply-to-edit limits before
downloading and always answers; gallery moderation and Save/Open visibility."""

from __future__ import annotations

import time

from PIL import Image

from data import job_records, moderation
from data.jobs import Priority
from studio.studio import Requester
from tests.e2e.conftest import ALICE, BOB, bot_settings, png, start_bot, stop_bot
from tests.e2e.test_access import BETA, role_option
from tests.e2e.test_credits import member_option
from tests.fakediscord import CHANNEL_ID, OWNER_ID

ELSEWHERE = 4242  # another server the bot is on (its own admins, its own rules)


async def grant(fake, amount: int, *, by: int = OWNER_ID, to: int = BOB, **extra) -> str:
    inter = await fake.slash_command(
        "credits-admin",
        {"amount": amount, "reason": "prize", **extra},
        subcommand="grant",
        user_id=by,
        **member_option(fake, to),
    )
    return (await inter.wait_callback()).json["data"]["content"]


async def refusal(inter) -> str:
    """The followup that explains a refusal (in a DM as in a server)."""
    answer = await inter.wait_followup(lambda c: c.json and "content" in c.json)
    return answer.json["content"]


async def test_a_server_grant_is_spent_only_there_and_never_jumps_the_queue(fake, tmp_path):
    settings = bot_settings(fake, tmp_path / "var", local_worker=False, operator_ids={ALICE})
    bot, task = await start_bot(fake, settings)
    studio = bot.studio
    here = Requester(BOB, guild_id=fake.guild_id)
    try:
        answer = await grant(fake, 100_000)
        assert f"<@{BOB}> now has **100050** credits: 50 free, 0 paid, 100000 granted." in answer
        assert await studio.balance(here) == 100_050
        assert await studio.balance(Requester(BOB, guild_id=ELSEWHERE)) == 50  # not minted there
        assert await studio.balance(Requester(BOB)) == 50

        # A non-operator asking for a grant everywhere is refused and nothing changes.
        refused = await grant(fake, 10, everywhere=True)
        assert "Only the bot's operators can grant credits for every server" in refused
        assert await studio.balance(Requester(BOB, guild_id=ELSEWHERE)) == 50

        # Spending: this server's grant first; the job stays in the free lane.
        inter = await fake.slash_command("imagine", {"prompt": "a fox"}, user_id=BOB)
        await inter.wait_original_edit(lambda c: "queued" in c.json.get("content", ""))
        row = await studio.store.fetchone("SELECT id FROM jobs WHERE user_id = ?", (BOB,))
        async with studio.store.read() as db:
            job = (await job_records.get(db, row[0])).job
        assert job.priority is Priority.FREE
        assert await studio.balance(here) == 100_049
        assert await studio.balance(Requester(BOB, guild_id=ELSEWHERE)) == 50

        # A server admin can take back only what this server gave, not the free credits.
        taken = await grant(fake, -100_049)
        assert "you can take at most that" in taken and "They have 99999" in taken

        # An operator's grant goes everywhere (still not paid).
        assert "now has" in await grant(fake, 7, by=ALICE, everywhere=True)
        assert await studio.balance(Requester(BOB, guild_id=ELSEWHERE)) == 57
    finally:
        await stop_bot(bot, task)


async def test_dms_are_off_by_default_and_not_offered(fake, tmp_path):
    settings = bot_settings(fake, tmp_path / "var", local_worker=False)
    bot, task = await start_bot(fake, settings)
    try:
        for name in ("imagine", "vary", "credits"):
            command = bot.tree.get_command(name)
            assert command.to_dict(bot.tree)["contexts"] == [0]  # servers only
        dm = int(fake.dm_channel(ALICE)["id"])
        inter = await fake.slash_command(
            "imagine", {"prompt": "a fox"}, user_id=ALICE, channel_id=dm
        )
        assert "Imagine works in servers only" in await refusal(inter)
        (jobs,) = await bot.studio.store.fetchone("SELECT COUNT(*) FROM jobs")
        assert jobs == 0
    finally:
        await stop_bot(bot, task)


async def test_with_dms_allowed_a_suspension_or_role_rule_anywhere_applies(fake, tmp_path):
    fake.roles[BETA] = "beta testers"
    fake.member_roles[BOB] = [BETA]
    settings = bot_settings(fake, tmp_path / "var", local_worker=False, allow_dms=True)
    bot, task = await start_bot(fake, settings)
    studio = bot.studio
    try:
        assert bot.tree.get_command("imagine").to_dict(bot.tree)["contexts"] == [0, 1]
        allow = await fake.slash_command(
            "access", subcommand="allow", user_id=OWNER_ID, **role_option(fake, BETA)
        )
        await allow.wait_callback()

        # Alice lacks the role the server asks for: refused in a DM too, nothing charged.
        alice_dm = int(fake.dm_channel(ALICE)["id"])
        inter = await fake.slash_command(
            "imagine", {"prompt": "a fox"}, user_id=ALICE, channel_id=alice_dm
        )
        assert f"open to members with these roles: <@&{BETA}>" in await refusal(inter)

        # Bob has the role, but is suspended on the server: refused in a DM too.
        now = time.time()
        async with studio.store.transaction() as db:
            await moderation.suspend(db, fake.guild_id, BOB, now + 3600, "3 blocked requests", now)
        bob_dm = int(fake.dm_channel(BOB)["id"])
        inter = await fake.slash_command(
            "imagine", {"prompt": "a fox"}, user_id=BOB, channel_id=bob_dm
        )
        assert "You are suspended from Imagine on a server" in await refusal(inter)
        (jobs,) = await studio.store.fetchone("SELECT COUNT(*) FROM jobs")
        assert jobs == 0
        assert await studio.balance(Requester(ALICE)) == 50
        assert await studio.balance(Requester(BOB)) == 50

        # Lifted: the server's own blocked terms still apply in a DM; then it goes through.
        await studio.moderator.lift(fake.guild_id, BOB, OWNER_ID)
        block = await fake.slash_command(
            "mod", {"term": "mammoth"}, subcommand="block", user_id=OWNER_ID
        )
        await block.wait_callback()
        inter = await fake.slash_command(
            "imagine", {"prompt": "a purple mammoth"}, user_id=BOB, channel_id=bob_dm
        )
        assert "blocked by the content policy" in await refusal(inter)
        inter = await fake.slash_command(
            "imagine", {"prompt": "a fox"}, user_id=BOB, channel_id=bob_dm
        )
        await inter.wait_original_edit(lambda c: "queued" in c.json.get("content", ""))
        (jobs,) = await studio.store.fetchone("SELECT COUNT(*) FROM jobs")
        assert jobs == 1
    finally:
        await stop_bot(bot, task)


async def test_reply_edit_limits_before_downloading_and_always_answers(fake, tmp_path, monkeypatch):
    """Items 5 and 6: the rate limit comes before any download; a bad ``--extend`` number
    and an unexpected error both get an answer."""
    settings = bot_settings(
        fake, tmp_path / "var", local_worker=False, rate_limit_jobs=2, rate_limit_seconds=120
    )
    bot, task = await start_bot(fake, settings)
    photo = await fake.user_message(
        "my cat",
        user_id=BOB,
        attachments=[("cat.png", png(Image.new("RGB", (64, 64))), "image/png")],
    )
    mention = f"<@{bot.user.id}>"

    def downloads() -> int:
        return len([c for c in fake.calls if c.path.startswith("/cdn/")])

    async def reply(text: str) -> str:
        mark = len(fake.calls)
        await fake.user_message(f"{mention} {text}", user_id=ALICE, reply_to=photo["id"])
        answer = await fake.wait_for_call(
            lambda c: c.method == "POST" and c.path == f"/channels/{CHANNEL_ID}/messages",
            since=mark,
        )
        return answer.json["content"]

    try:
        assert "'²' is not a number of pixels" in await reply("a hat --extend right ²")
        assert downloads() == 0

        async def broken(*args, **kwargs):
            raise RuntimeError("a bug")

        monkeypatch.setattr(bot.studio, "edit", broken)
        assert "Something went wrong on our side" in await reply("a hat")
        monkeypatch.undo()
        assert downloads() == 1

        mark = len(fake.calls)
        await fake.user_message(f"{mention} a hat", user_id=ALICE, reply_to=photo["id"])
        await fake.wait_for_call(lambda c: "reactions" in c.path, since=mark)  # 🎨: queued
        assert downloads() == 2
        assert "Slow down" in await reply("a bigger hat")
        assert downloads() == 2  # refused before fetching the attachment again
    finally:
        await stop_bot(bot, task)


async def test_gallery_moderation_is_checked_in_the_gallery_channel(fake, tmp_path):
    """Item 8: Manage Messages where /gallery unshare was typed is no right over the gallery."""
    from tests.e2e.conftest import Studio, imagine
    from tests.e2e.test_gallery import GALLERY, posts, set_gallery, share
    from tests.fakediscord import payloads as p

    mod_role, channel_mod, gallery_mod = 9100, 504, 505
    fake.roles[mod_role] = "moderators"
    fake.role_permissions[mod_role] = p.EVERYONE_PERMISSIONS | p.PERM_MANAGE_MESSAGES
    fake.member_roles[gallery_mod] = [mod_role]
    # Discord computes an interaction's permissions for the channel it comes from.
    fake.permission_overrides[channel_mod] = p.EVERYONE_PERMISSIONS | p.PERM_MANAGE_MESSAGES
    settings = bot_settings(fake, tmp_path / "var")
    bot, task = await start_bot(fake, settings)
    studio = Studio(fake, bot, settings, task)
    try:
        await fake.add_text_channel(GALLERY, "ai-gallery")
        await set_gallery(studio, GALLERY)
        result = await imagine(studio, ALICE, "a fox")
        assert "Shared to the gallery" in (await share(studio, result, ALICE))["content"]
        [post] = posts(studio)
        image_id = post["attachments"][0]["filename"].removeprefix("imagine-")[:12]

        async def unshare(user_id: int) -> str:
            inter = await fake.slash_command(
                "gallery", {"image": image_id}, subcommand="unshare", user_id=user_id
            )
            return await refusal(inter)

        assert "Only the image's author or a moderator" in await unshare(channel_mod)
        assert len(posts(studio)) == 1
        assert (await unshare(gallery_mod)).startswith("Removed from the gallery")
        assert posts(studio) == []
    finally:
        await stop_bot(bot, task)


async def test_save_and_open_refuse_an_image_the_clicker_cannot_see(fake, tmp_path):
    """Item 9: a forged button in another channel reaches no one else's image."""
    from tests.e2e.conftest import Studio, button, imagine

    settings = bot_settings(fake, tmp_path / "var")
    bot, task = await start_bot(fake, settings)
    studio = Studio(fake, bot, settings, task)
    elsewhere = 3999
    try:
        await fake.add_text_channel(elsewhere, "elsewhere")
        result = await imagine(studio, ALICE, "a private fox")  # posted in #general
        image_id = button(result, "imagine:open:").rsplit(":", 1)[1]
        forged = [f"imagine:{action}:{image_id}" for action in ("open", "save", "saveall")]
        row = [{"type": 2, "style": 2, "label": c, "custom_id": c} for c in forged]
        body = {"content": "looks harmless", "components": [{"type": 1, "components": row}]}
        message = await fake.create_bot_message(elsewhere, body, [])
        for custom_id in forged:
            inter = await fake.click_button(message["id"], custom_id, user_id=BOB)
            answer = (await inter.wait_callback()).json["data"]
            assert answer["content"] == "That image no longer exists.", custom_id
            assert not answer.get("attachments")
        (saved,) = await bot.studio.store.fetchone(
            "SELECT COUNT(*) FROM collections WHERE owner_id = ?", (BOB,)
        )
        assert saved == 0
        # Control: where the result was posted, Bob may open and save it.
        opened = await fake.click_button(result["id"], button(result, "imagine:open:"), user_id=BOB)
        assert (await opened.wait_callback()).json["data"]["attachments"]
        every = button(result, "imagine:saveall:")
        kept = await fake.click_button(result["id"], every, user_id=BOB)
        assert "Saved 4 images" in (await kept.wait_callback()).json["data"]["content"]
    finally:
        await stop_bot(bot, task)
