"""Output checks next to the GPU: the worker checks each job's images with the rules the
job carries, the verdict travels in the Result, the bot withholds and refunds on it; and the
worker finishes (PNGs, checks) one batch while the next one paints.

The colour wheel is the detector's known false alarm: without its skin gate
(``ImageChecker(min_skin=0.0)``) NudeNet reads it as nudity, so a worker with that checker
and a model that draws the wheel makes a real flagged output. The bot keeps the default
checker, which passes the wheel: a withheld result can only come from the worker's verdict.
"""

from __future__ import annotations

import asyncio
import io
import threading
import time

import pytest
import skimage.data
from PIL import Image

from app.runtime import Runtime
from data import ledger
from data.image_checks import ImageChecker, ImageRules
from data.jobs import Job, JobKind, OutputRules
from data.sqlite_queue import SqliteQueue
from data.store import Store
from inference.engine import Engine, Picture
from inference.postprocess import UNCHECKABLE, PostProcessor
from inference.worker import Worker
from studio.studio import ImagineOptions, Requester

ALICE = Requester(11, "alice", guild_id=77)
WHEEL = Image.fromarray(skimage.data.colorwheel()).convert("RGB")
COFFEE = Image.fromarray(skimage.data.coffee()).convert("RGB")


def make_job(job_id: str, **fields) -> Job:
    values = dict(id=job_id, kind=JobKind.GENERATE, prompt=job_id, seed=3, n=1, width=64, height=64)
    values.update(steps=2, guidance=0, **fields)
    return Job(**values)


@pytest.fixture(scope="module")
def gateless() -> ImageChecker:
    return ImageChecker(min_skin=0.0)


class DrawsTheWheel(Engine):
    """The real tiny engine, whose pictures are then replaced by the colour wheel (a
    stand-in for a model that drew something the check must catch); notes each job's
    rules as the worker received them."""

    def __init__(self, pipelines) -> None:
        super().__init__(pipelines)
        self.rules: dict[str, OutputRules] = {}

    def paint(self, pictures: list[Picture], on_step=None, on_preview=None):
        painted = super().paint(pictures, on_step, on_preview)
        for picture in pictures:
            self.rules[picture.job.id] = picture.job.output_rules
        return [WHEEL.copy() for _ in painted]


# -- the post-processing seam: decoded images in, PNGs and a verdict out ---------------


def test_a_flagged_job_gets_its_verdict_and_no_pngs(gateless):
    post = PostProcessor("tiny", gateless)
    result = post.finish(make_job("j", n=2), [COFFEE, WHEEL], 0.5)
    assert result.verdict is not None and not result.verdict.allowed
    assert (result.verdict.reason, result.verdict.label) == ("nudity", "BUTTOCKS_EXPOSED")
    assert result.images == [] and result.grid is None  # withheld pictures never travel
    passed = post.finish(make_job("k", n=2), [COFFEE, COFFEE], 0.5)
    assert passed.verdict.allowed and [image.seed for image in passed.images] == [3, 4]
    assert Image.open(io.BytesIO(passed.images[0].png)).text["prompt"] == "k"


def test_the_worker_lays_out_the_grid_the_bot_would_have_made():
    from app.discord.render import grid_jpeg

    images = [COFFEE, WHEEL.resize(COFFEE.size), COFFEE.rotate(90), COFFEE.rotate(180)]
    result = PostProcessor("tiny").finish(make_job("j", n=4), images, 0.1)
    made_by_the_bot = grid_jpeg([image.png for image in result.images])
    assert result.grid == made_by_the_bot  # the same pixels, compressed the same way
    assert Image.open(io.BytesIO(result.grid)).size == (2 * 600 + 4, 2 * 400 + 4)


def test_rules_decide_what_is_checked(gateless):
    post = PostProcessor("tiny", gateless)
    off = make_job("off", output_rules=OutputRules(block_nudity=False))
    result = post.finish(off, [WHEEL], 0.1)
    assert result.verdict is None and len(result.images) == 1  # nothing to check for
    unchecked = PostProcessor("tiny").finish(make_job("j"), [WHEEL], 0.1)
    assert unchecked.verdict is None and len(unchecked.images) == 1  # left to the bot


class BrokenDetector(ImageChecker):
    """A detector whose weights cannot be loaded (a damaged install)."""

    def detector(self):
        raise RuntimeError("320n.onnx: protobuf parsing failed")


def test_images_that_cannot_be_checked_are_withheld():
    post = PostProcessor("tiny", BrokenDetector())
    result = post.finish(make_job("j", n=2), [COFFEE, COFFEE], 0.1)
    assert not result.verdict.allowed and result.verdict.reason == UNCHECKABLE
    assert result.verdict.label is None and result.images == []


# -- pipelining: batch k is finished while batch k+1 paints -----------------------------


class NotesPaints(Engine):
    def __init__(self, pipelines) -> None:
        super().__init__(pipelines)
        self.started: dict[str, threading.Event] = {}

    def paint(self, pictures: list[Picture], on_step=None, on_preview=None):
        for picture in pictures:
            self.started.setdefault(picture.job.id, threading.Event()).set()
        return super().paint(pictures, on_step, on_preview)


class WaitsForTheNextPaint(ImageChecker):
    """The real check, which first waits (up to 5 s) for job ``b`` to start painting and
    notes whether it did, and counts how many jobs are being finished at once."""

    def __init__(self, engine: NotesPaints) -> None:
        super().__init__()
        self.engine = engine
        self.overlapped: list[bool] = []

    def check(self, image, rules):
        if not self.overlapped:
            started = self.engine.started.setdefault("b", threading.Event())
            self.overlapped.append(started.wait(5))
        return super().check(image, rules)


class CountsFinishing(PostProcessor):
    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.lock = threading.Lock()
        self.now = self.most = 0

    def finish(self, job, images, seconds):
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            time.sleep(0.05)  # the check of a big image takes longer than that
            return super().finish(job, images, seconds)
        finally:
            with self.lock:
                self.now -= 1


async def test_the_next_batch_paints_while_the_last_ones_checks_run(settings, tiny_pipelines):
    store = await Store.open(settings.database_path)
    queue = SqliteQueue(store)
    engine = NotesPaints(tiny_pipelines)
    checker = WaitsForTheNextPaint(engine)
    post = CountsFinishing("tiny", checker)
    worker = Worker(queue, engine, worker_id="w", poll_seconds=0.01, post=post, pipelined=True)
    for job_id in ("a", "b", "c"):  # one job a batch (batches of one image)
        await queue.submit(make_job(job_id))
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        deadline = asyncio.get_running_loop().time() + 120
        while True:
            statuses = await queue.statuses(["a", "b", "c"])
            if all(status.state == "done" for status in statuses.values()):
                break
            assert asyncio.get_running_loop().time() < deadline, statuses
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await task
        await store.close()
    assert checker.overlapped == [True]  # b started painting before a's check finished
    assert not Worker(queue, engine).pipelined  # by default only on an accelerator
    assert post.most == 1  # never two batches in post-processing
    assert all(status.result.verdict.allowed for status in statuses.values())


# -- the bot: withholds and refunds on the worker's verdict, on both queues -------------


@pytest.fixture(params=["sqlite", "redis"])
async def wheel_studio(request, settings, tiny_pipelines, gateless):
    if request.param == "redis":
        settings = settings.model_copy(update={"queue": request.getfixturevalue("redis_url")})
    runtime = await Runtime.start(settings)
    await runtime.watcher.start()
    engine = DrawsTheWheel(tiny_pipelines)
    worker = Worker(runtime.queue, engine, poll_seconds=0.01, post=PostProcessor("tiny", gateless))
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    yield runtime, engine
    stop.set()
    await task
    await runtime.stop()


async def balance(runtime: Runtime) -> int:
    async with runtime.store.read() as db:
        return await ledger.balance(db, ALICE.id)


async def test_a_flagged_output_is_withheld_and_refunded_and_rule_changes_reach_the_worker(
    wheel_studio,
):
    runtime, engine = wheel_studio
    welcome = runtime.settings.welcome_credits
    assert runtime.studio.moderator.images.check(WHEEL, ImageRules()).allowed  # the bot's
    handle = await runtime.studio.imagine(ALICE, "a colour wheel", ImagineOptions(count=1))
    outcome = await asyncio.wait_for(handle.outcome(), 60)
    assert not outcome.ok and "withheld by the content filter (nudity)" in outcome.error
    assert outcome.images == [] and await balance(runtime) == welcome
    block = await runtime.store.fetchone("SELECT source, category, term FROM moderation_blocks")
    assert tuple(block) == ("output", "sexual", "BUTTOCKS_EXPOSED")  # logged, no strike
    assert engine.rules[handle.job_id] == OutputRules(block_nudity=True)

    # The server turns nudity blocking off: the next job carries that to the worker.
    await runtime.studio.moderator.set_rules(77, block_nudity=False)
    handle = await runtime.studio.imagine(ALICE, "a colour wheel", ImagineOptions(count=1))
    outcome = await asyncio.wait_for(handle.outcome(), 60)
    assert engine.rules[handle.job_id] == OutputRules(block_nudity=False)
    assert outcome.ok and len(outcome.images) == 1
    assert outcome.grid is not None  # made by the worker: the bot forwards it as it is
    assert Image.open(io.BytesIO(outcome.grid)).size == WHEEL.size
    assert await balance(runtime) == welcome - 1
