"""Overhead of the whole path through the Redis Streams queue (use-case → ledger → Redis →
worker process → Redis → watcher → files) over a bare pipeline call, measured in one run.

    .venv/bin/python bench/redis_overhead.py [--model tiny] [--runs 15] [--redis URL]

Without ``--redis`` it starts a throwaway ``redis-server`` on a free loopback port. The same
requests also go through the embedded SQLite queue, for comparison. Prints the medians and,
last, ``redis overhead ratio: X.XX``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.overhead import bare_pipeline, end_to_end
from bot.config import Settings
from tests.redis_server import RedisServer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--redis", help="a Redis URL to use instead of a throwaway server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        server = None if args.redis else RedisServer(Path(folder) / "redis")
        try:
            url = args.redis or server.url
            base = dict(_env_file=None, model=args.model, welcome_credits=10_000)
            redis = Settings(**base, data_dir=Path(folder) / "redis-run", queue=url)
            sqlite = Settings(**base, data_dir=Path(folder) / "sqlite-run")
            through_redis = statistics.median(asyncio.run(end_to_end(redis, args.runs)))
            through_sqlite = statistics.median(asyncio.run(end_to_end(sqlite, args.runs)))
            bare = statistics.median(bare_pipeline(sqlite, args.runs))
        finally:
            if server:
                server.stop()
    size = "x".join(map(str, sqlite.sizes["square"]))
    print(f"model {args.model}, 4 images {size}, {sqlite.steps} steps, {args.runs} runs each")
    print(f"median end-to-end through Redis:  {through_redis:.3f} s")
    print(f"median end-to-end through SQLite: {through_sqlite:.3f} s")
    print(f"median bare pipeline call:        {bare:.3f} s")
    print(f"sqlite overhead ratio: {through_sqlite / bare:.2f}")
    print(f"redis overhead ratio: {through_redis / bare:.2f}")


if __name__ == "__main__":
    main()
