"""Overhead of the whole path through the Redis Streams queue (use-case → ledger → Redis →
worker process → Redis → watcher → files) over a bare pipeline call, measured in one run.

    .venv/bin/python bench/redis_overhead.py [--model tiny] [--runs 15] [--threads 1]
                                             [--redis URL]

Without ``--redis`` it starts a throwaway ``redis-server`` on a free loopback port. The same
request also goes through the embedded SQLite queue, for comparison. The three are measured
in turn within each round (Redis, SQLite, bare), so on a shared machine they see the same
load. ``--threads`` sets OMP_NUM_THREADS for this process and the worker processes alike
(one thread by default: on a busy machine, torch's threads wait on each other and the times
swing tenfold). Generated images are not checked for nudity here (``CHECK_OUTPUTS=false``):
this measures the queue; ``bench/overhead.py`` shows what the check adds. Prints the
medians and, last, ``redis overhead ratio: X.XX``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.runtime import Runtime
from bench.overhead import PROMPT
from studio.settings import Settings
from studio.studio import ImagineOptions, Requester
from tests.redis_server import RedisServer

WARM_UP = 2


async def through(runtime: Runtime, seed: int) -> float:
    started = time.perf_counter()
    handle = await runtime.studio.imagine(Requester(1, "bench"), PROMPT, ImagineOptions(seed=seed))
    outcome = await handle.outcome()
    assert outcome.ok, outcome.error
    return time.perf_counter() - started


def bare_call(pipe, settings: Settings, seed: int) -> float:
    import torch

    width, height = settings.sizes["square"]
    generators = [torch.Generator("cpu").manual_seed(seed + i) for i in range(4)]
    started = time.perf_counter()
    pipe(
        prompt=[PROMPT] * 4,
        width=width,
        height=height,
        guidance_scale=settings.guidance,
        num_inference_steps=settings.steps,
        generator=generators,
    )
    return time.perf_counter() - started


async def measure(redis: Settings, sqlite: Settings, runs: int) -> dict[str, list[float]]:
    from inference.models import load_pipelines

    pipe = (await asyncio.to_thread(load_pipelines, sqlite.model, sqlite.device)).text2img
    runtimes = {
        "redis": await Runtime.start(redis, quiet_worker=True),
        "sqlite": await Runtime.start(sqlite, quiet_worker=True),
    }
    timings: dict[str, list[float]] = {"redis": [], "sqlite": [], "bare": []}
    try:
        for runtime in runtimes.values():
            await runtime.watcher.start()
        for seed in range(runs + WARM_UP):  # the first rounds warm the workers up
            round_ = {name: await through(rt, seed) for name, rt in runtimes.items()}
            round_["bare"] = bare_call(pipe, sqlite, seed)
            if seed >= WARM_UP:
                for name, seconds in round_.items():
                    timings[name].append(seconds)
    finally:
        for runtime in runtimes.values():
            await runtime.stop()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--threads", type=int, default=1, help="torch threads per process")
    parser.add_argument("--redis", help="a Redis URL to use instead of a throwaway server")
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)  # before torch loads; workers inherit it
    with tempfile.TemporaryDirectory() as folder:
        server = None if args.redis else RedisServer(Path(folder) / "redis")
        try:
            url = args.redis or server.url
            base = dict(
                _env_file=None, model=args.model, welcome_credits=10_000, check_outputs=False
            )
            redis = Settings(**base, data_dir=Path(folder) / "redis-run", queue=url)
            sqlite = Settings(**base, data_dir=Path(folder) / "sqlite-run")
            timings = asyncio.run(measure(redis, sqlite, args.runs))
        finally:
            if server:
                server.stop()
    median = {name: statistics.median(values) for name, values in timings.items()}
    size = "x".join(map(str, sqlite.sizes["square"]))
    print(
        f"model {args.model}, 4 images {size}, {sqlite.steps} steps, {args.runs} rounds,"
        f" {args.threads} thread(s) per process"
    )
    print(f"median end-to-end through Redis:  {median['redis']:.3f} s")
    print(f"median end-to-end through SQLite: {median['sqlite']:.3f} s")
    print(f"median bare pipeline call:        {median['bare']:.3f} s")
    print(f"sqlite overhead ratio: {median['sqlite'] / median['bare']:.2f}")
    print(f"redis overhead ratio: {median['redis'] / median['bare']:.2f}")


if __name__ == "__main__":
    main()
