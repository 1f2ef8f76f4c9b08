"""The command line (`imagine`, or its alias `python -m bot`): run the bot or the API, sync
its commands, manage keys, or use the studio without Discord."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from app import operator
from app.runtime import Runtime, moderation_defaults
from app.serve import serve
from data import job_records, private
from data.images import ImageRecord
from data.jobs import JobState
from data.origins import TerminalOrigin
from data.queue import QueueUnavailable
from data.settings import load_settings
from data.store import Store, StoreUnavailable, redacted
from studio.api_keys import LOCAL_KEY_NAME, ApiKeys
from studio.errors import BadRequest, StudioError
from studio.requester import CONSOLE, Requester
from studio.settings import Settings
from studio.studio import EditOptions, ImagineOptions
from studio.watcher import JobHandle, JobOutcome

NO_TOKEN = """\
DISCORD_TOKEN is not set, so the bot does not log in to Discord: serving the Images API only.
To add the Discord bot, create an application at https://discord.com/developers/applications,
add a bot, copy its token into .env (see .env.example) and run `make run` again.
You can also make images from the terminal:
    .venv/bin/python -m bot imagine "a purple mammoth riding a motorcycle" --out out/"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="imagine", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the Discord bot (and a local worker)")
    commands.add_parser("queue", help="the queue at a glance: waiting, running, recent failures")
    commands.add_parser("api", help="serve the OpenAI-compatible Images API (and a local worker)")
    api_key = commands.add_parser(
        "api-key", help="make, list or revoke API keys (the operator's, or a member's: --user)"
    )
    key_commands = api_key.add_subparsers(dest="action", required=True)
    create = key_commands.add_parser(
        "create",
        help="a new key, printed alone on the last line; without --user or --name the "
        "operator's key that `make run` uses, replacing the previous one",
    )
    create.add_argument("--user", type=int, help="the member's Discord user id")
    create.add_argument("--name", help="a label to tell keys apart")
    create.add_argument("--guild", type=int, help="act on this server (its credits and rules)")
    listing = key_commands.add_parser("list", help="keys (ids, never secrets)")
    listing.add_argument("--user", type=int, default=CONSOLE.id)
    revoke = key_commands.add_parser("revoke", help="revoke a key at once")
    revoke.add_argument("--user", type=int, default=CONSOLE.id)
    revoke.add_argument("key", help="the key's id (from list) or the key itself")
    operator.add_commands(commands)
    sync = commands.add_parser("sync", help="publish the slash commands to Discord")
    sync.add_argument("--guild", type=int, help="only this server (instant); default global")

    imagine = commands.add_parser("imagine", help="make images from a prompt")
    imagine.add_argument("prompt")
    imagine.add_argument("--negative")
    imagine.add_argument("--size", help="square, portrait, landscape")
    imagine.add_argument("--ratio", help="any aspect ratio W:H from 1:4 to 4:1, e.g. 3:2")
    imagine.add_argument("--count", type=int)
    _common(imagine)

    vary = commands.add_parser("vary", help="variations of an image file")
    vary.add_argument("image", type=Path)
    vary.add_argument("--strength", type=float)
    vary.add_argument("--prompt")
    _common(vary)

    upscale = commands.add_parser("upscale", help="twice the width and height of an image file")
    upscale.add_argument("image", type=Path)
    upscale.add_argument(
        "--creative", action="store_true", help="let the model add more detail (higher strength)"
    )
    _common(upscale)

    edit = commands.add_parser("edit", help="inpaint or outpaint an image file")
    edit.add_argument("image", type=Path)
    edit.add_argument("prompt")
    edit.add_argument("--mask", type=Path, help="black/white mask or a PNG with transparent areas")
    edit.add_argument("--region")
    edit.add_argument("--extend")
    edit.add_argument("--pixels", type=int)
    edit.add_argument("--zoom", type=float)
    _common(edit)

    check_prompt = commands.add_parser(
        "check-prompt", help="what the content policy says about a prompt (JSON)"
    )
    check_prompt.add_argument("text")
    check_prompt.add_argument("--guild", type=int, help="with this server's own terms")
    check_image = commands.add_parser(
        "check-image", help="what the image checks say about a file (JSON)"
    )
    check_image.add_argument("path", type=Path)
    which = check_image.add_mutually_exclusive_group()
    which.add_argument("--upload", action="store_true", help="as an upload (default)")
    which.add_argument("--output", action="store_true", help="as a generated result")
    check_image.add_argument("--guild", type=int, help="with this server's image rules")
    export = commands.add_parser(
        "export", help="save a stored image's full PNG (one Discord could not carry)"
    )
    export.add_argument("image", help="the image's 12-character id")
    export.add_argument("--out", type=Path, help="file to write (default: imagine-<id>.png)")
    provenance = commands.add_parser(
        "provenance", help="what a file carries: Content Credentials, watermark, text (JSON)"
    )
    provenance.add_argument("path", type=Path)
    return parser


def _common(command: argparse.ArgumentParser) -> None:
    command.add_argument("--out", type=Path, required=True, help="folder for 1.png … n.png")
    command.add_argument("--seed", type=int, help="reproducible: the same seed, the same images")
    command.add_argument(
        "--codes",
        action="store_true",
        help="print a refusal as `error [CODE]: text`, with the code the Images API returns",
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.umask(private.UMASK)  # whatever else we write is private too (see data/private.py)
    settings = load_settings(Settings)
    try:
        return _dispatch(settings, args)
    except (QueueUnavailable, StoreUnavailable) as error:  # one sentence, no traceback
        print(error, file=sys.stderr)
        return 1


def _dispatch(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "run":
        if not settings.discord_token:
            return serve(settings, discord=False, api=True, local_key=True, note=NO_TOKEN)
        return serve(settings, discord=True, api=settings.api_enabled)
    if args.command == "api":
        return serve(settings, discord=False, api=True)
    if args.command == "api-key":
        return asyncio.run(_api_key(settings, args))
    if args.command in operator.COMMANDS:
        return asyncio.run(operator.run(settings, args))
    if args.command == "sync":
        return asyncio.run(_sync(settings, args.guild))
    if args.command in ("check-prompt", "check-image"):
        return asyncio.run(_check(settings, args))
    if args.command == "queue":
        return asyncio.run(_queue_overview(settings))
    if args.command == "provenance":
        return _provenance(settings, args.path)
    if args.command == "export":
        return asyncio.run(_export(settings, args.image, args.out))
    try:
        return asyncio.run(_studio_command(settings, args))
    except KeyboardInterrupt:
        return 130


async def _sync(settings: Settings, guild_id: int | None) -> int:
    """Publish the slash commands (the cogs need a studio to load; no worker is started)."""
    if not settings.discord_token:
        print("DISCORD_TOKEN is not set: sync needs the bot's token.")
        return 2
    from app.discord.client import sync_commands

    runtime = await Runtime.start(settings.model_copy(update={"local_worker": False}))
    try:
        return await sync_commands(runtime.settings, runtime.studio, guild_id)
    finally:
        await runtime.stop()


async def _api_key(settings: Settings, args: argparse.Namespace) -> int:
    """Keys for operators; ``create`` prints the key alone on the last line of stdout."""
    store = await Store.open(settings.database_location)
    keys = ApiKeys(store)
    try:
        if args.action == "create" and args.user is None and args.name is None:
            made = await keys.replace_named(CONSOLE, LOCAL_KEY_NAME)
            print(f"key {made.row.id} for the operator (replaces any earlier one); shown once:")
            print(made.secret)
        elif args.action == "create":
            user = CONSOLE.id if args.user is None else args.user
            made = await keys.create(Requester(user, guild_id=args.guild), args.name)
            where = f"server {made.row.guild_id}" if made.row.guild_id else "no server"
            print(f"key {made.row.id} for user {user} ({where}); shown once:")
            print(made.secret)
        elif args.action == "list":
            for row in await keys.list(args.user):
                state = "revoked" if row.revoked_at else "active"
                print(f"{row.id}  {state:7}  {row.name or '-'}  server {row.guild_id or '-'}")
        else:
            row = await keys.revoke(args.user, args.key)
            print(f"revoked key {row.id}")
    except StudioError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        await store.close()
    return 0


async def _queue_overview(settings: Settings, failures: int = 5) -> int:
    """Print what the workers are doing, for an operator (any backend, any machine)."""
    runtime = await Runtime.start(settings.model_copy(update={"local_worker": False}))
    try:
        overview = await runtime.queue.overview()
        async with runtime.store.read() as db:
            failed = await job_records.recent_failures(db, failures)
    finally:
        await runtime.stop()
    running = len(overview.running)
    print(f"{redacted(settings.queue_url)}: {overview.waiting} waiting, {running} running")
    for job in overview.running:
        progress = f"step {job.step}/{job.total_steps}" if job.total_steps else "starting"
        print(
            f"  job {job.job_id} on {job.worker}: {progress}, attempt {job.attempt},"
            f" last heard {job.silent_seconds:.1f} s ago"
        )
    if overview.dead_letters is not None:
        print(f"dead letters: {overview.dead_letters} (XREVRANGE <prefix>:dead + - COUNT 10)")
    print("recent failures:" if failed else "no failed jobs")
    for record in failed:
        when = datetime.fromtimestamp(record.finished_at or record.created_at, UTC)
        print(
            f"  {when:%Y-%m-%d %H:%M} UTC  job {record.id}  user {record.user_id}  {record.error}"
        )
    return 0


async def _export(settings: Settings, image_id: str, out: Path | None) -> int:
    """Copy one image's PNG out of the studio (for an operator: no owner check)."""
    from data import images
    from data.images import ImageFiles

    store = await Store.open(settings.database_location)
    try:
        async with store.read() as db:
            record = await images.get(db, image_id.strip())
    finally:
        await store.close()
    if record is None:
        print(f"error: no image {image_id!r} in this studio", file=sys.stderr)
        return 1
    target = out or Path(f"imagine-{record.id}.png")
    shutil.copyfile(ImageFiles(settings.data_dir).absolute(record), target)
    print(target)
    return 0


def _provenance(settings: Settings, path: Path) -> int:
    """Print one JSON object about the file; exit 1 with one sentence if it is no image."""
    from studio.provenance import CannotInspect, inspect, own_certificate

    try:
        own = own_certificate(settings.data_dir)
        report = inspect(_read(path), known_models=(settings.model,), own=own)
    except (StudioError, CannotInspect) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(json.dumps({"file": str(path), **report}, ensure_ascii=False, indent=2))
    return 0


async def _check(settings: Settings, args: argparse.Namespace) -> int:
    """Print one JSON object; exit 0 when allowed, 1 when blocked. Records nothing."""
    from studio.moderation import Moderator
    from studio.uploads import open_upload

    store = await Store.open(settings.database_location)
    try:
        moderator = Moderator(store, moderation_defaults(settings))
        if args.command == "check-prompt":
            result = (await moderator.evaluate_prompt(args.guild, args.text)).as_dict()
        else:
            try:
                image = open_upload(
                    _read(args.path),
                    max_bytes=settings.max_upload_bytes,
                    max_pixels=settings.max_upload_pixels,
                )
            except StudioError as error:
                result = {"allowed": False, "reason": str(error)}
            else:
                verdict = await moderator.evaluate_image(args.guild, image, output=args.output)
                result = verdict.as_dict()
    finally:
        await store.close()
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["allowed"] else 1


async def _studio_command(settings: Settings, args: argparse.Namespace) -> int:
    runtime = await Runtime.start(settings)
    await runtime.open(refills=False)  # follows this command's job; no schedule
    try:
        handle = await _submit(runtime, args)
        outcome = await _follow(runtime, handle)
    except StudioError as error:
        head = f"error [{error.code}]" if args.codes else "error"
        print(f"{head}: {error}", file=sys.stderr)
        return 1
    except _WorkerStopped as stopped:
        print(f"error: {stopped}", file=sys.stderr)
        return 1
    finally:
        await runtime.stop()
    if not outcome.ok:
        print(f"error: the job failed ({outcome.error}); its credit was refunded", file=sys.stderr)
        return 1
    if warning := other_model_warning(settings.model, outcome.images):
        print(warning, file=sys.stderr)
    private.make_dir(args.out)  # 0700: people's images, whatever the umask
    for image in outcome.images:
        target = args.out / f"{image.position}.png"
        target.write_bytes(await asyncio.to_thread(runtime.studio.files.read, image))
        print(target)
    return 0


def other_model_warning(model: str, images: list[ImageRecord]) -> str | None:
    """A warning when the worker that answered serves another model than MODEL (a job from
    before jobs named their model can still be taken by any worker)."""
    others = sorted({image.model for image in images} - {model})
    if not others:
        return None
    return (
        f"warning: the worker that answered serves {', '.join(others)}, not MODEL={model}; "
        "the images say so in their metadata"
    )


async def _submit(runtime: Runtime, args: argparse.Namespace) -> JobHandle:
    studio = runtime.studio
    if args.command == "imagine":
        options = ImagineOptions(
            negative=args.negative,
            size=args.size,
            ratio=args.ratio,
            seed=args.seed,
            count=args.count,
        )
        return await studio.imagine(CONSOLE, args.prompt, options, origin=_here())
    source = _read(args.image)
    if args.command == "upscale":
        return await studio.upscale(CONSOLE, source, creative=args.creative, seed=args.seed)
    if args.command == "vary":
        return await studio.vary(
            CONSOLE,
            source,
            strength=args.strength,
            prompt=args.prompt,
            seed=args.seed,
            origin=_here(),
        )
    options = EditOptions(
        mask=_read(args.mask) if args.mask else None,
        region=args.region,
        extend=args.extend,
        extend_pixels=args.pixels,
        zoom=args.zoom,
    )
    return await studio.edit(CONSOLE, source, args.prompt, options, origin=_here(), seed=args.seed)


def _here() -> TerminalOrigin:
    """This terminal: the command follows its own job, nobody else delivers it."""
    return TerminalOrigin(created_at=time.time())


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise BadRequest(f"cannot read {path}: {error.strerror}") from None


class _WorkerStopped(RuntimeError):
    pass


async def _follow(runtime: Runtime, handle: JobHandle) -> JobOutcome:
    """Print progress to stderr until the outcome; stop if the local worker dies."""

    async def show_progress() -> None:
        async for update in handle.updates():
            if update.state is JobState.QUEUED:
                print(f"queued: {update.ahead} ahead", file=sys.stderr)
            elif update.total_steps:
                print(f"generating: step {update.step}/{update.total_steps}", file=sys.stderr)
            else:
                print("generating", file=sys.stderr)

    async def worker_exit() -> None:
        while runtime.worker is not None:
            if runtime.worker.exited is not None:
                raise _WorkerStopped(f"the worker stopped (exit code {runtime.worker.exited})")
            await asyncio.sleep(0.2)
        await asyncio.Event().wait()

    progress = asyncio.create_task(show_progress())
    watchdog = asyncio.create_task(worker_exit())
    outcome = asyncio.create_task(handle.outcome())
    try:
        done, _ = await asyncio.wait({outcome, watchdog}, return_when=asyncio.FIRST_COMPLETED)
        if watchdog in done:
            watchdog.result()
        return outcome.result()
    finally:
        for task in (progress, watchdog, outcome):
            task.cancel()
