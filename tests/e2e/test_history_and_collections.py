"""/history and /collection through the fake Discord, with a real worker (tiny model)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image

from studio.public_collections import PublicCollections
from tests.e2e.answers import answer, is_ephemeral, user_option
from tests.e2e.conftest import (
    ALICE,
    BOB,
    RESULT_TIMEOUT,
    Studio,
    bot_settings,
    button,
    custom_ids,
    imagine,
    is_result,
    start_bot,
    stop_bot,
)
from tests.fakediscord import FakeDiscord


@pytest.fixture
async def kept(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[Studio]:
    """A studio with a short history (7 generations) and small collections (12 images)."""
    settings = bot_settings(
        fake,
        tmp_path / "var",
        history_limit=7,
        collection_cap=12,
        max_jobs_per_user=8,
        rate_limit_jobs=8,
    )
    bot, task = await start_bot(fake, settings)
    yield Studio(fake, bot, settings, task)
    if not task.done():
        await stop_bot(bot, task)


def attachment(studio: Studio, message: dict) -> Image.Image:
    blob = studio.fake.store.blobs[int(message["attachments"][0]["id"])]
    return Image.open(io.BytesIO(blob.data))


async def test_history_pages_newest_first_and_reopens_for_its_owner_only(kept: Studio):
    fake = kept.fake
    asked = [
        await fake.slash_command("imagine", {"prompt": f"castle {n}", "count": 2}, user_id=ALICE)
        for n in range(8)
    ]
    await asyncio.gather(*(i.wait_followup(is_result, timeout=RESULT_TIMEOUT) for i in asked))
    # Jobs finish in any order; history follows when they were asked.
    made = await kept.bot.studio.store.fetchall(
        "SELECT prompt FROM jobs WHERE user_id = ? ORDER BY created_at DESC, rowid DESC",
        (ALICE,),
    )
    newest_first = [row["prompt"] for row in made]

    first = await answer(await fake.slash_command("history", user_id=ALICE))
    assert is_ephemeral(first)
    assert "page 1/2" in first["content"]
    shown = [line for line in first["content"].splitlines() if line.startswith("`")]
    assert [line.split("**")[1] for line in shown] == newest_first[:5]
    assert attachment(kept, first).size[1] == 5 * 96 + 4 * 4  # one row per generation
    ids = custom_ids(first)
    reopen = [i for i in ids if i.startswith("imagine:reopen:")]
    assert len(reopen) == 5
    assert f"imagine:history:{ALICE}:1" in ids

    snooping = await fake.click_button(first["id"], f"imagine:history:{ALICE}:1", user_id=BOB)
    refusal = await answer(snooping)
    assert "someone else's history" in refusal["content"] and is_ephemeral(refusal)

    turned = await fake.click_button(first["id"], f"imagine:history:{ALICE}:1", user_id=ALICE)
    second = await answer(turned)
    assert (await turned.wait_callback()).type == 6  # acknowledged at once, then edited
    assert "page 2/2" in second["content"]
    shown = [line for line in second["content"].splitlines() if line.startswith("`")]
    assert [line.split("**")[1] for line in shown] == newest_first[5:7]  # 7 of 8: the limit
    assert attachment(kept, second).size[1] == 2 * 96 + 4

    entry = button(second, "imagine:reopen:", 2)
    others = await fake.click_button(second["id"], entry, user_id=BOB)
    assert "no longer in your history" in (await answer(others))["content"]
    mine = await fake.click_button(second["id"], entry, user_id=ALICE)
    reopened = await answer(mine)
    assert is_ephemeral(reopened)
    assert reopened["embeds"][0]["title"] == newest_first[6]
    assert attachment(kept, reopened).size == (64 * 2 + 4, 64)
    assert len([i for i in custom_ids(reopened) if i.startswith("imagine:vary:")]) == 2
    assert any(i.startswith("imagine:share:") for i in custom_ids(reopened))


async def test_an_empty_history_says_so(kept: Studio):
    empty = await answer(await kept.fake.slash_command("history", user_id=BOB))
    assert "history is empty" in empty["content"] and not empty["components"]


async def image_ids(studio: Studio, user_id: int) -> list[str]:
    rows = await studio.bot.studio.store.fetchall(
        "SELECT id FROM images WHERE owner_id = ? ORDER BY created_at, position", (user_id,)
    )
    return [row["id"] for row in rows]


async def collection(studio: Studio, sub: str, user_id: int = ALICE, **options) -> dict:
    extra = options.pop("extra", {})
    inter = await studio.fake.slash_command(
        "collection", options, subcommand=sub, user_id=user_id, **extra
    )
    message = await answer(inter)
    assert is_ephemeral(message)
    return message


async def test_collections_cap_pages_and_private_visibility(kept: Studio):
    fake = kept.fake
    results = [await imagine(kept, ALICE, f"cat {n}") for n in range(3)]
    ids = await image_ids(kept, ALICE)
    assert len(ids) == 12

    made = await collection(kept, "create", name="Cats")
    assert "**Cats** (0 images, private)" in made["content"]
    again = await collection(kept, "create", name="cats")
    assert "already have a collection named **Cats**" in again["content"]
    for image_id in ids[:10]:
        added = await collection(kept, "add", name="cats", image=f"imagine-{image_id}.png")
        assert added["content"].startswith("Added to **Cats**")
    twice = await collection(kept, "add", name="Cats", image=ids[0])
    assert twice["content"].startswith("Already in **Cats** (10 images")
    bad = await collection(kept, "add", name="Cats", image="not an id")
    assert "not an image id" in bad["content"]

    # The cap counts every collection: 10 + 1 saved + 1 = 12; the 13th is refused.
    result = results[2]
    opened = await answer(
        await fake.click_button(result["id"], button(result, "imagine:open:", 3), user_id=ALICE)
    )
    save = await fake.click_button(opened["id"], f"imagine:save:{ids[10]}", user_id=ALICE)
    assert "Saved 1 image to your collection **Saved**" in (await answer(save))["content"]
    await collection(kept, "create", name="More")
    await collection(kept, "add", name="More", image=ids[11])
    full = await collection(kept, "add", name="More", image=ids[0])
    assert "Your collections are full: 12 images" in full["content"]
    save_all = await fake.click_button(
        result["id"], button(result, "imagine:saveall:"), user_id=ALICE
    )
    assert "Your collections are full" in (await answer(save_all))["content"]
    (kept_count,) = await kept.bot.studio.store.fetchone(
        "SELECT COUNT(*) FROM collection_items i JOIN collections c ON c.id = i.collection_id"
        " WHERE c.owner_id = ?",
        (ALICE,),
    )
    assert kept_count == 12

    # Nine to a page, newest first; ◀ ▶ carry the collection and the page.
    page = await collection(kept, "show", name="Cats")
    assert "10 images · page 1/2" in page["content"]
    assert ids[9] in page["content"].splitlines()[1] and ids[0] not in page["content"]
    assert attachment(kept, page).size == (3 * 128 + 2 * 4, 3 * 128 + 2 * 4)
    next_id = next(i for i in custom_ids(page) if i.startswith("imagine:collection:"))
    last = await answer(
        await fake.click_button(page["id"], next_id.rsplit(":", 1)[0] + ":1", user_id=ALICE)
    )
    assert "page 2/2" in last["content"] and ids[0] in last["content"]

    # Private: Bob gets the same answer as for a collection that does not exist.
    as_bob = {"extra": user_option(fake, "user", ALICE)}
    hidden = await collection(kept, "show", BOB, name="Cats", **as_bob)
    assert hidden["content"] == "There is no collection **Cats**."
    assert not hidden["attachments"]
    missing = await collection(kept, "show", BOB, name="Dogs", **as_bob)
    assert missing["content"] == "There is no collection **Dogs**."
    listed = await collection(kept, "list", BOB, **as_bob)
    assert "Cats" not in listed["content"] and "no public collections" in listed["content"]
    peeked = await fake.click_button(page["id"], next_id.rsplit(":", 1)[0] + ":0", user_id=BOB)
    assert "not there any more" in (await answer(peeked))["content"]
    stolen = await collection(kept, "create", BOB, name="Mine")
    assert "Created" in stolen["content"]
    refused = await collection(kept, "add", BOB, name="Mine", image=ids[0])
    assert f"no image `{ids[0]}` you can add" in refused["content"]

    # Public: anyone in the server may look, and keep a copy in their own collection.
    await collection(kept, "public", name="Cats")
    on_page = await PublicCollections.of(kept.bot.studio).page(fake.guild_id, 1)
    assert [card.listed.collection.name for card in on_page.cards] == ["Cats"]  # its server's
    seen = await collection(kept, "show", BOB, name="Cats", **as_bob)
    assert f"**Cats** by <@{ALICE}> · public · 10 images" in seen["content"]
    assert seen["attachments"] and ids[9] in seen["content"]
    copied = await collection(kept, "add", BOB, name="Mine", image=ids[0])
    assert copied["content"].startswith("Added to **Mine**")
    listed = await collection(kept, "list", BOB, **as_bob)
    assert "**Cats** · 10 images · public" in listed["content"]
    assert "More" not in listed["content"]

    await collection(kept, "private", name="Cats")
    assert (
        "There is no collection"
        in (await collection(kept, "show", BOB, name="Cats", **as_bob))["content"]
    )

    renamed = await collection(kept, "rename", name="Cats", new_name="Best cats")
    assert "Renamed to **Best cats** (10 images, private)" in renamed["content"]
    for user_id, names in ((ALICE, ["Best cats"]), (BOB, [])):
        typed = await fake.autocomplete(
            "collection",
            {"name": "CAT", "image": ids[3]},
            "name",
            subcommand="remove",
            user_id=user_id,
        )
        await typed.wait_callback()
        assert [choice["value"] for choice in typed.choices] == names
    removed = await collection(kept, "remove", name="Best  cats ", image=ids[3])
    assert "Removed from **Best cats** (9 images" in removed["content"]
    not_there = await collection(kept, "remove", name="Best cats", image=ids[3])
    assert "is not in **Best cats**" in not_there["content"]
    deleted = await collection(kept, "delete", name="best CATS")
    assert "Deleted **Best cats**" in deleted["content"]
    assert await image_ids(kept, ALICE) == ids  # the images themselves stay
