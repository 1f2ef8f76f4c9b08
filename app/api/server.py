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
from studio.requester import Requester
from studio.settings import Settings

log = logging.getLogger(__name__)

LOCAL_OPERATOR = Requester(id=0, name="console")  # the terminal's account (python -m bot imagine)


def curl_example(url: str, key: str, size: str) -> str:
    """One line that makes an image through the API and saves it as image.png."""
    body = f'{{"prompt": "a purple mammoth riding a motorcycle", "size": "{size}"}}'
    return (
        f"curl -s {url}/v1/images/generations -H {shlex.quote('Authorization: Bearer ' + key)}"
        f" -H 'Content-Type: application/json' -d {shlex.quote(body)}"
    )


async def serve(settings: Settings, *, local_key: bool = False, note: str = "") -> int:
    """Serve until SIGINT/SIGTERM. ``local_key``: print a new key for the local operator
    (the previous one printed this way is revoked) and a curl line that uses it."""
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
            key = await ApiKeys.of(runtime.studio).replace_named(LOCAL_OPERATOR, LOCAL_KEY_NAME)
            width, height = settings.sizes["square"]
            size = f"{width}x{height}"
            lines += [
                f"API key for the local operator account: {key.secret}",
                "Make an image (the JSON answer has its URL):",
                f"    {curl_example(url, key.secret, size)}",
            ]
        if note:
            lines += ["", note]
        print("\n".join(lines), flush=True)
        await stop.wait()
    finally:
        with contextlib.suppress(Exception):
            await runner.cleanup()
        await runtime.stop()
    return 0
