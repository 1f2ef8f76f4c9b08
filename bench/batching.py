"""Throughput with cross-request batching ÷ without, same jobs, measured in one run.

The same queued jobs (different prompts and seeds, as from different users) go through the
real worker loop and queue (SQLite, or with ``--queue redis`` a throwaway redis-server)
twice per round: once one job per pipeline call
(BATCH_SIZE=1), once batched. Rounds alternate which goes first, so that both see the
same machine state; the load average is printed, as a busy machine skews both.

    .venv/bin/python bench/batching.py [--model tiny] [--device auto] [--jobs 16]
                                       [--queue sqlite|redis]

Prints the machine, the median images per second of each, and, last,
``batching speed-up: X.XX``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

from data.jobs import Job, JobKind, JobState
from data.queue import JobQueue
from data.redis_queue import RedisQueue
from data.sqlite_queue import SqliteQueue
from data.store import Store
from inference.engine import Engine
from inference.worker import Worker
from tests.redis_server import RedisServer

PROMPTS = ["a purple mammoth riding a motorcycle", "a lighthouse in a storm", "a red fox"]


def make_jobs(args: argparse.Namespace, round_: int) -> list[Job]:
    return [
        Job(
            id=f"r{round_}-j{index}",
            kind=JobKind.GENERATE,
            prompt=PROMPTS[index % len(PROMPTS)],
            seed=1000 * round_ + 10 * index,
            n=args.images,
            width=args.size,
            height=args.size,
            steps=args.steps,
            guidance=args.guidance,
        )
        for index in range(args.jobs)
    ]


async def fresh_queue(name: str, data_dir: Path, redis_url: str | None) -> JobQueue:
    """An empty queue: its own SQLite file, or its own key prefix on the Redis server."""
    if redis_url:
        return await RedisQueue.connect(redis_url, prefix=f"bench-{name}")
    store = await Store.open(data_dir / f"bench-{name}.db")
    return SqliteQueue(store, owns_store=True)


async def drain(
    engine: Engine, jobs: list[Job], batch_images: int, data_dir: Path, redis_url: str | None
) -> float:
    """Seconds for one worker to run every job of a freshly filled queue."""
    queue = await fresh_queue(f"{batch_images}-{jobs[0].id}", data_dir, redis_url)
    try:
        for job in jobs:
            await queue.submit(job)
        worker = Worker(queue, engine, batch_images=batch_images, batch_wait=0.02)
        started = time.perf_counter()
        while await worker.run_one():
            pass
        elapsed = time.perf_counter() - started
        statuses = await queue.statuses([job.id for job in jobs])
        failed = [s.error for s in statuses.values() if s.state is not JobState.DONE]
        assert not failed, failed
        return elapsed
    finally:
        await queue.close()


def machine(engine: Engine) -> str:
    import diffusers
    import torch

    device = engine.device
    if device.type == "cuda":
        where = f"GPU {torch.cuda.get_device_name(device)}"
    else:
        where = f"device {device.type}"
    return (
        f"machine: {where}; CPU {_cpu_name()}, {os.cpu_count()} cores, "
        f"{torch.get_num_threads()} torch threads, {platform.system()} {platform.machine()}; "
        f"Python {platform.python_version()}, torch {torch.__version__}, "
        f"diffusers {diffusers.__version__}"
    )


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


async def bench(args: argparse.Namespace) -> None:
    from inference.models import load_pipelines

    engine = Engine(load_pipelines(args.model, args.device))
    print(machine(engine))
    timings: dict[int, list[float]] = {1: [], args.batch_size: []}
    with tempfile.TemporaryDirectory() as folder:
        server = RedisServer(Path(folder) / "redis") if args.queue == "redis" else None
        try:
            for round_ in range(args.rounds + 1):  # round 0 warms both paths up
                order = list(timings) if round_ % 2 else list(reversed(timings))
                for batch_images in order:
                    jobs = make_jobs(args, round_)
                    url = server.url if server else None
                    seconds = await drain(engine, jobs, batch_images, Path(folder), url)
                    if round_:
                        timings[batch_images].append(seconds)
        finally:
            if server:
                server.stop()
    images = args.jobs * args.images
    alone, batched = (statistics.median(timings[b]) for b in timings)
    print(
        f"{args.queue} queue, model {args.model}, {args.jobs} jobs × {args.images} images "
        f"{args.size}², "
        f"{args.steps} steps, guidance {args.guidance}, {args.rounds} rounds (medians)"
    )
    print(f"one job per call:                  {images / alone:8.2f} images/s ({alone:.2f} s)")
    print(
        f"batched (BATCH_SIZE={args.batch_size} images): "
        f"{images / batched:8.2f} images/s ({batched:.2f} s)"
    )
    load = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"load average at the end (1/5/15 min): {load} on {os.cpu_count()} cores")
    print(f"batching speed-up: {alone / batched:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="tiny", help="tiny, a Hugging Face id or a folder")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    parser.add_argument("--jobs", type=int, default=16)
    parser.add_argument("--images", type=int, default=4, help="images per job")
    parser.add_argument("--batch-size", type=int, default=16, help="images per batch")
    parser.add_argument("--size", type=int, help="square side (default 64 tiny, else 512)")
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--guidance", type=float, default=0.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--queue", default="sqlite", choices=["sqlite", "redis"])
    args = parser.parse_args()
    args.size = args.size or (64 if args.model == "tiny" else 512)
    if args.batch_size < 2:
        parser.error("--batch-size must be at least 2 to compare with one job per call")
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
