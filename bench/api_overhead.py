"""Overhead of the Images API over the terminal (CLI) path for the same request, one run.

    .venv/bin/python bench/api_overhead.py [--model tiny] [--runs 10]

One runtime with its local worker process serves both paths, taking turns so that load
on the machine hits both alike:

- CLI path: what ``python -m bot imagine PROMPT --seed S --out DIR`` does once its process
  is up: the use-case, the queue, the worker, the watcher, then the PNGs copied to DIR.
- API path: the official ``openai`` client's ``images.generate`` (same prompt, seed, count
  and the model's own size, ``b64_json``) through the real HTTP server: key check, request
  parsing, the same use-case and wait, base64 answer, the PNGs decoded and written to DIR.

Besides the end-to-end times it prints each path's time outside the job (from the call to
the job row's creation, plus from the job's finish to the files written), the part the
adapter adds, which machine load blurs less. Last line: ``api overhead ratio: X.XX``, the
median API time ÷ the median CLI time (goal ≤ 1.05).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

from app.api.app import start_api
from app.runtime import Runtime
from studio.api_keys import ApiKeys
from studio.settings import Settings
from studio.studio import ImagineOptions, Requester

PROMPT = "a purple mammoth riding a motorcycle"
USER = Requester(0, "console")  # the terminal's account; the API key acts as it too


async def measure(
    settings: Settings, runs: int, out: Path
) -> tuple[list[float], list[float], dict[str, list[float]]]:
    from openai import AsyncOpenAI

    runtime = await Runtime.start(settings, quiet_worker=True)
    await runtime.watcher.start()
    runner, url = await start_api(runtime.studio, "127.0.0.1", 0)
    key = (await ApiKeys.of(runtime.studio).create(USER, "bench")).secret
    client = AsyncOpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=600)
    width, height = settings.sizes["square"]
    cli_times: list[float] = []
    api_times: list[float] = []
    outside: dict[str, list[float]] = {"cli": [], "api": []}

    async def outside_the_job(path: str, started: float, ended: float) -> None:
        """Wall time not spent between the job row's creation and its finish."""
        row = await runtime.store.fetchone(
            "SELECT created_at, finished_at FROM jobs ORDER BY created_at DESC LIMIT 1"
        )
        outside[path].append((ended - started) - (row[1] - row[0]))

    async def cli(seed: int) -> float:
        started, wall = time.perf_counter(), time.time()
        handle = await runtime.studio.imagine(USER, PROMPT, ImagineOptions(seed=seed, count=4))
        outcome = await handle.outcome()
        assert outcome.ok, outcome.error
        for image in outcome.images:
            shutil.copyfile(runtime.studio.files.absolute(image), out / f"{image.position}.png")
        elapsed = time.perf_counter() - started
        await outside_the_job("cli", wall, wall + elapsed)
        return elapsed

    async def api(seed: int) -> float:
        started, wall = time.perf_counter(), time.time()
        answer = await client.images.generate(
            prompt=PROMPT,
            n=4,
            size=f"{width}x{height}",
            response_format="b64_json",
            extra_body={"seed": seed},
        )
        for position, item in enumerate(answer.data, start=1):
            (out / f"{position}.png").write_bytes(base64.b64decode(item.b64_json))
        elapsed = time.perf_counter() - started
        await outside_the_job("api", wall, wall + elapsed)
        return elapsed

    try:
        for index in range(runs + 1):  # the first pair warms the worker up
            first, second = (cli, api) if index % 2 == 0 else (api, cli)
            timings = {first: await first(index), second: await second(index)}
            if index:
                cli_times.append(timings[cli])
                api_times.append(timings[api])
            else:
                outside["cli"].clear()
                outside["api"].clear()
    finally:
        await client.close()
        await runner.cleanup()
        await runtime.stop()
    return cli_times, api_times, outside


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(
            _env_file=None,
            model=args.model,
            data_dir=Path(data_dir),
            welcome_credits=10_000,
            rate_limit_jobs=10_000,
        )
        out = Path(data_dir) / "out"
        out.mkdir()
        cli_times, api_times, outside = asyncio.run(measure(settings, args.runs, out))
    size = "x".join(map(str, settings.sizes["square"]))
    cli_median, api_median = statistics.median(cli_times), statistics.median(api_times)
    print(
        f"model {args.model} on {settings.device}, 4 images {size}, {settings.steps} steps, "
        f"{args.runs} runs each, taking turns"
    )
    print(f"median CLI path (use-case → queue → worker → files):  {cli_median:.3f} s")
    print(f"median API path (openai client → HTTP → same → files): {api_median:.3f} s")
    cli_outside, api_outside = (statistics.median(outside[p]) * 1000 for p in ("cli", "api"))
    print(f"median time outside the job: CLI {cli_outside:.1f} ms, API {api_outside:.1f} ms")
    print(f"api overhead ratio: {api_median / cli_median:.2f}")


if __name__ == "__main__":
    main()
