"""Overhead of the whole path (use-case → ledger → queue → worker process → files) over a
bare pipeline call on the same model, measured in one run.

    .venv/bin/python bench/overhead.py [--model tiny] [--runs 15] [--threads 1]

The path is measured twice: as configured by default (generated images are checked for
nudity before they are posted, ``CHECK_OUTPUTS=true``; the worker checks them while it
encodes the PNGs) and without that check, so the share of the check shows. Each round times
one request of each and one bare call, in turn, so that on a shared machine the three see
the same load; ``--threads`` sets OMP_NUM_THREADS for this process and the worker processes
(one by default, as in redis_overhead.py: busy cores make torch's threads wait on each
other). Prints the medians and, last, ``overhead ratio: X.XX`` (the default path; goal ≤
1.10 with tiny on CPU).
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
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

from app.runtime import Runtime
from studio.settings import Settings
from studio.studio import ImagineOptions, Requester

PROMPT = "a purple mammoth riding a motorcycle"


WARM_UP = 2  # rounds that warm the workers up


async def one_request(runtime: Runtime, seed: int) -> float:
    started = time.perf_counter()
    handle = await runtime.studio.imagine(Requester(1, "bench"), PROMPT, ImagineOptions(seed=seed))
    outcome = await handle.outcome()
    assert outcome.ok, outcome.error
    return time.perf_counter() - started


def bare_call(pipelines, settings: Settings, seed: int) -> float:
    import torch

    width, height = settings.sizes["square"]
    generators = [torch.Generator("cpu").manual_seed(seed + i) for i in range(4)]
    started = time.perf_counter()
    pipelines.text2img(  # the engine's own call, minus everything around it
        prompt=PROMPT,
        num_images_per_prompt=4,
        width=width,
        height=height,
        guidance_scale=settings.guidance,
        num_inference_steps=settings.steps,
        generator=generators,
    )
    if pipelines.device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - started


async def measure(checked: Settings, unchecked: Settings, runs: int) -> dict[str, list[float]]:
    from inference.models import load_pipelines

    pipelines = await asyncio.to_thread(load_pipelines, checked.model, checked.device)
    runtimes = {
        "checked": await Runtime.start(checked, quiet_worker=True),
        "unchecked": await Runtime.start(unchecked, quiet_worker=True),
    }
    timings: dict[str, list[float]] = {"checked": [], "unchecked": [], "bare": []}
    try:
        for runtime in runtimes.values():
            await runtime.watcher.start()
        for seed in range(runs + WARM_UP):
            round_ = {name: await one_request(rt, seed) for name, rt in runtimes.items()}
            round_["bare"] = bare_call(pipelines, checked, seed)
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
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)  # before torch loads; workers inherit it
    with tempfile.TemporaryDirectory() as folder:
        base = dict(_env_file=None, model=args.model, welcome_credits=10_000)
        settings = Settings(**base, data_dir=Path(folder) / "checked")
        unchecked = Settings(**base, data_dir=Path(folder) / "unchecked", check_outputs=False)
        timings = asyncio.run(measure(settings, unchecked, args.runs))
    through_queue = statistics.median(timings["checked"])
    without_check = statistics.median(timings["unchecked"])
    bare = statistics.median(timings["bare"])
    size = "x".join(map(str, settings.sizes["square"]))
    print(
        f"model {args.model} on {settings.device}, 4 images {size}, {settings.steps} steps, "
        f"{args.runs} rounds, {args.threads} thread(s) per process"
    )
    print(f"median end-to-end (imagine → queue → worker → files): {through_queue:.3f} s")
    print(f"the same without the output check (CHECK_OUTPUTS=false): {without_check:.3f} s")
    print(f"median bare pipeline call:                            {bare:.3f} s")
    print(f"overhead ratio without the output check: {without_check / bare:.2f}")
    print(f"overhead ratio: {through_queue / bare:.2f}")


if __name__ == "__main__":
    main()
