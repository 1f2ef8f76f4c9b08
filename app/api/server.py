"""``python -m bot api``: the Images API on its own (no Discord token needed), with the
local worker as ``make run`` starts it; and the first ``make run`` without a token, which
serves the API and prints a ready-made key for the local operator account."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shlex
import signal
import sys

from app.api.app import start_api
from app.runtime import Runtime
from studio.api_keys import LOCAL_KEY_NAME, ApiKeys
from studio.requester import CONSOLE
from studio.settings import Settings

log = logging.getLogger(__name__)

LOCAL_OPERATOR = CONSOLE  # the terminal's account (python -m bot imagine)


def curl_example(url: str, key: str, size: str) -> str:
    """One line that makes an image through the API and saves it as image.png."""
    body = f'{{"prompt": "a purple mammoth riding a motorcycle", "size": "{size}"}}'
    header = f"Authorization: Bearer {key}"
    header = f'"{header}"' if key.startswith("$") else shlex.quote(header)  # $VAR expands
    return (
        f"curl -s {url}/v1/images/generations -H {header}"
        f" -H 'Content-Type: application/json' -d {shlex.quote(body)}"
    )


async def operator_key_lines(keys: ApiKeys, url: str, settings: Settings) -> list[str]:
    """The operator's key, made on the first run and kept: only its digest is stored, so
    it is printed in full once; later runs name it (``api-key create`` makes a new one)."""
    width, height = settings.sizes["square"]
    size = f"{width}x{height}"
    kept = [k for k in await keys.list(LOCAL_OPERATOR.id) if k.active and k.name == LOCAL_KEY_NAME]
    if kept:
        return [
            f"API key for the local operator account: {kept[0].id} (made on an earlier run and "
            "shown in full then; `python -m bot api-key create` replaces it with a new one)",
            "Make an image (the JSON answer has its URL), with the key in IMAGINE_API_KEY:",
            f"    {curl_example(url, '$IMAGINE_API_KEY', size)}",
        ]
    key = await keys.create(LOCAL_OPERATOR, LOCAL_KEY_NAME)
    return [
        f"API key for the local operator account: {key.secret}",
        "(shown once: keep it; later runs keep using it)",
        "Make an image (the JSON answer has its URL):",
        f"    {curl_example(url, key.secret, size)}",
    ]


async def serve(settings: Settings, *, local_key: bool = False, note: str = "") -> int:
    """Serve until SIGINT/SIGTERM. ``local_key``: the local operator's key (made on the
    first run, kept after) and a curl line that uses it."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    runtime = await Runtime.start(settings)
    await runtime.watcher.start()
    try:
        runner, url = await start_api(runtime.studio, settings.api_host, settings.api_port)
    except OSError as error:
        await runtime.stop()
        print(
            f"error: cannot serve the API on {settings.api_host}:{settings.api_port} "
            f"({error.strerror}); set API_PORT to a free port.",
            file=sys.stderr,
        )
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        lines = [
            f"Images API: {url}/v1 (OpenAI-compatible; OpenAPI description at {url}/openapi.json)"
        ]
        if local_key:
            lines += await operator_key_lines(ApiKeys.of(runtime.studio), url, settings)
        if note:
            lines += ["", note]
        print("\n".join(lines), flush=True)
        await stop.wait()
    finally:
        with contextlib.suppress(Exception):
            await runner.cleanup()
        await runtime.stop()
    return 0
