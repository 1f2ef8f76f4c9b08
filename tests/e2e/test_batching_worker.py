"""A real ``python -m inference`` process (tiny model) batching jobs from either queue."""

from __future__ import annotations

import asyncio
import io
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from data.jobs import Job, JobKind, JobState
from data.queue import open_queue
from tests.conftest import TEST_MODEL
from tests.e2e.conftest import (
    ALICE,
    BOB,
    RESULT_TIMEOUT,
    bot_settings,
    is_result,
    start_bot,
    stop_bot,
    wait_until,
)


def make_job(job_id: str, kind: JobKind = JobKind.GENERATE, **fields) -> Job:
    values = dict(
        id=job_id, kind=kind, prompt=f"a {job_id}", seed=40, n=2, width=64, height=64, steps=2
    )
    values.update(guidance=0.0, **fields)
    return Job(**values)


def start_worker(
    data_dir: Path, log_path: Path, queue_url: str = "", model: str = TEST_MODEL
) -> subprocess.Popen:
    """``python -m inference`` on a tiny build with batches of up to 8 images."""
    env = {
        **os.environ,
        "QUEUE": queue_url,  # empty: the SQLite database in DATA_DIR
        "DATA_DIR": str(data_dir),
        "MODEL": model,
        "DEVICE": "cpu",
        "BATCH_SIZE": "8",
        "BATCH_WAIT_MS": "20",
        "TRANSFORMERS_VERBOSITY": "error",
    }
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "inference"],
            env=env,
            cwd=Path(__file__).parents[2],
            stdout=log,
            stderr=subprocess.STDOUT,
        )


async def stop_worker(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGTERM)
    await wait_until(lambda: worker.poll() is not None, timeout=30)


def batch_sizes(log: str) -> dict[str, str]:
    """Each job id and the size of the batch it started in, from the worker's log."""
    return dict(re.findall(r"job (\S+) \(\w+, attempt 1\) started in a batch of (\d+)", log))


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
async def test_queued_jobs_run_in_batches_in_a_worker_process(
    tmp_path: Path, tiny_engines, backend, request
):
    """Pixel for pixel against an in-process engine of the same build: this test names
    the SD build (its batches were measured within one level of a job alone)."""
    engine = tiny_engines("tiny")
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    queue_url = (
        request.getfixturevalue("redis_url")
        if backend == "redis"
        else f"sqlite:///{data_dir / 'imagine.db'}"
    )
    queue = await open_queue(queue_url)
    source = engine.run(make_job("source", n=1)).images[0].png
    jobs = [
        *(make_job(f"fox{i}", seed=10 * i) for i in range(4)),  # 8 images: one batch
        make_job("owl", n=3),  # would make 11: the next batch
        make_job("vary1", JobKind.VARY, n=3, init_image=source),
        make_job("vary2", JobKind.VARY, n=3, init_image=source, seed=7),
    ]
    for job in jobs:
        await queue.submit(job)
        await asyncio.sleep(0.002)
    log_path = tmp_path / "worker.log"
    worker = start_worker(data_dir, log_path, queue_url, model="tiny")
    try:
        ids = [job.id for job in jobs]
        done: dict = {}

        async def all_finished() -> bool:
            done.update(await queue.statuses(ids))
            return all(s.state in (JobState.DONE, JobState.FAILED) for s in done.values())

        deadline = asyncio.get_running_loop().time() + RESULT_TIMEOUT
        while not await all_finished():
            assert worker.poll() is None, log_path.read_text()
            assert asyncio.get_running_loop().time() < deadline, log_path.read_text()
            await asyncio.sleep(0.2)
    finally:
        await stop_worker(worker)
        await queue.close()
    output = log_path.read_text()
    assert worker.returncode == 0, output
    assert batch_sizes(output) == {
        **{f"fox{i}": "4" for i in range(4)},
        "owl": "1",
        "vary1": "2",
        "vary2": "2",
    }
    for job in jobs:  # every job has its own images, as if it had run alone
        status = done[job.id]
        assert status.state is JobState.DONE, status.error
        alone = engine.run(job)
        assert [image.seed for image in status.result.images] == job.image_seeds()
        for batched, single in zip(status.result.images, alone.images, strict=True):
            assert np.abs(pixels(batched.png) - pixels(single.png)).max() <= 1
        if len(alone.images) > 1:  # control: one level still tells two different pictures apart
            first, neighbour = status.result.images[0].png, alone.images[1].png
            assert np.abs(pixels(first) - pixels(neighbour)).max() > 16


async def test_two_users_requests_share_a_batch_and_each_gets_their_own(fake, tmp_path):
    settings = bot_settings(fake, tmp_path / "var", local_worker=False)
    bot, task = await start_bot(fake, settings)
    prompts = {ALICE: "a purple mammoth", BOB: "a green owl"}
    log_path = tmp_path / "worker.log"
    worker = None
    try:
        inters = {}
        for user, prompt in prompts.items():  # both wait in the queue: no worker yet
            inters[user] = await fake.slash_command("imagine", {"prompt": prompt}, user_id=user)
            await inters[user].wait_original_edit(lambda c: "queued" in c.json.get("content", ""))
        worker = start_worker(settings.data_dir, log_path)
        for user, prompt in prompts.items():
            result = (await inters[user].wait_followup(is_result, timeout=RESULT_TIMEOUT)).response
            assert result["content"] == f"<@{user}>"
            assert result["embeds"][0]["title"] == prompt
    finally:
        if worker:
            await stop_worker(worker)
        await stop_bot(bot, task)
    sizes = batch_sizes(log_path.read_text())
    assert sorted(sizes.values()) == ["2", "2"], log_path.read_text()
