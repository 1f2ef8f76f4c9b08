"""Two bot processes (``python -m bot run``) split Discord's shards on one Redis and one
store; one is killed (SIGKILL) during a burst. Every job is delivered once and charged once.

The fake Discord has two shards: its server's events go to shard 1 (Discord's formula,
``guild_id >> 22 % 2``), direct messages to shard 0, so half the burst (in the server) is
taken by one process and half (in DMs) by the other. Workers are simulated here, through
the real Redis queue, so that the kill lands while results are still coming back.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from pathlib import Path

from PIL import Image

from data.grids import grid_jpeg
from data.jobs import GeneratedImage, OutputVerdict, Result
from data.queue import open_queue
from data.store import Store
from tests.e2e.conftest import is_result, wait_until
from tests.fakediscord import FakeDiscord

ROOT = Path(__file__).parents[2]
GUILD_ON_SHARD_1 = (1 << 22) + 2000  # (id >> 22) % 2 == 1
PER_SHARD = 4  # requests in the server, and as many in DMs
LEASE = 1  # WATCH_LEASE_SECONDS: how soon the survivor takes the dead one's jobs over


def start_bot(fake: FakeDiscord, folder: Path, redis_url: str, shard: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATA_DIR": str(folder / "var"),  # one store and one image folder for both
        "QUEUE": redis_url,
        "LOCAL_WORKER": "false",
        "MODEL": "tiny:flux2",  # named in embeds; this process never loads a model
        "DISCORD_TOKEN": "fake-token",
        "DISCORD_API_BASE": fake.api_base,
        "DISCORD_GATEWAY": str(fake.gateway_url),
        "SHARD_COUNT": "2",
        "SHARD_IDS": str(shard),
        "ALLOW_DMS": "true",
        "WATCH_LEASE_SECONDS": str(LEASE),
        "RATE_LIMIT_JOBS": "100",
    }
    with open(folder / f"bot-{shard}.log", "wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], env=env, cwd=ROOT, stdout=log, stderr=log
        )


def _tiny_png(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), colour).save(buffer, format="PNG")
    return buffer.getvalue()


async def _complete(queue, count: int, claimed: list) -> list[str]:
    """A GPU worker's part, without the GPU: complete the ``claimed`` jobs, then claim and
    complete more, ``count`` in all."""
    pngs = [_tiny_png(colour) for colour in ("red", "green", "blue", "white")]
    grid = grid_jpeg([Image.open(io.BytesIO(png)) for png in pngs])
    done: list[str] = []
    while len(done) < count:
        claim = claimed.pop() if claimed else await queue.claim("sim-gpu", 60)
        if claim is None:
            await queue.wait_for_jobs(0.2)
            continue
        job = claim.job
        images = [GeneratedImage(png=pngs[i % 4], seed=s) for i, s in enumerate(job.image_seeds())]
        result = Result(
            job_id=job.id,
            model=job.model or "tiny:flux2",
            width=32,
            height=32,
            images=images,
            seconds=0.01,
            verdict=OutputVerdict(allowed=True),
            grid=grid,
        )
        assert await queue.complete(job.id, "sim-gpu", result)
        done.append(job.id)
    return done


async def test_a_bot_process_killed_mid_burst_loses_no_job_and_doubles_none(
    tmp_path: Path, redis_url: str
):
    fake = FakeDiscord(guild_id=GUILD_ON_SHARD_1, shard_count=2)
    await fake.start()
    bots = [start_bot(fake, tmp_path, redis_url, shard) for shard in (0, 1)]
    queue = await open_queue(redis_url)
    try:
        await wait_until(lambda: all(g.session_id for g in fake.gateways), timeout=60)
        await fake.wait_shards_ready(timeout=30)
        assert sorted(g.identify_payloads[0]["shard"][0] for g in fake.gateways) == [0, 1]

        # The burst: members in DMs (shard 0's process), then in the server (shard 1's).
        users = [7001 + i for i in range(PER_SHARD)]
        in_dms = [
            await fake.slash_command(
                "imagine",
                {"prompt": f"a lighthouse #{i}"},
                user_id=user,
                channel_id=int(fake.dm_channel(user)["id"]),
            )
            for i, user in enumerate(users)
        ]
        for inter in in_dms:  # queued first: the fair order then takes them first
            await inter.wait_original_edit(lambda c: "queued" in str(c.json), timeout=30)
        in_server = [
            await fake.slash_command("imagine", {"prompt": f"a red fox #{i}"}, user_id=user)
            for i, user in enumerate(users)
        ]
        asked = in_dms + in_server
        for inter in in_server:
            await inter.wait_original_edit(lambda c: "queued" in str(c.json), timeout=30)

        # The DM jobs (each member's first) come back and are delivered; two of the server's
        # are running on a GPU when shard 1's process dies.
        await _complete(queue, PER_SHARD, [])
        await wait_until(lambda: all(_grids(inter) for inter in in_dms), timeout=30)
        running = [await queue.claim("sim-gpu", 60) for _ in range(2)]
        bots[1].send_signal(signal.SIGKILL)
        assert bots[1].wait(10) == -signal.SIGKILL
        assert not any(_grids(inter) for inter in in_server)
        await _complete(queue, PER_SHARD, running)

        # The survivor takes the dead process's jobs over once its lease expires.
        await wait_until(lambda: all(_grids(inter) for inter in asked), timeout=30)
        survivor = (tmp_path / "bot-0.log").read_text()
        assert survivor.count("its process stopped") >= PER_SHARD

        store = await Store.open(tmp_path / "var" / "imagine.db")
        try:
            rows = await store.fetchall("SELECT id, status, delivered_at FROM jobs")
            assert len(rows) == len(asked)
            assert all(status == "done" and delivered for _, status, delivered in rows)
            for job_id, _, _ in rows:  # one credit spent on each, none given back
                (spent,) = await store.fetchone(
                    "SELECT SUM(delta) FROM ledger WHERE idem_key LIKE ?", (f"spend:{job_id}:%",)
                )
                assert spent == -1, job_id
            assert await store.fetchall("SELECT idem_key FROM ledger WHERE kind = 'refund'") == []
        finally:
            await store.close()
        # Every delivery was marked (after its post): a second post would be here by now.
        assert [len(_grids(inter)) for inter in asked] == [1] * len(asked), "posted once each"
    finally:
        await queue.close()
        for bot in bots:
            if bot.poll() is None:
                bot.terminate()
        for bot in bots:
            try:
                bot.wait(20)
            except subprocess.TimeoutExpired:
                bot.kill()
        await fake.stop()


def _grids(inter) -> list:
    return [call for call in inter.followups() if is_result(call)]
