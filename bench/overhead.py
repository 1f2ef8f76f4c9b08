"""Overhead of the whole path (use-case → ledger → queue → worker process → files) over a
bare pipeline call on the same model, measured in one run.

    .venv/bin/python bench/overhead.py [--model tiny] [--runs 15]

The path is measured twice: as configured by default (generated images are checked for
nudity before they are posted, ``CHECK_OUTPUTS=true``) and without that check, so the share
of the check shows. Prints the medians and, last, ``overhead ratio: X.XX`` (the default
path; goal ≤ 1.10 with tiny on CPU).
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

from bot.config import Settings
from bot.runtime import Runtime
from bot.studio import ImagineOptions, Requester

PROMPT = "a purple mammoth riding a motorcycle"


async def end_to_end(settings: Settings, runs: int) -> list[float]:
    runtime = await Runtime.start(settings, quiet_worker=True)
    await runtime.watcher.start()
    user = Requester(1, "bench")
    timings = []
    try:
        for index in range(runs + 2):  # the first two warm the worker up
            started = time.perf_counter()
            handle = await runtime.studio.imagine(user, PROMPT, ImagineOptions(seed=index))
            outcome = await handle.outcome()
            elapsed = time.perf_counter() - started
            assert outcome.ok, outcome.error
            if index >= 2:
                timings.append(elapsed)
    finally:
        await runtime.stop()
    return timings


def bare_pipeline(settings: Settings, runs: int) -> list[float]:
    import torch

    from inference.models import load_pipelines

    pipelines = load_pipelines(settings.model, settings.device)
    pipe = pipelines.text2img
    width, height = settings.sizes["square"]
    timings = []
    for index in range(runs + 2):
        generators = [torch.Generator("cpu").manual_seed(index + i) for i in range(4)]
        started = time.perf_counter()
        pipe(  # the engine's own call, minus everything around it
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
        if index >= 2:
            timings.append(time.perf_counter() - started)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(
            _env_file=None, model=args.model, data_dir=Path(data_dir), welcome_credits=10_000
        )
        unchecked = settings.model_copy(update={"check_outputs": False})
        without_check = statistics.median(asyncio.run(end_to_end(unchecked, args.runs)))
        through_queue = statistics.median(asyncio.run(end_to_end(settings, args.runs)))
        bare = statistics.median(bare_pipeline(settings, args.runs))
    size = "x".join(map(str, settings.sizes["square"]))
    print(
        f"model {args.model} on {settings.device}, 4 images {size}, {settings.steps} steps, "
        f"{args.runs} runs each"
    )
    print(f"median end-to-end (imagine → queue → worker → files): {through_queue:.3f} s")
    print(f"the same without the output check (CHECK_OUTPUTS=false): {without_check:.3f} s")
    print(f"median bare pipeline call:                            {bare:.3f} s")
    print(f"overhead ratio without the output check: {without_check / bare:.2f}")
    print(f"overhead ratio: {through_queue / bare:.2f}")


if __name__ == "__main__":
    main()
