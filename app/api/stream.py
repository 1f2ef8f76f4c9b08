"""``stream: true``: the answer as Server-Sent Events in the shape of OpenAI's spec.

Up to ``partial_images`` (0–3) ``<kind>.partial_image`` events, each a progress preview the
worker sent while the first job ran (the studio's previews: a rough picture of the image so
far, as Discord shows; a sheet of the job's images side by side when it makes several),
then one ``<kind>.completed`` event per image, ``kind`` being ``image_generation`` or
``image_edit``. A job that fails after the stream began ends it with an ``error`` event
(OpenAI's clients raise it as an APIError); a refusal before any job started is a plain
HTTP error, as without streaming. Fewer partial images than asked come when the job is
faster than the previews (as OpenAI's spec allows) or the worker makes none
(``PREVIEW_DECODER=off``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from app.api.asked import Asked
from app.api.errors import ApiError
from app.api.formats import encode
from app.api.schemas import Usage
from studio.watcher import JobHandle


@dataclass(frozen=True)
class Echo:
    """The fields every event repeats: what was made and how."""

    size: str
    quality: str
    output_format: str
    background: str = "opaque"

    def fields(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "quality": self.quality,
            "background": self.background,
            "output_format": self.output_format,
        }


KEEP_ALIVE_SECONDS = 15  # a comment line this often: proxies keep a queued request open


class EventStream:
    """An open ``text/event-stream`` answer: whole events, one writer at a time, and a
    comment line every KEEP_ALIVE_SECONDS while a job waits in the queue."""

    def __init__(self, response: web.StreamResponse) -> None:
        self.response = response
        self._lock = asyncio.Lock()
        self._keep_alive = asyncio.create_task(self._beat())

    async def write(self, chunk: bytes) -> None:
        async with self._lock:
            await self.response.write(chunk)

    async def close(self) -> None:
        self._keep_alive.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._keep_alive
        with contextlib.suppress(ConnectionError):  # the client may have gone
            await self.response.write_eof()

    async def _beat(self) -> None:
        with contextlib.suppress(ConnectionError):
            while True:
                await asyncio.sleep(KEEP_ALIVE_SECONDS)
                await self.write(b": keep-alive\n\n")


async def open_stream(request: web.Request) -> EventStream:
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",  # nginx in front: pass events on at once
        }
    )
    await response.prepare(request)
    return EventStream(response)


async def send(events: EventStream, event: str, data: dict[str, Any]) -> None:
    payload = json.dumps(data, separators=(",", ":"))
    await events.write(f"event: {event}\ndata: {payload}\n\n".encode())


async def send_partials(
    events: EventStream, kind: str, handle: JobHandle, asked: Asked, echo: Echo
) -> None:
    """Relay the first ``asked.partial_images`` previews of ``handle`` until its job ends."""
    sent = 0
    async for update in handle.updates():
        if update.preview is None or sent >= asked.partial_images:
            continue
        picture = await asyncio.to_thread(encode, update.preview, asked.encoding)
        await send(
            events,
            f"{kind}.partial_image",
            {
                "type": f"{kind}.partial_image",
                "b64_json": base64.b64encode(picture).decode(),
                "created_at": int(time.time()),
                "partial_image_index": sent,
                **echo.fields(),
            },
        )
        sent += 1


async def send_completed(
    events: EventStream,
    kind: str,
    images: list[str],
    usages: list[Usage],
    echo: Echo,
    end_user: str | None,
) -> None:
    for b64, usage in zip(images, usages, strict=True):
        event = {
            "type": f"{kind}.completed",
            "b64_json": b64,
            "created_at": int(time.time()),
            "usage": usage.model_dump(),
            **echo.fields(),
        }
        if end_user:
            event["safety_identifier"] = end_user
        await send(events, f"{kind}.completed", event)


async def send_error(events: EventStream, error: ApiError) -> None:
    body = {"message": error.message, "type": error.type, "param": error.param, "code": error.code}
    await send(events, "error", {"type": "error", "error": body})
