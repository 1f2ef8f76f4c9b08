"""Enforcement: refusals before any credit, strikes and suspensions, server settings, and
generated images withheld (and refunded once) by the result watcher."""

from __future__ import annotations

import io

import pytest
import skimage.data
from PIL import Image

from app.runtime import Runtime
from data import ledger
from data.jobs import GeneratedImage, Result
from data.origins import DiscordOrigin
from studio.errors import ContentBlocked, Suspended
from studio.moderation import BlockEvent, ImageChecker
from studio.studio import ImagineOptions, Requester

ALICE = Requester(11, "alice")
GUILD = DiscordOrigin(guild_id=77, channel_id=770, user_id=1, created_at=0)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def runtime(settings):
    started = await Runtime.start(settings.model_copy(update={"strike_limit": 2}))
    await started.watcher.start()
    clock = Clock()
    started.studio.moderator.clock = clock
    started.clock = clock
    yield started
    await started.stop()


async def balance(runtime: Runtime, user: Requester = ALICE) -> int:
    async with runtime.store.read() as db:
        return await ledger.balance(db, user.id)


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


async def test_blocked_prompts_cost_nothing_and_suspend_at_the_limit(runtime):
    studio, moderator = runtime.studio, runtime.studio.moderator
    events: list[BlockEvent] = []

    async def listen(event: BlockEvent) -> None:
        events.append(event)

    moderator.add_listener(listen)
    await studio.balance(ALICE)  # the welcome credits
    with pytest.raises(ContentBlocked) as first:
        await studio.imagine(ALICE, "a n4k3d giant", origin=GUILD)
    assert first.value.category == "sexual" and first.value.term == "naked"
    assert "sexual content" in str(first.value) and "suspended" not in str(first.value)
    with pytest.raises(ContentBlocked) as second:
        await studio.imagine(ALICE, "a gory battle", origin=GUILD)
    assert "you are suspended until" in str(second.value)
    with pytest.raises(Suspended):
        await studio.imagine(ALICE, "a purple mammoth", origin=GUILD)
    with pytest.raises(Suspended):
        await studio.vary(ALICE, png(Image.new("RGB", (64, 64))), origin=GUILD)
    assert await balance(runtime) == runtime.settings.welcome_credits
    (jobs,) = await runtime.store.fetchone("SELECT COUNT(*) FROM jobs")
    assert jobs == 0
    assert [
        (e.block.source, e.block.category, e.block.user_id, e.block.guild_id) for e in events
    ] == [
        ("prompt", "sexual", ALICE.id, 77),
        ("prompt", "violence", ALICE.id, 77),
    ]
    assert events[0].suspended_until is None and events[1].suspended_until is not None

    # another server is not affected; a lift ends it here, and old strikes no longer count
    other = await studio.imagine(
        ALICE, "a purple mammoth", origin=GUILD.model_copy(update={"guild_id": 78})
    )
    assert other.job_id
    assert [s.user_id for s in await moderator.suspensions(77)] == [ALICE.id]
    assert await moderator.lift(77, ALICE.id, moderator_id=1)
    assert not await moderator.lift(77, ALICE.id, moderator_id=1)
    runtime.clock.now += 1
    with pytest.raises(ContentBlocked) as again:
        await studio.imagine(ALICE, "a gory battle", origin=GUILD)
    assert "suspended" not in str(again.value)


async def test_a_suspension_ends_by_itself(runtime):
    studio = runtime.studio
    for prompt in ("nude", "gore"):
        with pytest.raises(ContentBlocked):
            await studio.imagine(ALICE, prompt, origin=GUILD)
    runtime.clock.now += runtime.settings.suspension_hours * 3600 + 1
    handle = await studio.imagine(ALICE, "a purple mammoth", origin=GUILD)
    assert handle.job_id


async def test_server_terms_and_image_rules_persist(runtime):
    moderator = runtime.studio.moderator
    assert await moderator.add_term(77, "Mammoth*", "block", moderator_id=1) == "mammoth*"
    assert await moderator.add_term(77, "blood orange", "allow", moderator_id=1)
    decision = await moderator.evaluate_prompt(77, "two m4mm0ths")
    assert (decision.category, decision.term) == ("custom", "mammoth")
    assert (await moderator.evaluate_prompt(78, "two mammoths")).allowed
    await moderator.set_rules(77, block_faces=False, mod_log_channel_id=5)
    rules = await moderator.image_rules(77)
    assert not rules.block_faces and rules.block_nudity
    assert (await moderator.rules(77)).mod_log_channel_id == 5
    await moderator.remove_term(77, "mammoth*")
    assert (await moderator.evaluate_prompt(77, "two mammoths")).allowed
    astronaut = Image.fromarray(skimage.data.astronaut())
    assert (await moderator.evaluate_image(77, astronaut)).allowed
    assert not (await moderator.evaluate_image(78, astronaut)).allowed


async def test_a_face_upload_is_refused_before_any_charge(runtime):
    astronaut = png(Image.fromarray(skimage.data.astronaut()))
    await runtime.studio.balance(ALICE)
    with pytest.raises(ContentBlocked, match="realistic human faces"):
        await runtime.studio.vary(ALICE, astronaut, origin=GUILD)
    assert await balance(runtime) == runtime.settings.welcome_credits
    row = await runtime.store.fetchone("SELECT source, category, term FROM moderation_blocks")
    assert tuple(row) == ("upload", "faces", "FACE_FEMALE")


async def test_a_flagged_result_is_withheld_and_refunded_once(runtime):
    # The colour wheel is the detector's known false alarm; without the skin gate it reads
    # as nudity, which makes it a real flagged output for this test.
    runtime.studio.moderator.images = ImageChecker(min_skin=0.0)
    handle = await runtime.studio.imagine(ALICE, "a colour wheel", ImagineOptions(count=1))
    assert await balance(runtime) == runtime.settings.welcome_credits - 1
    claim = await runtime.queue.claim("test-worker", 60)
    wheel = png(Image.fromarray(skimage.data.colorwheel()))
    result = Result(
        job_id=claim.job.id,
        model="tiny",
        width=370,
        height=371,
        images=[GeneratedImage(png=wheel, seed=1)],
        seconds=0.1,
    )
    assert await runtime.queue.complete(claim.job.id, "test-worker", result)
    outcome = await handle.outcome()
    assert not outcome.ok and "withheld by the content filter (nudity)" in outcome.error
    assert outcome.images == []
    (stored,) = await runtime.store.fetchone("SELECT COUNT(*) FROM images")
    assert stored == 0
    assert await balance(runtime) == runtime.settings.welcome_credits
    refunds = await runtime.store.fetchall(
        "SELECT delta FROM ledger WHERE kind = 'refund' AND idem_key LIKE ?",
        (f"refund:{handle.job_id}:%",),
    )
    assert [r[0] for r in refunds] == [1]
    block = await runtime.store.fetchone("SELECT source, category FROM moderation_blocks")
    assert tuple(block) == ("output", "sexual")  # logged, but no strike
    await runtime.studio.imagine(ALICE, "a purple mammoth", origin=GUILD)


async def test_withheld_is_a_typed_field_the_api_reads_whatever_the_sentence_says(
    runtime, monkeypatch
):
    """The Images API learns that a result was withheld from the outcome's ``withheld``
    field, not from the sentence people read: reworded, it is still a policy refusal, and
    so is an outcome read back from the database (another process settled it)."""
    import studio.watcher
    from app.api.errors import ApiError
    from app.api.results import Results

    monkeypatch.setattr(studio.watcher, "WITHHELD", "Bilder vom Inhaltsfilter zurückgehalten")
    runtime.studio.moderator.images = ImageChecker(min_skin=0.0)  # the wheel reads as nudity
    handle = await runtime.studio.imagine(ALICE, "a colour wheel", ImagineOptions(count=1))
    claim = await runtime.queue.claim("test-worker", 60)
    wheel = png(Image.fromarray(skimage.data.colorwheel()))
    result = Result(
        job_id=claim.job.id,
        model="tiny",
        width=370,
        height=371,
        images=[GeneratedImage(png=wheel, seed=1)],
        seconds=0.1,
    )
    assert await runtime.queue.complete(claim.job.id, "test-worker", result)
    outcome = await handle.outcome()
    assert outcome.withheld == "nudity" and outcome.error.startswith("Bilder")
    (rebuilt,) = await runtime.watcher.undelivered()
    assert rebuilt.withheld == "nudity" and rebuilt.job.withheld == "nudity"

    results = Results(runtime.store, runtime.studio.files, runtime.watcher, link_minutes=60)
    with pytest.raises(ApiError) as refused:
        await results.collect([handle], 1)
    answer = refused.value
    assert (answer.status, answer.code) == (400, "content_policy_violation")
    assert answer.message == (
        "The images were withheld by the content filter (nudity); the credits were refunded."
    )
    # A job that failed for any other reason is no policy refusal, whatever its text says.
    failing = await runtime.studio.imagine(ALICE, "a plain fox", ImagineOptions(count=1))
    other = await runtime.queue.claim("test-worker", 60)
    await runtime.queue.fail(other.job.id, "test-worker", "withheld by the content filter (x)")
    with pytest.raises(ApiError) as failed:
        await results.collect([failing], 1)
    assert (failed.value.status, failed.value.code) == (500, "generation_failed")


async def test_images_that_cannot_be_checked_are_not_shown(runtime):
    handle = await runtime.studio.imagine(ALICE, "a purple mammoth", ImagineOptions(count=1))
    claim = await runtime.queue.claim("test-worker", 60)
    broken = [GeneratedImage(png=b"\x89PNG broken", seed=1)]
    result = Result(
        job_id=claim.job.id, model="tiny", width=64, height=64, images=broken, seconds=0
    )
    await runtime.queue.complete(claim.job.id, "test-worker", result)
    outcome = await handle.outcome()
    assert not outcome.ok and "could not be checked" in outcome.error
    assert await balance(runtime) == runtime.settings.welcome_credits
