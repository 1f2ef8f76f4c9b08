"""Per model family: the whole path over a bare pipeline call, on each tiny build (CPU).

    .venv/bin/python bench/families.py [--runs 5] [--models tiny,tiny:flux2]

For each family's tiny build (real architecture, random weights) it times /imagine's path
(use-case → ledger → queue → worker process → PNG files, the output check off:
``CHECK_OUTPUTS=false``) against the same text-to-image call made directly on the
pipeline, 4 images at the model's square size, medians of ``--runs`` after two warm-ups.
Prints one line per family, ``<model>: end-to-end X s, bare Y s, ratio Z`` (goal ≤ 1.10).
Run it from the repository root: the worker process imports this checkout's code.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))

from bench.overhead import end_to_end  # noqa: E402  (after the path set-up)
from bot.config import Settings  # noqa: E402
from data.families import TINY_MODELS  # noqa: E402

PROMPT = "a purple mammoth riding a motorcycle"


def bare_pipeline(settings: Settings, runs: int) -> list[float]:
    """The engine's text-to-image call on the pipeline itself, nothing around it."""
    import time

    import torch

    from inference.models import load_pipelines

    torch.set_num_threads(min(2, os.cpu_count() or 1))
    pipelines = load_pipelines(settings.model, settings.device)
    width, height = settings.sizes["square"]
    timings = []
    for index in range(runs + 2):
        generators = [torch.Generator("cpu").manual_seed(index + i) for i in range(4)]
        started = time.perf_counter()
        pipelines.text2img(
            prompt=PROMPT,
            num_images_per_prompt=4,
            width=width,
            height=height,
            guidance_scale=settings.guidance,
            num_inference_steps=settings.steps,
            generator=generators,
            **pipelines.call_extras,
        )
        if index >= 2:
            timings.append(time.perf_counter() - started)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--models", default=",".join(TINY_MODELS))
    args = parser.parse_args()
    os.chdir(ROOT)
    for model in args.models.split(","):
        with tempfile.TemporaryDirectory() as data_dir:
            settings = Settings(
                _env_file=None,
                model=model,
                data_dir=Path(data_dir),
                welcome_credits=10_000,
                check_outputs=False,
                device="cpu",
            )
            whole = statistics.median(asyncio.run(end_to_end(settings, args.runs)))
            bare = statistics.median(bare_pipeline(settings, args.runs))
        print(
            f"{model}: end-to-end {whole:.3f} s, bare {bare:.3f} s, ratio {whole / bare:.2f}"
            f" (4 images {settings.image_size}², {settings.steps} steps, {args.runs} runs)",
            flush=True,
        )


if __name__ == "__main__":
    main()
