"""GPU utilization while a queue drains, one batch at a time vs pipelined post-processing.

    .venv/bin/python bench/pipelining.py [--model tiny] [--device auto] [--jobs 64]
                                         [--images 4] [--size 64] [--steps 2] [--no-check]

The same queued jobs (a fresh SQLite queue each time) go through one real worker twice:
``sequential`` finishes each batch (PNGs, output checks, grid) before the next one starts,
as the worker did before; ``pipelined`` is the worker's own loop, which finishes batch k on
CPU threads while batch k+1 paints. On CUDA the GPU's utilization is sampled every 100 ms
with ``nvidia-smi`` while the queue drains; on other devices only the throughput is shown.
Prints images/s and mean utilization for each and, last, ``pipelining speed-up: X.XX``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

from bench.batching import machine
from data.image_checks import ImageChecker
from data.jobs import Job, JobKind, JobState
from data.sqlite_queue import SqliteQueue
from data.store import Store
from inference.engine import Engine
from inference.postprocess import PostProcessor
from inference.worker import Worker


class Utilization:
    """nvidia-smi's GPU utilization (%), sampled every 100 ms in a child process."""

    def __init__(self) -> None:
        command = shutil.which("nvidia-smi")
        query = ["--query-gpu=utilization.gpu", "--format=csv,noheader,nounits", "-lms", "100"]
        self.process = (
            subprocess.Popen([command, *query], stdout=subprocess.PIPE, text=True)
            if command
            else None
        )

    def stop(self) -> float | None:
        if self.process is None:
            return None
        self.process.terminate()
        output, _ = self.process.communicate()
        samples = [float(line.split(",")[0]) for line in output.split() if line.strip()]
        return statistics.mean(samples) if samples else None


async def drain(worker: Worker, queue: SqliteQueue, jobs: list[Job], pipelined: bool) -> float:
    for job in jobs:
        await queue.submit(job)
    started = time.perf_counter()
    if pipelined:
        worker.pipelined = True
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        ids = [job.id for job in jobs]
        while any(s.state is not JobState.DONE for s in (await queue.statuses(ids)).values()):
            await asyncio.sleep(0.02)
        stop.set()
        await task
    else:
        while await worker.run_one():
            pass
    elapsed = time.perf_counter() - started
    statuses = await queue.statuses([job.id for job in jobs])
    failed = [s.error for s in statuses.values() if s.state is not JobState.DONE]
    assert not failed, failed
    return elapsed


async def bench(args: argparse.Namespace) -> None:
    from inference.models import load_pipelines

    engine = Engine(load_pipelines(args.model, args.device))
    checker = None if args.no_check else ImageChecker(device=engine.device.type)
    post = PostProcessor(engine.model_name, checker)
    print(machine(engine))
    if checker:
        print(f"output checks on {checker.provider}")
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for round_, mode in enumerate(["sequential", "pipelined", "sequential", "pipelined"]):
            jobs = [
                Job(
                    id=f"{round_}-{index}",
                    kind=JobKind.GENERATE,
                    prompt=f"a red fox #{index}",
                    seed=index,
                    n=args.images,
                    width=args.size,
                    height=args.size,
                    steps=args.steps,
                    guidance=0,
                )
                for index in range(args.jobs)
            ]
            store = await Store.open(Path(folder) / f"{round_}.db")
            queue = SqliteQueue(store, owns_store=True)
            worker = Worker(queue, engine, batch_images=args.batch, post=post, poll_seconds=0.01)
            sampler = Utilization() if engine.device.type == "cuda" else None
            try:
                seconds = await drain(worker, queue, jobs, mode == "pipelined")
            finally:
                utilization = sampler.stop() if sampler else None
                await queue.close()
            if round_ >= 2:  # the first two rounds warm up
                results[mode] = (args.jobs * args.images / seconds, utilization)
    for mode, (rate, utilization) in results.items():
        busy = "n/a (not CUDA)" if utilization is None else f"{utilization:.0f}%"
        print(f"{mode}: {rate:.2f} images/s, mean GPU utilization {busy}")
    speed_up = results["pipelined"][0] / results["sequential"][0]
    print(f"pipelining speed-up: {speed_up:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--jobs", type=int, default=64)
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--batch", type=int, default=4, help="images per pipeline call")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--no-check", action="store_true", help="PNGs only, no output check")
    args = parser.parse_args()
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
