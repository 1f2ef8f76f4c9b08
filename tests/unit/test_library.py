"""The library's rules against a real store, queue and an in-process worker (tiny model)."""

import pytest

from studio.errors import BadRequest, NotFound
from studio.library import CollectionFull, Library, clean_name, image_id_in
from studio.studio import ImagineOptions, Requester
from tests.conftest import running_studio

ALICE = Requester(1, "alice")
BOB = Requester(2, "bob")


@pytest.fixture
async def runtime(settings, engine):
    async with running_studio(settings.model_copy(update={"collection_cap": 3}), engine) as started:
        yield started


def test_image_ids_are_found_in_what_people_paste():
    assert image_id_in("3f9a0c12be47") == "3f9a0c12be47"
    assert image_id_in(" imagine-3F9A0C12BE47.png ") == "3f9a0c12be47"
    assert image_id_in("imagine:vary:3f9a0c12be47") == "3f9a0c12be47"
    for wrong in ("", "3f9a0c12be4", "3f9a0c12be47aa", "zzzzzzzzzzzz"):
        with pytest.raises(BadRequest, match="not an image id"):
            image_id_in(wrong)


def test_collection_names_are_trimmed_and_bounded():
    assert clean_name("  My \u200b  cats\n ") == "My cats"
    with pytest.raises(BadRequest, match="Give the collection a name"):
        clean_name(" \u200b ")
    with pytest.raises(BadRequest, match="at most 40"):
        clean_name("x" * 41)


async def test_the_cap_counts_new_images_only(runtime):
    made = await (await runtime.studio.imagine(ALICE, "owls", ImagineOptions(count=4))).outcome()
    ids = [image.id for image in made.images]
    assert await runtime.studio.save(ALICE, ids[:3]) == 3
    assert await runtime.studio.save(ALICE, ids[:3]) == 0  # at the cap, nothing new: fine
    with pytest.raises(CollectionFull, match="3 images is the most"):
        await runtime.studio.save(ALICE, ids)
    library = Library.of(runtime.studio)
    await library.create(ALICE.id, ALICE.name, "Owls")
    with pytest.raises(CollectionFull):
        await library.add(ALICE.id, "owls", ids[0])  # new to Owls, over the cap in all
    (kept,) = await runtime.store.fetchone("SELECT COUNT(*) FROM collection_items")
    assert kept == 3


async def test_history_reopens_for_its_owner_only(runtime):
    made = await (await runtime.studio.imagine(ALICE, "a kite", ImagineOptions(count=2))).outcome()
    library = Library.of(runtime.studio)
    page = await library.history(ALICE.id, 0)
    assert [[i.id for i in g] for g in page.items] == [[i.id for i in made.images]]
    assert (page.number, page.count) == (0, 1)
    assert [i.id for i in await library.reopen(ALICE.id, made.images[1].id)] == [
        i.id for i in made.images
    ]
    with pytest.raises(NotFound):
        await library.reopen(BOB.id, made.images[0].id)
    assert (await library.history(BOB.id, 3)).items == []


async def test_forgetting_keeps_strikes_but_not_the_prompts_they_quote(store):
    from data import erasure, users

    async with store.transaction() as db:
        await users.ensure_user(db, 7, "u", 0.0)
        await db.execute(
            "INSERT INTO moderation_blocks (guild_id, user_id, source, category, term, prompt,"
            " created_at) VALUES (1, 7, 'prompt', 'sexual', 'naked', 'a naked secret', 0)"
        )
        await erasure.erase_user(db, 7)
    rows = await store.fetchall("SELECT category, prompt FROM moderation_blocks WHERE user_id = 7")
    assert [(row["category"], row["prompt"]) for row in rows] == [("sexual", "")]


async def test_forget_me_also_clears_the_queue(settings, store):
    """Issue 19: a finished job the bot never collected keeps its prompt in the queue."""
    from data.images import ImageFiles
    from data.sqlite_queue import SqliteQueue
    from tests.unit.test_queue_contract import make_job, make_result

    queue = SqliteQueue(store)
    await queue.submit(make_job("left-behind", user_id=7))
    claim = await queue.claim("w", 30)
    assert await queue.complete(claim.job.id, "w", make_result("left-behind"))
    library = Library(settings, store, ImageFiles(settings.data_dir), queue=queue)
    await library.forget(7)
    assert await queue.statuses(["left-behind"]) == {}
