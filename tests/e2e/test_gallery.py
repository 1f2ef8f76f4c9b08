"""The gallery through the fake Discord: /gallery channel, Share once, unshare, moderator
removal, votes by reactions, /gallery top, forum channels, /gallery disk, /forget-me."""

from __future__ import annotations

import time
from pathlib import Path

from tests.conftest import TEST_MODEL
from tests.e2e.answers import answer, channel_option, is_ephemeral, user_option
from tests.e2e.conftest import ALICE, BOB, Studio, button, custom_ids, imagine, wait_until
from tests.fakediscord import GUILD_ID, OWNER_ID
from tests.fakediscord import payloads as p

GALLERY = 3001
FORUM = 3002
MODERATOR = 503
CAROL, DAN, ERIN = 601, 602, 603


async def set_gallery(studio: Studio, channel_id: int, user_id: int = OWNER_ID) -> dict:
    inter = await studio.fake.slash_command(
        "gallery",
        subcommand="channel",
        user_id=user_id,
        **channel_option(studio.fake, "channel", channel_id),
    )
    return await answer(inter)


async def share(studio: Studio, message: dict, user_id: int, position: int = 1) -> dict:
    inter = await studio.fake.click_button(
        message["id"], button(message, "imagine:share:", position), user_id=user_id
    )
    return await answer(inter)


async def open_image(studio: Studio, result: dict, position: int) -> dict:
    inter = await studio.fake.click_button(
        result["id"], button(result, "imagine:open:", position), user_id=ALICE
    )
    return await answer(inter)


def posts(studio: Studio, channel_id: int = GALLERY) -> list[dict]:
    """The gallery posts: the bot's messages there, not answers to clicks on them."""
    return [
        m
        for m in studio.fake.bot_messages(channel_id)
        if not is_ephemeral(m) and "interaction_metadata" not in m
    ]


def link(message: dict) -> str:
    return f"https://discord.com/channels/{GUILD_ID}/{message['channel_id']}/{message['id']}"


async def test_share_once_unshare_and_moderator_removal(studio: Studio):
    fake = studio.fake
    await fake.add_text_channel(GALLERY, "ai-gallery")
    result = await imagine(studio, ALICE, "a red fox in the snow", seed=11)
    image_id = button(result, "imagine:share:").rsplit(":", 1)[1]

    early = await share(studio, result, ALICE)
    assert "no gallery channel yet" in early["content"] and is_ephemeral(early)
    denied = await set_gallery(studio, GALLERY, user_id=BOB)
    assert "Manage Server" in denied["content"]
    chosen = await set_gallery(studio, GALLERY)
    assert chosen["content"] == f"Shared images now go to the channel <#{GALLERY}>."

    not_yours = await share(studio, result, BOB)
    assert "Only the person who made this image can share it" in not_yours["content"]
    assert posts(studio) == []

    shared = await share(studio, result, ALICE)
    [post] = posts(studio)
    assert shared["content"] == f"Shared to the gallery: {link(post)}"
    assert is_ephemeral(shared)
    embed = post["embeds"][0]
    assert embed["title"] == "a red fox in the snow"
    assert embed["description"] == f"by <@{ALICE}>"
    fields = {field["name"]: field["value"] for field in embed["fields"]}
    assert fields == {"Seed": "11", "Model": TEST_MODEL, "Size": "64×64"}
    assert post["attachments"][0]["filename"] == f"imagine-{image_id}.png"
    assert post["mentions"] == []  # provenance, not a ping
    assert fake.store.reactors[(int(post["id"]), "❤️")] == [fake.application_id]

    twice = await share(studio, result, ALICE)
    assert twice["content"] == f"This image is already in the gallery: {link(post)}"
    assert len(posts(studio)) == 1

    remove = f"imagine:unshare:{image_id}"
    stranger = await answer(await fake.click_button(post["id"], remove, user_id=BOB))
    assert "Only the image's author or a moderator" in stranger["content"]
    unshared = await answer(await fake.click_button(post["id"], remove, user_id=ALICE))
    assert unshared["content"].startswith("Unshared")
    assert posts(studio) == []

    await share(studio, result, ALICE)  # unshared images may be shared again
    [post] = posts(studio)
    fake.permission_overrides[MODERATOR] = p.EVERYONE_PERMISSIONS | p.PERM_MANAGE_MESSAGES
    removed = await answer(await fake.click_button(post["id"], remove, user_id=MODERATOR))
    assert removed["content"].startswith("Removed from the gallery")
    assert posts(studio) == []
    final = await share(studio, result, ALICE)
    assert "A moderator removed this image" in final["content"]
    assert posts(studio) == []

    # Gone from the gallery, not from its owner's history.
    history = await answer(await fake.slash_command("history", user_id=ALICE))
    assert "a red fox in the snow" in history["content"]
    row = await studio.bot.studio.store.fetchone(
        "SELECT status, removed_by FROM shares WHERE image_id = ?", (image_id,)
    )
    assert tuple(row) == ("removed", MODERATOR)


async def test_top_orders_by_reactions_in_a_forum_gallery(studio: Studio):
    fake = studio.fake
    await fake.add_forum_channel(FORUM, "ai-art")
    chosen = await set_gallery(studio, FORUM)
    assert "forum (one post per image)" in chosen["content"]
    result = await imagine(studio, ALICE, "three moons", count=3)
    for position in (1, 2, 3):
        opened = await open_image(studio, result, position)
        assert "Shared to the gallery" in (await share(studio, opened, ALICE))["content"]
    threads = fake.threads_of(FORUM)
    assert [t["name"] for t in threads] == ["three moons"] * 3
    first, second, third = (posts(studio, int(t["id"]))[0] for t in threads)

    async def react(post: dict, user_id: int, emoji: str = "🔥") -> None:
        await fake.add_reaction(post["id"], emoji, user_id)

    for user_id in (CAROL, DAN, ERIN):
        await react(second, user_id)
    await react(first, CAROL)
    await react(first, CAROL, "👍")  # one person, one vote
    await react(first, ALICE)  # the author's own reaction does not count
    for user_id in (CAROL, DAN):
        await react(third, user_id)
    await fake.remove_reaction(third["id"], "🔥", DAN)
    await react(third, DAN, "👍")
    await fake.remove_reaction(third["id"], "👍", DAN)
    await fake.sync()

    async def top(period: str | None = None) -> str:
        options = {"period": period} if period else {}
        inter = await fake.slash_command("gallery", options, subcommand="top", user_id=BOB)
        message = await answer(inter)
        assert not is_ephemeral(message)
        return message["content"]

    ranking = await top("all")
    lines = ranking.splitlines()
    assert lines[0] == "**Most liked of all time**"
    assert all(link(m) in line for m, line in zip((second, first, third), lines[1:], strict=True))
    assert "· 3 votes ·" in lines[1] and "· 1 vote ·" in lines[2] and "· 1 vote ·" in lines[3]
    assert f"by <@{ALICE}>" in lines[1]

    # An old share drops out of this week's and this month's lists, not all time's.
    month_ago = time.time() - 40 * 24 * 3600
    async with studio.bot.studio.store.transaction() as db:
        await db.execute(
            "UPDATE shares SET shared_at = ? WHERE message_id = ?", (month_ago, int(second["id"]))
        )
    assert link(second) not in await top("month")
    assert link(second) not in await top()  # a week by default
    assert link(second) in await top("all")

    # The author unshares a forum post: its whole thread goes.
    first_image = first["attachments"][0]["filename"][len("imagine-") : -len(".png")]
    inter = await fake.slash_command(
        "gallery", {"image": first_image}, subcommand="unshare", user_id=ALICE
    )
    assert (await answer(inter))["content"].startswith("Unshared")
    assert str(first["id"]) not in [t["id"] for t in fake.threads_of(FORUM)]
    assert link(first) not in await top("all")

    # A post deleted by hand on Discord counts as a moderator's removal.
    await fake.delete_channel(int(third["id"]))
    await fake.sync()  # the event is parsed; its listener writes in a task of its own

    async def removed() -> bool:
        (status,) = await studio.bot.studio.store.fetchone(
            "SELECT status FROM shares WHERE message_id = ?", (int(third["id"]),)
        )
        return status == "removed"

    await wait_until(removed)
    assert link(third) not in await top("all")
    third_opened = await open_image(studio, result, 3)
    again = await share(studio, third_opened, ALICE)
    assert "A moderator removed this image" in again["content"]


async def test_forget_me_deletes_images_rows_and_posts_but_not_the_ledger(studio: Studio):
    fake = studio.fake
    store = studio.bot.studio.store
    await fake.add_text_channel(GALLERY, "ai-gallery")
    await set_gallery(studio, GALLERY)
    result = await imagine(studio, ALICE, "my secret garden")
    await share(studio, result, ALICE)
    saved = await fake.click_button(result["id"], button(result, "imagine:saveall:"), user_id=BOB)
    assert "Saved 4 images" in (await answer(saved))["content"]
    varied_by_bob = await fake.click_button(
        result["id"], button(result, "imagine:vary:", 2), user_id=BOB
    )
    await varied_by_bob.wait_followup(lambda c: bool(c.files), timeout=90)
    files = [
        studio.settings.data_dir / row["path"]
        for row in await store.fetchall("SELECT path FROM images WHERE owner_id = ?", (ALICE,))
    ]
    assert len(files) == 4 and all(path.exists() for path in files)
    (ledger_rows,) = await store.fetchone("SELECT COUNT(*) FROM ledger WHERE user_id = ?", (ALICE,))
    balance = await studio.balance(ALICE)

    disk = await answer(await fake.slash_command("gallery", subcommand="disk", user_id=OWNER_ID))
    assert f"<@{ALICE}> · 4 images · " in disk["content"]
    assert f"<@{BOB}> · 3 images · " in disk["content"]
    not_admin = await answer(await fake.slash_command("gallery", subcommand="disk", user_id=BOB))
    assert "Manage Server" in not_admin["content"]

    asked = await answer(await fake.slash_command("forget-me", user_id=ALICE))
    assert is_ephemeral(asked) and "deletes your 4 images" in asked["content"]
    keep, delete = custom_ids(asked)[1], custom_ids(asked)[0]
    kept = await answer(await fake.click_button(asked["id"], keep, user_id=ALICE))
    assert kept["content"] == "Nothing was deleted." and all(path.exists() for path in files)

    asked = await answer(await fake.slash_command("forget-me", user_id=ALICE))
    done = await fake.click_button(asked["id"], custom_ids(asked)[0], user_id=ALICE)
    edit = await done.wait_original_edit(lambda c: "Done" in (c.json or {}).get("content", ""))
    assert edit.json["content"].startswith("Done: 4 images deleted")
    assert delete  # the first button is the one that deletes

    assert not any(path.exists() for path in files)
    for table, column in (("images", "owner_id"), ("jobs", "user_id"), ("collections", "owner_id")):
        (left,) = await store.fetchone(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (ALICE,))
        assert left == 0, table
    assert posts(studio) == []
    (shares_left,) = await store.fetchone("SELECT COUNT(*) FROM shares")
    assert shares_left == 0
    # Bob's saved copies went; his variations stay, without the link to the erased source.
    (bob_saved,) = await store.fetchone("SELECT COUNT(*) FROM collection_items")
    assert bob_saved == 0
    bob_images = await store.fetchall(
        "SELECT parent_id, path FROM images WHERE owner_id = ?", (BOB,)
    )
    assert len(bob_images) == 3 and all(row["parent_id"] is None for row in bob_images)
    assert all(Path(studio.settings.data_dir / row["path"]).exists() for row in bob_images)
    # The ledger is append-only: Alice's credit rows and balance are untouched.
    (after,) = await store.fetchone("SELECT COUNT(*) FROM ledger WHERE user_id = ?", (ALICE,))
    assert after == ledger_rows and await studio.balance(ALICE) == balance
    history = await answer(await fake.slash_command("history", user_id=ALICE))
    assert "history is empty" in history["content"]
    disk = await answer(await fake.slash_command("gallery", subcommand="disk", user_id=OWNER_ID))
    assert f"<@{ALICE}>" not in disk["content"]


async def test_gallery_commands_refuse_bad_input(studio: Studio):
    fake = studio.fake
    bad = await fake.slash_command("gallery", {"image": "zzz"}, subcommand="unshare", user_id=ALICE)
    assert "not an image id" in (await answer(bad))["content"]
    absent = await fake.slash_command(
        "gallery", {"image": "0123456789ab"}, subcommand="unshare", user_id=ALICE
    )
    assert "not in this server's gallery" in (await answer(absent))["content"]
    empty = await answer(await fake.slash_command("gallery", subcommand="top", user_id=BOB))
    assert empty["content"] == "Nothing has been shared to the gallery this week yet."
    one = await fake.slash_command(
        "gallery", subcommand="disk", user_id=OWNER_ID, **user_option(fake, "user", BOB)
    )
    assert (await answer(one))["content"] == f"No images stored for <@{BOB}>."
