"""Does the bot's event loop stay responsive under a flood? A heartbeat task sleeps 10 ms
again and again and records how late it wakes up (the drift), while 500 jobs are submitted
through the use-case and then wait in the queue with the result watcher following them.

    .venv/bin/python bench/loop_latency.py [--jobs 500] [--seconds 5] [--uploads 16]

No worker runs (LOCAL_WORKER=false): the jobs stay queued, the worst case for the watcher,
which polls every open job's status and queue position each tick. Prints max and p99 drift
per phase; the goal is a max drift under 100 ms with 500 queued jobs. A last phase sends
``--uploads`` /vary requests with 4096² PNG uploads at once (decode, screening, resize and
re-encode; issue 19) and prints the drift while they are taken in.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

from PIL import Image, ImageDraw

from app.runtime import Runtime
from studio.settings import Settings
from studio.studio import ImagineOptions, Requester

TICK = 0.010


class Heartbeat:
    """Sleeps TICK seconds in a loop; each wake-up's lateness is one sample."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(TICK)
            self.samples.append(time.perf_counter() - asked - TICK)

    def take(self) -> list[float]:
        taken, self.samples = self.samples, []
        return taken

    async def stop(self) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


def describe(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{name:<28} samples {len(samples):>5}  median {statistics.median(samples) * 1000:6.1f} ms"
        f"  p99 {p99 * 1000:6.1f} ms  max {max(samples) * 1000:6.1f} ms"
    )


def big_upload() -> bytes:
    """A 4096² PNG that compresses well (the decode costs pixels, not bytes)."""
    image = Image.linear_gradient("L").resize((4096, 4096)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for n in range(12):
        draw.ellipse((n * 300, n * 200, n * 300 + 900, n * 200 + 700), fill=(40 * n % 255, 90, 160))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


async def main(jobs: int, seconds: float, uploads: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None,
            data_dir=Path(folder),
            model="tiny",
            local_worker=False,
            welcome_credits=jobs,
            max_jobs_per_user=100,  # every request waits in the queue
        )
        upload = big_upload() if uploads else b""  # made before the heartbeat: not measured
        runtime = await Runtime.start(settings)
        await runtime.watcher.start()
        beat = Heartbeat()
        beat.start()
        try:
            await asyncio.sleep(seconds)
            print(describe("idle", beat.take()))

            started = time.perf_counter()
            members = -(-jobs // settings.rate_limit_jobs)  # each within the rate limit
            users = [Requester(1000 + n % members, f"user{n % members}") for n in range(jobs)]
            submitting = [
                runtime.studio.imagine(user, f"flood {n}", ImagineOptions(seed=n))
                for n, user in enumerate(users)
            ]
            await asyncio.gather(*submitting)
            took = time.perf_counter() - started
            print(describe(f"submitting {jobs} jobs", beat.take()) + f"  ({took:.1f} s)")

            await asyncio.sleep(seconds)
            (queued,) = await runtime.store.fetchone(
                "SELECT COUNT(*) FROM queue WHERE status = 'queued'"
            )
            steady = beat.take()
            print(describe(f"{queued} jobs queued", steady))
            print(f"max drift with {queued} queued jobs: {max(steady) * 1000:.1f} ms (goal < 100)")

            if uploads:
                started = time.perf_counter()
                senders = [Requester(5000 + n, f"uploader{n}") for n in range(uploads)]
                await asyncio.gather(*(runtime.studio.vary(u, upload) for u in senders))
                took = time.perf_counter() - started
                during = beat.take()
                print(
                    describe(f"{uploads} uploads of 4096²", during)
                    + f"  ({took:.1f} s, {len(upload) / 1024:.0f} KB each)"
                )
                print(f"max drift while taking uploads: {max(during) * 1000:.1f} ms")
        finally:
            await beat.stop()
            await runtime.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--uploads", type=int, default=16)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.jobs, arguments.seconds, arguments.uploads))
