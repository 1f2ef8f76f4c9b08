"""``run`` and ``api``: start the runtime with the adapters asked for and serve until
SIGINT/SIGTERM. Without a Discord token ``run`` serves the Images API only and prints the
local operator's key (in full when it is made, on the first run) and a curl line."""

from __future__ import annotations

import asyncio
import gc
import logging
import shlex
import signal
import sys
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from app.api.server import HttpAdapter
from app.runtime import Adapter, Runtime
from app.web import routes as web_pages
from studio.api_keys import LOCAL_KEY_NAME, ApiKeys
from studio.requester import CONSOLE
from studio.settings import Settings

if TYPE_CHECKING:
    from app.discord.client import DiscordAdapter

log = logging.getLogger(__name__)
T = TypeVar("T")


def curl_example(url: str, key: str, size: str) -> str:
    """One line that makes an image through the API and saves it as image.png."""
    body = f'{{"prompt": "a purple mammoth riding a motorcycle", "size": "{size}"}}'
    header = f"Authorization: Bearer {key}"
    header = f'"{header}"' if key.startswith("$") else shlex.quote(header)  # $VAR expands
    return (
        f"curl -s {url}/v1/images/generations -H {header}"
        f" -H 'Content-Type: application/json' -d {shlex.quote(body)}"
    )


def serve(settings: Settings, *, discord: bool, api: bool, local_key: bool = False,
          note: str = "") -> int:  # fmt: skip
    """Serve until a signal; 2 with one sentence when an adapter cannot run as configured."""
    try:
        return run_loop(_serve(settings, discord=discord, api=api, local_key=local_key,
                               note=note))  # fmt: skip
    except KeyboardInterrupt:
        return 130


def run_loop(main: Coroutine[Any, Any, T]) -> T:
    """Run the serving processes' event loop: uvloop's where it is installed (Linux, macOS).

    Most of the bot's own CPU per delivered image is event-loop and socket work (Discord's
    REST calls, the gateway, Redis, aiosqlite's hand-overs): libuv's loop does it in C
    (``bench/scale_sim.py``, bench/RESULTS.md). Elsewhere asyncio's loop serves the same."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def settle_heap() -> None:
    """Leave what start-up built (modules, the prompt policy's indexes and classifier, about
    120,000 objects) out of the garbage collector's later passes: each full pass walked all
    of it, ~40 ms, for objects that live as long as the process (``gc.freeze``)."""
    gc.collect()
    gc.freeze()


def http_adapter(settings: Settings, bot: DiscordAdapter | None, **options) -> HttpAdapter:
    """The one HTTP server: the Images API and the web pages (editor, gallery). With the
    bot in this process, keys act with members' current roles and the Edit button links to
    this server (API_PUBLIC_URL, else where it listens)."""
    http = HttpAdapter(
        settings,
        member_roles=bot.key_roles if bot else None,
        install=[web_pages.install],
        **options,
    )
    if bot is not None:
        bot.web_url = lambda: settings.api_public_url or http.url
    return http


async def _serve(settings: Settings, *, discord: bool, api: bool, local_key: bool,
                 note: str) -> int:  # fmt: skip
    adapters: list[Adapter] = []
    roles = None
    failures: tuple[type[BaseException], ...] = ()
    if discord:  # discord.py only where the bot runs: an API-only process never loads it
        from app.discord.client import AdapterFailed, DiscordAdapter

        bot = DiscordAdapter(settings)
        bot.setup_logging()
        adapters.append(bot)
        roles, failures = bot, (AdapterFailed,)
    else:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    http = None
    if api:
        http = http_adapter(settings, roles)
        adapters.append(http)
    runtime = await Runtime.start(settings, member_roles=roles.member_roles if roles else None)
    settle_heap()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    serving = asyncio.create_task(runtime.serve(adapters, stop))
    try:
        if http is not None:
            await _announce(runtime, http, serving, local_key=local_key, note=note)
        await serving
    except OSError as error:
        print(
            f"error: cannot serve the API on {settings.api_host}:{settings.api_port} "
            f"({error.strerror}); set API_PORT to a free port.",
            file=sys.stderr,
        )
        return 2
    except failures as error:
        log.error("%s", error)
        return 2
    return 0


async def _announce(
    runtime: Runtime, http: HttpAdapter, serving: asyncio.Task, *, local_key: bool, note: str
) -> None:
    """Once the API listens: where, and (``local_key``) the local operator's key (made on
    the first run, kept after) with a curl line that uses it."""
    while http.url is None:
        if serving.done():
            return  # it failed to start: `await serving` raises why
        await asyncio.sleep(0.05)
    url = http.url
    lines = [
        f"Images API: {url}/v1 (OpenAI-compatible; OpenAPI description at {url}/openapi.json)",
        f"Web pages: the editor (Edit under an image on Discord) and {url}/gallery/SERVER_ID",
    ]
    if local_key:
        lines += await operator_key_lines(ApiKeys.of(runtime.studio), url, runtime.settings)
    if note:
        lines += ["", note]
    print("\n".join(lines), flush=True)


async def operator_key_lines(keys: ApiKeys, url: str, settings: Settings) -> list[str]:
    """The operator's key, made on the first run and kept: only its digest is stored, so
    it is printed in full once; later runs name it (``api-key create`` makes a new one)."""
    width, height = settings.sizes["square"]
    size = f"{width}x{height}"
    kept = [k for k in await keys.list(CONSOLE.id) if k.active and k.name == LOCAL_KEY_NAME]
    if kept:
        return [
            f"API key for the local operator account: {kept[0].id} (made on an earlier run and "
            "shown in full then; `python -m bot api-key create` replaces it with a new one)",
            "Make an image (the JSON answer has its URL), with the key in IMAGINE_API_KEY:",
            f"    {curl_example(url, '$IMAGINE_API_KEY', size)}",
        ]
    key = await keys.create(CONSOLE, LOCAL_KEY_NAME)
    return [
        f"API key for the local operator account: {key.secret}",
        "(shown once: keep it; later runs keep using it)",
        "Make an image (the JSON answer has its URL):",
        f"    {curl_example(url, key.secret, size)}",
    ]
