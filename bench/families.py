"""Per model family: the whole path over a bare pipeline call, on each tiny build (CPU).

    .venv/bin/python bench/families.py [--runs 7] [--threads 1] [--models tiny,tiny:flux2]

For each family's tiny build (real architecture, random weights) it times /imagine's path
(use-case → ledger → queue → worker process → PNG files, the output check off:
``CHECK_OUTPUTS=false``) against the same text-to-image call made directly on the
pipeline in this process, 4 images at the model's square size. The two alternate, run by
run, so that load from other work on a shared machine hits both alike; both use
``--threads`` torch threads (OMP_NUM_THREADS, inherited by the worker process). Prints
one line per family, ``<model>: end-to-end X s, bare Y s, ratio Z`` (medians; goal ≤ 1.10),
and the engine alone in this process (``Engine.run``: the family table's call, seeds, PNGs)
÷ bare, which separates what a family's code path costs from the queue's fixed cost.
Run it from the repository root: the worker process imports this checkout's code.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))

PROMPT = "a purple mammoth riding a motorcycle"


async def alternate(settings, runs: int) -> tuple[list[float], list[float], list[float]]:
    """(end-to-end, bare, engine) seconds per run, the three measured turn about."""
    import torch

    from app.runtime import Runtime
    from data.jobs import Job, JobKind
    from inference.engine import Engine
    from inference.models import load_pipelines
    from studio.studio import ImagineOptions, Requester

    pipelines = load_pipelines(settings.model, "cpu")
    engine = Engine(pipelines)
    width, height = settings.sizes["square"]

    def bare(index: int) -> float:
        generators = [torch.Generator("cpu").manual_seed(index + i) for i in range(4)]
        started = time.perf_counter()
        pipelines.text2img(  # the engine's own call, minus everything around it
            prompt=PROMPT,
            num_images_per_prompt=4,
            width=width,
            height=height,
            guidance_scale=settings.guidance,
            num_inference_steps=settings.steps,
            generator=generators,
            **pipelines.call_extras,
        )
        return time.perf_counter() - started

    def in_process(index: int) -> float:
        job = Job(
            id=f"engine-{index}",
            kind=JobKind.GENERATE,
            prompt=PROMPT,
            seed=index,
            n=4,
            width=width,
            height=height,
            steps=settings.steps,
            guidance=settings.guidance,
        )
        started = time.perf_counter()
        engine.run(job)
        return time.perf_counter() - started

    runtime = await Runtime.start(settings, quiet_worker=True)
    await runtime.watcher.start()
    user = Requester(1, "bench")
    whole, alone, engined = [], [], []
    try:
        for index in range(runs + 2):  # the first two warm both up
            started = time.perf_counter()
            handle = await runtime.studio.imagine(user, PROMPT, ImagineOptions(seed=index))
            outcome = await handle.outcome()
            elapsed = time.perf_counter() - started
            assert outcome.ok, outcome.error
            single = bare(index)
            own = in_process(index)
            if index >= 2:
                whole.append(elapsed)
                alone.append(single)
                engined.append(own)
    finally:
        await runtime.stop()
    return whole, alone, engined


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--models", default="")
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)  # before torch loads; workers inherit it
    os.chdir(ROOT)
    from data.families import TINY_MODELS
    from studio.settings import Settings

    for model in args.models.split(",") if args.models else list(TINY_MODELS):
        with tempfile.TemporaryDirectory() as data_dir:
            settings = Settings(
                _env_file=None,
                model=model,
                data_dir=Path(data_dir),
                welcome_credits=10_000,
                check_outputs=False,
                device="cpu",
            )
            whole, alone, engined = asyncio.run(alternate(settings, args.runs))
        e2e, bare, own = (statistics.median(times) for times in (whole, alone, engined))
        print(
            f"{model}: end-to-end {e2e:.3f} s, bare {bare:.3f} s, ratio {e2e / bare:.2f};"
            f" engine alone {own:.3f} s, ratio {own / bare:.2f}"
            f" (4 images {settings.image_size}², {settings.steps} steps, {args.runs} runs,"
            f" {args.threads} thread(s))",
            flush=True,
        )


if __name__ == "__main__":
    main()
