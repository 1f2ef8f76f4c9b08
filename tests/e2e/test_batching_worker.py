"""A real ``python -m inference`` process (tiny model) batching jobs from the SQLite queue."""

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
from PIL import Image

from data.jobs import Job, JobKind, JobState
from data.sqlite_queue import SqliteQueue
from data.store import Store
from tests.e2e.conftest import RESULT_TIMEOUT, wait_until


def make_job(job_id: str, kind: JobKind = JobKind.GENERATE, **fields) -> Job:
    values = dict(
        id=job_id, kind=kind, prompt=f"a {job_id}", seed=40, n=2, width=64, height=64, steps=2
    )
    values.update(guidance=0.0, **fields)
    return Job(**values)


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


async def test_queued_jobs_run_in_batches_in_a_worker_process(tmp_path: Path, engine):
    data_dir = tmp_path / "var"
    store = await Store.open(data_dir / "imagine.db")
    queue = SqliteQueue(store)
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
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "MODEL": "tiny",
        "DEVICE": "cpu",
        "BATCH_SIZE": "8",
        "BATCH_WAIT_MS": "20",
        "TRANSFORMERS_VERBOSITY": "error",
    }
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "inference"],
            env=env,
            cwd=Path(__file__).parents[2],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
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
        worker.send_signal(signal.SIGTERM)
        await wait_until(lambda: worker.poll() is not None, timeout=30)
        await store.close()
    output = log_path.read_text()
    assert worker.returncode == 0, output
    batch_sizes = dict(
        re.findall(r"job (\S+) \(\w+, attempt 1\) started in a batch of (\d+)", output)
    )
    assert batch_sizes == {
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
