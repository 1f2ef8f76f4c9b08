"""How many images per second one bot process serves: the real bot side, simulated GPUs.

    .venv/bin/python bench/scale_sim.py [--workers 16] [--job-seconds 0.25] [--burst 120]
                                        [--seconds 20] [--steps 4] [--bot-side] [--bots 2]
                                        [--database postgresql] [--profile FILE]
                                        [--through-queue] [--compare-bots [--rounds 3]] [--own-core]
                                        [--steady]

Three processes and a throwaway ``redis-server`` on loopback:

- the bot, ``python -m bot run`` as deployed (``QUEUE=redis://…``, ``LOCAL_WORKER=false``),
  connected to the local fake Discord: each request is a real ``/imagine`` interaction
  (use-case → ledger → Redis → watcher → files and rows → the grid posted as a followup);
- N simulated workers in one process, through the real :class:`RedisQueue`: each claims a
  job, waits ``--job-seconds`` (its GPU), and completes it with four pre-made 512² PNGs, their
  grid and the verdict, as a worker's post-processing makes them (``--steps N``: reporting
  each of N steps' progress on the way, as a worker does). The one place a null
  engine is right: the GPU is not what is measured. They see the bot's ``DATA_DIR`` (as
  workers with the same ``STORAGE`` do) and write the PNGs there through the real
  :class:`inference.storing.ResultStorage`, so results carry paths (and the grid);
  ``--through-queue``: the PNGs travel in the results (workers that do not see it);
- this script: the fake Discord, and the load.

Phases: a burst of ``--burst`` requests with workers faster than the bot (the rate the bot
delivers at is its ceiling), then ``--seconds`` of steady requests at 50% and at 90% of
that ceiling. For each: jobs/s and images/s delivered, the bot processes' CPU seconds per
image (from /proc), and the p50/p99 of submit → grid delivered.

The fake Discord has two shards (its server on shard 1, direct messages on shard 0, by
Discord's formula) and the load alternates between the server and DMs. ``--bots 1``: one
bot process holds both shards; ``--bots 2``: two processes (``SHARD_COUNT=2``,
``SHARD_IDS=0`` and ``1``) share the Redis queue and the store, each taking its shard's
half; ``--compare-bots`` measures one bot, then two (each on a fresh store and Redis),
and prints the ratio of their ceilings (``--rounds N``: one, two, N times over, the
ratio of the medians and each round's). ``--database postgresql`` puts the store on a
throwaway PostgreSQL server (Debian's binaries, as the tests use) instead of one SQLite
file. ``--profile FILE`` runs each bot under cProfile (``FILE.0``, ``FILE.1``…).
``--own-core``: the bot on a core of its own and everything else (this script, the
simulated workers, Redis) on the others, as a deployed bot does not share its core with
the load that measures it.
``--steady``: the ceiling is instead the highest steady rate served in full (a ladder of
rates, each for ``--seconds``, up to the first that loses a request or falls behind): a
burst larger than a bot can acknowledge in Discord's 3 s measures failures, not a rate.
``--bot-side`` completes
jobs without verdict and grid, so the bot checks every image and lays out the grid itself
(the path before both moved into the workers), for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import io
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOT = Path(__file__).resolve().parents[1]
IMAGES = 4  # per /imagine (IMAGES_PER_PROMPT)
SHARDS = 2
GUILD_ON_SHARD_1 = (1 << 22) + 2000  # (guild_id >> 22) % SHARDS == 1
KEEPS_UP = 1.0  # seconds, median submit → grid, of a steady step that keeps up (4 jobs long)
STEP = 1.1  # the steady ladder's ratio from one rate to the next (its resolution)
IDLE_SECONDS = 5.0  # how long the bots' idle CPU is measured, after the warm-up
BOT_MODEL = "tiny"  # the model the bot asks for and the simulated workers announce
SIZE = int(os.environ.get("SCALE_SIM_SIZE", "512"))  # the images' side (512: the measured runs)
SHORT_PROMPTS = ["a purple mammoth riding a motorcycle", "a lighthouse in a storm", "a red fox"]
REAL_PROMPTS = ROOT / "data/policy/classifier/sources/diffusiondb.csv"  # users' own, 146 chars


@functools.cache
def real_prompts() -> list[str]:
    """DiffusionDB's prompts (real users', as typed; the bot's policy check costs with a
    prompt's length) that the shipped policy allows: a refused request posts no grid."""
    import csv

    from studio.moderation.prompts import PromptPolicy
    from studio.settings import Settings

    policy = PromptPolicy.default()
    longest = Settings.model_fields["max_prompt_length"].default
    with REAL_PROMPTS.open(encoding="utf-8") as file:
        rows = [row["prompt"].strip() for row in csv.DictReader(file)]
    return [p for p in rows if 0 < len(p) <= longest and policy.check(p).allowed]


# -- the simulated workers (their own process) ------------------------------------------


def premade_pngs() -> list[bytes]:
    """Four photo-like 512² PNGs (scikit-image's photos), encoded as a worker does."""
    import skimage.data
    from PIL import Image

    pngs = []
    for name in ("coffee", "chelsea", "rocket", "astronaut"):
        image = Image.fromarray(getattr(skimage.data, name)()).convert("RGB")
        buffer = io.BytesIO()
        image.resize((SIZE, SIZE)).save(buffer, format="PNG", compress_level=1)
        pngs.append(buffer.getvalue())
    return pngs


async def simulated_workers(
    url: str,
    count: int,
    job_seconds: float,
    bot_side: bool,
    storage_dir: str | None,
    steps: int = 0,
) -> None:
    import redis
    from PIL import Image

    from data.grids import grid_jpeg
    from data.images import ImageFiles
    from data.jobs import GeneratedImage, OutputVerdict, Result
    from data.queue import open_queue
    from inference.storing import ResultStorage

    pngs = premade_pngs()
    grid = grid_jpeg([Image.open(io.BytesIO(png)) for png in pngs])
    storage: list[ResultStorage] = []  # opened at the first job: the bot has named it then

    async def work(index: int) -> None:
        queue = await open_queue(url)
        name = f"sim-{index}"
        # as a worker does (inference/worker.py): the bot then knows the model is served
        # and looks again once a second, not at every request
        await queue.announce(name, BOT_MODEL, 3600)
        try:
            while True:
                try:
                    claims = await queue.claim_batch(name, 60, IMAGES)
                except redis.RedisError as error:  # a busy server: say so, go on
                    print(f"{name}: claim failed ({error}); retrying", file=sys.stderr)
                    continue
                if not claims:
                    await queue.wait_for_jobs(0.25)
                    continue
                await gpu(queue, name, claims, job_seconds, steps)
                if storage_dir and not storage:
                    storage.append(await ResultStorage.open(ImageFiles(Path(storage_dir))))
                for claim in claims:
                    job = claim.job
                    images = [
                        GeneratedImage(png=pngs[i % len(pngs)], seed=seed)
                        for i, seed in enumerate(job.image_seeds())
                    ]
                    result = Result(
                        job_id=job.id,
                        model="sim",
                        width=SIZE,
                        height=SIZE,
                        images=images,
                        seconds=job_seconds,
                        verdict=None if bot_side else OutputVerdict(allowed=True),
                        grid=None if bot_side else grid,
                    )
                    if storage:  # written where the bot reads them, as a worker does
                        result = await storage[0].put(job, result)
                    await queue.complete(job.id, name, result)
        finally:
            await queue.close()

    await asyncio.gather(*(work(i) for i in range(count)))


async def gpu(queue, name: str, claims: list, seconds: float, steps: int) -> None:
    """The GPU's time; with ``steps``, each step's progress reported as a worker does
    (``inference.worker``: a heartbeat per job when its step changed, no preview)."""
    if not steps:
        await asyncio.sleep(seconds)
        return
    for step in range(1, steps + 1):
        await asyncio.sleep(seconds / steps)
        if step < steps:  # the last step's report is the result itself
            for claim in claims:
                await queue.heartbeat(claim.job.id, name, step, steps, 60, None)


# -- the bot process and the load ---------------------------------------------------------


def thread_cpu_seconds(pid: int) -> dict[int, float]:
    """Each thread's user + system CPU time (the event loop's is ``pid``'s own)."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended
            continue
        found[int(task.name)] = sum(int(v) for v in fields[11:13]) / os.sysconf("SC_CLK_TCK")
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (and its reaped children), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def make_fake():
    from tests.fakediscord import FakeDiscord

    class DeliveryClock(FakeDiscord):
        """The fake Discord, noting when each interaction's grid arrived and keeping no
        request bodies (thousands of grids would fill the memory)."""

        def __init__(self) -> None:
            super().__init__(guild_id=GUILD_ON_SHARD_1, shard_count=SHARDS)
            self.delivered: dict[str, float] = {}

        def record(self, call) -> None:
            webhook = call.method == "POST" and call.path.startswith("/webhooks/")
            if webhook and call.ok and call.files and call.files[0].filename == "grid.jpg":
                self.delivered.setdefault(call.path.rsplit("/", 1)[1], call.time)
            call.files = []
            call.index = len(self.calls)
            self.changed.notify()

    return DeliveryClock()


def start_bot(
    fake,
    data_dir: Path,
    url: str,
    database: str | None,
    shards: str,
    profile: str | None,
    core: int | None = None,
) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "QUEUE": url,
        "SHARD_COUNT": str(SHARDS),
        "SHARD_IDS": shards,
        "ALLOW_DMS": "true",
        "LOCAL_WORKER": "false",
        "MODEL": BOT_MODEL,  # the bot never loads it; it names the model in embeds
        "IMAGE_SIZE": str(SIZE),
        "DISCORD_TOKEN": "fake-token",
        "DISCORD_API_BASE": fake.api_base,
        "DISCORD_GATEWAY": str(fake.gateway_url),
        "WELCOME_CREDITS": "1000000",
        "MAX_JOBS_PER_USER": "100",
        "RATE_LIMIT_JOBS": "100000",
    }
    if database:
        env["DATABASE"] = database
    name = shards.replace(",", "-")
    log = open(data_dir / f"bot-{name}.log", "wb")  # noqa: SIM115 (lives with the process)
    profiler = ["-m", "cProfile", "-o", profile] if profile else []
    return subprocess.Popen(
        [sys.executable, *profiler, "-m", "bot", "run"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=log,
        preexec_fn=None if core is None else lambda: os.sched_setaffinity(0, {core}),
    )


class Load:
    def __init__(self, fake, bots: list[subprocess.Popen], prompts: list[str] | None) -> None:
        self.fake = fake
        self.bots = bots
        self.prompts = prompts  # None: the three short ones, numbered
        self.sent = 0

    def cpu(self) -> float:
        return sum(cpu_seconds(bot.pid) for bot in self.bots)

    def loop_cpu(self) -> float:
        """The CPU of the bots' event-loop threads (the rest: the store's thread, to_thread)."""
        return sum(thread_cpu_seconds(bot.pid).get(bot.pid, 0.0) for bot in self.bots)

    async def send(self) -> tuple[str, float]:
        """Every other request from a DM (shard 0), the others in the server (shard 1)."""
        user = 10_000 + self.sent % 500
        if self.prompts:
            prompt = self.prompts[self.sent % len(self.prompts)]
        else:
            prompt = f"{SHORT_PROMPTS[self.sent % len(SHORT_PROMPTS)]} #{self.sent}"
        channel = int(self.fake.dm_channel(user)["id"]) if self.sent % 2 else None
        self.sent += 1
        inter = await self.fake.slash_command(
            "imagine", {"prompt": prompt}, user_id=user, channel_id=channel
        )
        return inter.token, inter.dispatched_at

    def unanswered(self, token: str) -> bool:
        """Not acknowledged within Discord's 3 s (and a second's grace): the member saw
        "The application did not respond", and no job was made."""
        inter = self.fake.interactions[token]
        limit = self.fake.callback_deadline
        late = limit is not None and time.monotonic() - inter.dispatched_at > limit + 1
        return inter.response_type is None and late

    async def idle(self, seconds: float) -> float:
        """The bots' CPU milliseconds per second with nothing asked of them (heartbeats,
        the watcher's and the leases' polling): the part of a phase's cost per image that
        shrinks as the rate grows."""
        before = self.cpu()
        await asyncio.sleep(seconds)
        return 1000 * (self.cpu() - before) / seconds

    async def phase(self, rate: float | None, count: int, timeout: float) -> dict:
        """Send ``count`` requests (at ``rate`` a second; None: all at once), wait for
        their grids; what was delivered, how fast, at what CPU and latency."""
        cpu_before, loop_before = self.cpu(), self.loop_cpu()
        started = time.monotonic()
        sent: list[tuple[str, float]] = []
        for index in range(count):
            if rate:
                await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
            sent.append(await self.send())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(token in self.fake.delivered or self.unanswered(token) for token, _ in sent):
                break
            await asyncio.sleep(0.05)
        cpu, loop_cpu = self.cpu() - cpu_before, self.loop_cpu() - loop_before
        done = [(self.fake.delivered[t], t0) for t, t0 in sent if t in self.fake.delivered]
        expired = sum(1 for token, _ in sent if self.unanswered(token))
        latencies = sorted(end - begin for end, begin in done)
        ends = sorted(end for end, _ in done)
        # The sustained rate: deliveries after the first tenth, over the time they took.
        skip = len(ends) // 10
        steady = (len(ends) - 1 - skip) / (ends[-1] - ends[skip]) if len(ends) > skip + 1 else 0
        return {
            "sent": count,
            "delivered": len(done),
            "expired": expired,
            "jobs_per_s": steady,
            # all of it, first request to last grid: the fair rate to compare processes by
            # (a bot may take every request of a burst first, then post every grid)
            "overall_per_s": len(done) / (ends[-1] - started) if ends else 0.0,
            "cpu_per_image_ms": 1000 * cpu / max(1, len(done) * IMAGES),
            "loop_per_image_ms": 1000 * loop_cpu / max(1, len(done) * IMAGES),
            "p50": percentile(latencies, 50),
            "p99": percentile(latencies, 99),
        }


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def wait_for_bots(fake, bots: list[subprocess.Popen], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not all(gateway.identify_payloads for gateway in fake.gateways):
        if any(bot.poll() is not None for bot in bots) or time.monotonic() > deadline:
            raise RuntimeError("a bot did not connect to the fake Discord (see its log)")
        await asyncio.sleep(0.1)
    await fake.wait_shards_ready(timeout=60)


class CpuQuota:
    """One process held to ``fraction`` of one core (a cgroup's CPU quota, v1 or v2; root
    only): on a machine with few cores, a bot so held is the bottleneck, not the fake
    Discord, the simulated workers, Redis or PostgreSQL beside it."""

    V1 = Path("/sys/fs/cgroup/cpu")
    V2 = Path("/sys/fs/cgroup")

    def __init__(self, pid: int, fraction: float) -> None:
        # 10 ms periods: a bot that spends its share is frozen until the next one, holding
        # whatever it holds (PostgreSQL's write lock mid-transaction, the other bot then
        # waits); with 100 ms periods that froze it up to 75 ms at 0.25 of a core, an
        # artefact no slower core has
        period = 10_000
        quota = max(1000, int(fraction * period))
        if (self.V1 / "cpu.cfs_quota_us").exists():
            self.group = self.V1 / f"imagine-scale-sim-{pid}"
            self.group.mkdir()
            (self.group / "cpu.cfs_period_us").write_text(str(period))
            (self.group / "cpu.cfs_quota_us").write_text(str(quota))
        else:
            self.group = self.V2 / f"imagine-scale-sim-{pid}"
            self.group.mkdir()
            (self.group / "cpu.max").write_text(f"{quota} {period}")
        (self.group / "cgroup.procs").write_text(str(pid))

    def remove(self) -> None:
        with contextlib.suppress(OSError):  # the process has ended: the group is empty
            self.group.rmdir()


async def run(args: argparse.Namespace, folder: Path) -> float:
    """One measurement: the phases above; returns the ceiling in images/s."""
    from tests.redis_server import RedisServer

    server = RedisServer(folder / "redis")
    postgres = database = None
    if args.database == "postgresql":
        from tests.postgres_server import PostgresServer

        postgres = PostgresServer()
        database = postgres.new_database()
    fake = make_fake()
    await fake.start()
    split = ["0", "1"] if args.bots == 2 else ["0,1"]
    bots = [
        start_bot(
            fake,
            folder,
            server.url,
            database,
            shards,
            f"{args.profile}.{index}" if args.profile else None,
            args.bot_core,
        )
        for index, shards in enumerate(split)
    ]
    quotas = [CpuQuota(bot.pid, args.bot_cpu) for bot in bots] if args.bot_cpu else []
    workers = subprocess.Popen(
        [sys.executable, __file__, "--simulate", server.url, "--workers", str(args.workers)]
        + ["--job-seconds", str(args.job_seconds), "--steps", str(args.steps)]
        + (["--bot-side"] if args.bot_side else [])
        + ([] if args.through_queue else ["--storage", str(folder)]),
        cwd=ROOT,
    )
    try:
        await wait_for_bots(fake, bots)
        prompts = None if args.short_prompts else real_prompts()
        load = Load(fake, bots, prompts)
        capacity = args.workers / args.job_seconds
        print(
            f"{args.workers} simulated workers, {args.job_seconds}s a job of {IMAGES} {SIZE}² "
            f"images{f' in {args.steps} reported steps' if args.steps else ''}: "
            f"capacity {capacity:.1f} jobs/s; "
            f"{'the bot checks images, makes grids' if args.bot_side else 'workers did both'}; "
            f"{args.bots} bot process(es), store on {args.database}; images "
            f"{'through the queue' if args.through_queue else 'written by the workers'}; "
            + (
                "three short prompts"
                if prompts is None
                else f"{len(prompts)} real prompts, {statistics.mean(map(len, prompts)):.0f} "
                "characters on average"
            )
        )
        await load.phase(None, 6, 60)  # warm-up: imports, first connections
        print(f"idle: {await load.idle(IDLE_SECONDS):.1f} ms of bot CPU per second")
        if args.steady:
            return await steady_ceiling(load, args.seconds) * IMAGES
        burst = await load.phase(None, args.burst, 300)
        ceiling = burst["jobs_per_s"]
        report("ceiling (burst)", burst)
        for share in (0.5, 0.9):
            rate = share * ceiling
            count = max(5, int(rate * args.seconds))
            report(
                f"{int(share * 100)}% of ceiling ({rate:.1f} jobs/s)",
                await load.phase(rate, count, 120),
            )
        print(
            f"{args.bots} bot process(es) serve up to {ceiling * IMAGES:.1f} images/s "
            f"({ceiling:.2f} jobs/s of {IMAGES} images); the whole burst, first request to "
            f"last grid: {burst['overall_per_s'] * IMAGES:.1f} images/s"
        )
        return burst["overall_per_s"] * IMAGES
    finally:
        for process in (workers, *bots):
            if process is not workers and args.profile:
                process.send_signal(signal.SIGINT)  # cProfile writes its file on the way out
            else:
                process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        for quota in quotas:
            quota.remove()
        await fake.stop()
        server.stop()
        if postgres is not None:
            postgres.stop()


async def steady_ceiling(load: Load, seconds: float) -> float:
    """The highest steady rate (jobs/s) served in full: a rising ladder of rates, each for
    ``seconds``, until a step loses a request (not acknowledged within Discord's 3 s) or
    falls behind (its median submit → grid over :data:`KEEPS_UP` seconds, four job
    lengths and more). Unlike a burst, no request waits behind a queue that no Discord
    client would wait through."""
    rate, served = 4.0, 0.0
    while True:
        step = await load.phase(rate, max(5, int(rate * seconds)), 60)
        report(f"steady {rate:.1f} jobs/s", step)
        kept_up = step["delivered"] == step["sent"] and step["p50"] <= KEEPS_UP
        if not kept_up:
            break
        served = rate
        rate *= STEP
    print(
        f"{len(load.bots)} bot process(es) serve {served:.1f} jobs/s steadily "
        f"({served * IMAGES:.1f} images/s)"
    )
    return served


def report(name: str, phase: dict) -> None:
    print(
        f"{name}: {phase['delivered']}/{phase['sent']} delivered"
        + (f" ({phase['expired']} not acknowledged within 3 s)" if phase["expired"] else "")
        + ", "
        f"{phase['jobs_per_s']:.2f} jobs/s = {phase['jobs_per_s'] * IMAGES:.1f} images/s, "
        f"bot CPU {phase['cpu_per_image_ms']:.2f} ms/image "
        f"(event loop {phase['loop_per_image_ms']:.2f}), "
        f"submit→delivered p50 {phase['p50']:.3f} s p99 {phase['p99']:.3f} s"
    )


def own_core(args: argparse.Namespace) -> int:
    """Give the bot the first core this script may use and move this script (and so the
    fake Discord, the simulated workers, Redis and PostgreSQL it starts) to the others:
    as deployed, the bot does not share its core with the load that measures it."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2 or args.bots != 1 or args.compare_bots:
        sys.exit("--own-core needs two cores or more and one bot process")
    os.sched_setaffinity(0, set(cores[1:]))
    return cores[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--job-seconds", type=float, default=0.25)
    parser.add_argument("--burst", type=int, default=120)
    parser.add_argument(
        "--steps", type=int, default=0, help="workers report each step's progress (0: none)"
    )
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--bot-side", action="store_true", help="checks and grids in the bot")
    parser.add_argument("--profile", metavar="FILE", help="run the bots under cProfile")
    parser.add_argument("--bots", type=int, choices=(1, 2), default=1, help="bot processes")
    parser.add_argument(
        "--compare-bots", action="store_true", help="one bot, then two: the ceilings' ratio"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="with --compare-bots: one bot, two bots, this many times (the medians' ratio)",
    )
    parser.add_argument(
        "--bot-cpu", type=float, metavar="CORES", help="hold each bot to this share of a core"
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--through-queue", action="store_true", help="PNGs in the results (workers elsewhere)"
    )
    parser.add_argument(
        "--own-core",
        action="store_true",
        help="one bot on a core of its own, everything else on the others",
    )
    parser.add_argument(
        "--steady",
        action="store_true",
        help="the ceiling as the highest steady rate served in full, not a burst's rate",
    )
    parser.add_argument(
        "--short-prompts",
        action="store_true",
        help="three short prompts, numbered (the measurements before 2026-12-07, fifth)",
    )
    parser.add_argument("--simulate", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--storage", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.simulate:
        asyncio.run(
            simulated_workers(
                args.simulate,
                args.workers,
                args.job_seconds,
                args.bot_side,
                args.storage,
                args.steps,
            )
        )
        return
    args.bot_core = own_core(args) if args.own_core else None
    if not args.compare_bots:
        with tempfile.TemporaryDirectory() as folder:
            asyncio.run(run(args, Path(folder)))
        return
    ceilings: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(args.rounds):  # alternating, so a slow minute is shared by both
        for bots in (1, 2):  # each on a fresh store, Redis and fake Discord
            with tempfile.TemporaryDirectory() as folder:
                ceilings[bots].append(
                    asyncio.run(
                        run(argparse.Namespace(**{**vars(args), "bots": bots}), Path(folder))
                    )
                )
    held = f", each held to {args.bot_cpu} of a core" if args.bot_cpu else ""
    measure = "steady rates served in full" if args.steady else "whole bursts"
    one, two = statistics.median(ceilings[1]), statistics.median(ceilings[2])
    rounds = ", ".join(f"{b / a:.2f}×" for a, b in zip(ceilings[1], ceilings[2], strict=True))
    print(
        f"two bot processes ÷ one, {measure}: {two / one:.2f}× "
        f"({two:.1f} against {one:.1f} images/s, medians of {args.rounds} round(s): {rounds}; "
        f"store on {args.database}{held})"
    )


if __name__ == "__main__":
    main()
