"""The worker loop with batching: the real queues (SQLite and Redis) and the real tiny engine."""

import asyncio
import io
import time

import torch
from PIL import Image

from data.jobs import Job, JobKind, JobState
from data.queue import JobQueue
from data.sqlite_queue import SqliteQueue
from data.store import Store
from inference.engine import Engine, Picture
from inference.previews import Previewer
from inference.tiny import build_tiny_preview_decoder
from inference.worker import Worker
from tests.conftest import OpenQueue


def make_job(job_id: str, kind: JobKind = JobKind.GENERATE, **fields) -> Job:
    values = dict(
        id=job_id, kind=kind, prompt=job_id, seed=3, n=2, width=64, height=64, steps=2, guidance=0
    )
    values.update(fields)
    return Job(**values)


class CallLog(Engine):
    """The real engine, noting the jobs of each pipeline call; 'huge' never fits in memory."""

    def __init__(self, pipelines) -> None:
        super().__init__(pipelines)
        self.calls: list[list[str]] = []

    def paint(self, pictures: list[Picture], on_step=None, on_preview=None):
        self.calls.append(list(dict.fromkeys(p.job.id for p in pictures)))
        if any(p.job.id == "huge" for p in pictures):
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 9 GiB")
        return super().paint(pictures, on_step, on_preview)


class HeartbeatLog(SqliteQueue):
    """The real queue, noting every heartbeat the worker sends."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.beats: list[tuple[str, int, int]] = []
        self.previews: list[tuple[str, int, bytes]] = []

    async def heartbeat(self, job_id, worker_id, step, total_steps, lease_seconds, preview=None):
        self.beats.append((job_id, step, total_steps))
        if preview is not None:
            self.previews.append((job_id, step, preview))
        return await super().heartbeat(job_id, worker_id, step, total_steps, lease_seconds, preview)


async def submit_all(queue: JobQueue, *jobs: Job) -> None:
    for job in jobs:
        await queue.submit(job)
        await asyncio.sleep(0.001)


async def test_compatible_jobs_run_as_one_batch_and_complete_each(
    queues: OpenQueue, tiny_pipelines, engine
):
    queue = await queues()
    engine_log = CallLog(tiny_pipelines)
    worker = Worker(queue, engine_log, batch_images=16)
    source = engine.run(make_job("source", n=1)).images[0].png
    await submit_all(
        queue,
        make_job("a"),
        make_job("wide", width=96),
        make_job("vary", JobKind.VARY, init_image=source),
        make_job("b", seed=11, n=3),
        make_job("vary2", JobKind.VARY, init_image=source, seed=5),
    )
    while await worker.run_one():
        pass
    assert engine_log.calls == [["a", "b"], ["wide"], ["vary", "vary2"]]
    statuses = await queue.statuses(["a", "b", "wide", "vary", "vary2"])
    assert {status.state for status in statuses.values()} == {JobState.DONE}
    assert [image.seed for image in statuses["a"].result.images] == [3, 4]
    assert [image.seed for image in statuses["b"].result.images] == [11, 12, 13]
    assert statuses["a"].result.job_id == "a" and statuses["wide"].result.width == 96


async def test_every_job_of_a_batch_reports_its_progress(store, tiny_pipelines):
    queue = HeartbeatLog(store)
    await submit_all(queue, *(make_job(f"j{i}", steps=8) for i in range(3)))
    worker = Worker(queue, Engine(tiny_pipelines), batch_images=16)
    assert await worker.run_one()
    for job_id in ("j0", "j1", "j2"):
        steps = [step for beat_job, step, total in queue.beats if beat_job == job_id]
        assert steps[0] == 0 and max(steps) >= 1  # a lease at the start, then real steps
        assert {total for beat_job, _, total in queue.beats if beat_job == job_id} <= {0, 8}
    statuses = await queue.statuses(["j0", "j1", "j2"])
    assert all(status.step == status.total_steps == 8 for status in statuses.values())


async def test_the_worker_sends_each_jobs_previews_with_its_heartbeats(store, tiny_pipelines):
    queue = HeartbeatLog(store)
    await submit_all(queue, make_job("a", steps=12), make_job("b", steps=12, seed=9))
    previewer = Previewer(build_tiny_preview_decoder(), every_seconds=0)  # due at every step
    worker = Worker(queue, Engine(tiny_pipelines, previewer), batch_images=8)
    assert await worker.run_one()
    assert {job_id for job_id, _, _ in queue.previews} == {"a", "b"}
    for _, step, jpeg in queue.previews:
        assert step > 0 and Image.open(io.BytesIO(jpeg)).format == "JPEG"
    statuses = await queue.statuses(["a", "b"])
    assert all(status.state is JobState.DONE for status in statuses.values())
    assert all(status.preview is None for status in statuses.values())  # dropped when done


async def test_the_worker_waits_a_bounded_time_for_batch_mates(queues: OpenQueue, engine):
    queue = await queues()
    worker = Worker(queue, engine, batch_images=8, batch_wait=0.6)

    async def claim(*late: Job) -> tuple[list[str], float]:
        started = time.monotonic()
        claiming = asyncio.create_task(worker.claim_batch())
        await asyncio.sleep(0.15)
        await submit_all(queue, *late)
        claims = await claiming
        return [claim.job.id for claim in claims], time.monotonic() - started

    # Requests come together: the batch waits for more, but only up to the bound.
    await submit_all(queue, make_job("first"), make_job("second"))
    claimed, waited = await claim(make_job("other", steps=3), make_job("late"))
    assert claimed == ["first", "second", "late"]
    assert 0.6 <= waited < 0.6 + 1.0  # the batch never filled: it waited out the bound
    # "other" is oldest now; after a busy batch it waits for mates too, but none come.
    claimed, waited = await claim()
    assert claimed == ["other"] and waited >= 0.6
    # A lone job after a lone job starts at once (a single user pays no wait).
    await submit_all(queue, make_job("alone"))
    claimed, waited = await claim(make_job("too-late"))
    assert claimed == ["alone"] and waited < 0.6
    # A full batch starts at once (2 + 4 + 2 images of 8).
    await submit_all(queue, make_job("x", n=4), make_job("y"))
    claimed, waited = await claim()
    assert claimed == ["too-late", "x", "y"] and waited < 0.6


async def test_a_job_too_big_for_memory_or_unreadable_fails_alone(store, tiny_pipelines):
    queue = SqliteQueue(store)
    source = b"not an image"
    await submit_all(
        queue,
        make_job("ok"),
        make_job("huge"),
        make_job("also-ok", seed=8),
    )
    worker = Worker(queue, CallLog(tiny_pipelines), batch_images=16)
    assert await worker.run_one()
    await submit_all(queue, make_job("bad", JobKind.VARY, init_image=source))
    assert await worker.run_one()
    statuses = await queue.statuses(["ok", "huge", "also-ok", "bad"])
    assert statuses["ok"].state is statuses["also-ok"].state is JobState.DONE
    assert statuses["huge"].state is JobState.FAILED
    assert statuses["huge"].error == "out of GPU memory"
    assert statuses["bad"].state is JobState.FAILED
    assert statuses["bad"].error.startswith("init_image is not a readable image")
