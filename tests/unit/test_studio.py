"""The use-cases against a real store, queue and an in-process worker on the tiny model."""

import asyncio
import io

import pytest
from PIL import Image

from app.runtime import Runtime
from data import ledger
from data.jobs import JobState
from inference.worker import Worker
from studio.errors import BadRequest, ImageRejected, NotEnoughCredits
from studio.studio import EditOptions, ImagineOptions, Requester
from tests.conftest import running_studio

ALICE = Requester(1, "alice")


@pytest.fixture
async def runtime(settings, engine):
    async with running_studio(settings, engine) as started:
        yield started


async def balance(runtime: Runtime, user: Requester = ALICE) -> int:
    async with runtime.store.read() as db:
        return await ledger.balance(db, user.id)


async def count(runtime: Runtime, table: str) -> int:
    (n,) = await runtime.store.fetchone(f"SELECT COUNT(*) FROM {table}")
    return n


async def test_imagine_charges_one_credit_and_stores_four_images(runtime):
    handle = await runtime.studio.imagine(ALICE, "  a purple   mammoth ", ImagineOptions(seed=5))
    updates = [update async for update in handle.updates()]
    outcome = await handle.outcome()
    assert outcome.ok and [image.position for image in outcome.images] == [1, 2, 3, 4]
    assert outcome.images[0].prompt == "a purple mammoth" and outcome.images[0].seed == 5
    assert all(runtime.studio.files.absolute(image).is_file() for image in outcome.images)
    assert {u.state for u in updates} <= {JobState.QUEUED, JobState.RUNNING}
    assert await balance(runtime) == runtime.settings.welcome_credits - 1
    assert await runtime.queue.statuses([handle.job_id]) == {}  # the queue forgot it


async def test_vary_and_edit_of_a_stored_image_link_the_parent(runtime):
    first = await (await runtime.studio.imagine(ALICE, "a fox", ImagineOptions(count=1))).outcome()
    parent = first.images[0]
    varied = await (await runtime.studio.vary(ALICE, parent.id)).outcome()
    assert len(varied.images) == 3 and varied.images[0].parent_id == parent.id
    assert varied.images[0].prompt == "a fox"
    edited = await (
        await runtime.studio.edit(ALICE, parent.id, "a hat", EditOptions(extend="up"))
    ).outcome()
    assert (edited.images[0].width, edited.images[0].height) == (64, 96)
    assert await balance(runtime) == runtime.settings.welcome_credits - 3


async def test_an_upload_comes_back_at_its_own_size_painted_within_the_models_budget(runtime):
    """A 200×136 upload to a 64² model: variations and a masked edit come back 200×136
    (the README's promise), painted at most 1.5 × the model's side (96) and scaled back;
    the edit keeps the upload's unmasked pixels exactly. One bigger than MAX_CANVAS comes
    back at MAX_CANVAS."""
    from inference.engine import run_size

    upload = Image.effect_noise((200, 136), 50).convert("RGB")
    data = io.BytesIO()
    upload.save(data, format="PNG")
    varied = await (await runtime.studio.vary(ALICE, data.getvalue())).outcome()
    assert [(image.width, image.height) for image in varied.images] == [(200, 136)] * 3
    drawing = Image.new("L", (200, 136), 0)
    drawing.paste(255, (100, 0, 200, 136))
    drawing_png = io.BytesIO()
    drawing.save(drawing_png, format="PNG")
    edited = await (
        await runtime.studio.edit(
            ALICE, data.getvalue(), "a hat", EditOptions(mask=drawing_png.getvalue())
        )
    ).outcome()
    out = Image.open(runtime.studio.files.absolute(edited.images[0])).convert("RGB")
    assert out.size == (200, 136)
    assert out.crop((0, 0, 100, 136)).tobytes() == upload.crop((0, 0, 100, 136)).tobytes()
    assert run_size((200, 136), 4, runtime.settings.image_size * 3 // 2) == (96, 68)

    big = io.BytesIO()
    Image.new("RGB", (512, 384), "teal").save(big, format="PNG")
    varied = await (await runtime.studio.vary(ALICE, big.getvalue())).outcome()
    assert (varied.images[0].width, varied.images[0].height) == (256, 192)  # MAX_CANVAS


@pytest.mark.parametrize(
    ("prompt", "options", "message"),
    [
        ("   ", ImagineOptions(), "Write a prompt"),
        ("x" * 401, ImagineOptions(), "401 characters long; the limit is 400"),
        ("a cat\x07", ImagineOptions(), "control characters"),
        ("a cat", ImagineOptions(size="huge"), "Unknown size"),
        ("a cat", ImagineOptions(count=9), "1 to 4 images"),
        ("a cat", ImagineOptions(seed=-1), "seed must be between"),
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(runtime, prompt, options, message):
    with pytest.raises(BadRequest, match=message):
        await runtime.studio.imagine(ALICE, prompt, options)
    assert await count(runtime, "jobs") == 0 and await count(runtime, "ledger") == 0


async def test_a_bad_upload_changes_nothing(runtime):
    with pytest.raises(ImageRejected):
        await runtime.studio.vary(ALICE, b"GIF89a not really")
    assert await count(runtime, "jobs") == 0


async def test_not_enough_credits_names_the_next_refill(settings, engine):
    poor = settings.model_copy(update={"welcome_credits": 1})
    started = await Runtime.start(poor)
    try:
        await started.studio.imagine(ALICE, "one")
        with pytest.raises(NotEnoughCredits, match=r"have 0\. 15 free credits arrive on"):
            await started.studio.imagine(ALICE, "two")
        assert await count(started, "jobs") == 1
    finally:
        await started.stop()


async def test_a_failed_job_refunds_exactly_once(runtime, engine):
    png = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(png, format="PNG")
    handle = await runtime.studio.vary(ALICE, png.getvalue())
    # Make the worker's input unreadable: the engine refuses it, the job fails.
    async with runtime.store.transaction() as db:
        await db.execute(
            "UPDATE queue SET payload = json_set(payload, '$.init_image', 'bm90IGEgcG5n')"
        )
    outcome = await handle.outcome()
    assert not outcome.ok and "not a readable image" in outcome.error
    assert await balance(runtime) == runtime.settings.welcome_credits
    async with runtime.store.transaction() as db:
        again = await runtime.studio.credits.refund(db, ALICE.id, 1, handle.job_id, "again", 0)
    assert again is False
    assert await balance(runtime) == runtime.settings.welcome_credits


async def test_a_job_that_never_reached_the_queue_is_submitted_at_start(settings, engine):
    first = await Runtime.start(settings)
    handle = await first.studio.imagine(ALICE, "lost in the crash")
    await first.queue.forget(handle.job_id)
    async with first.store.transaction() as db:  # as if the process died before submit()
        await db.execute("DELETE FROM queue")
    await first.stop()

    second = await Runtime.start(settings)
    outcomes = []
    second.watcher.add_listener(lambda outcome: _append(outcomes, outcome))
    await second.watcher.start()
    worker = Worker(second.queue, engine, poll_seconds=0.01)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    for _ in range(500):
        if outcomes:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await task
    await second.stop()
    assert outcomes and outcomes[0].job.id == handle.job_id and len(outcomes[0].images) == 4


async def _append(items: list, item) -> None:
    items.append(item)


async def test_a_job_whose_worker_keeps_dying_fails_and_refunds(settings):
    started = await Runtime.start(settings.model_copy(update={"job_max_attempts": 2}))
    await started.watcher.start()
    try:
        handle = await started.studio.imagine(ALICE, "cursed")
        for _ in range(2):  # a worker claims it and dies: the lease runs out at once
            assert await started.queue.claim("doomed", lease_seconds=0.0) is not None
            await asyncio.sleep(0.01)
        assert await started.queue.claim("healthy", lease_seconds=30) is None
        outcome = await asyncio.wait_for(handle.outcome(), 10)
        assert "stopped responding 2 times" in outcome.error
        assert await balance(started) == settings.welcome_credits
    finally:
        await started.stop()


async def test_a_job_for_a_model_no_live_worker_serves_is_refused_before_charging(settings):
    """MODEL=tiny beside workers of tiny:flux2 only (a CLI run next to another studio's
    worker): the job would wait forever, so it is refused at once, naming both models,
    with nothing charged or queued. Once a worker of the model announces, it goes."""
    from studio.errors import Unavailable

    started = await Runtime.start(settings)
    try:
        await started.queue.announce("flux-worker", "tiny:flux2", 30)
        with pytest.raises(Unavailable, match=r"no worker serves the model 'tiny'.*'tiny:flux2'"):
            await started.studio.imagine(ALICE, "a fox")
        assert await balance(started) == 0 and await count(started, "queue") == 0
        await started.queue.announce("sd-worker", "tiny", 30)
        handle = await started.studio.imagine(ALICE, "a fox")
        (queued,) = await started.store.fetchall("SELECT payload FROM queue")
        assert handle.job_id in queued["payload"] and '"model":"tiny"' in queued["payload"]
    finally:
        await started.stop()
